// Transactions: nested children, abandoned writers, the single-writer slot and read-only views.
#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <mutex>
#include <thread>

#include "store/store.hpp"
#include "tests/unit/store_test_util.hpp"

namespace brigade::store {
namespace {

using namespace testing;

TEST(StoreTxn, AbortedChildLeavesNothing) {
  TempDir dir;
  auto s = open_store(dir);
  auto w = s->write();
  auto k1 = make("alice", "bob", "eng", kNov18Ten);
  w->add_kudos(k1);
  {
    auto c = w->child();
    auto k2 = make("carol", "dave", "ops", kNov18Ten + 1);
    c->add_kudos(k2);
    c->set_meta("x", "1");
    c->mark_seen("console:9", kNov18Ten, {k2.id});
    c->enqueue("console", core::Reply{});
    EXPECT_TRUE(c->debit_quota(user("carol"), 1, 1, 5));
    EXPECT_EQ(c->kudos_count(), 2u);
  }  // destroyed without commit
  EXPECT_EQ(w->kudos_count(), 1u);
  EXPECT_FALSE(w->meta("x"));
  w->commit();
  auto r = s->read();
  EXPECT_EQ(r->kudos_count(), 1u);
  EXPECT_FALSE(r->seen("console:9"));
  EXPECT_EQ(r->outbox_depth(), 0u);
  EXPECT_EQ(r->quota_used(user("carol"), 1), 0u);
  EXPECT_EQ(r->counts(user("dave"), "", Period::all, 0).received, 0u);
  EXPECT_EQ(r->counts(user("bob"), "", Period::all, 0).received, 1u);
  EXPECT_TRUE(r->verify().ok());
}

TEST(StoreTxn, CommittedChildJoinsItsParent) {
  TempDir dir;
  auto s = open_store(dir);
  {
    auto w = s->write();
    for (int i = 0; i < 3; ++i) {
      auto c = w->child();
      auto k = make("alice", "bob", "eng", kNov18Ten + i);
      c->add_kudos(k);
      c->commit();
      EXPECT_THROW(c->commit(), StoreError);
      EXPECT_THROW(c->kudos_count(), StoreError);
    }
    EXPECT_EQ(w->kudos_count(), 3u);
    w->commit();
  }
  EXPECT_EQ(s->read()->counts(user("bob"), chan("eng"), Period::all, 0).received, 3u);
  {
    auto w = s->write();
    auto c = w->child();
    auto k = make("alice", "bob", "eng", kNov18Ten + 10);
    c->add_kudos(k);
    c->commit();
  }  // the parent is abandoned: the child's work goes with it
  EXPECT_EQ(s->read()->kudos_count(), 3u);
  EXPECT_TRUE(s->read()->verify().ok());
}

// Tally changes are queued and written at commit or before a tally read; a child that reads
// tallies writes its ancestors' queued changes too, and must give them back when it aborts.
TEST(StoreTxn, QueuedTallyChangesSurviveAbortedChildren) {
  TempDir dir;
  auto s = open_store(dir);
  auto bob = [](Reader& r) { return r.counts(user("bob"), chan("eng"), Period::all, 0).received; };
  auto w = s->write();
  auto a = make("alice", "bob", "eng", kNov18Ten);
  w->add_kudos(a);
  {
    auto c = w->child();
    EXPECT_EQ(bob(*c), 1u);  // sees the parent's queued change
    auto b = make("carol", "bob", "eng", kNov18Ten + 1);
    c->add_kudos(b);
    {
      auto g = c->child();
      EXPECT_EQ(bob(*g), 2u);
      auto k = make("dave", "bob", "eng", kNov18Ten + 2);
      g->add_kudos(k);
      EXPECT_EQ(bob(*g), 3u);
      g->commit();
    }
    EXPECT_EQ(bob(*c), 3u);
    EXPECT_EQ(c->leaderboard("", Period::all, 0, 1).at(0).count, 3u);
  }  // aborted: b and the grandchild's kudos vanish, a must not
  EXPECT_EQ(bob(*w), 1u);
  {
    auto c = w->child();
    auto d = make("erin", "bob", "eng", kNov18Ten + 3);
    c->add_kudos(d);
    c->commit();
  }
  {
    auto c = w->child();
    EXPECT_TRUE(c->revoke_kudos(a.id));
    EXPECT_EQ(bob(*c), 1u);
  }  // aborted revoke
  EXPECT_EQ(bob(*w), 2u);
  EXPECT_EQ(w->leaderboard(chan("eng"), Period::all, 0, 5).at(0).count, 2u);
  w->commit();
  auto r = s->read();
  EXPECT_EQ(bob(*r), 2u);
  auto rep = r->verify();
  EXPECT_TRUE(rep.ok()) << ::testing::PrintToString(rep.drift);
}

// Counts read inside a write add the queued tally changes to the stored ones: per scope, period,
// bucket and role, never another counter's.
TEST(StoreTxn, CountsInAWriteAddOnlyTheirOwnQueuedChanges) {
  TempDir dir;
  auto s = open_store(dir);
  const auto& cal = s->calendar();
  constexpr Millis kWeekLater = kNov18Ten + 7 * 24 * 3600 * 1000LL;
  {
    auto w = s->write();
    auto k = make("alice", "bob", "eng", kNov18Ten);
    w->add_kudos(k);
    w->commit();
  }
  auto w = s->write();
  for (auto k : {make("alice", "bob", "eng", kNov18Ten + 1), make("carol", "bob", "ops", kNov18Ten + 2),
                 make("bob", "alice", "eng", kWeekLater)})
    w->add_kudos(k);
  const auto week = cal.bucket(Period::week, kNov18Ten);
  EXPECT_EQ(w->counts(user("bob"), "", Period::week, week).received, 3u);
  EXPECT_EQ(w->counts(user("bob"), "", Period::week, week).given, 0u);
  EXPECT_EQ(w->counts(user("bob"), chan("eng"), Period::week, week).received, 2u);
  EXPECT_EQ(w->counts(user("bob"), chan("ops"), Period::week, week).received, 1u);
  EXPECT_EQ(w->counts(user("bob"), "", Period::week, cal.bucket(Period::week, kWeekLater)).given, 1u);
  EXPECT_EQ(w->counts(user("bob"), "", Period::all, 0).received, 3u);
  EXPECT_EQ(w->counts(user("alice"), "", Period::all, 0).given, 2u);
  EXPECT_EQ(w->counts(user("alice"), "", Period::all, 0).received, 1u);
  EXPECT_EQ(w->counts(user("carol"), chan("eng"), Period::all, 0).given, 0u);
  EXPECT_EQ(w->counts(user("alice"), chan("eng"), Period::all, 0).given, 2u);
  // A quarter and a year add up their months, each with its own queued changes.
  for (auto p : {Period::quarter, Period::year}) {
    EXPECT_EQ(w->counts(user("bob"), "", p, cal.bucket(p, kNov18Ten)).received, 3u);
    EXPECT_EQ(w->counts(user("bob"), chan("eng"), p, cal.bucket(p, kNov18Ten)).received, 2u);
    EXPECT_EQ(w->counts(user("alice"), "", p, cal.bucket(p, kNov18Ten)).given, 2u);
  }
  w->commit();
  auto r = s->read();
  EXPECT_EQ(r->counts(user("bob"), "", Period::week, week).received, 3u);
  EXPECT_EQ(r->counts(user("alice"), "", Period::all, 0).given, 2u);
  EXPECT_TRUE(r->verify().ok());
}

TEST(StoreTxn, ParentIsOffLimitsWhileItsChildIsOpen) {
  TempDir dir;
  auto s = open_store(dir);
  auto w = s->write();
  auto c = w->child();
  EXPECT_THROW(w->kudos_count(), StoreError);
  EXPECT_THROW(w->child(), StoreError);
  EXPECT_THROW(w->commit(), StoreError);
  auto grandchild = c->child();  // nesting goes deeper
  grandchild->set_meta("depth", "2");
  grandchild->commit();
  c->commit();
  EXPECT_EQ(w->meta("depth"), "2");
  w->commit();
  EXPECT_EQ(s->read()->meta("depth"), "2");
}

TEST(StoreTxn, ChildOutlivingItsParentIsDead) {
  TempDir dir;
  auto s = open_store(dir);
  auto w = s->write();
  auto c = w->child();
  w.reset();
  EXPECT_THROW(c->kudos_count(), StoreError);
  EXPECT_THROW(c->commit(), StoreError);
  c.reset();
  auto again = s->write();  // the slot was given back
  again->commit();
}

TEST(StoreTxn, WriterDestroyedWithoutCommitLeavesNothing) {
  TempDir dir;
  auto s = open_store(dir);
  {
    auto w = s->write();
    auto k = make("alice", "bob", "eng", kNov18Ten);
    w->add_kudos(k);
    w->set_name(user("alice"), "Alice");
    w->set_cursor("matrix", "t1");
  }
  auto r = s->read();
  EXPECT_EQ(r->kudos_count(), 0u);
  EXPECT_EQ(r->name_of(user("alice")), "");
  EXPECT_FALSE(r->cursor("matrix"));
  auto w = s->write();
  w->commit();
  EXPECT_THROW(w->commit(), StoreError);
  EXPECT_THROW(w->set_meta("a", "b"), StoreError);
}

TEST(StoreTxn, ReadOnlyOpenSeesOnlyCommittedData) {
  TempDir dir;
  auto s = open_store(dir);
  add(*s, make("alice", "bob", "eng", kNov18Ten));
  auto w = s->write();
  auto k = make("carol", "bob", "eng", kNov18Ten + 1);
  w->add_kudos(k);

  auto ro = open_store(dir, core::Calendar("UTC", 1), true);
  auto before = ro->read();
  EXPECT_EQ(before->kudos_count(), 1u);
  EXPECT_EQ(before->counts(user("bob"), "", Period::all, 0).received, 1u);
  EXPECT_EQ(s->read()->kudos_count(), 1u);
  w->commit();
  EXPECT_EQ(before->kudos_count(), 1u);  // a reader keeps its snapshot
  EXPECT_EQ(ro->read()->kudos_count(), 2u);
  EXPECT_EQ(ro->read()->counts(user("bob"), "", Period::all, 0).received, 2u);
  EXPECT_THROW(ro->write(), StoreError);
}

TEST(StoreTxn, SecondWriterWaitsForTheFirst) {
  TempDir dir;
  auto s = open_store(dir);
  auto w = s->write();
  auto k = make("alice", "bob", "eng", kNov18Ten);
  w->add_kudos(k);

  std::mutex mu;
  std::condition_variable cv;
  bool got = false;
  std::uint64_t seen_count = 99;
  std::thread other([&] {
    auto w2 = s->write();
    auto n = w2->kudos_count();
    w2->commit();
    std::lock_guard lock(mu);
    got = true;
    seen_count = n;
    cv.notify_all();
  });
  {
    std::unique_lock lock(mu);
    EXPECT_FALSE(cv.wait_for(lock, std::chrono::milliseconds(100), [&] { return got; }));
  }
  w->commit();
  {
    std::unique_lock lock(mu);
    EXPECT_TRUE(cv.wait_for(lock, std::chrono::seconds(10), [&] { return got; }));
  }
  other.join();
  EXPECT_EQ(seen_count, 1u);  // it started after the first writer committed
}

TEST(StoreTxn, FullMapFailsTheWriteNotTheStore) {
  BRIGADE_LMDB_ONLY("the LMDB map size");
  TempDir dir;
  Options o = options(dir.path());
  o.map_size = std::size_t{1} << 20;
  auto s = Store::open(o, core::Calendar("UTC", 1));
  std::uint64_t committed = 0;
  std::string error;
  for (int g = 0; g < 500 && error.empty(); ++g) {
    auto w = s->write();
    try {
      for (int i = 0; i < 50; ++i) {
        auto k =
            make("u" + std::to_string(i % 17), "u" + std::to_string(i % 13 + 20), "c" + std::to_string(g % 9),
                 kNov16 + g * kHour + i, Kind::thanks, std::string(200, 'x'), {"teamwork"});
        w->add_kudos(k);
      }
      w->commit();
      committed += 50;
    } catch (const StoreError& e) {
      error = e.what();
      EXPECT_EQ(e.code(), StoreError::Code::full) << error;
    }
  }
  EXPECT_NE(error.find("MDB_MAP_FULL"), std::string::npos) << error;
  EXPECT_GT(committed, 0u);
  auto r = s->read();
  EXPECT_EQ(r->kudos_count(), committed);
  auto rep = r->verify();
  EXPECT_TRUE(rep.ok()) << ::testing::PrintToString(rep.drift);
  auto w = s->write();  // the writer slot was given back
  w->set_meta("still", "writable");
  w->commit();
}

TEST(StoreTxn, SameThreadCannotOpenTwoWriters) {
  TempDir dir;
  auto s = open_store(dir);
  auto w = s->write();
  EXPECT_THROW(s->write(), StoreError);
  try {
    s->write();
  } catch (const StoreError& e) {
    EXPECT_EQ(e.code(), StoreError::Code::misuse) << "a second writer on one thread is a programming error";
  }
  auto r = s->read();  // readers are always fine
  EXPECT_EQ(r->kudos_count(), 0u);
}

TEST(StoreTxn, ReadersWorkAcrossThreads) {
  TempDir dir;
  auto s = open_store(dir);
  add(*s, make("alice", "bob", "eng", kNov18Ten));
  auto r = s->read();  // MDB_NOTLS: a read transaction is not tied to its thread
  std::uint64_t n = 0;
  std::thread t([&] { n = r->kudos_count(); });
  t.join();
  EXPECT_EQ(n, 1u);
  std::atomic<int> ok{0};
  std::vector<std::thread> pool;
  for (int i = 0; i < 4; ++i)
    pool.emplace_back([&] {
      for (int j = 0; j < 50; ++j)
        if (s->read()->counts(user("bob"), "", Period::all, 0).received == 1) ++ok;
    });
  for (auto& th : pool) th.join();
  EXPECT_EQ(ok.load(), 200);
}

}  // namespace
}  // namespace brigade::store
