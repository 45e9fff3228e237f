// The Slack adapter's I/O-free logic: mentions, mrkdwn, frames, routing, reconnect and delivery decisions.
#include <gtest/gtest.h>


#include <nlohmann/json.hpp>

#include "adapters/net/backoff.hpp"
#include "adapters/net/redact.hpp"
#include "adapters/net/url.hpp"
#include "adapters/slack/delivery_policy.hpp"
#include "adapters/slack/directory.hpp"
#include "adapters/slack/frame.hpp"
#include "adapters/slack/ids.hpp"
#include "adapters/slack/link_policy.hpp"
#include "adapters/slack/mentions.hpp"
#include "adapters/slack/mrkdwn.hpp"
#include "adapters/slack/router.hpp"
#include "tests/unit/slack_test.hpp"

namespace brigade::slack {
namespace {

using test::fixture;
using test::me;

Directory people() {
  Directory d;
  for (auto page : {"slack_users_list_page1.json", "slack_users_list_page2.json"}) {
    auto j = nlohmann::json::parse(fixture(page), nullptr, false);
    if (j.is_object())
      for (auto& m : j["members"]) d.add_user(m);
  }
  d.add_user({{"id", "U0000ALICE"}, {"name", "alice"}, {"profile", {{"display_name", "alice"}}}});
  d.add_user({{"id", "U000000BOB"}, {"name", "bob"}, {"profile", {{"display_name", "bob"}}}});
  d.add_user({{"id", "W0000GRID1"}, {"name", "gina"}, {"profile", {{"display_name", "gina"}}}});
  d.add_user({{"id", "B0BOT"}, {"name", "robot"}, {"is_bot", true}});
  return d;
}

TEST(SlackMentions, UserMentionsBecomeReadableSpans) {
  auto d = people();
  auto r = rewrite("<@U0000ALICE|alice> <@U000000BOB> for the review", "T1", d);
  EXPECT_EQ(r.text, "@alice @bob for the review");
  ASSERT_EQ(r.mentions.size(), 2u);
  EXPECT_EQ(r.mentions[0].pos, 0u);
  EXPECT_EQ(r.mentions[0].len, 6u);
  EXPECT_EQ(r.mentions[0].user.id, "slack:T1:U0000ALICE");
  EXPECT_EQ(r.text.substr(r.mentions[1].pos, r.mentions[1].len), "@bob");
  EXPECT_EQ(r.mentions[1].user.id, "slack:T1:U000000BOB");
}

// Found by tests/fuzz/slack_fuzz.cpp: "<@U1 … <@U2>" made one mention whose id held the text up to
// the second entity, '<' included, and rendered it back as a live <@…>. A stray '<' is plain text.
TEST(SlackMentions, StrayLessThanIsPlainText) {
  auto d = people();
  auto r = rewrite("a <@U0000ALICE wait <@U000000BOB> <x", "T1", d);
  EXPECT_EQ(r.text, "a <@U0000ALICE wait @bob <x");
  ASSERT_EQ(r.mentions.size(), 1u);
  EXPECT_EQ(r.mentions[0].user.id, "slack:T1:U000000BOB");
  EXPECT_EQ(r.text.substr(r.mentions[0].pos, r.mentions[0].len), "@bob");
  EXPECT_EQ(scan_references("a <@U1 b <@U2> <#C1 <#C2>").users, std::vector<std::string>{"U2"});
  EXPECT_EQ(scan_references("a <@U1 b <@U2> <#C1 <#C2>").channels, std::vector<std::string>{"C2"});
}

TEST(SlackMentions, DeactivatedUsersAreMarked) {
  auto d = people();
  d.add_user({{"id", "U0000GONE1"}, {"name", "gone"}, {"deleted", true}});
  auto r = rewrite("<@U0000GONE1> <@U0000ALICE> for the handover", "T1", d);
  ASSERT_EQ(r.mentions.size(), 2u);
  EXPECT_TRUE(r.mentions[0].user.deactivated);
  EXPECT_FALSE(r.mentions[1].user.deactivated);
}

TEST(SlackMentions, EnterpriseGridUsersAreUsers) {
  auto d = people();
  auto r = rewrite("<@W0000GRID1> thanks", "T1", d);
  ASSERT_EQ(r.mentions.size(), 1u);
  EXPECT_EQ(r.mentions[0].user.id, "slack:T1:W0000GRID1");
  EXPECT_EQ(r.text, "@gina thanks");
}

TEST(SlackMentions, UnknownUserKeepsLabel) {
  Directory d;
  auto r = rewrite("<@U9|zed> ok", "T1", d);
  EXPECT_EQ(r.text, "@zed ok");
  EXPECT_EQ(r.mentions.at(0).user.id, "slack:T1:U9");
}

TEST(SlackMentions, UserGroupExpandsToMembers) {
  auto d = people();
  d.set_group("S0TEAM", {"U0000ALICE", "U000000BOB"});
  auto r = rewrite("<!subteam^S0TEAM|@platform> for the launch", "T1", d);
  EXPECT_EQ(r.text, "@alice @bob for the launch");
  ASSERT_EQ(r.mentions.size(), 2u);
  EXPECT_EQ(r.mentions[1].user.id, "slack:T1:U000000BOB");
  auto refs = scan_references("<!subteam^S0TEAM|@platform> <@U1> <#C1>");
  EXPECT_EQ(refs.groups, std::vector<std::string>{"S0TEAM"});
  EXPECT_EQ(refs.users, std::vector<std::string>{"U1"});
  EXPECT_EQ(refs.channels, std::vector<std::string>{"C1"});
}

TEST(SlackMentions, RawAtNameResolvesThroughTheUserCache) {
  auto d = people();
  auto r = rewrite("@bob and @nobody, thanks @alice.", "T1", d);
  EXPECT_EQ(r.text, "@bob and @nobody, thanks @alice.");
  ASSERT_EQ(r.mentions.size(), 2u);
  EXPECT_EQ(r.mentions[0].user.id, "slack:T1:U000000BOB");
  EXPECT_EQ(r.text.substr(r.mentions[1].pos, r.mentions[1].len), "@alice");
}

TEST(SlackMentions, ChannelMentionsSetChannel) {
  Directory d;
  auto r = rewrite("summary <#C0000KUDOS|kudos>", "T1", d);
  EXPECT_EQ(r.text, "summary #kudos");
  ASSERT_EQ(r.mentions.size(), 1u);
  EXPECT_TRUE(r.mentions[0].is_channel());
  EXPECT_EQ(r.mentions[0].channel.id, "slack:T1:C0000KUDOS");
}

TEST(SlackMentions, BroadcastsAndEntitiesStayInert) {
  Directory d;
  auto r = rewrite("<!channel> &lt;@U999&gt; a &amp; b <https://x.example|site>", "T1", d);
  EXPECT_EQ(r.text, "@channel <@U999> a & b site");
  EXPECT_TRUE(r.mentions.empty());
}

TEST(SlackMrkdwn, HostileTextIsEscaped) {
  core::BodyBuilder b;
  b.mention("slack:T1:U0000ALICE", "@alice").text(" thanks for <!channel> & <@U999> <https://evil|x>");
  auto out = render(b.take(), true);
  EXPECT_EQ(out, "<@U0000ALICE> thanks for &lt;!channel&gt; &amp; &lt;@U999&gt; &lt;https://evil|x&gt;");
}

TEST(SlackMrkdwn, QuietMentionsAreEscapedNames) {
  core::BodyBuilder b;
  b.mention("slack:T1:U1", "a<b>").text(": 3");
  EXPECT_EQ(render(b.take(), false), "@a&lt;b&gt;: 3");
}

TEST(SlackFrames, FixturesParse) {
  auto hello = parse_frame(fixture("slack_socket_hello.json"));
  EXPECT_EQ(hello.kind, Frame::Kind::hello);
  auto slash = parse_frame(fixture("slack_envelope_slash_commands_thanks.json"));
  EXPECT_EQ(slash.kind, Frame::Kind::envelope);
  EXPECT_EQ(slash.envelope_id, "5d3c0a51-7e0b-4c4e-9a11-000000000001");
  auto disc = parse_frame(fixture("slack_socket_disconnect_refresh_requested.json"));
  EXPECT_EQ(disc.kind, Frame::Kind::disconnect);
  EXPECT_EQ(disc.reason, "refresh_requested");
  EXPECT_EQ(ack_json("abc"), R"({"envelope_id":"abc"})");
}

TEST(SlackFrames, BadInputIsInvalidNotAnException) {
  EXPECT_EQ(parse_frame("{not json").kind, Frame::Kind::invalid);
  EXPECT_EQ(parse_frame("[1,2]").kind, Frame::Kind::invalid);
  EXPECT_EQ(parse_frame(std::string(1 << 20, 'x')).kind, Frame::Kind::invalid);
  auto odd = parse_frame(R"({"type":"brand_new","envelope_id":"e1"})");
  EXPECT_EQ(odd.kind, Frame::Kind::other);
  EXPECT_EQ(odd.envelope_id, "e1");
}

TEST(SlackRouter, SlashCommandKeyedByTrigger) {
  auto a = route(parse_frame(fixture("slack_envelope_slash_commands_thanks.json")), me());
  ASSERT_EQ(a.kind, Action::Kind::command);
  EXPECT_EQ(a.command.source_id, "slack:trigger:1000000000001.1000000000.0123456789abcdef0123456789abcdef");
  EXPECT_EQ(a.command.command, "thanks");
  EXPECT_EQ(a.command.user, "U0000CAROL");
  EXPECT_EQ(a.command.channel, "C0000KUDOS");
  EXPECT_FALSE(a.command.response_url.empty());
}

TEST(SlackRouter, AppMentionWorksLikeASlashCommand) {
  auto f = parse_frame(fixture("slack_envelope_events_api_app_mention.json"));
  auto a = route(f, me());
  ASSERT_EQ(a.kind, Action::Kind::command);
  EXPECT_EQ(a.command.source_id, "slack:event:Ev0000APPMEN");
  EXPECT_EQ(a.command.command, "leaderboard");
  EXPECT_EQ(a.command.text, "week");
  f.payload["event"]["text"] = "<@U00BRIGADE|brigade> Thanks <@U000000BOB> for it";
  a = route(f, me());
  EXPECT_EQ(a.command.command, "thanks");
  EXPECT_EQ(a.command.text, "<@U000000BOB> for it");
}

TEST(SlackRouter, RetryKeepsTheEventKey) {
  auto a = route(parse_frame(fixture("slack_envelope_events_api_app_mention_retry.json")), me());
  auto b = route(parse_frame(fixture("slack_envelope_events_api_app_mention.json")), me());
  EXPECT_EQ(a.command.source_id, b.command.source_id);
}

TEST(SlackRouter, ConfiguredReactionThanksTheAuthorAndRemovalRevokes) {
  auto f = parse_frame(fixture("slack_envelope_events_api_reaction_added.json"));
  f.payload["event"]["item_user"] = "U000000BOB";
  auto a = route(f, me());
  ASSERT_EQ(a.kind, Action::Kind::command);
  EXPECT_EQ(a.command.command, "thanks");
  EXPECT_EQ(a.command.source_id, "slack:react:C0000KUDOS:1767268860.000200:U00000DAVE:raised_hands");
  EXPECT_EQ(a.command.text.rfind("<@U000000BOB>", 0), 0u);
  f.payload["event"]["type"] = "reaction_removed";
  auto r = route(f, me());
  ASSERT_EQ(r.kind, Action::Kind::revoke);
  EXPECT_EQ(r.revoke_source, a.command.source_id);
  f.payload["event"]["type"] = "reaction_added";
  f.payload["event"]["reaction"] = "tada";
  EXPECT_EQ(route(f, me()).kind, Action::Kind::ignore);
}

TEST(SlackRouter, ReactionOnBrigadesOwnMessageIsIgnored) {
  auto f = parse_frame(fixture("slack_envelope_events_api_reaction_added.json"));
  EXPECT_EQ(route(f, me()).kind, Action::Kind::ignore);  // the fixture's item_user is the bot
}

TEST(SlackRouter, OtherEventsAreIgnored) {
  EXPECT_EQ(route(parse_frame(fixture("slack_envelope_events_api_message_changed.json")), me()).kind,
            Action::Kind::ignore);
  EXPECT_EQ(route(parse_frame(fixture("slack_envelope_interactive_block_actions.json")), me()).kind,
            Action::Kind::ignore);
}

TEST(SlackLinkPolicy, DisconnectReasons) {
  EXPECT_EQ(on_disconnect("warning"), OnDisconnect::replace_keep_reading);
  EXPECT_EQ(on_disconnect("refresh_requested"), OnDisconnect::replace_then_close);
  EXPECT_EQ(on_disconnect("something_new"), OnDisconnect::replace_then_close);
  EXPECT_EQ(on_disconnect("link_disabled"), OnDisconnect::stop_failed);
  EXPECT_EQ(on_disconnect("too_many_websockets"), OnDisconnect::backoff_reconnect);
  EXPECT_TRUE(fatal_api_error("invalid_auth"));
  EXPECT_FALSE(fatal_api_error("ratelimited"));
}

TEST(SlackDelivery, ClassifiesAnswers) {
  using S = bot::Delivery::Status;
  auto r429 = classify(api_answer(429, false, "ratelimited", "30"));
  EXPECT_EQ(r429.status, S::retry);
  EXPECT_EQ(r429.retry_after_ms, 30000);
  EXPECT_EQ(classify(api_answer(429, false, "ratelimited", "")).retry_after_ms, 1000);
  EXPECT_EQ(classify(api_answer(0, false, "connection refused", "")).status, S::retry);
  EXPECT_EQ(classify(api_answer(503, false, "", "")).status, S::retry);
  EXPECT_EQ(classify(api_answer(200, true, "", "")).status, S::sent);
  for (auto e : {"channel_not_found", "not_in_channel", "invalid_auth", "is_archived", "msg_too_long",
                 "missing_scope"})
    EXPECT_EQ(classify(api_answer(200, false, e, "")).status, S::drop) << e;
  EXPECT_EQ(classify(api_answer(200, false, "internal_error", "")).status, S::retry);
}

// Found by tests/fuzz/slack_fuzz.cpp: a huge Retry-After overflowed seconds * 1000 (undefined), and
// the outbox adds the wait to now. A day at most.
TEST(SlackDelivery, RetryAfterIsCappedAtADay) {
  EXPECT_EQ(classify(api_answer(429, false, "ratelimited", "86400")).retry_after_ms, 86'400'000);
  EXPECT_EQ(classify(api_answer(429, false, "ratelimited", "86401")).retry_after_ms, 86'400'000);
  EXPECT_EQ(classify(api_answer(429, false, "ratelimited", "9223372036854775807")).retry_after_ms,
            86'400'000);
  EXPECT_EQ(classify(api_answer(429, false, "ratelimited", "99999999999999999999")).retry_after_ms,
            86'400'000);
  EXPECT_EQ(classify(api_answer(429, false, "ratelimited", "-99999999999999999999")).retry_after_ms, 1000);
  EXPECT_EQ(classify(api_answer(429, false, "ratelimited", "0")).retry_after_ms, 1000);
}

// Every caller reads Retry-After through one parser: the users.list and apps.connections.open
// waits once used std::atoi, undefined beyond an int and multiplied by 1000 unchecked.
TEST(SlackDelivery, RetryAfterHasOneParserForEveryCaller) {
  EXPECT_EQ(retry_after_ms("5"), 5000);
  EXPECT_EQ(retry_after_ms(""), 1000);
  EXPECT_EQ(retry_after_ms("soon"), 1000);
  EXPECT_EQ(retry_after_ms("-3"), 1000);
  EXPECT_EQ(retry_after_ms("99999999999"), 86'400'000);
  EXPECT_EQ(retry_after_ms("99999999999999999999999"), 86'400'000);
}

TEST(SlackDelivery, PacerSpacesMessagesPerChannel) {
  using std::chrono::milliseconds;
  const ChannelPacer::Clock::time_point t0{};
  auto at = [&](int ms) { return t0 + milliseconds(ms); };
  ChannelPacer p(milliseconds(1000));
  EXPECT_EQ(p.reserve("C1", at(5000)), at(5000));
  EXPECT_EQ(p.reserve("C1", at(5000)), at(6000));
  EXPECT_EQ(p.reserve("C2", at(5000)), at(5000));
  p.hold("C2", at(9000));
  EXPECT_EQ(p.reserve("C2", at(5100)), at(9000));
}

TEST(SlackIds, QualifyAndRaw) {
  EXPECT_EQ(qualify("T1", "U1"), "slack:T1:U1");
  EXPECT_EQ(raw_id("slack:T1:C1"), "C1");
  EXPECT_EQ(raw_id("C0WINS"), "C0WINS");
  EXPECT_EQ(raw_id("#wins"), "wins");
}

TEST(NetUrl, ParsesTheFourSchemes) {
  auto u = net::parse_url("wss://wss-primary.slack.com/link/?ticket=abc&app_id=A1");
  ASSERT_TRUE(u);
  EXPECT_TRUE(u->tls());
  EXPECT_EQ(u->port, 443);
  EXPECT_EQ(u->target, "/link/?ticket=abc&app_id=A1");
  auto h = net::parse_url("http://127.0.0.1:8080/api/");
  ASSERT_TRUE(h);
  EXPECT_EQ(h->host, "127.0.0.1");
  EXPECT_EQ(h->port, 8080);
  EXPECT_EQ(h->host_header(), "127.0.0.1:8080");
  EXPECT_EQ(net::parse_url("https://[::1]:9/x")->host, "::1");
  EXPECT_FALSE(net::parse_url("ftp://x/"));
  EXPECT_FALSE(net::parse_url("http://:80/"));
  EXPECT_EQ(net::join_url("https://slack.com/api", "auth.test"), "https://slack.com/api/auth.test");
}

TEST(NetBackoff, GrowsWithJitterUpToTheCap) {
  net::Backoff b(std::chrono::milliseconds(500), std::chrono::milliseconds(30000), 42);
  auto first = b.next();
  EXPECT_GE(first.count(), 250);
  EXPECT_LE(first.count(), 500);
  for (int i = 0; i < 20; ++i) {
    auto d = b.next();
    EXPECT_LE(d.count(), 30000);
  }
  EXPECT_GE(b.next().count(), 15000);
  b.reset();
  EXPECT_LE(b.next().count(), 500);
}

TEST(NetRedact, TokensNeverReachLogs) {
  auto s = net::redact("Bearer xoxb-123-abc failed for xapp-1-A0-x at wss://h/link/?ticket=secret&app_id=A1");
  EXPECT_EQ(s.find("xoxb-123"), std::string::npos);
  EXPECT_EQ(s.find("xapp-1-A0"), std::string::npos);
  EXPECT_EQ(s.find("secret"), std::string::npos);
}

}  // namespace
}  // namespace brigade::slack
