// build/brigade run as a process against the fake homeserver over TLS: replies, kill -9 and restart,
// SIGTERM, and Slack and Matrix side by side in one ledger. On the ledger BRIGADE_TEST_STORE names
// (tests/support/pg_test.hpp): LMDB in the data directory, or under tests/support/with_postgres.sh
// a PostgreSQL schema of its own.
#include <gtest/gtest.h>

#include <signal.h>

#include <fstream>

#include <boost/asio.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>

#include "core/calendar.hpp"
#include "store/store.hpp"
#include "testkit/matrix/fake_homeserver.hpp"
#include "testkit/slack/fake_slack.hpp"
#include "tests/support/pg_test.hpp"
#include "tests/support/process.hpp"
#include "tests/support/temp_dir.hpp"

namespace brigade::matrix {
namespace {

using namespace std::chrono_literals;
using testing::Child;
using testing::FakeMatrix;
using testing::TempDir;

const std::string kRoom = "!kudos:example.org";

const testing::TestPki& pki() {
  static const testing::TestPki p = testing::TestPki::generate();
  return p;
}

class MatrixProcessTest : public ::testing::Test {
 protected:
  MatrixProcessTest() : fake_(&pki()) {
    fake_.add_user("@alice:example.org", "Alice");
    fake_.add_user("@bob:example.org", "Bob");
    fake_.add_user("@carol:example.org", "Carol");
    fake_.add_room(kRoom, {"@alice:example.org", "@bob:example.org", "@carol:example.org"});
    std::ofstream(ca_file()) << pki().ca_pem;
  }
  std::filesystem::path ca_file() const { return dir_.path() / "ca.pem"; }
  std::map<std::string, std::string> env() const {
    return {{"BRIGADE_DATA_DIR", (dir_.path() / "data").string()},
            {"BRIGADE_CONFIG", ""},
            {"BRIGADE_TZ", "UTC"},
            {"BRIGADE_HTTP_ADDR", "127.0.0.1:0"},
            {"SLACK_APP_TOKEN", ""},
            {"SLACK_BOT_TOKEN", ""},
            {"MATRIX_HOMESERVER", fake_.base_url()},
            {"MATRIX_USER_ID", fake_.bot_user},
            {"MATRIX_PASSWORD", fake_.password},
            {"MATRIX_ACCESS_TOKEN", ""},
            {"BRIGADE_CA_FILE", ca_file().string()},
            {"BRIGADE_STORE", store_url_}};
  }
  std::unique_ptr<Child> run(std::map<std::string, std::string> extra = {}) {
    auto e = env();
    for (auto& [k, v] : extra) e[k] = v;
    return std::make_unique<Child>(std::vector<std::string>{testing::brigade_binary(), "run"}, e);
  }
  // The process is past its first sync: the long-poll after it is out. (30 s: on PostgreSQL a
  // process started after a kill -9 syncs once the dead one's primary lease has expired, 10 s.)
  bool synced(std::size_t syncs) {
    return fake_.wait([&] { return fake_.requests("sync").size() >= syncs; }, 30s);
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
  bool received_becomes(const std::string& user, std::uint32_t n) {
    return fake_.wait([&] { return received(user) == n; }, 10s);
  }

  TempDir dir_{"brigade-matrix-proc"};
  // The PostgreSQL ledger of this test ("" on LMDB: BRIGADE_STORE unset for the child).
  std::string store_url_ = testing::testing_postgres() ? testing::test_store_url(dir_.path() / "data") : "";
  FakeMatrix fake_;
};

TEST_F(MatrixProcessTest, RunRepliesOverTlsAndStopsOnSigterm) {
  auto p = run();
  ASSERT_TRUE(synced(2)) << p->err();
  fake_.text(kRoom, "@carol:example.org",
             "!thanks @alice:example.org @bob:example.org for the demo #teamwork");
  ASSERT_TRUE(fake_.wait([&] { return fake_.sent(kRoom).size() >= 2; })) << p->err();
  p->signal(SIGTERM);
  EXPECT_EQ(p->wait(10s), 0) << p->err();
  EXPECT_EQ(received("matrix:@alice:example.org"), 1u);
  EXPECT_EQ(received("matrix:@bob:example.org"), 1u);
  EXPECT_EQ(p->out().find(fake_.password), std::string::npos);
  EXPECT_EQ(p->err().find(fake_.password), std::string::npos);
  EXPECT_EQ(p->err().find("syt_"), std::string::npos) << "access tokens never reach the log";
}

// GET on the bot's HTTP API, found from its log line ("web: API on http://127.0.0.1:PORT").
std::pair<int, std::string> http_get(Child& p, const std::string& target) {
  const std::string marker = "web: API on http://127.0.0.1:";  // followed by PORT/
  if (!p.wait_for_log(marker)) return {0, "no API log line"};
  auto at = p.err().find(marker) + marker.size();
  auto port = static_cast<std::uint16_t>(std::stoi(p.err().substr(at)));
  boost::asio::io_context ioc;
  boost::asio::ip::tcp::socket sock(ioc);
  sock.connect({boost::asio::ip::make_address("127.0.0.1"), port});
  namespace http = boost::beast::http;
  http::request<http::empty_body> req{http::verb::get, target, 11};
  req.set(http::field::host, "127.0.0.1");
  http::write(sock, req);
  boost::beast::flat_buffer buf;
  http::response<http::string_body> res;
  http::read(sock, buf, res);
  return {res.result_int(), res.body()};
}

TEST_F(MatrixProcessTest, HealthAndMetricsOverHttp) {
  auto p = run();
  ASSERT_TRUE(synced(2)) << p->err();
  std::map<std::string, std::string> health_env;
  auto [status, body] = http_get(*p, "/healthz");
  EXPECT_EQ(status, 200) << body;
  EXPECT_EQ(body, "ok\n");
  {  // the Docker HEALTHCHECK: `brigade health --http` against the same address
    const std::string marker = "web: API on http://127.0.0.1:";
    auto at = p->err().find(marker) + marker.size();
    auto port = p->err().substr(at, p->err().find('/', at) - at);
    auto e = env();
    e["BRIGADE_HTTP_ADDR"] = "127.0.0.1:" + port;
    Child health({testing::brigade_binary(), "health", "--http"}, e);
    EXPECT_EQ(health.wait(10s), 0) << health.err();
    EXPECT_EQ(health.out(), "ok\n");
    health_env = e;
  }
  fake_.text(kRoom, "@carol:example.org", "!thanks @alice:example.org for the dashboard");
  ASSERT_TRUE(received_becomes("matrix:@alice:example.org", 1)) << p->err();
  auto [mstatus, metrics] = http_get(*p, "/metrics");
  EXPECT_EQ(mstatus, 200);
  EXPECT_NE(metrics.find("brigade_adapter_connected{adapter=\"matrix\"} 1"), std::string::npos) << metrics;
  EXPECT_NE(metrics.find("brigade_kudos 1\n"), std::string::npos) << metrics;
  p->signal(SIGTERM);
  EXPECT_EQ(p->wait(10s), 0);
  Child gone({testing::brigade_binary(), "health", "--http"}, health_env);
  EXPECT_EQ(gone.wait(10s), 1) << "nothing answers once the bot has stopped";
  EXPECT_NE(gone.err().find("unhealthy: nothing answers"), std::string::npos) << gone.err();
}

TEST_F(MatrixProcessTest, KillNineThenRestartProcessesEachEventOnce) {
  {
    auto p = run();
    ASSERT_TRUE(synced(2)) << p->err();
    fake_.text(kRoom, "@carol:example.org", "!thanks @alice:example.org one");
    fake_.text(kRoom, "@carol:example.org", "!thanks @alice:example.org two");
    ASSERT_TRUE(received_becomes("matrix:@alice:example.org", 2)) << p->err();
    ASSERT_TRUE(fake_.wait([&] { return fake_.sent(kRoom).size() >= 4; })) << p->err();
    p->signal(SIGKILL);
    EXPECT_EQ(p->wait(10s), 128 + SIGKILL);
  }
  // Sent while Brigade was down: answered after the restart, from the stored cursor.
  fake_.text(kRoom, "@carol:example.org", "!thanks @bob:example.org while you were out");
  auto before = fake_.requests("sync").size();
  auto p = run();
  ASSERT_TRUE(synced(before + 2)) << p->err();
  ASSERT_TRUE(received_becomes("matrix:@bob:example.org", 1)) << p->err();
  ASSERT_TRUE(fake_.wait([&] { return fake_.sent(kRoom).size() >= 6; })) << p->err();
  p->signal(SIGTERM);
  EXPECT_EQ(p->wait(10s), 0);
  EXPECT_EQ(received("matrix:@alice:example.org"), 2u);
  EXPECT_EQ(fake_.sent(kRoom).size(), 6u) << "no reply was posted twice";
}

// kill -9 while a reply's send is on the wire (the server has posted it, its answer is late):
// after the restart the reply is sent again — on the same stored session and txnId, so a server
// that scopes txnIds to the access token (Synapse 1.67, this fake) recognises it: posted once.
TEST_F(MatrixProcessTest, KillNineDuringASendThenRestartPostsTheReplyOnce) {
  {
    auto p = run();
    ASSERT_TRUE(synced(2)) << p->err();
    fake_.answer_late("send", 5s);
    fake_.text(kRoom, "@carol:example.org", "!kudos help");
    ASSERT_TRUE(fake_.wait([&] { return fake_.sent(kRoom).size() == 1; })) << p->err();
    p->signal(SIGKILL);
    EXPECT_EQ(p->wait(10s), 128 + SIGKILL);
  }
  auto p = run();
  // On PostgreSQL the restarted process syncs and sends once the dead one's primary lease has
  // expired (bot/primary.hpp: 10 s), hence the longer wait.
  ASSERT_TRUE(fake_.wait([&] { return fake_.requests("send").size() >= 2; }, 30s))
      << "the reply is sent again\n"
      << p->err();
  fake_.text(kRoom, "@carol:example.org", "!thanks @alice:example.org marker");
  ASSERT_TRUE(received_becomes("matrix:@alice:example.org", 1)) << p->err();
  ASSERT_TRUE(fake_.wait([&] { return fake_.sent(kRoom).size() >= 3; })) << p->err();
  p->signal(SIGTERM);
  EXPECT_EQ(p->wait(10s), 0);
  std::size_t help = 0;
  for (const auto& s : fake_.sent(kRoom))
    help += s.content.value("body", "").find("say thanks where the work happens") != std::string::npos;
  EXPECT_EQ(help, 1u) << "posted once";
  EXPECT_EQ(fake_.requests("login").size(), 1u) << "the restart reused the stored session";
  EXPECT_EQ(fake_.live_tokens(), 1u);
}

// SIGTERM while a send answers slowly: the bot waits for the answer and records it, so nothing
// is left to re-send after the restart.
TEST_F(MatrixProcessTest, SigtermDuringASlowSendRecordsItAndTheRestartSendsNothingAgain) {
  {
    auto p = run();
    ASSERT_TRUE(synced(2)) << p->err();
    fake_.answer_late("send", 2600ms);  // past the outbox drain (2 s): the adapter must wait
    fake_.text(kRoom, "@carol:example.org", "!kudos help");
    ASSERT_TRUE(fake_.wait([&] { return fake_.sent(kRoom).size() == 1; })) << p->err();
    p->signal(SIGTERM);
    EXPECT_EQ(p->wait(15s), 0) << p->err();
  }
  Child health({testing::brigade_binary(), "health"}, env());
  EXPECT_EQ(health.wait(10s), 0) << health.err();
  EXPECT_NE(health.out().find("outbox 0"), std::string::npos)
      << "the late answer was recorded: " << health.out();
  auto sends = fake_.requests("send").size();
  auto p = run();
  ASSERT_TRUE(synced(fake_.requests("sync").size() + 2)) << p->err();
  p->signal(SIGTERM);
  EXPECT_EQ(p->wait(10s), 0);
  EXPECT_EQ(fake_.requests("send").size(), sends) << "nothing was sent again";
}

TEST_F(MatrixProcessTest, RevokedTokenStopsTheBotAndHealthSaysWhy) {
  auto token = fake_.mint_token("TOKENDEV");
  auto p = run({{"MATRIX_PASSWORD", ""}, {"MATRIX_ACCESS_TOKEN", token}});
  ASSERT_TRUE(synced(2)) << p->err();
  // The running bot records its links within a tick; `brigade health` reads them from the data file.
  std::string last;
  EXPECT_TRUE(fake_.wait(
      [&] {
        Child health({testing::brigade_binary(), "health"}, env());
        if (health.wait(10s) != 0) return false;
        last = health.out();
        return last.find("matrix connected") != std::string::npos;
      },
      10s))
      << last;
  fake_.invalidate_tokens(/*soft_logout=*/false);
  fake_.text(kRoom, "@carol:example.org", "ends the long-poll; the next sync meets the revoked token");
  EXPECT_EQ(p->wait(15s), 1) << "the only adapter failed for good: the process says so by exiting";
  EXPECT_NE(p->err().find("MATRIX_ACCESS_TOKEN"), std::string::npos) << p->err();
  EXPECT_EQ(p->err().find(token), std::string::npos) << "the token itself is never logged";
  Child health({testing::brigade_binary(), "health"}, env());
  EXPECT_EQ(health.wait(10s), 1);
  EXPECT_NE(health.err().find("matrix failed: M_UNKNOWN_TOKEN"), std::string::npos) << health.err();
}

TEST_F(MatrixProcessTest, SlackAndMatrixShareOneLedger) {
  testing::FakeSlack slack(&pki());
  slack.add_user("U0000CAROL", "carol");
  slack.add_user("U0000ALICE", "alice");
  auto p = run({{"SLACK_APP_TOKEN", slack.app_token},
                {"SLACK_BOT_TOKEN", slack.bot_token},
                {"SLACK_API_URL", slack.api_url()}});
  ASSERT_TRUE(synced(2)) << p->err();
  ASSERT_TRUE(slack.wait([&] { return slack.connections() >= 1; }, 20s)) << p->err();
  slack.send(0, testing::slash_envelope("both-1", "thanks", "<@U0000ALICE|alice> from Slack"));
  fake_.text(kRoom, "@carol:example.org", "!thanks @alice:example.org from Matrix");
  ASSERT_TRUE(received_becomes("matrix:@alice:example.org", 1)) << p->err();
  ASSERT_TRUE(received_becomes("slack:T000TEST:U0000ALICE", 1)) << p->err();
  p->signal(SIGTERM);
  EXPECT_EQ(p->wait(10s), 0);

  Child report({testing::brigade_binary(), "report", "--format", "csv"}, env());
  ASSERT_EQ(report.wait(10s), 0) << report.err();
  EXPECT_NE(report.out().find("matrix:@alice:example.org"), std::string::npos) << report.out();
  EXPECT_NE(report.out().find("slack:T000TEST:U0000ALICE"), std::string::npos) << report.out();
  EXPECT_NE(report.out().find("matrix:@carol:example.org"), std::string::npos) << report.out();
}

}  // namespace
}  // namespace brigade::matrix
