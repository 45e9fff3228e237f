// Replicas and faults, on Slack: kill -9 of the primary under a stream of commands, and the
// PostgreSQL server stopped and started under load (fixture: replica_process_test.hpp).
#include <signal.h>

#include "tests/integration/replica_process_test.hpp"

namespace brigade::replica_test {
namespace {

// kill -9 of the primary under a stream of slash commands spread over both Socket Mode
// connections (at most 8 unacknowledged at a time). What the dead connection left unacknowledged
// is delivered again on the survivor's, as Slack does for a connection that went away (same
// envelope, same trigger id): a command the dead replica had committed is then a duplicate.
// Every command is counted exactly once; every reply is posted — the survivor takes the lease
// over once it expires and sends what the dead primary had not. A reply is posted twice only in
// the maybe-sent window (docs/architecture.md): its post was on the wire when the primary died,
// before the outbox recorded it sent, and Slack's chat.post* has no idempotency key — so the new
// primary posts it again (expect_each_reply_once says how that is told apart from a real double).
TEST_F(ReplicaTest, KillNineOfThePrimaryUnderAStreamCountsEachCommandOnceAndSendsEachReply) {
  std::unique_ptr<Child> a, b;
  start_pair(a, b);
  if (HasFatalFailure()) return;
  constexpr int kCommands = 60, kKillAt = 30, kWindow = 8;
  std::vector<std::string> ids, to_a;
  Clock::time_point killed_at;
  for (int i = 0; i < kCommands; ++i) {
    ASSERT_TRUE(slack_.wait([&] { return acked().size() + kWindow >= ids.size(); }, 30s))
        << "acks stalled at " << acked().size() << " of " << ids.size() << "\n"
        << a->err() << b->err();
    if (i == kKillAt) {
      killed_at = Clock::now();
      a->signal(SIGKILL);
      ASSERT_EQ(a->wait(10s), 128 + SIGKILL);
      auto done = acked();
      int again = 0;
      for (const auto& id : to_a) {
        if (done.count(id) != 0) continue;
        slack_.send(1, thanks(id));
        ++again;
      }
      std::printf("kill -9 of the primary after %zu commands sent, %zu acked; %d delivered again\n",
                  ids.size(), done.size(), again);
    }
    ids.push_back(name("cmd", i));
    const std::size_t conn = i < kKillAt ? i % 2 : 1;
    if (conn == 0) to_a.push_back(ids.back());
    slack_.send(conn, thanks(ids.back()));
  }
  ASSERT_TRUE(all_acked(ids, 30s)) << b->err();
  ASSERT_TRUE(b->wait_for_log(kPrimary, 30s)) << b->err();
  const auto took_over = Clock::now();
  ASSERT_TRUE(all_replied(ids, 30s)) << dump_replies() << b->err();
  std::printf("the standby was primary %.1f s after the kill; every reply sent %.1f s after it\n",
              seconds(took_over - killed_at), seconds(Clock::now() - killed_at));
  EXPECT_LE(took_over - killed_at, 15s) << "lease ttl 10 s, renewed or tried every 2 s";

  auto r = ledger();
  EXPECT_EQ(r->kudos_count(), static_cast<std::uint64_t>(kCommands));
  EXPECT_EQ(counts("slack:T000TEST:" + kAlice).received, static_cast<std::uint32_t>(kCommands));
  for (const auto& id : ids) EXPECT_EQ(r->seen_kudos(slash_source(id)).size(), 1u) << id;
  std::printf("replies sent twice (in flight at the kill): %d\n", expect_each_reply_once(ids, killed_at));
  stop_all({b.get()});
}

// The server stopped under two running replicas, then started again: commands that come in
// meanwhile are not acked (Slack would deliver them again) until the replica that took them has
// committed them — the Committer retries the group for up to 15 s; both replicas' /healthz say
// 503 while the database is away and 200 again after; neither process dies; commands after the
// restart work, and every reply is sent once. The outage is kept under 8 s: a primary that cannot
// renew its lease for longer gives the role up and exits 1 (bot/primary.cpp, app/app.cpp), for a
// supervisor to restart it as a standby.
TEST_F(ReplicaTest, ServerStoppedAndStartedUnderLoadAcksOnlyWhatIsCommittedAndRecovers) {
  std::unique_ptr<Child> a, b;
  start_pair(a, b);
  if (HasFatalFailure()) return;
  auto pa = web_port(*a), pb = web_port(*b);
  ASSERT_TRUE(pa && pb) << a->err() << b->err();
  EXPECT_EQ(http_get(*pa, "/healthz").status, 200);
  EXPECT_EQ(http_get(*pb, "/healthz").status, 200);
  std::vector<std::string> before, during, after;
  for (int i = 0; i < 10; ++i) {
    before.push_back(name("before", i));
    slack_.send(i % 2, thanks(before.back()));
  }
  ASSERT_TRUE(all_acked(before, 20s)) << a->err() << b->err();

  ServerBack server;
  const auto down_at = Clock::now();
  ASSERT_TRUE(pg_ctl("stop -m fast"));
  server.down = true;
  for (int i = 0; i < 10; ++i) {
    during.push_back(name("during", i));
    slack_.send(i % 2, thanks(during.back()));
  }
  EXPECT_TRUE(health_becomes(*pa, 503, 5s)) << http_get(*pa, "/healthz").body;
  EXPECT_TRUE(health_becomes(*pb, 503, 5s)) << http_get(*pb, "/healthz").body;
  {
    auto done = acked();
    for (const auto& id : during) EXPECT_EQ(done.count(id), 0u) << id << " acked while the database was down";
  }
  ASSERT_TRUE(pg_ctl("start"));
  server.down = false;
  const auto up_at = Clock::now();
  std::printf("the database was down for %.1f s\n", seconds(up_at - down_at));

  ASSERT_TRUE(all_acked(during, 30s)) << a->err() << b->err();
  EXPECT_TRUE(health_becomes(*pa, 200, 20s)) << http_get(*pa, "/healthz").body << a->err();
  EXPECT_TRUE(health_becomes(*pb, 200, 20s)) << http_get(*pb, "/healthz").body << b->err();
  std::printf("commands taken during the outage acked %.1f s after the start\n",
              seconds(Clock::now() - up_at));
  for (int i = 0; i < 10; ++i) {
    after.push_back(name("after", i));
    slack_.send(i % 2, thanks(after.back()));
  }
  ASSERT_TRUE(all_acked(after, 20s)) << a->err() << b->err();

  std::vector<std::string> all = before;
  all.insert(all.end(), during.begin(), during.end());
  all.insert(all.end(), after.begin(), after.end());
  ASSERT_TRUE(all_replied(all, 30s)) << dump_replies() << a->err() << b->err();
  auto r = ledger();
  for (const auto& id : all) EXPECT_EQ(r->seen_kudos(slash_source(id)).size(), 1u) << id;
  EXPECT_EQ(r->kudos_count(), all.size());
  EXPECT_EQ(expect_each_reply_once(all, std::nullopt), 0);
  EXPECT_TRUE(alive(*a)) << a->err();
  EXPECT_TRUE(alive(*b)) << b->err();
  stop_all({a.get(), b.get()});
}

}  // namespace
}  // namespace brigade::replica_test
