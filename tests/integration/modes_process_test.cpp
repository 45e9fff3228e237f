// build/brigade run in every mode a newcomer or an operator starts it in — console (no chat
// credentials), Slack, Matrix, and both — with every HTTP route requested while it runs: the bot
// must answer each and still be alive afterwards, then stop cleanly on SIGTERM. On the ledger
// BRIGADE_TEST_STORE names (tests/support/pg_test.hpp): LMDB, or a PostgreSQL schema of its own.
#include <gtest/gtest.h>

#include <signal.h>

#include <fstream>

#include "testkit/matrix/fake_homeserver.hpp"
#include "testkit/slack/fake_slack.hpp"
#include "testkit/net/http_client.hpp"
#include "tests/support/pg_test.hpp"
#include "tests/support/process.hpp"
#include "tests/support/temp_dir.hpp"

namespace brigade {
namespace {

using namespace std::chrono_literals;
using testing::Child;
using testing::TempDir;

const testing::TestPki& pki() {
  static const testing::TestPki p = testing::TestPki::generate();
  return p;
}

// The port the bot listens on, from the line it prints once the server is up: the console says
// "Dashboard and API: http://127.0.0.1:PORT/" on stderr, the chat modes log "web: API on …".
std::optional<std::uint16_t> web_port(Child& p) {
  for (const std::string marker : {"Dashboard and API: http://127.0.0.1:", "web: API on http://127.0.0.1:"}) {
    if (p.err().find(marker) == std::string::npos) continue;
    auto at = p.err().find(marker) + marker.size();
    return static_cast<std::uint16_t>(std::stoi(p.err().substr(at)));
  }
  return std::nullopt;
}

std::optional<std::uint16_t> wait_for_port(Child& p) {
  auto until = std::chrono::steady_clock::now() + 20s;
  while (std::chrono::steady_clock::now() < until) {
    if (auto port = web_port(p)) return port;
    p.wait_for_log("http://127.0.0.1:", 200ms);
  }
  return web_port(p);
}

// Running, and not a zombie waiting to be reaped (that is left to Child::wait).
bool alive(const Child& p) {
  std::ifstream stat("/proc/" + std::to_string(p.pid()) + "/stat");
  std::string pid, comm, state;
  stat >> pid >> comm >> state;
  return stat && state != "Z" && state != "X";
}

class ModesProcessTest : public ::testing::Test {
 protected:
  ModesProcessTest() : slack_(&pki()), matrix_(&pki()) {
    std::ofstream(ca_file()) << pki().ca_pem;
    slack_.add_user("U0000ALICE", "alice");
    slack_.add_user("U000000BOB", "bob");
    matrix_.add_user("@alice:example.org", "Alice");
    matrix_.add_user("@bob:example.org", "Bob");
    matrix_.add_room("!kudos:example.org", {"@alice:example.org", "@bob:example.org"});
  }
  std::filesystem::path ca_file() const { return dir_.path() / "ca.pem"; }

  std::map<std::string, std::string> env(bool with_slack, bool with_matrix) const {
    std::map<std::string, std::string> e = {{"BRIGADE_DATA_DIR", (dir_.path() / "data").string()},
                                            {"BRIGADE_CONFIG", ""},
                                            {"BRIGADE_TZ", "UTC"},
                                            {"BRIGADE_HTTP_ADDR", "127.0.0.1:0"},
                                            {"BRIGADE_HTTP_TOKEN", ""},
                                            {"BRIGADE_CA_FILE", ca_file().string()},
                                            {"USER", "tester"},
                                            {"SLACK_APP_TOKEN", ""},
                                            {"SLACK_BOT_TOKEN", ""},
                                            {"MATRIX_HOMESERVER", ""},
                                            {"MATRIX_USER_ID", ""},
                                            {"MATRIX_PASSWORD", ""},
                                            {"MATRIX_ACCESS_TOKEN", ""},
                                            {"BRIGADE_STORE", store_url_}};
    if (with_slack) {
      e["SLACK_APP_TOKEN"] = slack_.app_token;
      e["SLACK_BOT_TOKEN"] = slack_.bot_token;
      e["SLACK_API_URL"] = slack_.api_url();
    }
    if (with_matrix) {
      e["MATRIX_HOMESERVER"] = matrix_.base_url();
      e["MATRIX_USER_ID"] = matrix_.bot_user;
      e["MATRIX_PASSWORD"] = matrix_.password;
    }
    return e;
  }

  // Starts `brigade run`, waits until its links are up, requests every route, checks it lives.
  void exercise(bool with_slack, bool with_matrix) {
    Child p({testing::brigade_binary(), "run"}, env(with_slack, with_matrix));
    if (with_slack) {
      ASSERT_TRUE(slack_.wait([&] { return slack_.connections() >= 1; }, 20s)) << p.err();
    }
    if (with_matrix) {
      ASSERT_TRUE(matrix_.wait([&] { return matrix_.requests("sync").size() >= 2; }, 20s)) << p.err();
    }
    if (!with_slack && !with_matrix) {
      p.write("/thanks @bob for the review #teamwork\n");
      ASSERT_TRUE(p.wait_for_output("Thanks recorded")) << p.out() << p.err();
    }
    auto port = wait_for_port(p);
    ASSERT_TRUE(port) << "no web address in the log: " << p.err();
    for (const std::string target : {"/healthz", "/metrics", "/", "/api/v1/leaderboard",
                                     "/api/v1/summary.csv", "/api/v1/audit?verify=1", "/healthz"}) {
      auto answer = testing::http_get(*port, target);
      EXPECT_EQ(answer.status, 200) << "GET " << target << ": " << answer.body << answer.error << "\n" << p.err();
      ASSERT_TRUE(alive(p)) << "the bot died after GET " << target << "\n" << p.err();
    }
    p.signal(SIGTERM);
    EXPECT_EQ(p.wait(15s), 0) << p.err();
  }

  TempDir dir_{"brigade-modes"};
  // The PostgreSQL ledger of this test ("" on LMDB: BRIGADE_STORE unset for the child).
  std::string store_url_ = testing::testing_postgres() ? testing::test_store_url(dir_.path() / "data") : "";
  testing::FakeSlack slack_;
  testing::FakeMatrix matrix_;
};

TEST_F(ModesProcessTest, ConsoleWithoutCredentialsServesEveryRoute) {
  exercise(false, false);
}

TEST_F(ModesProcessTest, SlackServesEveryRoute) {
  exercise(true, false);
}

TEST_F(ModesProcessTest, MatrixServesEveryRoute) {
  exercise(false, true);
}

TEST_F(ModesProcessTest, SlackAndMatrixServeEveryRoute) {
  exercise(true, true);
}

}  // namespace
}  // namespace brigade
