// People's choices and rights on PostgreSQL: privacy and automatic hiding (columns of ids),
// erasure that keeps every total (the id becomes its tombstone), everything held about one
// person, and the retention of reason text. Same meaning as store/ledger_people.cpp.
#include <algorithm>
#include <charconv>
#include <set>

#include "store/codec.hpp"
#include "store/pg/pg_ledger.hpp"
#include "store/rules.hpp"

namespace brigade::store::pg {

namespace {

bool is_tombstone(std::string_view id) {
  return id.substr(0, kTombstone.size()) == kTombstone;
}

}  // namespace

PersonState PgLedger::person(std::string_view user) {
  PersonState unknown;
  unknown.forgotten = is_tombstone(user);
  if (user.empty() || user.size() > kMaxIdBytes) return unknown;
  // A tombstone is no id of its own on LMDB (its number only reads as it): it answers as unknown.
  const auto& k = row(user);
  if (k.no_row || !k.state || k.state->forgotten) return unknown;
  return *k.state;
}

void PgLedger::set_privacy(std::string_view user, Privacy p) {
  need_write("set_privacy");
  const auto num = intern(user);
  auto r = c_.exec("UPDATE ids SET privacy = $2 WHERE num = $1 AND NOT forgotten RETURNING num",
                   Params(num, static_cast<std::uint8_t>(p)));
  if (r.empty()) throw StoreError("that person was erased", StoreError::Code::invalid);
  reread(user);
}

void PgLedger::set_gone(std::string_view user, bool gone) {
  need_write("set_gone");
  // Nothing recorded about them: nothing to hide (no row is made).
  if (user.empty() || user.size() > kMaxIdBytes) return;
  c_.exec("UPDATE ids SET gone = $2 WHERE id = $1 AND gone <> $2 AND NOT forgotten", Params(user, gone));
  reread(user);
}

std::string PgLedger::forget(std::string_view user) {
  need_write("forget");
  const auto num = find_num(user);
  if (!num || is_tombstone(user))
    throw StoreError("Brigade holds nothing about '" + std::string(user) + "'", StoreError::Code::invalid);
  const std::string tomb = std::string(kTombstone) + std::to_string(*num);
  const std::string id(user);

  // Their identity: the id no longer resolves, the number now reads as the tombstone.
  c_.exec("UPDATE ids SET id = $2, name = '', forgotten = true WHERE num = $1", Params(*num, tomb));
  ids_[*num] = tomb;
  for (const std::string_view gone : {std::string_view(id), std::string_view(tomb)})
    if (auto it = known_.find(gone); it != known_.end()) known_.erase(it);

  added_.clear();  // kudos added in this transaction may name them, or carry their reason

  // What they wrote: the reasons of the kudos they gave, the text of their help requests.
  c_.exec("UPDATE kudos SET reason = '' WHERE giver = $1 AND reason <> ''", Params(*num));
  c_.exec("UPDATE asks SET text = '' WHERE requester = $1 AND text <> ''", Params(*num));

  // Replies waiting to go out that name them.
  auto r = c_.exec("SELECT seq, item FROM outbox ORDER BY seq");
  std::vector<std::uint64_t> drop;
  for (int i = 0; i < r.rows(); ++i) {
    const auto seq = r.u64(i, 0);
    if (reply_names(codec::decode_outbox(seq, r.bytes(i, 1)).reply, id)) drop.push_back(seq);
  }
  if (!drop.empty()) c_.exec("DELETE FROM outbox WHERE seq = ANY($1::bigint[])", Params().add_array(drop));
  return tomb;
}

std::size_t PgLedger::drop_reasons_before(Millis cutoff) {
  need_write("drop_reasons_before");
  if (std::clamp<Millis>(cutoff, 0, codec::kMaxTs + 1) <= 0) return 0;
  // Every kudos below the last run's watermark has ts < that run's cutoff <= this one: done.
  std::uint64_t from = 0;
  if (auto v = meta(kMetaRetention)) {
    auto [p, ec] = std::from_chars(v->data(), v->data() + v->size(), from);
    if (ec != std::errc() || p != v->data() + v->size())
      throw StoreError("corrupt meta " + std::string(kMetaRetention) + " in the store: not a number",
                       StoreError::Code::damaged);
  }
  added_.clear();  // their reasons may be among those dropped
  auto r = c_.exec("UPDATE kudos SET reason = '' WHERE ts < $1 AND id >= $2 AND reason <> ''",
                   Params(static_cast<std::int64_t>(cutoff), from));
  const auto n = static_cast<std::size_t>(r.affected());
  // ids start at ts << 12, so every kudos with an id below cutoff << 12 has ts < cutoff.
  const auto watermark = static_cast<std::uint64_t>(std::clamp<Millis>(cutoff, 0, codec::kMaxTs))
                         << codec::kIdShift;
  if (watermark > from) put_meta(kMetaRetention, std::to_string(watermark));
  return n;
}

std::optional<PersonRecord> PgLedger::export_person(std::string_view user) {
  if (user.empty() || user.size() > kMaxIdBytes) return std::nullopt;
  auto p = c_.exec("SELECT num, id, name, privacy, gone, forgotten FROM ids WHERE id = $1", Params(user));
  // A tombstone was never an id the store saw (as on LMDB, where it does not resolve).
  if (p.empty() || p.boolean(0, 5)) return std::nullopt;
  const auto num = p.u32(0, 0);
  PersonRecord out;
  out.user = p.str(0, 1);
  out.name = p.str(0, 2);
  out.state = person_state(p, 0, 3);
  for (auto& k : kudos_of(user, 0, codec::kMaxTs + 1, 0, false))
    (k.giver == out.user ? out.given : out.received).push_back(std::move(k));
  auto a = c_.exec("SELECT id FROM asks WHERE requester = $1 OR taker = $1 OR $1 = ANY(helpers) ORDER BY id",
                   Params(num));
  for (int i = 0; i < a.rows(); ++i)
    if (auto one = ask(a.u64(i, 0))) out.asks.push_back(std::move(*one));
  rules::add_person_audit(out, audit(0, 0));
  return out;
}

}  // namespace brigade::store::pg
