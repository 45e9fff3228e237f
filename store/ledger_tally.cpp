// Tallies and ranks: kept in step on every add/revoke, read by leaderboards and counts,
// recomputed from the log by verify() and by the rebuild after a calendar change.
#include <algorithm>
#include <array>
#include <limits>
#include <unordered_map>

#include "store/ledger.hpp"

namespace brigade::store {

using codec::key32;
using codec::key64;
using codec::Role;
using lmdb::val;
using lmdb::view;

namespace {

constexpr std::size_t kMaxDriftLines = 100;

// Rank order: (period, bucket, scope), then larger counts first, then user number.
struct RankKey {
  std::uint8_t period;
  std::int32_t bucket;
  std::uint32_t scope;
  std::uint32_t inv_count;
  std::uint32_t user;
  auto operator<=>(const RankKey&) const = default;
};

RankKey rank_of(const codec::TallyKey& k, std::uint32_t count) {
  return RankKey{
      .period = k.period, .bucket = k.bucket, .scope = k.scope, .inv_count = ~count, .user = k.user};
}

codec::TallyKey tally_key(std::uint32_t scope, std::uint8_t period, std::int32_t bucket, Role role,
                          std::uint32_t user) {
  return codec::TallyKey{.period = period,
                         .bucket = bucket,
                         .scope = scope,
                         .role = static_cast<std::uint8_t>(role),
                         .user = user};
}

}  // namespace

struct Ledger::Recomputed {
  std::vector<std::pair<codec::TallyKey, std::uint32_t>> tallies;  // sorted by key
  std::uint64_t records = 0;
  std::uint64_t live = 0;
  std::uint64_t by_user = 0;  // index entries the log implies
  std::uint64_t by_chan = 0;
};

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
  const std::int64_t now = std::clamp<std::int64_t>(static_cast<std::int64_t>(old) + delta, 0,
                                                    std::numeric_limits<std::uint32_t>::max());
  const auto count = static_cast<std::uint32_t>(now);
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

  if (key.role != static_cast<std::uint8_t>(Role::received) || old == count) return;
  const auto rmain = codec::rank_main(key.period, key.bucket, key.scope);
  MDB_cursor* rc = cursor_of(kRank);
  if (old > 0) {
    const auto odup = codec::rank_dup(old, key.user);
    MDB_val rk = val(rmain), rd = val(odup);
    // A missing entry is drift for verify() to report, not a reason to refuse the write.
    if (lmdb::found(mdb_cursor_get(rc, &rk, &rd, MDB_GET_BOTH), "rank lookup"))
      lmdb::check(mdb_cursor_del(rc, 0), "rank delete");
  }
  if (count > 0) {
    const auto ndup = codec::rank_dup(count, key.user);
    MDB_val rk = val(rmain), rd = val(ndup);
    int rcode = mdb_cursor_put(rc, &rk, &rd, MDB_NODUPDATA);
    if (rcode != MDB_KEYEXIST) lmdb::check(rcode, "rank insert");
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
  auto entry = [&](std::uint32_t user, std::uint32_t count) {
    auto [id, name] = name_rec(user);
    out.push_back(LeaderEntry{std::string(id), std::string(name), count});
  };
  // Entries come in count order; past the limit only those tied with the last one still belong.
  auto past_limit = [&](std::uint32_t count) {
    return limit != 0 && out.size() >= limit && count != out.back().count;
  };
  if (!has_tally(p)) {
    auto counts = scan_counts(cal_.range(p, bucket), scope);
    std::vector<std::pair<std::uint32_t, std::uint32_t>> order;  // (count, user)
    for (const auto& [user, c] : counts)
      if (c.received > 0) order.emplace_back(c.received, user);
    std::sort(order.begin(), order.end(), [](const auto& a, const auto& b) {
      return a.first != b.first ? a.first > b.first : a.second < b.second;
    });
    for (auto [count, user] : order) {
      if (past_limit(count)) break;
      entry(user, count);
    }
    return out;
  }
  lmdb::Cursor c(txn_, db(kRank));
  const auto main = codec::rank_main(static_cast<std::uint8_t>(p), bucket, scope);
  MDB_val k = val(main), d;
  for (bool ok = c.get(k, d, MDB_SET_KEY); ok; ok = c.get(k, d, MDB_NEXT_DUP)) {
    std::uint32_t count = 0;
    auto t = codec::parse_rank(view(k), view(d), count);
    if (past_limit(count)) break;
    entry(t.user, count);
  }
  return out;
}

PersonCounts Ledger::counts(std::string_view user, std::string_view channel, Period p, std::int32_t bucket) {
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
  return pc;
}

Ledger::Recomputed Ledger::recompute() {
  // The log is (nearly) in time order, so each period's current bucket is counted in a small,
  // cache-resident map and flushed when the bucket changes; one map over all counters of a 10M
  // log was 5x slower. A late kudos for an old bucket just starts a second run for the same
  // counters, which the final sort sums.
  struct Run {
    std::int32_t bucket = std::numeric_limits<std::int32_t>::min();
    std::unordered_map<std::uint64_t, std::uint32_t> counts[2];  // per role: (scope << 32 | user) → n
  };
  Recomputed out;
  std::array<Run, kTallyPeriods.size()> runs;
  auto flush = [&](std::size_t i) {
    for (std::uint8_t role = 0; role < 2; ++role) {
      for (const auto& [su, n] : runs[i].counts[role])
        out.tallies.emplace_back(
            tally_key(static_cast<std::uint32_t>(su >> 32), static_cast<std::uint8_t>(kTallyPeriods[i]),
                      runs[i].bucket, static_cast<Role>(role), static_cast<std::uint32_t>(su)),
            n);
      runs[i].counts[role].clear();
    }
  };
  Buckets buckets(cal_);
  lmdb::Cursor c(txn_, db(kKudos));
  MDB_val k, d;
  for (bool ok = c.get(k, d, MDB_FIRST); ok; ok = c.get(k, d, MDB_NEXT)) {
    const auto id = codec::read64(view(k), "kudos key");
    const auto r = codec::decode_kudos(id, view(d));
    ++out.records;
    out.by_user += r.giver == r.recipient ? 1 : 2;
    out.by_chan += r.channel != 0 ? 1 : 0;
    if (r.revoked) continue;
    ++out.live;
    const auto b = buckets.of(r.ts);
    for (std::size_t i = 0; i < kTallyPeriods.size(); ++i) {
      if (b[i] != runs[i].bucket) {
        flush(i);
        runs[i].bucket = b[i];
      }
      auto& received = runs[i].counts[static_cast<std::size_t>(Role::received)];
      auto& given = runs[i].counts[static_cast<std::size_t>(Role::given)];
      ++received[r.recipient];
      ++given[r.giver];
      if (r.channel != 0) {
        ++received[(static_cast<std::uint64_t>(r.channel) << 32) | r.recipient];
        ++given[(static_cast<std::uint64_t>(r.channel) << 32) | r.giver];
      }
    }
  }
  for (std::size_t i = 0; i < runs.size(); ++i) flush(i);
  std::sort(out.tallies.begin(), out.tallies.end());
  // Sum the runs a late kudos split in two.
  std::size_t w = 0;
  for (std::size_t i = 0; i < out.tallies.size(); ++i) {
    if (w > 0 && out.tallies[w - 1].first == out.tallies[i].first)
      out.tallies[w - 1].second += out.tallies[i].second;
    else
      out.tallies[w++] = out.tallies[i];
  }
  out.tallies.resize(w);
  return out;
}

std::uint64_t Ledger::rebuild_tallies() {
  need_write("rebuild_tallies");
  close_cursors();  // cached positions would point into the dropped trees
  auto r = recompute();
  db(kTally).clear(txn_);
  db(kRank).clear(txn_);

  // Sorted input: MDB_APPEND for a new main key, MDB_APPENDDUP after it — fills pages completely.
  {
    lmdb::Cursor c(txn_, db(kTally));
    const codec::TallyKey* prev = nullptr;
    for (const auto& [key, count] : r.tallies) {
      const bool same = prev != nullptr && prev->period == key.period && prev->bucket == key.bucket &&
                        prev->scope == key.scope && prev->role == key.role;
      const auto main = codec::tally_main(key);
      const auto dup = codec::tally_dup(key.user, count);
      c.put(val(main), val(dup), same ? MDB_APPENDDUP : MDB_APPEND);
      prev = &key;
    }
  }
  std::vector<RankKey> ranks;
  for (const auto& [key, count] : r.tallies)
    if (key.role == static_cast<std::uint8_t>(Role::received)) ranks.push_back(rank_of(key, count));
  r.tallies = {};
  std::sort(ranks.begin(), ranks.end());
  {
    lmdb::Cursor c(txn_, db(kRank));
    const RankKey* prev = nullptr;
    for (const auto& rk : ranks) {
      const bool same = prev != nullptr && prev->period == rk.period && prev->bucket == rk.bucket &&
                        prev->scope == rk.scope;
      const auto main = codec::rank_main(rk.period, rk.bucket, rk.scope);
      const auto dup = codec::rank_dup(~rk.inv_count, rk.user);
      c.put(val(main), val(dup), same ? MDB_APPENDDUP : MDB_APPEND);
      prev = &rk;
    }
  }
  return r.live;
}

std::string Ledger::describe(const codec::TallyKey& k, NameCache& cache) {
  auto who = [&](std::uint32_t num) -> std::string {
    try {
      return cached_name(num, cache).first;
    } catch (const StoreError&) {
      return "#" + std::to_string(num) + " (unknown number)";
    }
  };
  std::string s = k.role == static_cast<std::uint8_t>(Role::received) ? "received" : "given";
  s += ", " + cal_.label(static_cast<Period>(k.period), k.bucket);
  s += ", " + (k.scope == 0 ? std::string("workspace") : "channel " + who(k.scope));
  s += ", " + who(k.user);
  return s;
}

VerifyReport Ledger::verify() {
  VerifyReport rep;
  NameCache cache;
  std::size_t unreported = 0;
  auto note = [&](std::string line) {
    if (rep.drift.size() < kMaxDriftLines)
      rep.drift.push_back(std::move(line));
    else
      ++unreported;
  };

  auto r = recompute();
  rep.kudos = r.live;

  // Merge the stored tallies (in key order) with the recomputed ones (sorted the same way).
  {
    lmdb::Cursor c(txn_, db(kTally));
    MDB_val k, d;
    bool more = c.get(k, d, MDB_FIRST);
    std::size_t i = 0;
    while (more || i < r.tallies.size()) {
      std::uint32_t stored_count = 0;
      codec::TallyKey stored{};
      if (more) stored = codec::parse_tally(view(k), view(d), stored_count);
      if (more && (i == r.tallies.size() || stored < r.tallies[i].first)) {
        note("tally " + describe(stored, cache) + ": stored " + std::to_string(stored_count) +
             ", not in the log");
        ++rep.tally_keys;
        more = c.get(k, d, MDB_NEXT);
      } else if (!more || r.tallies[i].first < stored) {
        note("tally " + describe(r.tallies[i].first, cache) + ": missing, the log says " +
             std::to_string(r.tallies[i].second));
        ++i;
      } else {
        if (stored_count != r.tallies[i].second)
          note("tally " + describe(stored, cache) + ": stored " + std::to_string(stored_count) +
               ", the log says " + std::to_string(r.tallies[i].second));
        ++rep.tally_keys;
        ++i;
        more = c.get(k, d, MDB_NEXT);
      }
    }
  }

  // Rank must hold exactly one entry per received tally, under its count.
  {
    std::vector<RankKey> expected;
    for (const auto& [key, count] : r.tallies)
      if (key.role == static_cast<std::uint8_t>(Role::received)) expected.push_back(rank_of(key, count));
    std::sort(expected.begin(), expected.end());
    auto as_tally = [](const RankKey& rk) {
      return tally_key(rk.scope, rk.period, rk.bucket, Role::received, rk.user);
    };
    lmdb::Cursor c(txn_, db(kRank));
    MDB_val k, d;
    bool more = c.get(k, d, MDB_FIRST);
    std::size_t i = 0;
    while (more || i < expected.size()) {
      RankKey stored{};
      if (more) {
        std::uint32_t count = 0;
        auto t = codec::parse_rank(view(k), view(d), count);
        stored = rank_of(t, count);
      }
      if (more && (i == expected.size() || stored < expected[i])) {
        note("rank " + describe(as_tally(stored), cache) + ": extra entry with count " +
             std::to_string(~stored.inv_count));
        more = c.get(k, d, MDB_NEXT);
      } else if (!more || expected[i] < stored) {
        note("rank " + describe(as_tally(expected[i]), cache) + ": missing entry with count " +
             std::to_string(~expected[i].inv_count));
        ++i;
      } else {
        ++i;
        more = c.get(k, d, MDB_NEXT);
      }
    }
  }

  auto check_count = [&](const char* what, std::uint64_t stored, std::uint64_t expected) {
    if (stored != expected)
      note(std::string("index ") + what + ": " + std::to_string(stored) + " entries, the log implies " +
           std::to_string(expected));
  };
  check_count("by_user", db(kByUser).entries(txn_), r.by_user);
  check_count("by_chan", db(kByChan).entries(txn_), r.by_chan);

  // Every open or taken ask, and nothing else, is in the open-ask index.
  {
    std::uint64_t open = 0;
    lmdb::Cursor c(txn_, db(kAsks));
    MDB_val k, d;
    for (bool ok = c.get(k, d, MDB_FIRST); ok; ok = c.get(k, d, MDB_NEXT)) {
      auto a = codec::decode_ask(view(d));
      if (a.state != AskState::open && a.state != AskState::taken) continue;
      ++open;
      MDB_val idx;
      if (!db(kOpenAsks).get(txn_, k, idx))
        note("index open_asks: help request #" + std::to_string(codec::read64(view(k), "ask key")) +
             " is missing");
    }
    check_count("open_asks", db(kOpenAsks).entries(txn_), open);
  }

  if (unreported > 0) rep.drift.push_back("… and " + std::to_string(unreported) + " more differences");
  return rep;
}

}  // namespace brigade::store
