// The real Slack adapter against the fake Slack: the thanks modal opened within its trigger's life
// (/thanks with no text, the global shortcut, the Home button, the message shortcut with the
// message's permalink), a refusal shown in the modal with nothing recorded, and a submission
// whose redelivery counts once.
#include "adapters/slack/modal.hpp"
#include "tests/integration/slack_adapter_test.hpp"

namespace brigade::slack {
namespace {

using nlohmann::json;

class SlackModalTest : public SlackAdapterTest {
 protected:
  // The modal views.open opened (after the ack of `envelope`), as the fake keeps it.
  json opened(const std::string& envelope, std::size_t nth = 0) {
    EXPECT_TRUE(acked(envelope));
    EXPECT_TRUE(fake_.wait([&] { return fake_.opened_views().size() > nth; })) << "views.open was refused";
    auto ids = fake_.opened_views();
    return ids.size() > nth ? fake_.view(ids[nth]).value_or(json::object()) : json::object();
  }
  // state.values of the thanks modal.
  static json state(std::vector<std::string> users, const std::string& reason, const std::string& channel) {
    json s = json::object();
    s["recipients"]["recipients"] = {{"type", "multi_users_select"}, {"selected_users", users}};
    s["reason"]["reason"] = {{"type", "plain_text_input"}, {"value", reason}};
    s["channel"]["channel"] = {{"type", "conversations_select"}, {"selected_conversation", channel}};
    return s;
  }
  void submit(const std::string& envelope, const json& view, json values, const std::string& user = "U0000CAROL") {
    fake_.send_latest(testing::view_submission_envelope(envelope, view, user, std::move(values)));
  }
};

TEST_F(SlackModalTest, SlashThanksWithoutTextOpensTheModalInTime) {
  start();
  ASSERT_TRUE(connected());
  std::string trigger = fake_.mint_trigger();
  fake_.send_latest(testing::slash_envelope("s1", "thanks", "", "U0000CAROL", trigger));
  json view = opened("s1");
  EXPECT_EQ(view["callback_id"], "brigade_thanks");
  EXPECT_EQ(fake_.calls("views.open").at(0).args["trigger_id"], trigger);
  EXPECT_TRUE(fake_.ack_payload("s1").is_null()) << "a plain ack after views.open";
  EXPECT_EQ(decode_meta(view.value("private_metadata", "")).channel, "C0000KUDOS");
  EXPECT_EQ(kudos(), 0u);
  EXPECT_TRUE(fake_.calls("chat.postEphemeral").empty()) << "no usage text: the modal is the answer";
}

TEST_F(SlackModalTest, AnExpiredTriggerIsAckedWithHowToTypeIt) {
  start();
  ASSERT_TRUE(connected());
  fake_.send_latest(testing::slash_envelope("s1", "praise", "", "U0000CAROL", fake_.mint_trigger(4s)));
  ASSERT_TRUE(acked("s1"));
  json hint = fake_.ack_payload("s1");
  EXPECT_NE(hint.value("text", "").find("/praise @someone"), std::string::npos) << hint.dump();
  fake_.send_latest(testing::shortcut_envelope("g1", "unknown-trigger", "U0000CAROL"));
  ASSERT_TRUE(acked("g1"));
  EXPECT_TRUE(fake_.ack_payload("g1").is_null()) << "a shortcut has no text to answer with";
}

TEST_F(SlackModalTest, TheShortcutAndTheHomeButtonOpenTheModal) {
  rules_.values = {"teamwork", "craft"};
  rules_.values_required = true;
  start();
  ASSERT_TRUE(connected());
  fake_.send_latest(testing::shortcut_envelope("g1", fake_.mint_trigger(), "U0000CAROL"));
  json v = opened("g1");
  ASSERT_EQ(v["blocks"].size(), 4u);
  EXPECT_EQ(v["blocks"][2]["block_id"], "values");
  EXPECT_FALSE(v["blocks"][2]["optional"].get<bool>()) << "values are required";
  fake_.send_latest(testing::block_actions_envelope("b1", fake_.mint_trigger(), "U000000BOB", "kudos.give", "", ""));
  json home_modal = opened("b1", 1);
  EXPECT_FALSE(home_modal["blocks"][3]["element"].contains("initial_conversation"));
  EXPECT_EQ(kudos(), 0u);
}

// "Thank the author": the author preselected, then the message's permalink put into the open modal
// (views.update with the hash views.open answered), which the submission carries as the link.
TEST_F(SlackModalTest, TheMessageShortcutLinksTheMessage) {
  start();
  ASSERT_TRUE(connected());
  fake_.send_latest(testing::message_action_envelope("m1", fake_.mint_trigger(), "U0000CAROL", "U0000ALICE",
                                                     "C0000KUDOS", "1767268860.000200"));
  ASSERT_TRUE(acked("m1"));
  ASSERT_TRUE(fake_.wait([&] { return !fake_.calls("views.update").empty(); }));
  auto open = fake_.calls("views.open").at(0);
  EXPECT_EQ(open.args["view"]["blocks"][0]["element"]["initial_users"], json::array({"U0000ALICE"}));
  auto link = fake_.calls("chat.getPermalink").at(0);
  EXPECT_EQ(link.args.value("channel", ""), "C0000KUDOS");
  EXPECT_EQ(link.args.value("message_ts", ""), "1767268860.000200");
  auto up = fake_.calls("views.update").at(0);
  std::string view_id = up.args.value("view_id", "");
  EXPECT_FALSE(up.args.value("hash", "").empty());
  EXPECT_LE(open.at, fake_.calls("chat.getPermalink").at(0).at) << "views.open before anything slow";
  auto view = fake_.view(view_id);
  ASSERT_TRUE(view);
  EXPECT_EQ(decode_meta((*view)["private_metadata"].get<std::string>()).link,
            "https://brigade-test.slack.com/archives/C0000KUDOS/p1767268860000200");
  submit("v1", *view, state({"U0000ALICE"}, "the release notes", "C0000KUDOS"));
  ASSERT_TRUE(acked("v1"));
  EXPECT_EQ(received(kAlice), 1u);
}

TEST_F(SlackModalTest, ARefusalIsShownInTheModalAndNothingIsRecorded) {
  start();
  ASSERT_TRUE(connected());
  fake_.send_latest(testing::shortcut_envelope("g1", fake_.mint_trigger(), "U0000CAROL"));
  json view = opened("g1");
  submit("v1", view, state({"U0000CAROL"}, "being me", "C0000KUDOS"));  // thanking oneself
  ASSERT_TRUE(acked("v1"));
  json ack = fake_.ack_payload("v1");
  ASSERT_EQ(ack.value("response_action", ""), "errors") << ack.dump();
  ASSERT_TRUE(ack["errors"].contains("recipients")) << ack.dump();
  EXPECT_FALSE(ack["errors"]["recipients"].get<std::string>().empty());
  EXPECT_EQ(kudos(), 0u);
  EXPECT_EQ(received(kCarol), 0u);
  EXPECT_FALSE(store_->read()->seen("slack:view:" + view.value("id", ""))) << "a refused form is not seen";
  // The corrected form (same view id) goes through.
  submit("v2", view, state({"U0000ALICE"}, "being you", "C0000KUDOS"));
  ASSERT_TRUE(acked("v2"));
  EXPECT_TRUE(fake_.ack_payload("v2").is_null()) << fake_.ack_payload("v2").dump();
  EXPECT_EQ(received(kAlice), 1u);
  EXPECT_TRUE(fake_.wait([&] { return store_->read()->outbox_depth() == 0; }));
  EXPECT_TRUE(fake_.calls("chat.postEphemeral").empty() ||
              fake_.calls("chat.postEphemeral").at(0).args.value("text", "").find("yourself") == std::string::npos)
      << "the refusal was shown in the modal, not sent as a message";
}

TEST_F(SlackModalTest, ASubmissionAndItsRedeliveryCountOnce) {
  start();
  ASSERT_TRUE(connected());
  fake_.send_latest(testing::shortcut_envelope("g1", fake_.mint_trigger(), "U0000CAROL"));
  json view = opened("g1");
  json values = state({"U0000ALICE", "U000000BOB"}, "the <@U00000DAVE> launch & more", "C0000KUDOS");
  submit("v1", view, values);
  ASSERT_TRUE(acked("v1"));
  submit("v1-again", view, values);
  ASSERT_TRUE(acked("v1-again"));
  EXPECT_TRUE(fake_.ack_payload("v1-again").is_null()) << "a duplicate closes the modal too";
  EXPECT_EQ(received(kAlice), 1u);
  EXPECT_EQ(received(kBob), 1u);
  EXPECT_EQ(received("slack:T000TEST:U00000DAVE"), 0u) << "a mention typed in the reason is text";
  EXPECT_EQ(kudos(), 2u);
  ASSERT_TRUE(fake_.wait([&] { return !fake_.calls("chat.postMessage").empty(); }));
  EXPECT_EQ(fake_.calls("chat.postMessage").at(0).args.value("channel", ""), "C0000KUDOS");
}

}  // namespace
}  // namespace brigade::slack
