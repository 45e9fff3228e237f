// The real Slack adapter against the fake Slack: help-request buttons go through the same state
// machine as typing (a click and its redelivery count once; the post is updated in place once the
// ask post carries its tag and buttons), and a reply that links to another message (the
// recipient's DM) gets that message's permalink, or goes without it when Slack has none.
#include <future>

#include "tests/integration/slack_adapter_test.hpp"

namespace brigade::slack {
namespace {

using nlohmann::json;

const std::string kDave = "slack:T000TEST:U00000DAVE";

class SlackButtonsTest : public SlackAdapterTest {
 protected:
  std::optional<store::Ask> ask(std::uint64_t id) { return store_->read()->ask(id); }
  std::size_t posts() { return fake_.calls("chat.postMessage").size() + fake_.calls("chat.postEphemeral").size(); }
  void click(const std::string& envelope, const std::string& trigger, const std::string& user,
             const std::string& action) {
    fake_.send_latest(testing::block_actions_envelope(envelope, trigger, user, action, "1"));
    ASSERT_TRUE(acked(envelope));
  }
  bot::Delivery deliver(const store::OutboxItem& item) {
    std::promise<bot::Delivery> p;
    auto f = p.get_future();
    adapter_->deliver(item, [&p](bot::Delivery d) { p.set_value(std::move(d)); });
    EXPECT_EQ(f.wait_for(10s), std::future_status::ready);
    return f.get();
  }
};

TEST_F(SlackButtonsTest, AClickIsTheTypedCommandAndItsRedeliveryCountsOnce) {
  start();
  ASSERT_TRUE(connected());
  fake_.send_latest(testing::slash_envelope("s1", "ask", "review the deploy script", "U0000CAROL"));
  ASSERT_TRUE(acked("s1"));
  ASSERT_TRUE(ask(1));
  std::string take = fake_.mint_trigger();
  click("b1", take, "U00000DAVE", "ask.take");
  ASSERT_EQ(ask(1)->state, store::AskState::taken);
  EXPECT_EQ(ask(1)->taker, kDave);
  ASSERT_TRUE(drained());
  std::size_t before = posts();
  click("b1-again", take, "U00000DAVE", "ask.take");  // the same click, redelivered
  ASSERT_TRUE(drained());
  EXPECT_EQ(posts(), before) << "a duplicate says nothing (a second take would say \"already on it\")";
  std::string done = fake_.mint_trigger();
  click("b2", done, "U0000CAROL", "ask.done");
  ASSERT_EQ(ask(1)->state, store::AskState::done);
  EXPECT_EQ(received(kDave), 1u) << "the helper is credited";
  click("b2-again", done, "U0000CAROL", "ask.done");
  EXPECT_EQ(received(kDave), 1u) << "once";
  EXPECT_TRUE(store_->read()->seen("slack:action:" + done));
}

// Only the requester (or an admin) closes a request: a stranger's click is refused like typing.
TEST_F(SlackButtonsTest, TheStateMachinesRulesHoldForClicks) {
  start();
  ASSERT_TRUE(connected());
  fake_.send_latest(testing::slash_envelope("s1", "ask", "review the deploy script", "U0000CAROL"));
  ASSERT_TRUE(acked("s1"));
  click("b1", fake_.mint_trigger(), "U000000BOB", "ask.cancel");
  EXPECT_EQ(ask(1)->state, store::AskState::open);
  click("b2", fake_.mint_trigger(), "U0000CAROL", "ask.take");
  EXPECT_EQ(ask(1)->state, store::AskState::open) << "one's own request is not taken";
  ASSERT_TRUE(drained());
}

// The ask post is tagged "ask:<id>" and carries buttons, and every state change replaces it
// (chat.update in place).
TEST_F(SlackButtonsTest, TakingARequestUpdatesItsPostInPlace) {
  start();
  ASSERT_TRUE(connected());
  fake_.send_latest(testing::slash_envelope("s1", "ask", "review the deploy script", "U0000CAROL"));
  ASSERT_TRUE(acked("s1"));
  ASSERT_TRUE(fake_.wait([&] { return store_->read()->message_ref("ask:1").has_value(); }, 3s))
      << "the ask post is tagged ask:1";
  auto ref = store_->read()->message_ref("ask:1");
  std::string ts = ref->substr(ref->find('|') + 1);
  json blocks = fake_.message_blocks("C0000KUDOS", ts);
  ASSERT_TRUE(blocks.is_array());
  EXPECT_EQ(blocks.back()["type"], "actions");
  EXPECT_EQ(blocks.back()["elements"][0]["action_id"], "ask.take");
  fake_.send_latest(testing::block_actions_envelope("b1", fake_.mint_trigger(), "U00000DAVE", "ask.take", "1",
                                                    "C0000KUDOS", ts));
  ASSERT_TRUE(acked("b1"));
  ASSERT_TRUE(fake_.wait([&] { return !fake_.calls("chat.update").empty(); }));
  ASSERT_TRUE(drained());
  EXPECT_EQ(fake_.calls("chat.update").at(0).args.value("ts", ""), ts);
  // The post now says who took it (by name: an edit pings nobody) and offers what is left to do.
  const std::string text = fake_.message("C0000KUDOS", ts).value_or("");
  EXPECT_NE(text.find("Taken by @dave"), std::string::npos) << text;
  blocks = fake_.message_blocks("C0000KUDOS", ts);
  ASSERT_TRUE(blocks.is_array());
  EXPECT_EQ(blocks.back()["elements"][0]["action_id"], "ask.done") << "no take button once taken";
}

TEST_F(SlackButtonsTest, ALinkedReplyCarriesThePermalink) {
  start();
  ASSERT_TRUE(connected());
  store::OutboxItem item;
  item.seq = 900;
  item.adapter = "slack";
  item.reply.audience = core::Audience::direct;
  item.reply.user = kAlice;
  item.reply.body = core::BodyBuilder().text("carol thanked you for the review").take();
  item.link_ref = "C0000KUDOS|1767268860.000200";
  ASSERT_EQ(deliver(item).status, bot::Delivery::Status::sent);
  auto post = fake_.calls("chat.postMessage").at(0);
  EXPECT_EQ(post.args.value("channel", ""), "U0000ALICE");
  std::string url = "https://brigade-test.slack.com/archives/C0000KUDOS/p1767268860000200";
  EXPECT_EQ(post.args.value("text", ""), "carol thanked you for the review\n<" + url + "|See it in the channel>");
  EXPECT_EQ(post.args["blocks"].back()["elements"][0]["text"], "<" + url + "|See it in the channel>");
  fake_.script("chat.getPermalink", {200, {}, {{"ok", false}, {"error", "message_not_found"}}});
  item.seq = 901;
  ASSERT_EQ(deliver(item).status, bot::Delivery::Status::sent);
  EXPECT_EQ(fake_.calls("chat.postMessage").at(1).args.value("text", ""), "carol thanked you for the review")
      << "without the link when Slack has no permalink";
}

}  // namespace
}  // namespace brigade::slack
