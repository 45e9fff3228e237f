// build/brigade run as a process against the fake Slack over TLS: acks, replies, kill -9 and restart,
// SIGTERM. On the ledger BRIGADE_TEST_STORE names (tests/support/pg_test.hpp): LMDB in the data
// directory, or under tests/support/with_postgres.sh a PostgreSQL schema of its own.
#include <gtest/gtest.h>

#include <signal.h>

#include <fstream>

#include "core/calendar.hpp"
#include "store/store.hpp"
#include "testkit/slack/fake_slack.hpp"
#include "tests/support/pg_test.hpp"
#include "tests/support/process.hpp"
#include "tests/support/temp_dir.hpp"

namespace brigade::slack {
namespace {

using namespace std::chrono_literals;
using testing::Child;
using testing::event_envelope;
using testing::FakeSlack;
using testing::slash_envelope;
using testing::TempDir;

const testing::TestPki& pki() {
  static const testing::TestPki p = testing::TestPki::generate();
  return p;
}

class SlackProcessTest : public ::testing::Test {
 protected:
  SlackProcessTest() : fake_(&pki()) {
    fake_.add_user("U0000CAROL", "carol");
    fake_.add_user("U0000ALICE", "alice");
    fake_.add_user("U000000BOB", "bob");
    std::ofstream(ca_file()) << pki().ca_pem;
  }
  std::filesystem::path ca_file() const { return dir_.path() / "ca.pem"; }
  std::map<std::string, std::string> env() const {
    return {{"BRIGADE_DATA_DIR", (dir_.path() / "data").string()},
            {"BRIGADE_CONFIG", ""},
            {"BRIGADE_TZ", "UTC"},
            {"BRIGADE_HTTP_ADDR", "127.0.0.1:0"},
            {"MATRIX_HOMESERVER", ""},
            {"SLACK_APP_TOKEN", fake_.app_token},
            {"SLACK_BOT_TOKEN", fake_.bot_token},
            {"SLACK_API_URL", fake_.api_url()},
            {"BRIGADE_CA_FILE", ca_file().string()},
            {"BRIGADE_STORE", store_url_}};
  }
  std::unique_ptr<Child> run() {
    return std::make_unique<Child>(std::vector<std::string>{testing::brigade_binary(), "run"}, env());
  }
  bool acked(const std::string& id) {
    return fake_.wait([&] {
      auto a = fake_.acks();
      return std::find(a.begin(), a.end(), id) != a.end();
    });
  }
  std::uint32_t received(const std::string& user) {
    core::Calendar cal("UTC");
    store::Options o;
    o.dir = dir_.path() / "data";
    o.url = store_url_;
    o.read_only = true;
    auto st = store::Store::open(o, cal);
    core::SystemClock clock;
    return st->read()
        ->counts(user, "", core::Period::all, cal.bucket(core::Period::all, clock.now_ms()))
        .received;
  }

  TempDir dir_{"brigade-slack-proc"};
  // The PostgreSQL ledger of this test ("" on LMDB: BRIGADE_STORE unset for the child).
  std::string store_url_ = testing::testing_postgres() ? testing::test_store_url(dir_.path() / "data") : "";
  FakeSlack fake_;
};

TEST_F(SlackProcessTest, RunAcksAndRepliesOverTls) {
  auto p = run();
  ASSERT_TRUE(fake_.wait([&] { return fake_.connections() >= 1; }, 20s)) << p->err();
  fake_.send(0, slash_envelope("p-1", "thanks", "<@U0000ALICE|alice> <@U000000BOB|bob> for the demo"));
  ASSERT_TRUE(acked("p-1"));
  ASSERT_TRUE(fake_.wait([&] {
    return !fake_.calls("chat.postMessage").empty() && !fake_.calls("chat.postEphemeral").empty();
  }));
  p->signal(SIGTERM);
  EXPECT_EQ(p->wait(10s), 0);
  EXPECT_TRUE(fake_.wait([&] { return fake_.closed_cleanly(0); }, 2s)) << "SIGTERM closes with a close frame";
  EXPECT_EQ(p->out().find(fake_.bot_token), std::string::npos);
  EXPECT_EQ(p->err().find(fake_.bot_token), std::string::npos);
  EXPECT_EQ(p->out().find(fake_.app_token), std::string::npos);
  EXPECT_EQ(p->err().find(fake_.app_token), std::string::npos);
  EXPECT_EQ(received("slack:T000TEST:U0000ALICE"), 1u);
}

TEST_F(SlackProcessTest, KillNineAfterAcksThenRestartKeepsEveryCount) {
  nlohmann::json ev = {{"type", "app_mention"},
                       {"user", "U0000CAROL"},
                       {"channel", "C0000KUDOS"},
                       {"text", "<@U00BRIGADE> thanks <@U000000BOB> for the hotfix"},
                       {"ts", "1767268800.000100"}};
  {
    auto p = run();
    ASSERT_TRUE(fake_.wait([&] { return fake_.connections() >= 1; }, 20s)) << p->err();
    fake_.send(0, slash_envelope("k-1", "thanks", "<@U0000ALICE|alice> one"));
    fake_.send(0, slash_envelope("k-2", "thanks", "<@U0000ALICE|alice> two"));
    fake_.send(0, event_envelope("k-3", "EvKill1", ev));
    ASSERT_TRUE(acked("k-1"));
    ASSERT_TRUE(acked("k-2"));
    ASSERT_TRUE(acked("k-3"));
    p->signal(SIGKILL);
    EXPECT_EQ(p->wait(10s), 128 + SIGKILL);
  }
  auto p = run();
  ASSERT_TRUE(fake_.wait([&] { return fake_.connections() >= 2; }, 20s)) << p->err();
  // Slack redelivers the event it thinks may be lost; it must not count twice.
  fake_.send(1, event_envelope("k-4", "EvKill1", ev, 1));
  fake_.send(1, slash_envelope("k-5", "thanks", "<@U000000BOB|bob> after the restart"));
  ASSERT_TRUE(acked("k-4"));
  ASSERT_TRUE(acked("k-5"));
  p->signal(SIGTERM);
  EXPECT_EQ(p->wait(10s), 0);
  EXPECT_EQ(received("slack:T000TEST:U0000ALICE"), 2u);
  EXPECT_EQ(received("slack:T000TEST:U000000BOB"), 2u);
}

// SIGTERM while a reply's chat.postMessage is on the wire and answers slowly (past the outbox
// drain): the adapter waits for the answer and records it, so the restart posts nothing again —
// Slack has no idempotency key, a second post would be a second message.
TEST_F(SlackProcessTest, SigtermDuringASlowPostRecordsItAndTheRestartPostsNothingAgain) {
  {
    auto p = run();
    ASSERT_TRUE(fake_.wait([&] { return fake_.connections() >= 1; }, 20s)) << p->err();
    fake_.answer_late("chat.postMessage", 2600ms);
    fake_.send(0, slash_envelope("slow-1", "thanks", "<@U0000ALICE|alice> for the slow one"));
    ASSERT_TRUE(acked("slow-1"));
    ASSERT_TRUE(fake_.wait([&] { return fake_.calls("chat.postMessage").size() == 1; })) << p->err();
    p->signal(SIGTERM);
    EXPECT_EQ(p->wait(15s), 0) << p->err();
  }
  auto posts = fake_.calls("chat.postMessage").size();
  auto p = run();
  ASSERT_TRUE(fake_.wait([&] { return fake_.connections() >= 2; }, 20s)) << p->err();
  fake_.send(1, slash_envelope("after-1", "thanks", "<@U000000BOB|bob> marker"));
  ASSERT_TRUE(acked("after-1"));
  ASSERT_TRUE(fake_.wait([&] { return fake_.calls("chat.postMessage").size() >= posts + 1; })) << p->err();
  p->signal(SIGTERM);
  EXPECT_EQ(p->wait(15s), 0);
  std::size_t slow = 0;
  for (const auto& c : fake_.calls("chat.postMessage"))
    slow += c.args.value("text", "").find("the slow one") != std::string::npos;
  EXPECT_EQ(slow, 1u) << "the slow post was posted once";
}

}  // namespace
}  // namespace brigade::slack
