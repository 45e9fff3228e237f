// The real Slack adapter (with store, Committer and OutboxSender) against the fake Slack on loopback.
#include <gtest/gtest.h>

#include <fstream>

#include "adapters/slack/options.hpp"
#include "bot/committer.hpp"
#include "bot/outbox_sender.hpp"
#include "tests/integration/fake_slack.hpp"
#include "tests/support/temp_dir.hpp"

namespace brigade::slack {
namespace {

using namespace std::chrono_literals;
using testing::event_envelope;
using testing::FakeSlack;
using testing::slash_envelope;
using testing::TempDir;

const std::string kAlice = "slack:T000TEST:U0000ALICE";
const std::string kBob = "slack:T000TEST:U000000BOB";

AdapterOptions fast() {
  AdapterOptions o;
  o.idle_timeout = 2s;
  o.backoff_base = 50ms;
  o.backoff_cap = 500ms;
  o.too_many_delay = 200ms;
  o.drain_deadline = 2s;
  o.drain_quiet = 200ms;
  o.post_interval = 0;
  return o;
}

class SlackAdapterTest : public ::testing::Test {
 protected:
  explicit SlackAdapterTest(const testing::TestPki* pki = nullptr) : calendar_("UTC"), fake_(pki) {
    store::Options so;
    so.dir = dir_.path() / "data";
    so.durable = false;
    store_ = store::Store::open(so, calendar_);
    rules_.daily_quota = 0;
    fake_.add_user("U0000CAROL", "carol");
    fake_.add_user("U0000ALICE", "alice");
    fake_.add_user("U000000BOB", "bob");
    fake_.add_user("U00000DAVE", "dave");
    fake_.add_user("U00BRIGADE", "brigade", true);
  }
  ~SlackAdapterTest() override { stop(); }

  void start(AdapterOptions o = fast(), std::string ca_file = {}) {
    committer_ = std::make_unique<bot::Committer>(*store_, rules_, clock_, metrics_);
    outbox_ = std::make_unique<bot::OutboxSender>(*store_, *committer_, clock_);
    committer_->on_commit([o = outbox_.get()] { o->notify(); });
    config::Config cfg;
    cfg.slack.app_token = fake_.app_token;
    cfg.slack.bot_token = fake_.bot_token;
    cfg.slack.api_url = fake_.api_url();
    cfg.ca_file = std::move(ca_file);
    adapter_ = make_adapter(cfg, *committer_, metrics_, o);
    outbox_->add(*adapter_);
    outbox_->start();
    adapter_->start();
  }
  bool connected(std::size_t n = 1) {
    return fake_.wait(
        [&] { return fake_.connections() >= n && adapter_->state() == bot::LinkState::connected; });
  }
  void stop() {
    if (adapter_) adapter_->stop(2s);
    if (outbox_) outbox_->stop();
    if (committer_) committer_->stop();
    adapter_.reset();
    outbox_.reset();
    committer_.reset();
  }
  bool acked(const std::string& id, std::chrono::milliseconds t = 5s) {
    return fake_.wait([&] { return count_acks(id) > 0; }, t);
  }
  std::size_t count_acks(const std::string& id) {
    auto a = fake_.acks();
    return static_cast<std::size_t>(std::count(a.begin(), a.end(), id));
  }
  std::uint32_t received(const std::string& user) {
    auto r = store_->read();
    return r->counts(user, "", core::Period::all, calendar_.bucket(core::Period::all, clock_.now_ms()))
        .received;
  }
  std::uint64_t kudos() { return store_->read()->kudos_count(); }
  std::vector<std::string> texts(const std::string& method) {
    std::vector<std::string> out;
    for (auto& c : fake_.calls(method)) out.push_back(c.args.value("text", ""));
    return out;
  }

  TempDir dir_{"brigade-slack"};
  core::Calendar calendar_;
  core::SystemClock clock_;
  commands::Rules rules_;
  bot::Metrics metrics_;  // before the committer and the adapter, which count into it
  std::unique_ptr<store::Store> store_;
  FakeSlack fake_;
  std::unique_ptr<bot::Committer> committer_;
  std::unique_ptr<bot::OutboxSender> outbox_;
  std::unique_ptr<bot::NetworkAdapter> adapter_;
};

TEST_F(SlackAdapterTest, AckComesAfterCommitWithinTheDeadline) {
  start();
  ASSERT_TRUE(connected());
  auto sent = std::chrono::steady_clock::now();
  fake_.send(0, slash_envelope("env-1", "thanks", "<@U0000ALICE|alice> for the review"));
  std::uint64_t kudos_at_ack = 0;
  ASSERT_TRUE(fake_.wait([&] {
    if (count_acks("env-1") == 0) return false;
    kudos_at_ack = kudos();
    return true;
  }));
  auto latency = std::chrono::steady_clock::now() - sent;
  EXPECT_EQ(kudos_at_ack, 1u) << "the ack must not leave before the kudos is durable";
  EXPECT_LT(latency, 2s);
  EXPECT_EQ(received(kAlice), 1u);
}

TEST_F(SlackAdapterTest, TwoRecipientThanksPostsPublicMessageAndPrivateReply) {
  start();
  ASSERT_TRUE(connected());
  fake_.send(
      0, slash_envelope("env-2", "thanks", "<@U0000ALICE|alice> <@U000000BOB|bob> for the release review"));
  ASSERT_TRUE(acked("env-2"));
  ASSERT_TRUE(fake_.wait([&] {
    return !fake_.calls("chat.postMessage").empty() && !fake_.calls("chat.postEphemeral").empty();
  }));
  EXPECT_EQ(received(kAlice), 1u);
  EXPECT_EQ(received(kBob), 1u);
  auto pub = fake_.calls("chat.postMessage").at(0);
  EXPECT_EQ(pub.args.value("channel", ""), "C0000KUDOS");
  EXPECT_NE(pub.args.value("text", "").find("<@U0000ALICE>"), std::string::npos) << pub.args.dump();
  EXPECT_NE(pub.args.value("text", "").find("<@U000000BOB>"), std::string::npos);
  EXPECT_FALSE(pub.args.contains("link_names"));
  EXPECT_EQ(pub.auth, "Bearer " + fake_.bot_token);
  auto priv = fake_.calls("chat.postEphemeral").at(0);
  EXPECT_EQ(priv.args.value("user", ""), "U0000CAROL");
}

TEST_F(SlackAdapterTest, RefusalsRecordNothing) {
  start();
  ASSERT_TRUE(connected());
  fake_.send(0, slash_envelope("env-3", "thanks", "<@U0000CAROL|carol> for being me"));
  fake_.send(0, slash_envelope("env-4", "thanks", "<@U00BRIGADE|brigade> for nothing"));
  ASSERT_TRUE(acked("env-3"));
  ASSERT_TRUE(acked("env-4"));
  ASSERT_TRUE(fake_.wait([&] { return fake_.calls("chat.postEphemeral").size() >= 2; }));
  EXPECT_EQ(kudos(), 0u);
  EXPECT_TRUE(fake_.calls("chat.postMessage").empty());
}

TEST_F(SlackAdapterTest, RedeliveredEnvelopeCountedOnce) {
  start();
  ASSERT_TRUE(connected());
  nlohmann::json ev = {{"type", "app_mention"},
                       {"user", "U0000CAROL"},
                       {"channel", "C0000KUDOS"},
                       {"text", "<@U00BRIGADE> thanks <@U000000BOB> for the fix"},
                       {"ts", "1767268800.000100"}};
  fake_.send(0, event_envelope("env-5", "Ev0001", ev));
  ASSERT_TRUE(acked("env-5"));
  fake_.send(0, event_envelope("env-6", "Ev0001", ev, 1));
  ASSERT_TRUE(acked("env-6"));
  EXPECT_EQ(received(kBob), 1u);
  EXPECT_EQ(kudos(), 1u);
}

TEST_F(SlackAdapterTest, InvalidJsonAndOneMebibyteFramesAreSurvived) {
  start();
  ASSERT_TRUE(connected());
  fake_.send(0, "{not json");
  fake_.send(0, std::string(1 << 20, '['));
  fake_.send(0, nlohmann::json{{"type", "events_api"},
                               {"envelope_id", "env-big"},
                               {"payload",
                                {{"type", "event_callback"},
                                 {"event_id", "EvBig"},
                                 {"event", {{"type", "message"}, {"text", std::string(1 << 20, 'a')}}}}}}
                    .dump());
  fake_.send(0, R"({"type":"something_new","envelope_id":"env-odd"})");
  fake_.send(0, slash_envelope("env-7", "thanks", "<@U0000ALICE|alice> still here"));
  ASSERT_TRUE(acked("env-7"));
  EXPECT_EQ(count_acks("env-big"), 1u);
  EXPECT_EQ(count_acks("env-odd"), 1u);
  EXPECT_EQ(fake_.connections(), 1u);
  EXPECT_EQ(received(kAlice), 1u);
}

TEST_F(SlackAdapterTest, HostileTextIsEscaped) {
  start();
  ASSERT_TRUE(connected());
  // What Slack sends when someone types "<!channel> & <@U999>" as a reason.
  fake_.send(
      0, slash_envelope("env-8", "thanks", "<@U0000ALICE|alice> for &lt;!channel&gt; &amp; &lt;@U999&gt;"));
  ASSERT_TRUE(fake_.wait([&] { return !fake_.calls("chat.postMessage").empty(); }));
  auto text = texts("chat.postMessage").at(0);
  EXPECT_EQ(text.find("<!channel>"), std::string::npos) << text;
  EXPECT_EQ(text.find("<@U999>"), std::string::npos) << text;
  EXPECT_NE(text.find("&lt;!channel&gt;"), std::string::npos) << text;
}

TEST_F(SlackAdapterTest, RateLimitedPostGoesOutOnceAndNotEarly) {
  fake_.script("chat.postMessage", {429, {{"Retry-After", "1"}}, {{"ok", false}, {"error", "ratelimited"}}});
  start();
  ASSERT_TRUE(connected());
  fake_.send(0, slash_envelope("env-9", "thanks", "<@U0000ALICE|alice> for patience"));
  ASSERT_TRUE(fake_.wait([&] { return fake_.calls("chat.postMessage").size() >= 2; }, 10s));
  auto calls = fake_.calls("chat.postMessage");
  EXPECT_GE(calls[1].at - calls[0].at, 950ms);
  // Nothing more arrives: the successful post was the last.
  EXPECT_FALSE(fake_.wait([&] { return fake_.calls("chat.postMessage").size() > 2; }, 1500ms));
}

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

TEST_F(SlackAdapterTest, UsersListIsPaginatedAndRawNamesResolve) {
  fake_.add_user("U00000ERIN", "erin");  // on the third page of two
  start();
  ASSERT_TRUE(connected());
  auto pages = fake_.calls("users.list");
  ASSERT_EQ(pages.size(), 3u);
  EXPECT_FALSE(pages[0].args.contains("cursor"));
  EXPECT_EQ(pages[1].args.value("cursor", ""), "c2");
  EXPECT_EQ(pages[2].args.value("cursor", ""), "c4");
  fake_.send(0, slash_envelope("env-p", "thanks", "@erin for the docs"));
  ASSERT_TRUE(acked("env-p"));
  EXPECT_EQ(received("slack:T000TEST:U00000ERIN"), 1u);
}

TEST_F(SlackAdapterTest, UserGroupMentionThanksEveryMember) {
  fake_.add_group("S0PLATFORM", {"U0000ALICE", "U000000BOB"});
  start();
  ASSERT_TRUE(connected());
  fake_.send(0, slash_envelope("env-g", "thanks", "<!subteam^S0PLATFORM|@platform> for the launch"));
  ASSERT_TRUE(acked("env-g"));
  EXPECT_EQ(received(kAlice), 1u);
  EXPECT_EQ(received(kBob), 1u);
}

TEST_F(SlackAdapterTest, ReactionGivesKudosAndRemovalTakesItBack) {
  start();
  ASSERT_TRUE(connected());
  nlohmann::json ev = {
      {"type", "reaction_added"},
      {"user", "U00000DAVE"},
      {"reaction", "raised_hands"},
      {"item", {{"type", "message"}, {"channel", "C0000KUDOS"}, {"ts", "1767268860.000200"}}},
      {"item_user", "U000000BOB"},
      {"event_ts", "1767268900.000300"}};
  fake_.send(0, event_envelope("env-ra", "EvReact1", ev));
  ASSERT_TRUE(acked("env-ra"));
  EXPECT_EQ(received(kBob), 1u);
  ev["type"] = "reaction_removed";
  fake_.send(0, event_envelope("env-rr", "EvReact2", ev));
  ASSERT_TRUE(acked("env-rr"));
  EXPECT_EQ(received(kBob), 0u);
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

TEST_F(SlackAdapterTest, PrivateReplyFallsBackToResponseUrlWhenBotIsNotInChannel) {
  fake_.script("chat.postEphemeral", {200, {}, {{"ok", false}, {"error", "not_in_channel"}}});
  fake_.script("chat.postMessage", {200, {}, {{"ok", false}, {"error", "not_in_channel"}}});
  start();
  ASSERT_TRUE(connected());
  auto env = nlohmann::json::parse(slash_envelope("env-ru", "thanks", "<@U0000ALICE|alice> for the help"));
  std::string base = fake_.api_url();
  env["payload"]["response_url"] = base.substr(0, base.size() - 4) + "response_url/T000TEST/1/secret";
  fake_.send(0, env.dump());
  ASSERT_TRUE(acked("env-ru"));
  ASSERT_TRUE(fake_.wait([&] { return !fake_.calls("response_url").empty(); }));
  auto call = fake_.calls("response_url").at(0);
  EXPECT_EQ(call.args.value("response_type", ""), "ephemeral");
  EXPECT_NE(call.args.value("text", "").find("alice"), std::string::npos) << call.args.dump();
}

TEST_F(SlackAdapterTest, PermanentErrorsAreDroppedNotRetried) {
  fake_.script("chat.postMessage", {200, {}, {{"ok", false}, {"error", "channel_not_found"}}});
  start();
  ASSERT_TRUE(connected());
  fake_.send(0, slash_envelope("env-pe", "thanks", "<@U0000ALICE|alice> for trying"));
  ASSERT_TRUE(fake_.wait([&] {
    return store_->read()->outbox_depth() == 0 && !fake_.calls("chat.postMessage").empty() &&
           !fake_.calls("chat.postEphemeral").empty();
  }));
  EXPECT_FALSE(fake_.wait([&] { return fake_.calls("chat.postMessage").size() > 1; }, 1500ms));
}

TEST_F(SlackAdapterTest, PraiseIsCrosspostedToTheWinsChannelQuietly) {
  rules_.wins_channel["slack"] = "C0000WINS";
  start();
  ASSERT_TRUE(connected());
  fake_.send(0, slash_envelope("env-pr", "praise", "<@U0000ALICE|alice> shipped the launch"));
  ASSERT_TRUE(fake_.wait([&] { return fake_.calls("chat.postMessage").size() >= 2; }));
  bool crossposted = false;
  for (auto& c : fake_.calls("chat.postMessage")) {
    if (c.args.value("channel", "") != "C0000WINS") continue;
    crossposted = true;
    EXPECT_EQ(c.args.value("text", "").find("<@U0000ALICE>"), std::string::npos) << "no second ping";
  }
  EXPECT_TRUE(crossposted);
}

TEST_F(SlackAdapterTest, RepliesArePacedPerChannel) {
  auto o = fast();
  o.post_interval = 400;
  start(o);
  ASSERT_TRUE(connected());
  fake_.send(0, slash_envelope("env-pc", "thanks", "<@U0000ALICE|alice> for pacing"));
  ASSERT_TRUE(fake_.wait([&] {
    return !fake_.calls("chat.postMessage").empty() && !fake_.calls("chat.postEphemeral").empty();
  }));
  auto a = fake_.calls("chat.postMessage").at(0).at, b = fake_.calls("chat.postEphemeral").at(0).at;
  EXPECT_GE(a > b ? a - b : b - a, 350ms);
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
