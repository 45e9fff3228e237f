// The Slack adapter's interactive logic without I/O: every interactive payload routed (buttons,
// shortcuts, the modal's submission), slash commands without text, app_home_opened, the thanks
// modal as built, its submission read back (escaping included) and the acks that show refusals.
#include <gtest/gtest.h>

#include "adapters/slack/frame.hpp"
#include "adapters/slack/modal.hpp"
#include "adapters/slack/router.hpp"
#include "tests/unit/slack_test.hpp"

namespace brigade::slack {
namespace {

using nlohmann::json;
using test::fixture;
using test::fixture_json;
using test::me;

Action routed(const std::string& name) {
  return route(parse_frame(fixture(name)), me());
}

// An interactive envelope around `payload`.
Action routed_payload(json payload) {
  json env = {{"envelope_id", "e1"}, {"type", "interactive"}, {"payload", std::move(payload)}};
  return route(parse_frame(env.dump()), me());
}

TEST(SlackInteractive, AskTakeClickIsTheAskCommandFromTheClicker) {
  Action a = routed("slack_envelope_interactive_block_actions_ask_take.json");
  ASSERT_EQ(a.kind, Action::Kind::command) << a.why;
  EXPECT_EQ(a.command.source_id, "slack:action:1000000000008.1000000000.cccccccccccccccccccccccccccccccc");
  EXPECT_EQ(a.command.command, "ask");
  EXPECT_EQ(a.command.text, "take 7");
  EXPECT_EQ(a.command.user, "U00000DAVE");
  EXPECT_EQ(a.command.channel, "C0000KUDOS");
  EXPECT_EQ(a.command.team, "T000TEST");
  EXPECT_NEAR(static_cast<double>(a.command.ts_ms), 1767269200100.5, 1.0);  // action_ts, in ms
  EXPECT_FALSE(a.command.form);
}

TEST(SlackInteractive, EveryButtonOfTheContract) {
  json p = fixture_json("slack_envelope_interactive_block_actions_ask_take.json")["payload"];
  auto click = [&](const std::string& action, const std::string& value) {
    json q = p;
    q["actions"][0]["action_id"] = action;
    q["actions"][0]["value"] = value;
    return routed_payload(q);
  };
  EXPECT_EQ(click("ask.done", "7").command.text, "done 7");
  EXPECT_EQ(click("ask.cancel", "12").command.text, "cancel 12");
  Action share = click("leaderboard.share", "month all");
  EXPECT_EQ(share.command.command, "leaderboard");
  EXPECT_EQ(share.command.text, "share month all");
  EXPECT_EQ(click("leaderboard.share", "").command.text, "share");
  EXPECT_EQ(click("ask.take", "7; drop").kind, Action::Kind::ignore) << "a request number is digits";
  EXPECT_EQ(click("kudos_plus_one", "kudos:42").kind, Action::Kind::ignore);
  Action give = click("kudos.give", "");
  ASSERT_EQ(give.kind, Action::Kind::open_modal);
  EXPECT_EQ(give.modal.trigger_id, "1000000000008.1000000000.cccccccccccccccccccccccccccccccc");
  EXPECT_EQ(give.modal.user, "U00000DAVE");
  EXPECT_EQ(give.modal.channel, "C0000KUDOS");
  // The reference fixture's foreign button is still ignored.
  EXPECT_EQ(routed("slack_envelope_interactive_block_actions.json").kind, Action::Kind::ignore);
}

TEST(SlackInteractive, HomeButtonOpensTheModalWithoutAChannel) {
  json p = fixture_json("slack_envelope_interactive_block_actions_ask_take.json")["payload"];
  p["container"] = {{"type", "view"}, {"view_id", "V000HOME01"}};
  p.erase("channel");
  p["actions"][0]["action_id"] = "kudos.give";
  Action a = routed_payload(p);
  ASSERT_EQ(a.kind, Action::Kind::open_modal);
  EXPECT_EQ(a.modal.channel, "");
  EXPECT_FALSE(a.modal.from_slash);
}

TEST(SlackInteractive, ShortcutsOpenTheModal) {
  Action g = routed("slack_envelope_interactive_shortcut.json");
  ASSERT_EQ(g.kind, Action::Kind::open_modal) << g.why;
  EXPECT_EQ(g.modal.trigger_id, "1000000000005.1000000000.aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa");
  EXPECT_EQ(g.modal.user, "U0000CAROL");
  EXPECT_EQ(g.modal.team, "T000TEST");
  EXPECT_EQ(g.modal.author, "");
  Action m = routed("slack_envelope_interactive_message_action.json");
  ASSERT_EQ(m.kind, Action::Kind::open_modal) << m.why;
  EXPECT_EQ(m.modal.author, "U0000ALICE");
  EXPECT_EQ(m.modal.channel, "C0000KUDOS");
  EXPECT_EQ(m.modal.message_ts, "1767268860.000200");
  json other = fixture_json("slack_envelope_interactive_shortcut.json")["payload"];
  other["callback_id"] = "someone_elses";
  EXPECT_EQ(routed_payload(other).kind, Action::Kind::ignore);
}

TEST(SlackInteractive, MessageShortcutOnABotMessagePreselectsNobody) {
  json p = fixture_json("slack_envelope_interactive_message_action.json")["payload"];
  p["message"]["user"] = "U00BRIGADE";
  EXPECT_EQ(routed_payload(p).modal.author, "");
  p["message"]["user"] = "U0000BOTTY";
  p["message"]["bot_id"] = "B0000BOTTY";
  EXPECT_EQ(routed_payload(p).modal.author, "");
}

TEST(SlackInteractive, SlashThanksWithoutTextOpensTheModal) {
  json env = fixture_json("slack_envelope_slash_commands_thanks.json");
  env["payload"]["text"] = "  ";
  Action a = route(parse_frame(env.dump()), me());
  ASSERT_EQ(a.kind, Action::Kind::open_modal) << a.why;
  EXPECT_TRUE(a.modal.from_slash);
  EXPECT_EQ(a.modal.command, "thanks");
  EXPECT_EQ(a.modal.trigger_id, env["payload"]["trigger_id"].get<std::string>());
  EXPECT_EQ(a.modal.channel, env["payload"]["channel_id"].get<std::string>());
  env["payload"]["command"] = "/praise";
  EXPECT_EQ(route(parse_frame(env.dump()), me()).modal.command, "praise");
  env["payload"]["command"] = "/ask";
  EXPECT_EQ(route(parse_frame(env.dump()), me()).kind, Action::Kind::command) << "only thanks and praise";
}

TEST(SlackInteractive, AppHomeOpenedIsTheHomeCommand) {
  Action a = routed("slack_envelope_events_api_app_home_opened.json");
  ASSERT_EQ(a.kind, Action::Kind::command) << a.why;
  EXPECT_EQ(a.command.source_id, "slack:event:Ev0000HOME01");
  EXPECT_EQ(a.command.command, "home");
  EXPECT_EQ(a.command.user, "U0000CAROL");
  EXPECT_EQ(a.command.channel, "D0000HOME1");
  EXPECT_EQ(a.command.view_hash, "1767269400.AbCdEf12");
  json env = fixture_json("slack_envelope_events_api_app_home_opened.json");
  env["payload"]["event"]["tab"] = "messages";
  EXPECT_EQ(route(parse_frame(env.dump()), me()).kind, Action::Kind::ignore);
}

TEST(SlackInteractive, SubmissionBecomesAFormCommandWithNothingForged) {
  Action a = routed("slack_envelope_interactive_view_submission.json");
  ASSERT_EQ(a.kind, Action::Kind::command) << a.why;
  const Inbound& c = a.command;
  EXPECT_EQ(c.source_id, "slack:view:V0000MODAL1");
  EXPECT_TRUE(c.form);
  EXPECT_EQ(c.command, "thanks");
  EXPECT_EQ(c.user, "U0000CAROL");
  EXPECT_EQ(c.team, "T000TEST");
  EXPECT_EQ(c.channel, "C0000WINS1") << "the chosen conversation";
  EXPECT_EQ(c.link, "https://brigade-test.slack.com/archives/C0000KUDOS/p1767268860000200");
  // The reason's < > & are escaped: neither a mention of dave nor a broadcast can come of it.
  EXPECT_EQ(c.text,
            "<@U0000ALICE> <@U000000BOB> for the &lt;@U00000DAVE&gt; &amp; &lt;!channel&gt; review at night "
            "#teamwork");
}

TEST(SlackInteractive, SubmissionFieldsReadLeniently) {
  json p = fixture_json("slack_envelope_interactive_view_submission.json")["payload"];
  auto& values = p["view"]["state"]["values"];
  values["reason"]["reason"]["value"] = "For the demo";
  values["values"]["values"]["selected_options"] = json::array({{{"value", "<script>"}}, {{"value", "Craft"}}});
  values["recipients"]["recipients"]["selected_users"] = json::array({"U0000ALICE", "<!here>", 42});
  values["channel"]["channel"]["selected_conversation"] = nullptr;
  p["view"]["private_metadata"] = R"({"c":"praise","ch":"C0000KUDOS"})";
  Action a = routed_payload(p);
  ASSERT_EQ(a.kind, Action::Kind::command);
  EXPECT_EQ(a.command.text, "<@U0000ALICE> For the demo #craft");
  EXPECT_EQ(a.command.command, "praise");
  EXPECT_EQ(a.command.channel, "C0000KUDOS") << "where it was opened, when no channel was chosen";
  EXPECT_EQ(a.command.link, "");
  values["recipients"]["recipients"]["selected_users"] = json::array();
  Action none = routed_payload(p);
  ASSERT_EQ(none.kind, Action::Kind::answer);
  EXPECT_EQ(none.answer["response_action"], "errors");
  EXPECT_TRUE(none.answer["errors"].contains("recipients"));
  p["view"]["callback_id"] = "another_modal";
  EXPECT_EQ(routed_payload(p).kind, Action::Kind::ignore);
  p["view"] = "garbage";
  EXPECT_EQ(routed_payload(p).kind, Action::Kind::ignore);
}

TEST(SlackInteractive, AcksCarryAPayloadOnlyWhenThereIsOne) {
  EXPECT_EQ(json::parse(ack_json("e1", nullptr)), json({{"envelope_id", "e1"}}));
  json errors = errors_payload(commands::Field::channel, "Brigade is not in that channel.");
  json ack = json::parse(ack_json("e2", errors));
  EXPECT_EQ(ack["envelope_id"], "e2");
  EXPECT_EQ(ack["payload"]["response_action"], "errors");
  EXPECT_EQ(ack["payload"]["errors"]["channel"], "Brigade is not in that channel.");
  json hint = slash_hint("thanks");
  EXPECT_EQ(hint["response_type"], "ephemeral");
  EXPECT_NE(hint["text"].get<std::string>().find("/thanks @someone"), std::string::npos);
}

TEST(SlackModal, MetadataRoundTripsAndJunkReadsAsDefaults) {
  ModalMeta m;
  m.command = "praise";
  m.channel = "C0000KUDOS";
  m.link = "https://x.slack.com/archives/C1/p1";
  ModalMeta back = decode_meta(encode_meta(m));
  EXPECT_EQ(back.command, "praise");
  EXPECT_EQ(back.channel, "C0000KUDOS");
  EXPECT_EQ(back.link, m.link);
  EXPECT_EQ(decode_meta("not json").command, "thanks");
  EXPECT_EQ(decode_meta(R"({"c":"kudos","ch":"<!here>"})").command, "thanks");
  EXPECT_EQ(decode_meta(R"({"c":"kudos","ch":"<!here>"})").channel, "");
}

}  // namespace
}  // namespace brigade::slack
