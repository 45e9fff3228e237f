// The real Slack adapter against the fake Slack: the Home tab (app_home_opened → views.publish with
// the view; the hash passed back; hash_conflict dropped without a loop; a 429 retried after
// Retry-After), help-request buttons (a click and its redelivery count once; the post updated in
// place once the ask post carries buttons), and the recipient's DM linking to the celebration.
#include <algorithm>
#include <thread>

#include "bot/home_refresher.hpp"
#include "commands/commands.hpp"
#include "tests/integration/slack_adapter_test.hpp"

namespace brigade::slack {
namespace {

using nlohmann::json;

core::Reply home_reply(const std::string& words) {
  core::Reply r;
  r.audience = core::Audience::home;
  r.user = kCarol;
  r.channel = "slack:T000TEST:D0000HOME1";
  r.body = core::BodyBuilder().text(words).take();
  core::Block b;
  b.text = r.body;
  r.blocks = {b};
  r.buttons = {core::Button{"kudos.give", "Give kudos", "", "", core::Button::Style::primary}};
  return r;
}

class SlackHomeTest : public SlackAdapterTest {
 protected:
  std::size_t publishes() { return fake_.calls("views.publish").size(); }
};

TEST_F(SlackHomeTest, AHomeReplyIsPublishedWithTheHashOfTheLastOne) {
  start();
  ASSERT_TRUE(connected());
  queue({home_reply("3 kudos this week")});
  ASSERT_TRUE(fake_.wait([&] { return publishes() == 1; }));
  auto first = fake_.calls("views.publish").at(0);
  EXPECT_EQ(first.args.value("user_id", ""), "U0000CAROL");
  EXPECT_EQ(first.args["view"]["type"], "home");
  EXPECT_EQ(first.args["view"]["callback_id"], "brigade_home");
  EXPECT_EQ(first.args["view"]["blocks"].back()["elements"][0]["action_id"], "kudos.give");
  EXPECT_FALSE(first.args.contains("hash")) << "no view known yet";
  ASSERT_TRUE(drained());
  std::string hash = fake_.home("U0000CAROL").value_or(json::object()).value("hash", "");
  queue({home_reply("4 kudos this week")});
  ASSERT_TRUE(fake_.wait([&] { return publishes() == 2; }));
  EXPECT_EQ(fake_.calls("views.publish").at(1).args.value("hash", ""), hash);
  ASSERT_TRUE(drained());
  EXPECT_EQ(fake_.home("U0000CAROL")->at("blocks").at(0)["text"]["text"], "4 kudos this week");
}

TEST_F(SlackHomeTest, AHashConflictIsDroppedOnceAndForgotten) {
  start();
  ASSERT_TRUE(connected());
  queue({home_reply("one")});
  ASSERT_TRUE(fake_.wait([&] { return publishes() == 1; }));
  ASSERT_TRUE(drained());
  fake_.touch_home("U0000CAROL");  // a newer view is shown
  queue({home_reply("two")});
  ASSERT_TRUE(fake_.wait([&] { return publishes() == 2; }));
  ASSERT_TRUE(drained());
  std::this_thread::sleep_for(300ms);  // a deliberate window: no retry may follow
  EXPECT_EQ(publishes(), 2u) << "hash_conflict is never retried";
  queue({home_reply("three")});
  ASSERT_TRUE(fake_.wait([&] { return publishes() == 3; }));
  ASSERT_TRUE(drained());
  EXPECT_FALSE(fake_.calls("views.publish").at(2).args.contains("hash")) << "the stale hash was forgotten";
  EXPECT_EQ(fake_.home("U0000CAROL")->at("blocks").at(0)["text"]["text"], "three");
}

TEST_F(SlackHomeTest, ARateLimitedPublishIsRetriedAfterRetryAfter) {
  start();
  ASSERT_TRUE(connected());
  fake_.script("views.publish", {429, {{"Retry-After", "1"}}, {{"ok", false}, {"error", "ratelimited"}}});
  queue({home_reply("after the wait")});
  ASSERT_TRUE(fake_.wait([&] { return publishes() == 2; }, 10s));
  ASSERT_TRUE(drained());
  auto calls = fake_.calls("views.publish");
  EXPECT_GE(calls[1].at - calls[0].at, 900ms) << "retried before Retry-After";
  EXPECT_EQ(fake_.home("U0000CAROL")->at("blocks").at(0)["text"]["text"], "after the wait");
}

TEST_F(SlackHomeTest, OpeningTheHomeTabPublishesTheView) {
  start();
  ASSERT_TRUE(connected());
  fake_.send_latest(testing::home_opened_envelope("h1", "Ev0000HOME01", "U0000CAROL", "home", ""));
  ASSERT_TRUE(acked("h1"));
  ASSERT_TRUE(fake_.wait([&] { return publishes() == 1; }));
  auto call = fake_.calls("views.publish").at(0);
  EXPECT_EQ(call.args.value("user_id", ""), "U0000CAROL");
  EXPECT_EQ(call.args["view"]["type"], "home");
  EXPECT_FALSE(call.args["view"]["blocks"].empty());
  // The same event redelivered is a duplicate; the messages tab publishes nothing.
  fake_.send_latest(testing::home_opened_envelope("h2", "Ev0000HOME01", "U0000CAROL", "home", ""));
  fake_.send_latest(testing::home_opened_envelope("h3", "Ev0000HOME03", "U0000CAROL", "messages", ""));
  ASSERT_TRUE(acked("h2"));
  ASSERT_TRUE(acked("h3"));
  ASSERT_TRUE(drained());
  EXPECT_EQ(publishes(), 1u);
}

// The view the `home` command queues for app_home_opened goes with the hash the event carried.
TEST_F(SlackHomeTest, TheHashAppHomeOpenedCarriesIsPassedBack) {
  start();
  ASSERT_TRUE(connected());
  queue({home_reply("first")});
  ASSERT_TRUE(fake_.wait([&] { return publishes() == 1; }));
  ASSERT_TRUE(drained());
  fake_.touch_home("U0000CAROL");
  std::string shown = fake_.home("U0000CAROL")->value("hash", "");
  fake_.send_latest(testing::home_opened_envelope("h1", "Ev0000HOME02", "U0000CAROL", "home", shown));
  ASSERT_TRUE(acked("h1"));
  ASSERT_TRUE(fake_.wait([&] { return publishes() >= 2; }));
  EXPECT_EQ(fake_.calls("views.publish").at(1).args.value("hash", ""), shown);
  ASSERT_TRUE(drained());
}

// The Home tab follows the numbers: Carol opens it, Alice thanks her, and the refresher (as
// `brigade run` wires it) publishes Carol's view again with the kudos in it.
TEST_F(SlackHomeTest, TheHomeTabIsUpdatedAfterAKudos) {
  start();
  ASSERT_TRUE(connected());
  bot::HomeRefresher::Options opt;
  opt.tick = std::chrono::milliseconds(50);
  bot::HomeRefresher home(*committer_, rules_, calendar_, clock_, opt);
  committer_->on_applied([&home](const core::Event& e, const commands::Result& r) { home.applied(e, r); });
  home.start();
  fake_.send_latest(testing::home_opened_envelope("h1", "Ev0000HOME01", "U0000CAROL", "home", ""));
  ASSERT_TRUE(fake_.wait([&] { return publishes() == 1; }));
  auto text_of = [](const json& view) { return view.dump(); };
  EXPECT_NE(text_of(fake_.calls("views.publish").at(0).args), "");
  EXPECT_EQ(text_of(fake_.calls("views.publish").at(0).args).find("for the release notes"), std::string::npos);
  fake_.send_latest(testing::slash_envelope("s1", "thanks", "<@U0000CAROL> for the release notes", "U0000ALICE"));
  ASSERT_TRUE(acked("s1"));
  ASSERT_TRUE(fake_.wait([&] { return publishes() == 2; })) << "Carol's Home was not refreshed";
  const auto second = fake_.calls("views.publish").at(1).args;
  EXPECT_EQ(second.value("user_id", ""), "U0000CAROL");
  EXPECT_NE(text_of(second).find("for the release notes"), std::string::npos) << "the latest kudos shows";
  ASSERT_TRUE(drained());
  EXPECT_EQ(fake_.calls("views.publish").size(), 2u) << "Alice never opened her Home: none is published for her";
  committer_->on_applied(nullptr);
  home.stop();
}

}  // namespace
}  // namespace brigade::slack
