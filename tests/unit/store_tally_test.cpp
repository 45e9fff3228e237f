// Tallies per period and scope, week starts and time zones, leaderboards, revokes, the rebuild
// after a calendar change, and verify() against the log.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <map>
#include <random>

#include "store/buckets.hpp"
#include "store/store.hpp"
#include "tests/unit/store_test_util.hpp"

namespace brigade::store {
namespace {

using namespace testing;
using ::testing::HasSubstr;

constexpr Period kKept[] = {Period::week, Period::month, Period::quarter, Period::year, Period::all};

PersonCounts counts(Store& s, const std::string& who, const std::string& where, Period p, Millis at) {
  return s.read()->counts(user(who), where.empty() ? "" : chan(where), p, s.calendar().bucket(p, at));
}

TEST(StoreTally, CountsEveryPeriodAtWorkspaceAndChannelScope) {
  TempDir dir;
  auto s = open_store(dir);
  add(*s, make("alice", "bob", "general", kNov18Ten));
  add(*s, make("alice", "carol", "random", kNov18Ten + kHour));
  add(*s, make("dave", "bob", "general", kOct05));

  const std::map<Period, std::uint32_t> bob = {
      {Period::week, 1}, {Period::month, 1}, {Period::quarter, 2}, {Period::year, 2}, {Period::all, 2}};
  for (auto p : kKept) {
    SCOPED_TRACE(std::string(core::to_string(p)));
    EXPECT_EQ(counts(*s, "bob", "", p, kNov18Ten).received, bob.at(p));
    EXPECT_EQ(counts(*s, "bob", "general", p, kNov18Ten).received, bob.at(p));
    EXPECT_EQ(counts(*s, "bob", "random", p, kNov18Ten).received, 0u);
    EXPECT_EQ(counts(*s, "bob", "", p, kNov18Ten).given, 0u);
    EXPECT_EQ(counts(*s, "alice", "", p, kNov18Ten).given, 2u);
    EXPECT_EQ(counts(*s, "alice", "", p, kNov18Ten).received, 0u);
    EXPECT_EQ(counts(*s, "alice", "general", p, kNov18Ten).given, 1u);
    EXPECT_EQ(counts(*s, "alice", "random", p, kNov18Ten).given, 1u);
    EXPECT_EQ(counts(*s, "carol", "random", p, kNov18Ten).received, 1u);
    EXPECT_EQ(counts(*s, "carol", "general", p, kNov18Ten).received, 0u);
  }
  EXPECT_EQ(counts(*s, "dave", "", Period::month, kNov18Ten).given, 0u);
  EXPECT_EQ(counts(*s, "dave", "", Period::month, kOct05).given, 1u);
  EXPECT_EQ(counts(*s, "dave", "general", Period::quarter, kNov18Ten).given, 1u);
  // No tallies for single days: answered from the log.
  EXPECT_EQ(counts(*s, "bob", "", Period::day, kNov18Ten).received, 1u);
  EXPECT_EQ(counts(*s, "alice", "random", Period::day, kNov18Ten).given, 1u);
  EXPECT_EQ(counts(*s, "nobody", "", Period::all, kNov18Ten).received, 0u);
  EXPECT_EQ(counts(*s, "bob", "nowhere", Period::all, kNov18Ten).received, 0u);
  EXPECT_TRUE(s->read()->verify().ok());
}

TEST(StoreTally, WeekStartDecidesWhichWeekASundayBelongsTo) {
  for (int start : {1, 0}) {
    SCOPED_TRACE(start);
    TempDir dir;
    core::Calendar cal("UTC", start);
    auto s = open_store(dir, cal);
    add(*s, make("alice", "bob", "general", kNov22Noon));  // Sunday
    add(*s, make("alice", "bob", "general", kNov23Noon));  // Monday
    const bool same_week = start == 0;
    EXPECT_EQ(cal.bucket(Period::week, kNov22Noon) == cal.bucket(Period::week, kNov23Noon), same_week);
    EXPECT_EQ(counts(*s, "bob", "", Period::week, kNov22Noon).received, same_week ? 2u : 1u);
    EXPECT_EQ(counts(*s, "bob", "general", Period::week, kNov23Noon).received, same_week ? 2u : 1u);
  }
}

TEST(StoreTally, TimeZoneMovesKudosAcrossMonths) {
  TempDir utc_dir, berlin_dir, la_dir;
  auto utc = open_store(utc_dir, core::Calendar("UTC", 1));
  auto berlin = open_store(berlin_dir, core::Calendar("Europe/Berlin", 1));
  auto la = open_store(la_dir, core::Calendar("America/Los_Angeles", 1));
  for (Store* s : {utc.get(), berlin.get(), la.get()}) {
    add(*s, make("alice", "bob", "general", kNov30Late));          // 23:30 UTC on the last day of November
    add(*s, make("alice", "bob", "general", kDec01 + 4 * kHour));  // 04:00 UTC, still 30 Nov in LA
  }
  const auto nov = 2026 * 12 + 10, dec = nov + 1;
  auto month = [](Store& s, std::int32_t b) {
    return s.read()->counts(user("bob"), "", Period::month, b).received;
  };
  EXPECT_EQ(month(*utc, nov), 1u);
  EXPECT_EQ(month(*utc, dec), 1u);
  EXPECT_EQ(month(*berlin, nov), 0u);
  EXPECT_EQ(month(*berlin, dec), 2u);
  EXPECT_EQ(month(*la, nov), 2u);
  EXPECT_EQ(month(*la, dec), 0u);
  EXPECT_EQ(berlin->read()->counts(user("bob"), "", Period::quarter, 2026 * 4 + 3).received, 2u);
  EXPECT_EQ(berlin->read()->counts(user("bob"), "", Period::year, 2026).received, 2u);
}

// This week in eng: r1 5 kudos, r3 and r2 3 each (r3 known first); r4 1 in ops, 2 the week before.
void give_leaderboard_kudos(Store& s) {
  auto w = s.write();
  w->set_name(user("r1"), "R One");
  w->set_name(user("r3"), "R Three");  // known before r2: wins their tie
  w->set_name(user("r2"), "");
  auto give = [&](const std::string& to, const std::string& where, int n, Millis ts) {
    for (int i = 0; i < n; ++i) {
      auto k = make("g" + std::to_string(i), to, where, ts + i);
      w->add_kudos(k);
    }
  };
  give("r1", "eng", 5, kNov18Ten);
  give("r2", "eng", 3, kNov18Ten);
  give("r3", "eng", 3, kNov18Ten);
  give("r4", "ops", 1, kNov18Ten);
  give("r4", "ops", 2, kNov18Ten - 7 * kDay);  // the week before, same month
  w->commit();
}

TEST(StoreTally, LeaderboardOrdersByCountThenFirstSeenAndHonoursLimit) {
  TempDir dir;
  auto s = open_store(dir);
  give_leaderboard_kudos(*s);
  const auto& cal = s->calendar();
  auto r = s->read();
  const auto week = cal.bucket(Period::week, kNov18Ten);
  auto top = r->leaderboard("", Period::week, week, 3);
  ASSERT_EQ(top.size(), 3u);
  EXPECT_EQ(top[0].user, user("r1"));
  EXPECT_EQ(top[0].name, "R One");
  EXPECT_EQ(top[0].count, 5u);
  EXPECT_EQ(top[1].user, user("r3"));
  EXPECT_EQ(top[1].name, "R Three");
  EXPECT_EQ(top[2].user, user("r2"));
  EXPECT_EQ(top[2].count, 3u);
  EXPECT_EQ(r->leaderboard("", Period::week, week, 10).size(), 4u);
  EXPECT_EQ(r->leaderboard("", Period::week, week, 0).size(), 4u);

  auto ops = r->leaderboard(chan("ops"), Period::week, week, 10);
  ASSERT_EQ(ops.size(), 1u);
  EXPECT_EQ(ops[0].user, user("r4"));
  EXPECT_EQ(ops[0].count, 1u);
  auto last_week = r->leaderboard("", Period::week, cal.shift(Period::week, week, -1), 10);
  ASSERT_EQ(last_week.size(), 1u);
  EXPECT_EQ(last_week[0].user, user("r4"));
  EXPECT_EQ(last_week[0].count, 2u);

  auto month = r->leaderboard("", Period::month, cal.bucket(Period::month, kNov18Ten), 10);
  std::vector<std::pair<std::string, std::uint32_t>> got;
  for (const auto& e : month) got.emplace_back(e.user, e.count);
  EXPECT_EQ(got, (std::vector<std::pair<std::string, std::uint32_t>>{
                     {user("r1"), 5}, {user("r3"), 3}, {user("r2"), 3}, {user("r4"), 3}}));
  EXPECT_EQ(r->leaderboard("", Period::all, 12345, 1).at(0).user, user("r1"));  // all-time ignores the bucket
  EXPECT_TRUE(r->leaderboard(chan("nowhere"), Period::week, week, 10).empty());
  EXPECT_TRUE(r->leaderboard("", Period::week, cal.shift(Period::week, week, 1), 10).empty());

  auto today = r->leaderboard("", Period::day, cal.day(kNov18Ten), 2);  // from the log
  // r3 and r2 tie for second: a limit of 2 keeps both rather than pick one by id.
  ASSERT_EQ(today.size(), 3u);
  EXPECT_EQ(today[0].user, user("r1"));
  EXPECT_EQ(today[1].user, user("r3"));
  EXPECT_EQ(today[2].user, user("r2"));
  EXPECT_EQ(today[1].count, today[2].count);
  // The same from the stored counters: a limit of 3 this month keeps the three tied at 3.
  EXPECT_EQ(r->leaderboard("", Period::month, cal.bucket(Period::month, kNov18Ten), 2).size(), 4u);
  EXPECT_EQ(r->leaderboard("", Period::month, cal.bucket(Period::month, kNov18Ten), 1).size(), 1u);
}

TEST(StoreTally, RevokeTakesTheKudosOutOfTalliesAndRanks) {
  TempDir dir;
  auto s = open_store(dir);
  auto a = add(*s, make("alice", "bob", "eng", kNov18Ten));
  auto b = add(*s, make("carol", "bob", "eng", kNov18Ten + 1));
  const auto week = s->calendar().bucket(Period::week, kNov18Ten);
  {
    auto w = s->write();
    EXPECT_TRUE(w->revoke_kudos(a));
    EXPECT_FALSE(w->revoke_kudos(a));
    EXPECT_FALSE(w->revoke_kudos(a + 1000));
    w->commit();
  }
  EXPECT_EQ(counts(*s, "bob", "eng", Period::week, kNov18Ten).received, 1u);
  EXPECT_EQ(counts(*s, "alice", "", Period::all, kNov18Ten).given, 0u);
  EXPECT_EQ(counts(*s, "carol", "", Period::all, kNov18Ten).given, 1u);
  auto top = s->read()->leaderboard("", Period::week, week, 10);
  ASSERT_EQ(top.size(), 1u);
  EXPECT_EQ(top[0].count, 1u);
  {
    auto w = s->write();
    EXPECT_TRUE(w->revoke_kudos(b));
    w->commit();
  }
  auto r = s->read();
  EXPECT_TRUE(r->leaderboard("", Period::week, week, 10).empty());
  EXPECT_TRUE(r->leaderboard(chan("eng"), Period::all, 0, 10).empty());
  EXPECT_TRUE(r->kudos(a)->revoked);
  EXPECT_EQ(r->kudos_count(), 2u);  // the log keeps the record
  EXPECT_TRUE(r->verify().ok());
}

TEST(StoreTally, CalendarChangeRebuildsTallies) {
  TempDir dir;
  {
    auto s = open_store(dir, core::Calendar("UTC", 1));
    add(*s, make("alice", "bob", "general", kNov22Noon));
    add(*s, make("alice", "bob", "general", kNov23Noon));
    add(*s, make("carol", "bob", "general", kNov30Late));
    EXPECT_EQ(counts(*s, "bob", "", Period::week, kNov22Noon).received, 1u);
    EXPECT_FALSE(s->read()->meta("store.tallies_rebuilt"));
  }
  {
    auto s = open_store(dir, core::Calendar("UTC", 0));  // weeks now start on Sunday
    EXPECT_EQ(counts(*s, "bob", "", Period::week, kNov22Noon).received, 2u);
    EXPECT_EQ(counts(*s, "bob", "general", Period::week, kNov23Noon).received, 2u);
    auto r = s->read();
    auto note = r->meta("store.tallies_rebuilt");
    ASSERT_TRUE(note);
    EXPECT_THAT(*note, HasSubstr("UTC|0"));
    EXPECT_THAT(*note, HasSubstr("3 kudos"));
    EXPECT_EQ(r->meta("store.calendar"), "UTC|0");
    EXPECT_TRUE(r->verify().ok());
    auto top = r->leaderboard("", Period::week, s->calendar().bucket(Period::week, kNov22Noon), 10);
    ASSERT_EQ(top.size(), 1u);
    EXPECT_EQ(top[0].count, 2u);
  }
  {
    auto s = open_store(dir, core::Calendar("Europe/Berlin", 0));
    EXPECT_EQ(s->read()->counts(user("bob"), "", Period::month, 2026 * 12 + 11).received,
              1u);  // December there
    EXPECT_TRUE(s->read()->verify().ok());
  }
}

TEST(StoreTally, BucketsAgreeWithTheCalendar) {
  std::mt19937_64 rng(42);
  for (const char* zone : {"UTC", "Europe/Berlin", "America/New_York", "Asia/Kolkata", "Australia/Lord_Howe",
                           "America/Santiago", "Pacific/Chatham"}) {
    for (int start = 0; start < 7; start += 3) {
      core::Calendar cal(zone, start);
      Buckets buckets(cal);
      std::uniform_int_distribution<Millis> any(0, 4'000'000'000'000);
      Millis t = 1'600'000'000'000;
      for (int i = 0; i < 3000; ++i) {
        // Mostly walking forward in small steps (like a log), sometimes jumping anywhere.
        t = i % 10 == 0 ? any(rng) : t + static_cast<Millis>(rng() % (7 * kHour));
        const auto& b = buckets.of(t);
        for (std::size_t p = 0; p < kTallyPeriods.size(); ++p)
          ASSERT_EQ(b[p], cal.bucket(kTallyPeriods[p], t))
              << zone << " start " << start << " t " << t << " period " << core::to_string(kTallyPeriods[p]);
      }
    }
  }
}

// Random adds, revokes and child transactions, then verify() and a brute-force recount.
// 60 commit groups of random adds, revokes and child transactions (some abandoned), seeded.
void random_operations(Store& s) {
  std::mt19937 rng(7);
  std::vector<std::uint64_t> ids;
  auto pick = [&](int n) { return static_cast<int>(rng() % static_cast<unsigned>(n)); };
  for (int group = 0; group < 60; ++group) {
    auto w = s.write();
    const int ops = 1 + pick(20);
    for (int i = 0; i < ops; ++i) {
      const int what = pick(100);
      Millis ts = kNov16 - 400 * kDay + static_cast<Millis>(rng() % (500ull * kDay));
      auto k = make("u" + std::to_string(pick(12)), "u" + std::to_string(pick(12)),
                    pick(5) == 0 ? "" : "c" + std::to_string(pick(4)), ts, static_cast<Kind>(1 + pick(3)));
      if (what < 60) {
        ids.push_back(w->add_kudos(k));
      } else if (what < 75 && !ids.empty()) {
        w->revoke_kudos(ids[static_cast<std::size_t>(pick(static_cast<int>(ids.size())))]);
      } else {
        auto c = w->child();
        auto id = c->add_kudos(k);
        if (!ids.empty()) c->revoke_kudos(ids[static_cast<std::size_t>(pick(static_cast<int>(ids.size())))]);
        if (what < 90) {
          c->commit();
          ids.push_back(id);
        }
      }
    }
    if (pick(6) == 0) continue;  // abandon the whole group
    w->commit();
  }
}

TEST(StoreTally, VerifyIsCleanAfterManyRandomOperations) {
  TempDir dir;
  core::Calendar cal("Europe/Berlin", 0);
  auto s = open_store(dir, cal);
  random_operations(*s);
  auto r = s->read();
  auto rep = r->verify();
  EXPECT_TRUE(rep.ok()) << ::testing::PrintToString(rep.drift);
  EXPECT_GT(rep.kudos, 100u);
  EXPECT_GT(rep.tally_keys, 100u);

  // Brute force from the log: every person's received/given for every period and scope. On LMDB
  // quarters and years are sums of month counters and a channel's "given" is read from the log,
  // so this holds both ways of answering to the same numbers.
  std::map<std::tuple<std::string, std::string, int, std::int32_t>, PersonCounts> expect;
  for (const auto& k : r->kudos_between(0, kDec01 + 400 * kDay, 0)) {
    if (k.revoked) continue;
    for (auto p : kKept) {
      for (const std::string& scope : {std::string(), k.channel}) {
        ++expect[{k.recipient, scope, static_cast<int>(p), cal.bucket(p, k.ts)}].received;
        ++expect[{k.giver, scope, static_cast<int>(p), cal.bucket(p, k.ts)}].given;
        if (k.channel.empty()) break;
      }
    }
  }
  // Each (scope, period, bucket)'s leaderboard: who received how many.
  std::map<std::tuple<std::string, int, std::int32_t>, std::map<std::string, std::uint32_t>> boards;
  for (const auto& [key, want] : expect) {
    auto [who, scope, p, b] = key;
    auto got = r->counts(who, scope, static_cast<Period>(p), b);
    EXPECT_EQ(got.received, want.received) << who << " " << scope << " " << p << " " << b;
    EXPECT_EQ(got.given, want.given) << who << " " << scope << " " << p << " " << b;
    if (want.received > 0) boards[{scope, p, b}][who] = want.received;
  }
  ASSERT_GT(boards.size(), 40u);
  for (const auto& [key, want] : boards) {
    auto [scope, p, b] = key;
    SCOPED_TRACE(scope + " " + std::string(core::to_string(static_cast<Period>(p))) + " " + std::to_string(b));
    auto top = r->leaderboard(scope, static_cast<Period>(p), b, 0);
    std::map<std::string, std::uint32_t> got;
    for (std::size_t i = 0; i < top.size(); ++i) {
      got[top[i].user] = top[i].count;
      if (i > 0) {
        EXPECT_GE(top[i - 1].count, top[i].count);
      }
    }
    EXPECT_EQ(got, want);
  }
}

TEST(StoreTally, VerifyReportsCorruptedTallies) {
  BRIGADE_LMDB_ONLY("corrupts tallies with raw LMDB writes (see StorePg.VerifyReportsAChangedTally)");
  TempDir dir;
  {
    auto s = open_store(dir);
    add(*s, make("alice", "bob", "eng", kNov18Ten));
    add(*s, make("carol", "bob", "eng", kNov18Ten + 1));
    ASSERT_TRUE(s->read()->verify().ok());
  }
  raw_write(dir.path(), [](MDB_txn* t) {
    // Bump the first tally entry by 5 and drop the last one.
    auto tally = raw_dbi(t, "tally", MDB_DUPSORT | MDB_DUPFIXED);
    lmdb::Cursor c(t, tally);
    MDB_val k, d;
    ASSERT_TRUE(c.get(k, d, MDB_FIRST));
    std::string main(lmdb::view(k));
    auto dup = lmdb::view(d);
    auto changed = codec::tally_dup(codec::get_be32(dup.data()), codec::get_be32(dup.data() + 4) + 5);
    c.del();
    c.put(lmdb::val(main), lmdb::val(changed));
    ASSERT_TRUE(c.get(k, d, MDB_LAST));
    c.del();
  });
  auto s = open_store(dir);
  auto rep = s->read()->verify();
  EXPECT_FALSE(rep.ok());
  std::string all;
  for (const auto& line : rep.drift) all += line + "\n";
  EXPECT_THAT(all, ::testing::ContainsRegex("stored [0-9]+, the log says [0-9]+"));
  EXPECT_THAT(all, HasSubstr("missing, the log says"));
  EXPECT_EQ(rep.kudos, 2u);
}

// A year's leaderboard adds up months per person number; a damaged counter naming a number never
// given out is reported as damage, not trusted to size anything.
TEST(StoreTally, AYearBoardRefusesAPersonNumberNeverGivenOut) {
  BRIGADE_LMDB_ONLY("plants a damaged counter with raw LMDB writes");
  TempDir dir;
  const auto month = core::Calendar().bucket(Period::month, kNov18Ten);
  {
    auto s = open_store(dir);
    add(*s, make("alice", "bob", "eng", kNov18Ten));
  }
  raw_write(dir.path(), [&](MDB_txn* t) {
    auto tally = raw_dbi(t, "tally", MDB_DUPSORT | MDB_DUPFIXED);
    const auto main = codec::tally_main(
        codec::tally_key(0, static_cast<std::uint8_t>(Period::month), month, codec::Role::received, 0));
    tally.put(t, lmdb::val(main), lmdb::val(codec::tally_dup(0xffff'fff0u, 3)));
  });
  auto s = open_store(dir);
  const auto year = core::Calendar().bucket(Period::year, kNov18Ten);
  EXPECT_THROW(s->read()->leaderboard("", Period::year, year, 10), StoreError);
  EXPECT_FALSE(s->read()->verify().ok());
  // The channel's board never held the damaged counter.
  auto board = s->read()->leaderboard(chan("eng"), Period::year, year, 10);
  ASSERT_EQ(board.size(), 1u);
  EXPECT_EQ(board[0].user, user("bob"));
}

}  // namespace
}  // namespace brigade::store
