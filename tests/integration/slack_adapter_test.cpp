// The real Slack adapter against the fake Slack: acks after commit, replies, refusals, redelivery,
// hostile frames and text, names and groups, reactions, fallbacks, pacing and rate limits.
#include "tests/integration/slack_adapter_test.hpp"

namespace brigade::slack {
namespace {

using testing::event_envelope;
using testing::FakeSlack;
using testing::slash_envelope;

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

}  // namespace
}  // namespace brigade::slack
