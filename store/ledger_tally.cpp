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

namespace {

// A counter's stored value for a sum that may have left its range (a drifted counter).
std::uint32_t counter_value(std::int64_t sum) {
  return static_cast<std::uint32_t>(std::clamp<std::int64_t>(sum, 0, std::numeric_limits<std::uint32_t>::max()));
}

}  // namespace

void Ledger::apply_tallies(const codec::KudosRec& r, int delta) {
  const auto b = buckets_.of(r.ts);
  TallyDeltas now;
  TallyDeltas& out = deferred_ != nullptr ? *deferred_ : now;
  for (std::size_t i = 0; i < kTallyPeriods.size(); ++i) {
    const auto p = static_cast<std::uint8_t>(kTallyPeriods[i]);
    out.emplace_back(tally_key(0, p, b[i], Role::received, r.recipient), delta);
    out.emplace_back(tally_key(0, p, b[i], Role::given, r.giver), delta);
    if (r.channel != 0) {
      out.emplace_back(tally_key(r.channel, p, b[i], Role::received, r.recipient), delta);
      out.emplace_back(tally_key(r.channel, p, b[i], Role::given, r.giver), delta);
    }
  }
  if (deferred_ == nullptr) write_tallies(now);
}

void Ledger::write_tallies(TallyDeltas& deltas) {
  need_write("write_tallies");
  std::sort(deltas.begin(), deltas.end(),
            [](const TallyDelta& a, const TallyDelta& b) { return a.order < b.order; });
  for (std::size_t i = 0; i < deltas.size();) {
    std::int64_t sum = 0;
    std::size_t j = i;
    for (; j < deltas.size() && deltas[j].order == deltas[i].order; ++j) sum += deltas[j].delta;
    if (sum != 0) bump(deltas[i].key, sum);
    i = j;
  }
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
    // The received counters of (period, bucket, scope): one tally key's duplicates, in user order.
    // Keeping a count-ordered index in step instead cost a third of the write path (a delete and
    // an insert per counter change); a scope holds one entry per person who received something,
    // so sorting them here stays in the microseconds for thousands of people.
    lmdb::Cursor c(txn_, db(kTally));
    const auto main = codec::tally_main(tally_key(scope, static_cast<std::uint8_t>(p), bucket, Role::received, 0));
    MDB_val k = val(main), d;
    for (bool ok = c.get(k, d, MDB_SET_KEY); ok; ok = c.get(k, d, MDB_NEXT_DUP)) {
      std::uint32_t count = 0;
      auto t = codec::parse_tally(view(k), view(d), count);
      if (count > 0) order.emplace_back(count, t.user);
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
  if (!has_tally(p)) {
    auto all = scan_counts(cal_.range(p, bucket), scope);
    auto it = all.find(*u);
    return it == all.end() ? pc : it->second;
  }
  lmdb::Cursor c(txn_, db(kTally));
  for (auto role : {Role::received, Role::given}) {
    const auto main = codec::tally_main(tally_key(scope, static_cast<std::uint8_t>(p), bucket, role, *u));
    const auto probe = codec::tally_dup(*u, 0);
    MDB_val k = val(main), d = val(probe);
    if (!c.get(k, d, MDB_GET_BOTH_RANGE)) continue;
    std::uint32_t count = 0;
    auto t = codec::parse_tally(view(k), view(d), count);
    if (t.user != *u) continue;
    (role == Role::received ? pc.received : pc.given) = count;
  }
  // The changes still queued for these two counters, clamped as bump() would write them.
  std::int64_t received = pc.received, given = pc.given;
  for (const TallyDeltas* deltas : queued)
    for (const auto& d : *deltas) {
      const auto& k = d.key;
      if (k.user != *u || k.scope != scope || k.period != static_cast<std::uint8_t>(p) || k.bucket != bucket) continue;
      (k.role == static_cast<std::uint8_t>(Role::received) ? received : given) += d.delta;
    }
  pc.received = counter_value(received);
  pc.given = counter_value(given);
  return pc;
}

}  // namespace brigade::store
