// Two replicas on Matrix, the leader killed: the standby resumes syncing from the committed cursor
// (fixture: replica_process_test.hpp).
#include <signal.h>

#include "tests/integration/replica_process_test.hpp"

namespace brigade::replica_test {
namespace {

// Two replicas on Matrix: only the primary syncs. kill -9 it with messages on their way; the
// standby takes the lease over, resumes /sync from the committed cursor (a `since` token, not an
// initial sync) on the stored session within 30 s of the kill, and processes every message once:
// counts exact, each command answered once (a reply re-sent after the kill reuses its txnId on the
// same session, which the server deduplicates).
TEST_F(ReplicaTest, MatrixLeaderKilledTheStandbyResumesFromTheCommittedCursor) {
  auto a = replica(0, false, true);
  ASSERT_TRUE(a->wait_for_log(kPrimary, 20s)) << a->err();
  ASSERT_TRUE(matrix_.wait([&] { return matrix_.requests("sync").size() >= 2; }, 20s)) << a->err();
  auto b = replica(1, false, true);
  ASSERT_TRUE(b->wait_for_log("this one is a standby", 20s)) << b->err();
  std::vector<std::string> ids;
  std::map<std::string, std::string> event_of;
  auto say = [&](int i) {
    ids.push_back(name("mx", i));
    event_of[ids.back()] =
        matrix_.text(kRoom, "@carol:example.org", "!thanks @alice:example.org for " + ids.back());
  };
  auto received = [&] { return counts("matrix:@alice:example.org").received; };
  for (int i = 0; i < 5; ++i) say(i);
  ASSERT_TRUE(matrix_.wait([&] { return received() == 5; }, 20s)) << a->err();
  for (int i = 5; i < 8; ++i) say(i);  // on their way when the leader dies
  const auto killed_at = Clock::now();
  a->signal(SIGKILL);
  ASSERT_EQ(a->wait(10s), 128 + SIGKILL);
  const auto syncs_before = matrix_.requests("sync").size();
  for (int i = 8; i < 12; ++i) say(i);
  ASSERT_TRUE(b->wait_for_log(kPrimary, 30s)) << b->err();
  ASSERT_TRUE(matrix_.wait([&] { return received() == 12; }, 30s)) << b->err();
  const auto resumed = Clock::now();
  std::printf("the standby had every message %.1f s after the kill\n", seconds(resumed - killed_at));
  EXPECT_LE(resumed - killed_at, 30s);
  auto syncs = matrix_.requests("sync");
  ASSERT_GT(syncs.size(), syncs_before);
  EXPECT_NE(syncs[syncs_before].query.find("since="), std::string::npos)
      << "the first sync after the kill starts from the stored cursor: " << syncs[syncs_before].query;
  // Each command's two replies: the celebration naming it, the private answer in reply to it.
  auto replies = [&](const std::string& id) {
    std::pair<int, int> n{0, 0};
    for (const auto& sent : matrix_.sent(kRoom)) {
      n.first += sent.content.value("body", "").find("for " + id) != std::string::npos;
      n.second +=
          sent.content.contains("m.relates_to") && sent.content["m.relates_to"]
                                                           .value("m.in_reply_to", nlohmann::json::object())
                                                           .value("event_id", "") == event_of[id];
    }
    return n;
  };
  auto all_answered = [&] {
    return std::all_of(ids.begin(), ids.end(), [&](auto& id) { return replies(id) == std::pair{1, 1}; });
  };
  EXPECT_TRUE(matrix_.wait(all_answered, 20s)) << b->err();
  b->signal(SIGTERM);
  EXPECT_EQ(b->wait(15s), 0) << b->err();
  EXPECT_EQ(received(), 12u);
  EXPECT_EQ(ledger()->kudos_count(), 12u);
  for (const auto& id : ids) EXPECT_EQ(replies(id), (std::pair{1, 1})) << id << ": celebrations, answers";
  EXPECT_EQ(matrix_.sent(kRoom).size(), 2 * ids.size()) << "nothing else, nothing twice";
  EXPECT_EQ(matrix_.requests("login").size(), 1u) << "the standby used the session the primary stored";
}

}  // namespace
}  // namespace brigade::replica_test
