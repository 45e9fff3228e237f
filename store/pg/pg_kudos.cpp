// The kudos log and allowances on PostgreSQL: adding and revoking kudos (the kudos_tally trigger
// keeps the tally table in step), reading them back with their corrections, and the conditional
// allowance upserts that keep replicas from spending past a limit. Same meaning as
// store/ledger_kudos.cpp.
#include <algorithm>
#include <limits>

#include "store/codec.hpp"
#include "store/pg/pg_ledger.hpp"
#include "store/rules.hpp"

namespace brigade::store::pg {

const std::string_view kKudosSelect =
    "SELECT k.id, k.ts, g.id, r.id, coalesce(ch.id, ''), k.kind, k.reason, k.vals, k.ask, k.number, "
    "k.revoked, c.kudos IS NOT NULL, c.ts, c.how, coalesce(b.id, ''), c.reason "
    "FROM kudos k JOIN ids g ON g.num = k.giver JOIN ids r ON r.num = k.recipient "
    "LEFT JOIN ids ch ON ch.num = k.channel AND k.channel <> 0 "
    "LEFT JOIN corrections c ON c.kudos = k.id LEFT JOIN ids b ON b.num = c.by_num AND c.by_num <> 0 ";

Kudos kudos_row(const Result& r, int row) {
  Kudos k;
  k.id = r.u64(row, 0);
  k.ts = r.i64(row, 1);
  k.giver = r.str(row, 2);
  k.recipient = r.str(row, 3);
  k.channel = r.str(row, 4);
  k.kind = static_cast<Kind>(r.i64(row, 5));
  k.reason = r.str(row, 6);
  k.values = r.text_array(row, 7);
  k.ask = r.u64(row, 8);
  k.number = r.u32(row, 9);
  k.revoked = r.boolean(row, 10);
  if (k.revoked && r.boolean(row, 11))
    k.revocation = Revocation{r.i64(row, 12), static_cast<RevokeHow>(r.i64(row, 13)), r.str(row, 14), r.str(row, 15)};
  return k;
}

namespace {

constexpr auto kMaxId = static_cast<std::uint64_t>(std::numeric_limits<std::int64_t>::max());

// LIMIT $n: NULL (no limit) for 0.
std::optional<std::int64_t> limit_of(std::size_t limit) {
  if (limit == 0) return std::nullopt;
  return static_cast<std::int64_t>(std::min<std::uint64_t>(limit, kMaxId));
}

std::vector<Kudos> kudos_rows(const Result& r) {
  std::vector<Kudos> out;
  out.reserve(static_cast<std::size_t>(r.rows()));
  for (int i = 0; i < r.rows(); ++i) out.push_back(kudos_row(r, i));
  return out;
}

}  // namespace

// ---- kudos log ---------------------------------------------------------------------------------

std::uint64_t PgLedger::add_kudos(Kudos& k) {
  need_write("add_kudos");
  if (k.ts < 0 || k.ts > codec::kMaxTs)
    throw StoreError("kudos timestamp out of range: " + std::to_string(k.ts), StoreError::Code::invalid);
  const auto kind = static_cast<std::uint8_t>(k.kind);
  if (kind < 1 || kind > 3) throw StoreError("unknown kudos kind " + std::to_string(kind), StoreError::Code::invalid);
  if (k.giver.empty() || k.recipient.empty())
    throw StoreError("a kudos needs a giver and a recipient", StoreError::Code::invalid);

  // The tally lock before anything else this transaction inserts: replicas queue here instead of
  // deadlocking on ids or tally rows.
  lock_tallies();
  const auto giver = intern(k.giver);
  const auto recipient = intern(k.recipient);
  const std::uint32_t channel = k.channel.empty() ? 0 : intern(k.channel);
  const auto b = buckets_of(cal_, k.ts);
  Params p(k.ts, giver, recipient, channel, kind, k.ask, k.reason);
  p.add_array(k.values).add(k.revoked).add(b.week).add(b.month).add(b.quarter).add(b.year);
  const std::int64_t floor_id = static_cast<std::int64_t>(k.ts) << 12;  // ids follow time
  if (kudos_counter_) {
    // This transaction holds the counter row since its BEGIN: the next number and id are known,
    // and the row goes out without waiting for an answer.
    KudosCounter next{kudos_counter_->value + 1, std::max(kudos_counter_->last_id + 1, floor_id)};
    const std::optional<std::int64_t> number =
        next.value <= 2147483647 ? std::optional<std::int64_t>(static_cast<std::int64_t>(next.value)) : std::nullopt;
    p.add(next.value).add(next.last_id).add(number);
    c_.send(
        "WITH n AS (UPDATE counters SET value = $14, last_id = $15 WHERE name = 'kudos') "
        "INSERT INTO kudos (id, number, ts, giver, recipient, channel, kind, ask, reason, vals, revoked, "
        "b_week, b_month, b_quarter, b_year) "
        "VALUES ($15, $16, $1, $2, $3, $4, $5, $6, $7, $8::text[], $9, $10, $11, $12, $13)",
        p);
    kudos_counter_ = next;
    k.id = static_cast<std::uint64_t>(next.last_id);
    k.number = number ? static_cast<std::uint32_t>(*number) : 0;
  } else {
    // K number and id from the counter row (held until commit, so both follow commit order).
    auto r = c_.exec(
        "WITH n AS (UPDATE counters SET value = value + 1, last_id = GREATEST(last_id + 1, $1::bigint << 12) "
        "WHERE name = 'kudos' RETURNING value, last_id) "
        "INSERT INTO kudos (id, number, ts, giver, recipient, channel, kind, ask, reason, vals, revoked, "
        "b_week, b_month, b_quarter, b_year) "
        "SELECT n.last_id, CASE WHEN n.value <= 2147483647 THEN n.value END, $1, $2, $3, $4, $5, $6, $7, "
        "$8::text[], $9, $10, $11, $12, $13 FROM n RETURNING id, number",
        p);
    if (r.empty()) throw StoreError("no counter 'kudos'", StoreError::Code::damaged);
    k.id = r.u64(0, 0);
    k.number = r.u32(0, 1);
    // The number is the counter's value, unless past the K numbers' range: then ask each time.
    if (k.number != 0) kudos_counter_ = KudosCounter{k.number, static_cast<std::int64_t>(k.id)};
  }
  auto& kept = added_[k.id] = k;
  kept.revocation.reset();  // a new row has no correction, whatever k carried
  return k.id;
}

bool PgLedger::revoke_kudos(std::uint64_t id, const Revocation& why, Period allowance) {
  need_write("revoke_kudos");
  rules::need_allowance_period(allowance);
  if (id > kMaxId) return false;
  lock_tallies();
  auto r = c_.exec("UPDATE kudos SET revoked = true WHERE id = $1 AND NOT revoked RETURNING giver, recipient, ts",
                   Params(id));
  if (r.empty()) return false;
  added_.erase(id);
  used_.clear();  // a kudos back in its slots
  const auto giver = r.u32(0, 0), recipient = r.u32(0, 1);
  const auto bucket = cal_.bucket(allowance, r.i64(0, 2));
  const std::uint32_t by = why.by.empty() ? 0 : intern(why.by);
  // The correction, and one kudos back in the allowance slot holding the kudos (in total and
  // towards its recipient); a pruned or empty slot stays as it is.
  c_.exec(
      "WITH c AS (INSERT INTO corrections (kudos, ts, how, by_num, reason) VALUES ($1, $2, $3, $4, $5) "
      "ON CONFLICT (kudos) DO UPDATE SET ts = EXCLUDED.ts, how = EXCLUDED.how, by_num = EXCLUDED.by_num, "
      "reason = EXCLUDED.reason) "
      "UPDATE allowance SET used = used - 1 WHERE giver = $6 AND period = $7 AND bucket = $8 "
      "AND recipient IN (0, $9) AND used > 0",
      Params(id, why.ts, static_cast<std::uint8_t>(why.how), by, why.reason, giver,
             static_cast<std::uint8_t>(allowance), bucket, recipient));
  return true;
}

std::optional<Kudos> PgLedger::kudos(std::uint64_t id) {
  if (id > kMaxId) return std::nullopt;
  if (auto it = added_.find(id); it != added_.end()) return it->second;
  auto r = c_.exec(std::string(kKudosSelect) + "WHERE k.id = $1", Params(id));
  if (r.empty()) return std::nullopt;
  return kudos_row(r, 0);
}

std::optional<Kudos> PgLedger::kudos_numbered(std::uint32_t number) {
  if (number == 0 || number > static_cast<std::uint32_t>(std::numeric_limits<std::int32_t>::max()))
    return std::nullopt;
  auto r = c_.exec(std::string(kKudosSelect) + "WHERE k.number = $1", Params(number));
  if (r.empty()) return std::nullopt;
  return kudos_row(r, 0);
}

std::vector<Kudos> PgLedger::kudos_between(Millis from, Millis until, std::size_t limit, bool newest_first) {
  if (until <= from) return {};
  auto r = c_.exec(std::string(kKudosSelect) + "WHERE k.ts >= $1 AND k.ts < $2 ORDER BY k.id " +
                       (newest_first ? "DESC" : "ASC") + " LIMIT $3",
                   Params(from, until, limit_of(limit)));
  return kudos_rows(r);
}

std::uint64_t PgLedger::kudos_count() {
  // Kudos rows are never deleted and each took the next K number in its own transaction, so the
  // counter is the row count without a scan (/healthz asks on every probe); verify() checks that
  // the two agree.
  return c_.exec("SELECT value FROM counters WHERE name = 'kudos'").u64(0, 0);
}

std::vector<Kudos> PgLedger::kudos_of(std::string_view user, Millis from, Millis until, std::size_t limit,
                                      bool newest_first) {
  if (until <= from) return {};
  const auto num = find_num(user);
  if (!num) return {};
  // Each side by its own index; a kudos to oneself comes once.
  auto r = c_.exec(std::string(kKudosSelect) +
                       "WHERE k.id IN (SELECT id FROM kudos WHERE giver = $1 AND ts >= $2 AND ts < $3 "
                       "UNION SELECT id FROM kudos WHERE recipient = $1 AND ts >= $2 AND ts < $3) ORDER BY k.id " +
                       (newest_first ? "DESC" : "ASC") + " LIMIT $4",
                   Params(*num, from, until, limit_of(limit)));
  return kudos_rows(r);
}

// ---- allowance ---------------------------------------------------------------------------------

std::uint32_t PgLedger::allowance_used(std::string_view giver, AllowanceSlot slot, std::string_view recipient) {
  const auto g = find_num(giver);
  if (!g) return 0;
  std::uint32_t rcp = 0;
  if (!recipient.empty()) {
    const auto n = find_num(recipient);
    if (!n) return 0;
    rcp = *n;
  }
  const SlotKey key{*g, static_cast<std::uint8_t>(slot.period), slot.bucket, rcp};
  if (auto it = used_.find(key); it != used_.end()) return it->second;
  auto r = c_.exec("SELECT used FROM allowance WHERE giver = $1 AND period = $2 AND bucket = $3 AND recipient = $4",
                   Params(*g, std::get<1>(key), slot.bucket, rcp));
  return used_[key] = r.empty() ? 0 : r.u32(0, 0);
}

bool PgLedger::debit_allowance(std::string_view giver, AllowanceSlot slot, std::uint32_t n, std::uint32_t limit,
                               std::string_view recipient) {
  need_write("debit_allowance");
  rules::need_allowance_period(slot.period);
  if (n == 0) return limit == 0 || allowance_used(giver, slot, recipient) <= limit;
  if (limit != 0 && n > limit) return false;  // refused whatever was used before: nothing to write
  if (n > static_cast<std::uint32_t>(std::numeric_limits<std::int32_t>::max()))
    throw StoreError("allowance counter overflow", StoreError::Code::full);
  const auto g = intern(giver);
  const std::uint32_t rcp = recipient.empty() ? 0 : intern(recipient);
  const auto p = static_cast<std::uint8_t>(slot.period);
  const std::int64_t stop = static_cast<std::int64_t>(slot.bucket) - rules::allowance_buckets_kept(slot.period);
  // One statement: the conditional upsert (a concurrent debit waits on the row, then sees its new
  // value, so no two replicas spend past the limit), and on the first debit of a giver's total
  // slot the pruning of their slots of this period older than about a month.
  static constexpr std::string_view kDebit =
      "WITH up AS (INSERT INTO allowance AS a (giver, period, bucket, recipient, used) "
      "VALUES ($1, $2, $3, $4, $5) ON CONFLICT (giver, period, bucket, recipient) "
      "DO UPDATE SET used = a.used + EXCLUDED.used "
      "WHERE $6::bigint = 0 OR a.used::bigint + EXCLUDED.used <= $6::bigint RETURNING used), "
      "gone AS (DELETE FROM allowance WHERE $4 = 0 AND giver = $1 AND period = $2 AND bucket < $7::bigint "
      "AND EXISTS (SELECT 1 FROM up WHERE used = $5)) "
      "SELECT used FROM up";
  const Params params(g, p, slot.bucket, rcp, n, limit, stop);
  if (rcp == 0)  // the pruning may drop slots this transaction knows
    std::erase_if(used_, [&](const auto& e) {
      return std::get<0>(e.first) == g && std::get<1>(e.first) == p && std::get<2>(e.first) < stop;
    });
  const SlotKey key{g, p, slot.bucket, rcp};
  if (limit == 0) {
    // Without a limit nothing can refuse it: sent without waiting for the answer.
    c_.send(kDebit, params);
    if (auto it = used_.find(key); it != used_.end()) it->second += n;
    return true;
  }
  auto r = c_.exec(kDebit, params);
  if (r.empty()) return false;
  used_[key] = r.u32(0, 0);
  return true;
}

}  // namespace brigade::store::pg
