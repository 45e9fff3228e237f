// Tallies recomputed from the kudos log: rebuild_tallies() replaces the stored ones
// (after a calendar change), verify() reports every difference from them.
#include <algorithm>
#include <array>
#include <limits>
#include <unordered_map>

#include "store/ledger.hpp"

namespace brigade::store {

using codec::Role;
using codec::tally_key;
using lmdb::val;
using lmdb::view;

namespace {

constexpr std::size_t kMaxDriftLines = 100;

// Sorts the counters and sums the runs a late kudos split in two.
void sum_runs(std::vector<std::pair<codec::TallyKey, std::uint32_t>>& tallies) {
  std::sort(tallies.begin(), tallies.end());
  std::size_t w = 0;
  for (std::size_t i = 0; i < tallies.size(); ++i) {
    if (w > 0 && tallies[w - 1].first == tallies[i].first)
      tallies[w - 1].second += tallies[i].second;
    else
      tallies[w++] = tallies[i];
  }
  tallies.resize(w);
}

}  // namespace

struct Ledger::Recomputed {
  std::vector<std::pair<codec::TallyKey, std::uint32_t>> tallies;  // sorted by key
  std::uint64_t records = 0;
  std::uint64_t live = 0;
  std::uint64_t by_user = 0;  // index entries the log implies
  std::uint64_t by_chan = 0;
};

// verify()'s findings: the first kMaxDriftLines differences, and how many more there were.
struct Ledger::Drift {
  VerifyReport& rep;
  NameCache cache;
  std::size_t unreported = 0;

  void note(std::string line) {
    if (rep.drift.size() < kMaxDriftLines)
      rep.drift.push_back(std::move(line));
    else
      ++unreported;
  }
};

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
  std::array<Run, kCounterPeriods.size()> runs;
  auto flush = [&](std::size_t i) {
    for (std::uint8_t role = 0; role < 2; ++role) {
      for (const auto& [su, n] : runs[i].counts[role])
        out.tallies.emplace_back(
            tally_key(static_cast<std::uint32_t>(su >> 32), static_cast<std::uint8_t>(kCounterPeriods[i]),
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
    // The counters apply_tallies() moves: workspace received and given, channel received.
    for (std::size_t i = 0; i < kCounterPeriods.size(); ++i) {
      const auto bucket = b[tally_index(kCounterPeriods[i])];
      if (bucket != runs[i].bucket) {
        flush(i);
        runs[i].bucket = bucket;
      }
      auto& received = runs[i].counts[static_cast<std::size_t>(Role::received)];
      ++received[r.recipient];
      ++runs[i].counts[static_cast<std::size_t>(Role::given)][r.giver];
      if (r.channel != 0) ++received[(static_cast<std::uint64_t>(r.channel) << 32) | r.recipient];
    }
  }
  for (std::size_t i = 0; i < runs.size(); ++i) flush(i);
  sum_runs(out.tallies);
  return out;
}

std::uint64_t Ledger::rebuild_tallies() {
  need_write("rebuild_tallies");
  close_cursors();  // cached positions would point into the dropped trees
  auto r = recompute();
  db(kTally).clear(txn_);

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
  Drift drift{rep, {}};
  auto r = recompute();
  rep.kudos = r.live;
  verify_tallies(r, drift);
  verify_indexes(r, drift);
  if (drift.unreported > 0)
    rep.drift.push_back("… and " + std::to_string(drift.unreported) + " more differences");
  return rep;
}

// Merges the stored tallies (in key order) with the recomputed ones (sorted the same way).
void Ledger::verify_tallies(const Recomputed& r, Drift& drift) {
  lmdb::Cursor c(txn_, db(kTally));
  MDB_val k, d;
  bool more = c.get(k, d, MDB_FIRST);
  std::size_t i = 0;
  while (more || i < r.tallies.size()) {
    std::uint32_t stored_count = 0;
    codec::TallyKey stored{};
    if (more) stored = codec::parse_tally(view(k), view(d), stored_count);
    if (more && (i == r.tallies.size() || stored < r.tallies[i].first)) {
      drift.note("tally " + describe(stored, drift.cache) + ": stored " + std::to_string(stored_count) +
                 ", not in the log");
      ++drift.rep.tally_keys;
      more = c.get(k, d, MDB_NEXT);
    } else if (!more || r.tallies[i].first < stored) {
      drift.note("tally " + describe(r.tallies[i].first, drift.cache) + ": missing, the log says " +
                 std::to_string(r.tallies[i].second));
      ++i;
    } else {
      if (stored_count != r.tallies[i].second)
        drift.note("tally " + describe(stored, drift.cache) + ": stored " + std::to_string(stored_count) +
                   ", the log says " + std::to_string(r.tallies[i].second));
      ++drift.rep.tally_keys;
      ++i;
      more = c.get(k, d, MDB_NEXT);
    }
  }
}

// The day indexes hold as many entries as the log implies; every open or taken ask, and nothing
// else, is in the open-ask index.
void Ledger::verify_indexes(const Recomputed& r, Drift& drift) {
  auto check_count = [&](const char* what, std::uint64_t stored, std::uint64_t expected) {
    if (stored != expected)
      drift.note(std::string("index ") + what + ": " + std::to_string(stored) + " entries, the log implies " +
                 std::to_string(expected));
  };
  check_count("by_user", db(kByUser).entries(txn_), r.by_user);
  check_count("by_chan", db(kByChan).entries(txn_), r.by_chan);

  std::uint64_t open = 0;
  lmdb::Cursor c(txn_, db(kAsks));
  MDB_val k, d;
  for (bool ok = c.get(k, d, MDB_FIRST); ok; ok = c.get(k, d, MDB_NEXT)) {
    auto a = codec::decode_ask(view(d));
    if (a.state != AskState::open && a.state != AskState::taken) continue;
    ++open;
    MDB_val idx;
    if (!db(kOpenAsks).get(txn_, k, idx))
      drift.note("index open_asks: help request #" + std::to_string(codec::read64(view(k), "ask key")) +
                 " is missing");
  }
  check_count("open_asks", db(kOpenAsks).entries(txn_), open);
}

}  // namespace brigade::store
