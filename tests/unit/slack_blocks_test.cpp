// Block Kit rendering without I/O: replies with blocks and buttons, the text fallback, the Home
// view, Slack's limits enforced by shortening (blocks, text, header, button value, view bytes),
// and the thanks modal as built, with the acks that put a refusal next to its field.
#include <gtest/gtest.h>

#include "adapters/slack/blocks.hpp"
#include "adapters/slack/modal.hpp"

namespace brigade::slack {
namespace {

using nlohmann::json;

const std::string kAlice = "slack:T1:U0000ALICE";

core::Block block(core::Block::Kind k, std::string text) {
  core::Block b;
  b.kind = k;
  b.text = core::BodyBuilder().text(text).take();
  return b;
}

core::Reply celebration() {
  core::Reply r;
  r.body = core::BodyBuilder().text("carol thanked ").mention(kAlice, "alice").text(" for <the> review").take();
  r.ping = true;
  core::Block s;
  s.text = r.body;
  r.blocks = {block(core::Block::Kind::header, "Kudos!"), s, block(core::Block::Kind::divider, ""),
              block(core::Block::Kind::context, "K12 · #teamwork")};
  return r;
}

TEST(SlackBlocks, LayoutAndButtonsBesideTheTextFallback) {
  core::Reply r = celebration();
  core::Button take{"ask.take", "I'll take it", "7", "✋", core::Button::Style::primary};
  core::Button cancel{"ask.cancel", "Cancel", "7", "", core::Button::Style::danger};
  core::Button plain{"ask.done", "Mark done", "7", "", core::Button::Style::plain};
  r.buttons = {take, cancel, plain};
  json b = message_blocks(r);
  ASSERT_EQ(b.size(), 5u);
  EXPECT_EQ(b[0]["type"], "header");
  EXPECT_EQ(b[0]["text"]["type"], "plain_text");
  EXPECT_EQ(b[1]["text"]["text"], "carol thanked <@U0000ALICE> for &lt;the&gt; review");
  EXPECT_EQ(b[2]["type"], "divider");
  EXPECT_EQ(b[3]["elements"][0]["text"], "K12 · #teamwork");
  ASSERT_EQ(b[4]["type"], "actions");
  EXPECT_EQ(b[4]["elements"][0]["action_id"], "ask.take");
  EXPECT_EQ(b[4]["elements"][0]["value"], "7");
  EXPECT_EQ(b[4]["elements"][0]["style"], "primary");
  EXPECT_EQ(b[4]["elements"][1]["style"], "danger");
  EXPECT_FALSE(b[4]["elements"][2].contains("style"));
  EXPECT_EQ(message_text(r), "carol thanked <@U0000ALICE> for &lt;the&gt; review");
}

TEST(SlackBlocks, PlainRepliesStayPlainAndButtonsAloneGetTheBodyAsASection) {
  core::Reply r;
  r.body = core::BodyBuilder().text("Top 10 this month").take();
  EXPECT_TRUE(message_blocks(r).empty());
  r.buttons = {core::Button{"leaderboard.share", "Share in channel", "month", "", core::Button::Style::primary}};
  json b = message_blocks(r);
  ASSERT_EQ(b.size(), 2u);
  EXPECT_EQ(b[0]["text"]["text"], "Top 10 this month");
  EXPECT_EQ(b[1]["elements"][0]["action_id"], "leaderboard.share");
}

TEST(SlackBlocks, ALinkIsALineInTheTextAndABlock) {
  core::Reply r;
  r.body = core::BodyBuilder().text("carol thanked you").take();
  std::string url = "https://brigade-test.slack.com/archives/C1/p1767268860000200";
  EXPECT_EQ(message_text(r, url), "carol thanked you\n<" + url + "|See it in the channel>");
  json b = message_blocks(r, url);
  ASSERT_EQ(b.size(), 2u);
  EXPECT_EQ(b[1]["elements"][0]["text"], "<" + url + "|See it in the channel>");
  EXPECT_EQ(message_text(r, "https://x/<!here>|y"), "carol thanked you\n<https://x/!herey|See it in the channel>");
}

TEST(SlackBlocks, LimitsAreKeptByShortening) {
  core::Reply r;
  r.body = core::BodyBuilder().text("long").take();
  for (int i = 0; i < 120; ++i) r.blocks.push_back(block(core::Block::Kind::section, std::string(5000, 'x')));
  r.blocks.push_back(block(core::Block::Kind::header, std::string(400, 'h')));
  r.buttons = {core::Button{"leaderboard.share", std::string(200, 'l'), std::string(5000, 'v'), "", {}}};
  json msg = message_blocks(r);
  ASSERT_EQ(msg.size(), kMaxMessageBlocks);
  EXPECT_EQ(msg.back()["type"], "actions") << "the buttons survive shortening";
  EXPECT_LE(msg[0]["text"]["text"].get<std::string>().size(), kMaxTextChars);
  EXPECT_EQ(msg.back()["elements"][0]["value"].get<std::string>().size(), kMaxButtonValue);
  EXPECT_LE(msg.back()["elements"][0]["text"]["text"].get<std::string>().size(), kMaxButtonText);
  json view = home_view(r);
  EXPECT_LE(view["blocks"].size(), kMaxViewBlocks);
  EXPECT_LE(view.dump().size(), kMaxViewBytes);
  EXPECT_EQ(view["blocks"].back()["type"], "actions");
  core::Reply h;
  h.blocks = {block(core::Block::Kind::header, std::string(400, 'h'))};
  EXPECT_LE(home_view(h)["blocks"][0]["text"]["text"].get<std::string>().size(), kMaxHeaderChars);
}

TEST(SlackBlocks, ShortenNeverSplitsACharacterAMentionOrAnEntity) {
  EXPECT_EQ(shorten("abc", 10), "abc");
  std::string s = "ab <@U0000ALICE> cd";
  EXPECT_EQ(shorten(s, 12), "ab …");
  EXPECT_EQ(shorten("ab &amp; cd", 9), "ab …");
  std::string umlauts = "äääää";  // 10 bytes
  std::string cut = shorten(umlauts, 8);
  EXPECT_EQ(cut, "ää…");
  EXPECT_LE(cut.size(), 8u);
}

TEST(SlackBlocks, EmptyTextBlocksAreLeftOut) {
  core::Reply r;
  r.body = core::BodyBuilder().text("x").take();
  r.blocks = {block(core::Block::Kind::section, "  "), block(core::Block::Kind::header, ""),
              block(core::Block::Kind::section, "kept")};
  json b = message_blocks(r);
  ASSERT_EQ(b.size(), 1u);
  EXPECT_EQ(b[0]["text"]["text"], "kept");
}

TEST(SlackModal, TheModalOffersTheConfiguredValues) {
  ModalRequest req;
  req.user = "U0000CAROL";
  req.author = "U0000ALICE";
  req.channel = "C0000KUDOS";
  ModalSettings s;
  s.values = {"teamwork", "craft"};
  s.values_required = true;
  s.max_recipients = 5;
  ModalMeta meta;
  meta.channel = "C0000KUDOS";
  json v = thanks_modal(req, s, meta);
  EXPECT_EQ(v["type"], "modal");
  EXPECT_EQ(v["callback_id"], "brigade_thanks");
  ASSERT_EQ(v["blocks"].size(), 4u);
  const json& who = v["blocks"][0];
  EXPECT_EQ(who["block_id"], "recipients");
  EXPECT_EQ(who["element"]["type"], "multi_users_select");
  EXPECT_EQ(who["element"]["initial_users"], json::array({"U0000ALICE"}));
  EXPECT_EQ(who["element"]["max_selected_items"], 5);
  EXPECT_FALSE(who["optional"].get<bool>());
  EXPECT_EQ(v["blocks"][1]["element"]["multiline"], true);
  const json& values = v["blocks"][2];
  EXPECT_EQ(values["element"]["type"], "multi_static_select");
  EXPECT_EQ(values["element"]["options"][1]["value"], "craft");
  EXPECT_EQ(values["element"]["options"][1]["text"]["text"], "#craft");
  EXPECT_FALSE(values["optional"].get<bool>()) << "values are required";
  const json& where = v["blocks"][3]["element"];
  EXPECT_EQ(where["type"], "conversations_select");
  EXPECT_EQ(where["initial_conversation"], "C0000KUDOS");
  EXPECT_EQ(where["default_to_current_conversation"], true);
  EXPECT_EQ(where["filter"]["include"], json::array({"public", "private"}));
  s.values.clear();
  req.author = req.user;  // thanking oneself is not preselected
  json plain = thanks_modal(req, s, meta);
  EXPECT_EQ(plain["blocks"].size(), 3u) << "no values block without configured values";
  EXPECT_FALSE(plain["blocks"][0]["element"].contains("initial_users"));
}

TEST(SlackModal, RefusalsGoUnderTheirField) {
  commands::Result r;
  r.outcome = commands::Outcome::refused;
  core::Reply why;
  why.audience = core::Audience::private_;
  why.body = core::BodyBuilder().text("You cannot thank yourself.\nTry someone else.").take();
  r.replies = {why};
  json ack = submission_ack(r, true);
  EXPECT_EQ(ack["response_action"], "errors");
  EXPECT_EQ(ack["errors"]["recipients"], "You cannot thank yourself. Try someone else.");
  r.field = commands::Field::reason;
  EXPECT_TRUE(submission_ack(r, true)["errors"].contains("reason"));
  r.field = commands::Field::values;
  EXPECT_TRUE(submission_ack(r, true)["errors"].contains("values"));
  EXPECT_TRUE(submission_ack(r, false)["errors"].contains("recipients")) << "no values block shown";
  r.field = commands::Field::channel;
  r.outcome = commands::Outcome::usage;
  EXPECT_TRUE(submission_ack(r, true)["errors"].contains("channel"));
  r.replies[0].body = core::BodyBuilder().text(std::string(1000, 'w')).take();
  EXPECT_LE(submission_ack(r, true)["errors"]["channel"].get<std::string>().size(), 200u);
  r.outcome = commands::Outcome::ok;
  EXPECT_TRUE(submission_ack(r, true).is_null()) << "a plain ack closes the modal";
  r.outcome = commands::Outcome::duplicate;
  EXPECT_TRUE(submission_ack(r, true).is_null());
  r.outcome = commands::Outcome::error;
  EXPECT_TRUE(submission_ack(r, true)["errors"].contains("recipients"));
}

// A failed commit must never end in silence: a slash command's ack says so (Slack does not
// resend it), an event stays unacked (Slack does), a form shows it in the modal.
TEST(SlackAck, AFailedCommitIsNeverAckedSilently) {
  commands::Result r;
  r.outcome = commands::Outcome::error;
  CommandAck slash = command_ack(r, "slash_commands", false, true);
  ASSERT_TRUE(slash.send);
  EXPECT_EQ(slash.payload["response_type"], "ephemeral");
  EXPECT_NE(slash.payload["text"].get<std::string>().find("send it again"), std::string::npos);
  EXPECT_FALSE(command_ack(r, "events_api", false, true).send) << "a mention or reaction: Slack redelivers";
  EXPECT_TRUE(command_ack(r, "interactive", false, true).send) << "a button: Slack never resends a click";
  CommandAck form = command_ack(r, "interactive", true, true);
  EXPECT_TRUE(form.send);
  EXPECT_TRUE(form.payload["errors"].contains("recipients"));
  r.outcome = commands::Outcome::ok;
  for (const char* source : {"slash_commands", "events_api", "interactive"}) {
    CommandAck ok = command_ack(r, source, false, true);
    EXPECT_TRUE(ok.send) << source;
    EXPECT_TRUE(ok.payload.is_null()) << source << ": the reply follows through the outbox";
  }
}

}  // namespace
}  // namespace brigade::slack
