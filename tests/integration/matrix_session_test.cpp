// The Matrix adapter across restarts and failures: the backlog skipped, the stored session reused
// (or logged out), sends in flight at a stop, rate limits and txnIds, sync failures, rejected tokens,
// and TLS with the test CA.
#include "tests/integration/matrix_adapter_test.hpp"

#include <array>
#include <fstream>

namespace brigade::matrix {
namespace {

using nlohmann::json;
using testing::FakeMatrix;

TEST_F(MatrixAdapterTest, BacklogIsSkippedAtFirstStartAndAcrossRestarts) {
  fake_.text(kRoom, kCarol, "!thanks @alice:example.org from before Brigade existed");
  start();
  ASSERT_TRUE(synced());
  EXPECT_TRUE(store_->read()->cursor("matrix").has_value());
  fake_.text(kRoom, kCarol, "!thanks @bob:example.org for the deploy");
  ASSERT_TRUE(received_becomes(kBob, 1));
  restart();
  ASSERT_TRUE(synced(fake_.requests("sync").size() + 2));
  fake_.text(kRoom, kCarol, "!thanks @bob:example.org again");
  ASSERT_TRUE(received_becomes(kBob, 2));
  EXPECT_EQ(received(kAlice), 0u) << "a command from before the first start is never answered";
}

// The session a password login gave is kept (device and token) and used again after a restart:
// servers that scope txnIds to the access token (Synapse 1.67) only recognise a re-sent reply on
// the same token, and a login per start would leave a live token behind each time.
TEST_F(MatrixAdapterTest, RestartReusesTheStoredSessionAndLogsInOnlyWhenItIsRejected) {
  start();
  ASSERT_TRUE(synced());
  auto logins = fake_.requests("login");
  ASSERT_EQ(logins.size(), 1u);
  EXPECT_EQ(logins[0].body.value("password", ""), fake_.password);
  EXPECT_FALSE(logins[0].body.contains("device_id")) << "no device yet: the server makes one";
  auto device = store_->read()->meta("matrix.device_id");
  ASSERT_TRUE(device.has_value());
  const std::string token = fake_.requests("sync").back().auth;
  for (int i = 0; i < 3; ++i) {
    restart();
    ASSERT_TRUE(synced(fake_.requests("sync").size() + 2));
  }
  EXPECT_EQ(fake_.requests("login").size(), 1u) << "restarts reuse the stored session";
  EXPECT_EQ(fake_.requests("sync").back().auth, token);
  EXPECT_EQ(fake_.live_tokens(), 1u);
  ASSERT_FALSE(fake_.requests("whoami").empty()) << "the stored token is checked with whoami";
  EXPECT_EQ(fake_.requests("whoami").back().auth, token);

  // Rejected (the server logged the session out): log in again, on the same device, once.
  fake_.invalidate_tokens(/*soft_logout=*/true);
  fake_.text(kRoom, kCarol, "!thanks @alice:example.org after the logout");
  ASSERT_TRUE(received_becomes(kAlice, 1));
  logins = fake_.requests("login");
  ASSERT_EQ(logins.size(), 2u);
  EXPECT_EQ(logins[1].body.value("device_id", ""), *device);
  restart();
  ASSERT_TRUE(synced(fake_.requests("sync").size() + 2));
  EXPECT_EQ(fake_.requests("login").size(), 2u) << "the renewed session is the one kept";
  EXPECT_EQ(fake_.live_tokens(), 1u);
  for (const auto& r : fake_.requests("sync")) EXPECT_EQ(r.auth.rfind("Bearer syt_", 0), 0u) << r.auth;
}

// A stored session of another account (MATRIX_USER_ID changed) is logged out, not left live.
TEST_F(MatrixAdapterTest, AStoredSessionOfAnotherAccountIsLoggedOut) {
  {
    auto w = store_->write();
    w->set_meta("matrix.access_token", fake_.mint_token("OLDDEV"));
    w->set_meta("matrix.device_id", "OLDDEV");
    w->commit();
  }
  auto cfg = config();
  cfg.matrix.user_id = "@someone-else:example.org";  // the fake's whoami answers @brigade
  fake_.bot_user = "@brigade:example.org";
  start(cfg);
  ASSERT_TRUE(fake_.wait([&] { return !fake_.requests("logout").empty(); }));
  EXPECT_EQ(fake_.requests("logout").at(0).auth.rfind("Bearer syt_fake_", 0), 0u);
}

// SIGTERM while a send is slow: the reply on the wire is waited for and recorded as sent, not
// handed back as a retry (which, after the restart, would post it again).
TEST_F(MatrixAdapterTest, ASendInFlightAtStopIsWaitedForNotRetried) {
  start();
  ASSERT_TRUE(synced());
  fake_.answer_late("send", 700ms);
  fake_.text(kRoom, kCarol, "!kudos help");
  ASSERT_TRUE(fake_.wait([&] { return !fake_.requests("send").empty(); }));
  stop();  // 2 s of grace: the late answer (0.7 s) arrives within it
  EXPECT_EQ(store_->read()->outbox_depth(), 0u) << "the late 'sent' was recorded";
  open_store();
  start();
  ASSERT_TRUE(synced(fake_.requests("sync").size() + 2));
  fake_.text(kRoom, kCarol, "!thanks @bob:example.org marker");
  ASSERT_TRUE(received_becomes(kBob, 1));
  ASSERT_TRUE(fake_.wait([&] { return store_->read()->outbox_depth() == 0; }));
  EXPECT_EQ(notices_with(kRoom, "say thanks where the work happens"), 1u) << "the help reply was posted once";
}

// A reply that meets a 429 waits as long as the server says and keeps its place: the replies
// behind it in the room are not posted before it.
TEST_F(MatrixAdapterTest, RateLimitedRepliesKeepTheirOrderAndWaitAsTheServerSays) {
  start();
  ASSERT_TRUE(synced());
  FakeMatrix::Reply limited;
  limited.status = 429;
  limited.body =
      json::parse(R"({"errcode":"M_LIMIT_EXCEEDED","error":"Too Many Requests","retry_after_ms":600})");
  for (int i = 0; i < 2; ++i) fake_.script("send", limited);
  std::vector<std::array<std::string, 3>> commands;
  for (int i = 0; i < 12; ++i)
    commands.push_back({kRoom, kCarol, "!thanks @alice:example.org number " + std::to_string(i)});
  fake_.texts(commands);
  ASSERT_TRUE(received_becomes(kAlice, 12));
  ASSERT_TRUE(
      fake_.wait([&] { return sent(kRoom).size() == 24 && store_->read()->outbox_depth() == 0; }, 30s));
  // Replies were queued in outbox order (public, private, public, …); the txn id ends in the seq.
  auto seq_of = [](const std::string& txn) { return std::stoull(txn.substr(txn.rfind('.') + 1)); };
  auto out = sent(kRoom);
  for (std::size_t i = 1; i < out.size(); ++i)
    EXPECT_LT(seq_of(out[i - 1].txn_id), seq_of(out[i].txn_id)) << "reply " << i << " overtook one before it";
  // The first attempts met the 429s; the next try came no sooner than the server asked.
  auto sends = fake_.requests("send");
  ASSERT_GE(sends.size(), 3u);
  EXPECT_GE(sends[1].at - sends[0].at, 600ms);
  EXPECT_GE(sends[2].at - sends[1].at, 600ms);
  EXPECT_EQ(sends[0].path, sends[2].path) << "the same reply, tried again in place";
}

TEST_F(MatrixAdapterTest, RateLimitedSendIsRetriedWithTheSameTxnIdAndPostedOnce) {
  FakeMatrix::Reply limited;
  limited.status = 429;
  limited.headers["Retry-After"] = "1";
  limited.body =
      json::parse(R"({"errcode":"M_LIMIT_EXCEEDED","error":"Too Many Requests","retry_after_ms":900})");
  fake_.script("send", limited);
  start();
  ASSERT_TRUE(synced());
  fake_.text(kRoom, kCarol, "!kudos help");
  ASSERT_TRUE(fake_.wait([&] { return !sent(kRoom).empty(); }));
  auto attempts = fake_.requests("send");
  ASSERT_GE(attempts.size(), 2u);
  EXPECT_EQ(attempts[0].path, attempts[1].path) << "a retry reuses the txn id";
  // A resend of the same entry after it went through (a lost answer) is swallowed by the server.
  ASSERT_TRUE(fake_.wait([&] { return store_->read()->outbox_depth() == 0; }));
  EXPECT_EQ(sent(kRoom).size(), 1u);
}

TEST_F(MatrixAdapterTest, SyncFailuresBackOffAndRecover) {
  start();
  ASSERT_TRUE(synced());
  FakeMatrix::Reply limited;
  limited.status = 429;
  limited.body = json::parse(R"({"errcode":"M_LIMIT_EXCEEDED","retry_after_ms":200})");
  FakeMatrix::Reply broken;
  broken.status = 502;
  broken.body = "upstream down";
  FakeMatrix::Reply garbage;  // 200 without next_batch: nothing in it can be trusted
  garbage.body = json::array({1, 2, 3});
  fake_.script("sync", limited);
  fake_.script("sync", broken);
  fake_.script("sync", garbage);
  auto before = fake_.requests("sync").size();
  // The three failures are answered in turn, then a normal long-poll is out again.
  ASSERT_TRUE(fake_.wait([&] { return fake_.requests("sync").size() >= before + 4; }));
  fake_.text(kRoom, kCarol, "!thanks @alice:example.org despite the outage");
  ASSERT_TRUE(received_becomes(kAlice, 1));
  EXPECT_EQ(adapter_->state(), bot::LinkState::connected);
}

TEST_F(MatrixAdapterTest, RestartDoesNotReprocessOrRepost) {
  start();
  ASSERT_TRUE(synced());
  fake_.text(kRoom, kCarol, "!thanks @alice:example.org one");
  ASSERT_TRUE(received_becomes(kAlice, 1));
  ASSERT_TRUE(fake_.wait([&] { return store_->read()->outbox_depth() == 0 && sent(kRoom).size() == 2; }));
  restart();
  ASSERT_TRUE(synced(fake_.requests("sync").size() + 2));
  fake_.text(kRoom, kCarol, "!thanks @bob:example.org two");
  ASSERT_TRUE(received_becomes(kBob, 1));
  ASSERT_TRUE(fake_.wait([&] { return store_->read()->outbox_depth() == 0 && sent(kRoom).size() == 4; }));
  EXPECT_EQ(received(kAlice), 1u);
  EXPECT_EQ(sent(kRoom).size(), 4u);
}

TEST_F(MatrixAdapterTest, RejectedTokenWithPasswordLogsInAgainOnTheSameDevice) {
  start();
  ASSERT_TRUE(synced());
  auto device = fake_.requests("login").at(0);
  fake_.invalidate_tokens(/*soft_logout=*/true);
  fake_.text(kRoom, kCarol, "!thanks @alice:example.org after the logout");
  ASSERT_TRUE(received_becomes(kAlice, 1));
  auto logins = fake_.requests("login");
  ASSERT_EQ(logins.size(), 2u);
  EXPECT_EQ(logins[1].body.value("device_id", ""), store_->read()->meta("matrix.device_id").value_or("?"));
  EXPECT_EQ(adapter_->state(), bot::LinkState::connected);
}

TEST_F(MatrixAdapterTest, RejectedTokenWithoutPasswordStopsTheAdapterClearly) {
  start(config(/*password=*/false, fake_.mint_token("TOKENDEV")));
  ASSERT_TRUE(synced());
  EXPECT_TRUE(fake_.requests("login").empty());
  EXPECT_EQ(store_->read()->meta("matrix.device_id").value_or(""), "TOKENDEV");  // from whoami
  fake_.invalidate_tokens(/*soft_logout=*/false);
  ASSERT_TRUE(fake_.wait([&] { return adapter_->state() == bot::LinkState::failed; }));
  EXPECT_NE(adapter_->reason().find("M_UNKNOWN_TOKEN"), std::string::npos) << adapter_->reason();
  EXPECT_TRUE(fake_.requests("login").empty());
}

// The same adapter over HTTPS, trusting a CA made for this test.
class MatrixAdapterTlsTest : public MatrixAdapterTest {
 protected:
  static const testing::TestPki& pki() {
    static const testing::TestPki p = testing::TestPki::generate();
    return p;
  }
  MatrixAdapterTlsTest() : MatrixAdapterTest(&pki()) {}
};

TEST_F(MatrixAdapterTlsTest, WorksOverTlsWithTheTestCa) {
  auto ca = dir_.path() / "ca.pem";
  std::ofstream(ca) << pki().ca_pem;
  auto cfg = config();
  cfg.ca_file = ca.string();
  ASSERT_EQ(fake_.base_url().rfind("https://", 0), 0u);
  start(cfg);
  ASSERT_TRUE(synced());
  fake_.text(kRoom, kCarol, "!thanks @alice:example.org over TLS");
  ASSERT_TRUE(received_becomes(kAlice, 1));
}

TEST_F(MatrixAdapterTlsTest, AnUntrustedCertificateIsNeverAccepted) {
  start(config());  // no BRIGADE_CA_FILE: the test CA is unknown
  ASSERT_TRUE(fake_.wait([&] { return adapter_->state() == bot::LinkState::reconnecting; }));
  EXPECT_TRUE(fake_.requests("login").empty());
}

}  // namespace
}  // namespace brigade::matrix
