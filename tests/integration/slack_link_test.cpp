// The Slack adapter's Socket Mode link against the fake Slack: refresh, reset, half-open links,
// disabled links, too many sockets, bad tokens, replacement warnings, and TLS with the test CA.
#include "tests/integration/slack_adapter_test.hpp"

#include <fstream>

namespace brigade::slack {
namespace {

using testing::event_envelope;
using testing::FakeSlack;
using testing::slash_envelope;

TEST_F(SlackAdapterTest, RefreshRequestedWithEnvelopesInFlightLosesNothing) {
  start();
  ASSERT_TRUE(connected());
  fake_.send(0, slash_envelope("env-a", "thanks", "<@U0000ALICE|alice> one"));
  fake_.send(0, R"({"type":"disconnect","reason":"refresh_requested","debug_info":{"host":"applink-7"}})");
  fake_.send(0, slash_envelope("env-b", "thanks", "<@U000000BOB|bob> two"));
  ASSERT_TRUE(fake_.wait([&] { return fake_.connections() >= 2; }));
  fake_.send(1, slash_envelope("env-c", "thanks", "<@U000000BOB|bob> three"));
  ASSERT_TRUE(acked("env-a"));
  ASSERT_TRUE(acked("env-b"));
  ASSERT_TRUE(acked("env-c"));
  EXPECT_EQ(count_acks("env-a") + count_acks("env-b") + count_acks("env-c"), 3u);
  EXPECT_EQ(received(kAlice), 1u);
  EXPECT_EQ(received(kBob), 2u);
  EXPECT_EQ(fake_.opens(), 2u) << "a fresh apps.connections.open for the new socket";
  ASSERT_TRUE(fake_.wait([&] { return texts("chat.postMessage").size() >= 3; }));
  EXPECT_FALSE(fake_.wait([&] { return texts("chat.postMessage").size() > 3; }, 500ms));
}

TEST_F(SlackAdapterTest, TcpResetReconnectsWithAFreshUrl) {
  start();
  ASSERT_TRUE(connected());
  fake_.reset(0);
  ASSERT_TRUE(connected(2));
  EXPECT_EQ(fake_.opens(), 2u);
  fake_.send(1, slash_envelope("env-r", "thanks", "<@U0000ALICE|alice> after the reset"));
  ASSERT_TRUE(acked("env-r"));
}

TEST_F(SlackAdapterTest, HalfOpenLinkIsNoticedAndReplaced) {
  auto o = fast();
  o.idle_timeout = 600ms;
  start(o);
  ASSERT_TRUE(connected());
  fake_.freeze(0);
  ASSERT_TRUE(connected(2));
  fake_.send(1, slash_envelope("env-h", "thanks", "<@U0000ALICE|alice> after the freeze"));
  ASSERT_TRUE(acked("env-h"));
}

TEST_F(SlackAdapterTest, LinkDisabledStopsWithAReason) {
  start();
  ASSERT_TRUE(connected());
  fake_.send(0, R"({"type":"disconnect","reason":"link_disabled","debug_info":{"host":"applink-7"}})");
  ASSERT_TRUE(fake_.wait([&] { return adapter_->state() == bot::LinkState::failed; }));
  EXPECT_EQ(adapter_->reason(), "link_disabled");
  EXPECT_EQ(fake_.opens(), 1u);
}

TEST_F(SlackAdapterTest, TooManyWebsocketsBacksOffThenReconnects) {
  start();
  ASSERT_TRUE(connected());
  fake_.send(0, R"({"type":"disconnect","reason":"too_many_websockets"})");
  ASSERT_TRUE(connected(2));
  EXPECT_EQ(fake_.opens(), 2u);
}

TEST_F(SlackAdapterTest, BadTokenFailsWithoutRetrying) {
  fake_.script("apps.connections.open", {200, {}, {{"ok", false}, {"error", "invalid_auth"}}});
  start();
  ASSERT_TRUE(fake_.wait([&] { return adapter_->state() == bot::LinkState::failed; }));
  EXPECT_EQ(adapter_->reason(), "invalid_auth");
  EXPECT_EQ(fake_.opens(), 1u);
  EXPECT_EQ(fake_.connections(), 0u);
}

TEST_F(SlackAdapterTest, WarningOpensAReplacementAndTheOldSocketKeepsWorkingUntilClosed) {
  start();
  ASSERT_TRUE(connected());
  fake_.send(0, R"({"type":"disconnect","reason":"warning","debug_info":{"host":"applink-7"}})");
  ASSERT_TRUE(fake_.wait([&] { return fake_.connections() >= 2; }));
  fake_.send(0, slash_envelope("env-w0", "thanks", "<@U0000ALICE|alice> on the old socket"));
  fake_.send(1, slash_envelope("env-w1", "thanks", "<@U000000BOB|bob> on the new socket"));
  ASSERT_TRUE(acked("env-w0"));
  ASSERT_TRUE(acked("env-w1"));
  fake_.reset(0);  // Slack retires the old socket; the new one carries on, no extra reconnect
  EXPECT_FALSE(fake_.wait([&] { return fake_.opens() > 2; }, 700ms));
  EXPECT_EQ(adapter_->state(), bot::LinkState::connected);
  fake_.send(1, slash_envelope("env-w2", "thanks", "<@U0000ALICE|alice> still fine"));
  ASSERT_TRUE(acked("env-w2"));
  EXPECT_EQ(received(kAlice), 2u);
}

class SlackAdapterTlsTest : public SlackAdapterTest {
 protected:
  static const testing::TestPki& pki() {
    static const testing::TestPki p = testing::TestPki::generate();
    return p;
  }
  SlackAdapterTlsTest() : SlackAdapterTest(&pki()) {}
};

TEST_F(SlackAdapterTlsTest, WorksOverTlsWithTheConfiguredCa) {
  auto ca = dir_.path() / "ca.pem";
  std::ofstream(ca) << pki().ca_pem;
  ASSERT_EQ(fake_.api_url().rfind("https://", 0), 0u);
  start(fast(), ca.string());
  ASSERT_TRUE(connected());
  fake_.send(0, slash_envelope("env-tls", "thanks", "<@U0000ALICE|alice> over TLS"));
  ASSERT_TRUE(acked("env-tls"));
  ASSERT_TRUE(fake_.wait([&] { return !fake_.calls("chat.postMessage").empty(); }));
  EXPECT_EQ(received(kAlice), 1u);
}

TEST_F(SlackAdapterTlsTest, UntrustedCertificateIsRefused) {
  start();  // no CA file: the fake's certificate is not trusted
  EXPECT_FALSE(fake_.wait([&] { return !fake_.calls("auth.test").empty(); }, 1500ms));
  EXPECT_NE(adapter_->state(), bot::LinkState::connected);
}

}  // namespace
}  // namespace brigade::slack
