// Two replicas writing the same rows at once: one giver's last kudos, and givers taken in opposite
// orders (fixture: replica_process_test.hpp).
#include <signal.h>

#include "tests/integration/replica_process_test.hpp"

namespace brigade::replica_test {
namespace {

// Allowance 1: the same giver's /thanks reaches both replicas at the same instant, one on each
// connection, ten givers at once. Exactly one of each pair is recorded and the other politely
// refused (replicas' write transactions queue on one row lock as they begin, and the debit is a
// conditional upsert). Each giver hears privately either way; the refused one is not celebrated.
TEST_F(ReplicaTest, TwoReplicasRacingOnOneGiversLastKudosRecordExactlyOne) {
  quota_ = "1";
  constexpr int kRounds = 10;
  const auto givers = add_givers("RACER", kRounds);
  std::unique_ptr<Child> a, b;
  start_pair(a, b);
  if (HasFatalFailure()) return;
  std::vector<std::string> ids;
  for (int r = 0; r < kRounds; ++r) {
    ids.push_back(name("race-a", r));
    ids.push_back(name("race-b", r));
    const auto to_a = thanks(ids[ids.size() - 2], givers[r]);
    const auto to_b = thanks(ids.back(), givers[r], "<@U000000BOB|bob>");
    slack_.send(r % 2, r % 2 == 0 ? to_a : to_b);  // which replica gets its envelope first alternates
    slack_.send(1 - r % 2, r % 2 == 0 ? to_b : to_a);
  }
  ASSERT_TRUE(all_acked(ids, 20s)) << a->err() << b->err();
  auto r = ledger();
  std::size_t a_won = 0;
  for (int i = 0; i < kRounds; ++i) {
    const auto got_a = r->seen_kudos(slash_source(ids[2 * i])).size();
    const auto got_b = r->seen_kudos(slash_source(ids[2 * i + 1])).size();
    EXPECT_EQ(got_a + got_b, 1u) << "round " << i;
    EXPECT_TRUE(r->seen(slash_source(ids[2 * i])) && r->seen(slash_source(ids[2 * i + 1])));
    EXPECT_EQ(counts("slack:T000TEST:" + givers[i]).given, 1u) << givers[i];
    a_won += got_a;
  }
  EXPECT_EQ(r->kudos_count(), static_cast<std::uint64_t>(kRounds));
  std::printf("replica a won %zu of %d races\n", a_won, kRounds);
  std::vector<std::string> won;
  for (const auto& id : ids)
    if (!r->seen_kudos(slash_source(id)).empty()) won.push_back(id);
  ASSERT_TRUE(all_replied(ids, 20s, "chat.postEphemeral")) << dump_replies();
  ASSERT_TRUE(all_replied(won, 20s, "chat.postMessage")) << dump_replies();
  for (const auto& id : ids) {
    const bool winner = std::find(won.begin(), won.end(), id) != won.end();
    const auto text = replies_of("chat.postEphemeral", id).front().args.value("text", "");
    EXPECT_NE(text.find(winner ? "Thanks recorded" : "You've given all 1 kudos for today"), std::string::npos)
        << id << (winner ? " won: " : " lost: ") << text;
    EXPECT_EQ(replies_of("chat.postMessage", id).size(), winner ? 1u : 0u) << id;
  }
  stop_all({a.get(), b.get()});
}

// Two replicas under commands from many givers, taken in opposite orders (replica a from the first
// giver up, b from the last down), with an allowance so each command debits its giver's rows:
// neither replica's group commit deadlocks on the other's rows or fails; every command is
// recorded once. (The server counts deadlocks it broke in pg_stat_database.)
TEST_F(ReplicaTest, GiversInOppositeOrdersOnTwoReplicasNeitherDeadlockNorFail) {
  quota_ = "10";
  constexpr int kGivers = 100, kCommands = 200;
  const auto givers = add_givers("GIVER", kGivers);
  std::unique_ptr<Child> a, b;
  start_pair(a, b);
  if (HasFatalFailure()) return;
  store::pg::Conn server(testing::test_server_conninfo());
  auto deadlocks = [&] {
    return server.exec("SELECT deadlocks FROM pg_stat_database WHERE datname = current_database()").i64(0, 0);
  };
  const auto deadlocks_before = deadlocks();
  std::vector<std::string> ids;
  for (int i = 0; i < kCommands / 2; ++i) {
    ids.push_back(name("fwd", i));
    slack_.send(0, thanks(ids.back(), givers[i % kGivers]));
    ids.push_back(name("bwd", i));
    slack_.send(1, thanks(ids.back(), givers[kGivers - 1 - i % kGivers]));
  }
  ASSERT_TRUE(all_acked(ids, 60s)) << a->err() << b->err();
  auto r = ledger();
  EXPECT_EQ(r->kudos_count(), static_cast<std::uint64_t>(kCommands));
  for (const auto& id : ids) EXPECT_EQ(r->seen_kudos(slash_source(id)).size(), 1u) << id;
  EXPECT_EQ(deadlocks(), deadlocks_before);
  for (auto* p : {a.get(), b.get()}) {
    EXPECT_EQ(p->err().find("write failed"), std::string::npos) << p->err();
    EXPECT_EQ(p->err().find("commit of"), std::string::npos) << p->err();
  }
  stop_all({a.get(), b.get()});
}

}  // namespace
}  // namespace brigade::replica_test
