// Tallies kept in step on every add/revoke, and read by leaderboards and counts (the
// recomputation from the log, for verify() and rebuilds, is in ledger_verify.cpp).
#include <algorithm>
#include <limits>
#include <unordered_map>

#include "store/ledger.hpp"

namespace brigade::store {

using codec::key64;
using codec::Role;
using codec::tally_key;
using lmdb::val;
using lmdb::view;

// Where `order` is, or the free slot it would take.
std::size_t TallyDeltas::slot_of(unsigned __int128 order) const {
  // The low 64 bits hold role and user, the high ones period, bucket and scope: fold, then mix.
  auto x =
      static_cast<std::uint64_t>(order) ^ (static_cast<std::uint64_t>(order >> 64) * 0x9E3779B97F4A7C15ULL);
  x ^= x >> 33;
  x *= 0xFF51AFD7ED558CCDULL;
  x ^= x >> 33;
  const std::size_t mask = slots_.size() - 1;
  for (auto i = static_cast<std::size_t>(x) & mask;; i = (i + 1) & mask)
    if (slots_[i] == 0 || items_[slots_[i] - 1].order == order) return i;
}

void TallyDeltas::grow() {
  slots_.assign(std::max<std::size_t>(64, slots_.size() * 2), 0);
  for (std::size_t n = 0; n < items_.size(); ++n)
    slots_[slot_of(items_[n].order)] = static_cast<std::uint32_t>(n + 1);
}

void TallyDeltas::add(const codec::TallyKey& key, std::int64_t delta) {
  if (2 * (items_.size() + 1) > slots_.size()) grow();
  const auto order = codec::sort_key(key);
  auto& slot = slots_[slot_of(order)];
  if (slot != 0) {
    items_[slot - 1].entry.second += delta;
    return;
  }
  items_.push_back(Item{order, {key, delta}});
  slot = static_cast<std::uint32_t>(items_.size());
}

void TallyDeltas::add(const TallyDeltas& other) {
  for (const auto& item : other.items_) add(item.entry.first, item.entry.second);
}

std::int64_t TallyDeltas::queued(const codec::TallyKey& key) const {
  if (items_.empty()) return 0;
  const auto slot = slots_[slot_of(codec::sort_key(key))];
  return slot == 0 ? 0 : items_[slot - 1].entry.second;
}

void TallyDeltas::clear() {
  items_.clear();
  slots_.clear();
}

std::vector<TallyDeltas::Entry> TallyDeltas::in_key_order() const {
  std::vector<const Item*> order;
  order.reserve(items_.size());
  for (const auto& item : items_)
    if (item.entry.second != 0) order.push_back(&item);
  std::sort(order.begin(), order.end(), [](const Item* a, const Item* b) { return a->order < b->order; });
  std::vector<Entry> out;
  out.reserve(order.size());
  for (const Item* item : order) out.push_back(item->entry);
  return out;
}

namespace {

// A counter's stored value for a sum that may have left its range (a drifted counter).
std::uint32_t counter_value(std::int64_t sum) {
  return static_cast<std::uint32_t>(std::clamp<std::int64_t>(sum, 0, std::numeric_limits<std::uint32_t>::max()));
}

}  // namespace

// The counters a kudos moves: for week, month and all time, received and given in the workspace
// and received in its channel — 9 in all. Quarters and years add up their months when read, and
// nothing shows who gave most in one channel, so counts() finds that in the log instead.
void Ledger::apply_tallies(const codec::KudosRec& r, int delta) {
  const auto& b = buckets_.of(r.ts);
  TallyDeltas now;
  TallyDeltas& out = deferred_ != nullptr ? *deferred_ : now;
  for (const auto period : kCounterPeriods) {
    const auto p = static_cast<std::uint8_t>(period);
    const auto bucket = b[tally_index(period)];
    out.add(tally_key(0, p, bucket, Role::received, r.recipient), delta);
    out.add(tally_key(0, p, bucket, Role::given, r.giver), delta);
    if (r.channel != 0) out.add(tally_key(r.channel, p, bucket, Role::received, r.recipient), delta);
  }
  if (deferred_ == nullptr) write_tallies(now);
}

void Ledger::write_tallies(TallyDeltas& deltas) {
  need_write("write_tallies");
  for (const auto& [key, sum] : deltas.in_key_order()) bump(key, sum);
  deltas.clear();
}

void Ledger::bump(const codec::TallyKey& key, std::int64_t delta) {
  const auto main = codec::tally_main(key);
  const auto probe = codec::tally_dup(key.user, 0);
  MDB_cursor* c = cursor_of(kTally);
  MDB_val k = val(main), d = val(probe);
  std::uint32_t old = 0;
  bool have = false;
  if (lmdb::found(mdb_cursor_get(c, &k, &d, MDB_GET_BOTH_RANGE), "tally lookup")) {
    auto dv = view(d);
    if (dv.size() != 8) codec::corrupt("tally entry", "wrong size");
    if (codec::get_be32(dv.data()) == key.user) {
      old = codec::get_be32(dv.data() + 4);
      have = true;
    }
  }
  // Below zero only if the counter had already drifted from the log: keep writing (a revoke must
  // not fail forever) and leave the report to verify().
  const auto count = counter_value(static_cast<std::int64_t>(old) + delta);
  const auto dup = codec::tally_dup(key.user, count);
  k = val(main);
  d = val(dup);
  if (have && count > 0) {
    // Same user prefix, so the duplicate keeps its place: overwrite in place.
    lmdb::check(mdb_cursor_put(c, &k, &d, MDB_CURRENT), "tally update");
  } else if (have) {
    lmdb::check(mdb_cursor_del(c, 0), "tally delete");
  } else if (count > 0) {
    lmdb::check(mdb_cursor_put(c, &k, &d, MDB_NODUPDATA), "tally insert");
  }
}

std::unordered_map<std::uint32_t, PersonCounts> Ledger::scan_counts(core::Range range, std::uint32_t scope) {
  std::unordered_map<std::uint32_t, PersonCounts> out;
  auto [lo, hi] = id_range(range.from, range.until);
  if (lo >= hi) return out;
  lmdb::Cursor c(txn_, db(kKudos));
  auto lok = key64(lo);
  MDB_val k = val(lok), d;
  for (bool ok = c.get(k, d, MDB_SET_RANGE); ok; ok = c.get(k, d, MDB_NEXT)) {
    const auto id = codec::read64(view(k), "kudos key");
    if (id >= hi) break;
    auto r = codec::decode_kudos(id, view(d));
    if (r.revoked || r.ts < range.from || r.ts >= range.until || (scope != 0 && r.channel != scope)) continue;
    ++out[r.recipient].received;
    ++out[r.giver].given;
  }
  return out;
}

namespace {

// The main keys whose counters add up to (scope, period, bucket, role): one, or a quarter's or a
// year's months.
std::vector<codec::TallyKey> counter_keys(std::uint32_t scope, Period p, std::int32_t bucket, Role role,
                                          std::uint32_t user) {
  if (p == Period::quarter || p == Period::year) {
    const auto span = months_of(p, bucket);
    std::vector<codec::TallyKey> keys;
    keys.reserve(static_cast<std::size_t>(span.count));
    for (std::int32_t m = 0; m < span.count; ++m)
      keys.push_back(tally_key(scope, static_cast<std::uint8_t>(Period::month), span.first + m, role, user));
    return keys;
  }
  return {tally_key(scope, static_cast<std::uint8_t>(p), bucket, role, user)};
}

}  // namespace

std::vector<LeaderEntry> Ledger::leaderboard(std::string_view channel, Period p, std::int32_t bucket,
                                             std::size_t limit) {
  std::vector<LeaderEntry> out;
  std::uint32_t scope = 0;
  if (!channel.empty()) {
    auto c = find_num(channel);
    if (!c) return out;
    scope = *c;
  }
  if (p == Period::all) bucket = 0;
  std::vector<std::pair<std::uint32_t, std::uint32_t>> order;  // (count, user)
  if (!has_tally(p)) {
    for (const auto& [user, c] : scan_counts(cal_.range(p, bucket), scope))
      if (c.received > 0) order.emplace_back(c.received, user);
  } else {
    // The received counters of (period, bucket, scope): one tally key's duplicates, in user order
    // (a quarter or a year: its months', summed per person). Keeping a count-ordered index in step
    // instead cost a third of the write path (a delete and an insert per counter change); a scope
    // holds one entry per person who received something, so sorting them here stays in the
    // microseconds for thousands of people.
    const auto keys = counter_keys(scope, p, bucket, Role::received, 0);
    std::vector<std::pair<std::uint32_t, std::uint32_t>> per_user;  // (user, count) per key, in user order
    std::uint32_t top_user = 0;
    lmdb::Cursor c(txn_, db(kTally));
    for (const auto& key : keys) {
      const auto main = codec::tally_main(key);
      MDB_val k = val(main), d;
      if (!c.get(k, d, MDB_SET_KEY)) continue;
      // The duplicates are fixed-size (user, count): a page of them per call.
      for (bool ok = c.get(k, d, MDB_GET_MULTIPLE); ok; ok = c.get(k, d, MDB_NEXT_MULTIPLE)) {
        const auto items = view(d);
        if (items.size() % 8 != 0) codec::corrupt("tally entry", "wrong size");
        for (std::size_t at = 0; at < items.size(); at += 8) {
          const auto user = codec::get_be32(items.data() + at), count = codec::get_be32(items.data() + at + 4);
          if (count == 0) continue;
          per_user.emplace_back(user, count);
          top_user = std::max(top_user, user);
        }
      }
    }
    if (keys.size() == 1) {
      for (auto [user, count] : per_user) order.emplace_back(count, user);
    } else {
      // Months add up per person in an array indexed by person number (numbers are dense: one per
      // id ever seen); sorting a year's twelve runs instead cost 1.7 ms at 1M kudos.
      // A number past the last one given out is damage (name_rec() would say so too), and must not
      // size the array.
      if (top_user > last_number())
        codec::corrupt("tally entry", "person number " + std::to_string(top_user) + " was never given out");
      std::vector<std::uint32_t> sum(static_cast<std::size_t>(top_user) + 1, 0);
      std::vector<std::uint32_t> people;
      for (auto [user, count] : per_user) {
        if (sum[user] == 0) people.push_back(user);
        sum[user] = counter_value(static_cast<std::int64_t>(sum[user]) + count);
      }
      for (auto user : people) order.emplace_back(sum[user], user);
    }
  }
  std::sort(order.begin(), order.end(), [](const auto& a, const auto& b) {
    return a.first != b.first ? a.first > b.first : a.second < b.second;
  });
  for (auto [count, user] : order) {
    if (!ranked(user)) continue;  // hidden, gone or forgotten: counted, never ranked
    // Past the limit only those tied with the last one still belong.
    if (limit != 0 && out.size() >= limit && count != out.back().count) break;
    auto [id, name] = name_rec(user);
    out.push_back(LeaderEntry{std::string(id), std::string(name), count});
  }
  return out;
}

PersonCounts Ledger::counts(std::string_view user, std::string_view channel, Period p, std::int32_t bucket,
                            std::span<const TallyDeltas* const> queued) {
  PersonCounts pc;
  auto u = find_num(user);
  if (!u) return pc;
  std::uint32_t scope = 0;
  if (!channel.empty()) {
    auto c = find_num(channel);
    if (!c) return pc;
    scope = *c;
  }
  if (p == Period::all) bucket = 0;
  // No counters for a day, nor for what someone gave in one channel: those come from the log,
  // which already holds this write's kudos (only the counters wait in `queued`).
  const bool scan_received = !has_tally(p), scan_given = scan_received || scope != 0;
  if (scan_given) {
    auto all = scan_counts(cal_.range(p, bucket), scope);
    if (auto it = all.find(*u); it != all.end()) {
      if (scan_received) pc.received = it->second.received;
      if (scan_given) pc.given = it->second.given;
    }
    if (scan_received) return pc;
  }
  lmdb::Cursor c(txn_, db(kTally));
  for (auto role : {Role::received, Role::given}) {
    if (role == Role::given && scan_given) continue;
    std::int64_t sum = 0;
    for (const auto& key : counter_keys(scope, p, bucket, role, *u)) {
      std::int64_t stored = 0;
      const auto main = codec::tally_main(key);
      const auto probe = codec::tally_dup(*u, 0);
      MDB_val k = val(main), d = val(probe);
      if (c.get(k, d, MDB_GET_BOTH_RANGE)) {
        std::uint32_t count = 0;
        if (codec::parse_tally(view(k), view(d), count).user == *u) stored = count;
      }
      // The changes still queued for this counter, clamped as bump() will write them.
      for (const TallyDeltas* deltas : queued) stored += deltas->queued(key);
      sum += counter_value(stored);
    }
    (role == Role::received ? pc.received : pc.given) = counter_value(sum);
  }
  return pc;
}

}  // namespace brigade::store
