// The Home refresher: which people get a new Slack App Home after a command, how often, and only
// when they opened theirs once.
#include <gtest/gtest.h>

#include <future>

#include "bot/home_refresher.hpp"
#include "commands/home.hpp"
#include "tests/support/engine_harness.hpp"

namespace brigade::bot {
namespace {

constexpr core::Millis kNoon = 1795348800000;  // 2026-11-22 12:00 UTC
const std::string kCarol = "slack:T1:UCAROL", kAlice = "slack:T1:UALICE", kBob = "slack:T1:UBOB";

core::Event slack_thanks(const std::string& source, const std::string& giver, const std::string& recipient) {
  core::Event e;
  e.source_id = source;
  e.platform = "slack";
  e.user = {giver, giver.substr(giver.rfind(':') + 1), false};
  e.channel = {"slack:T1:C1", "kudos"};
  e.command = "thanks";
  const std::string name = recipient.substr(recipient.rfind(':') + 1);
  e.text = "@" + name + " for the review";
  e.mentions.push_back(core::Mention{0, name.size() + 1, {recipient, name, false}, {}});
  return e;
}

class HomeRefresherTest : public ::testing::Test, protected testing::EngineHarness<core::ManualClock> {
 protected:
  HomeRefresherTest() : EngineHarness("brigade-home", core::ManualClock(kNoon)) {
    start_engine();
    HomeRefresher::Options opt;
    opt.min_gap = std::chrono::seconds(10);
    opt.per_tick = 2;
    home_ = std::make_unique<HomeRefresher>(*committer_, rules_, calendar_, clock_, opt);
    committer_->on_applied([h = home_.get()](const core::Event& e, const commands::Result& r) { h->applied(e, r); });
  }
  ~HomeRefresherTest() override {
    committer_->on_applied(nullptr);
    home_.reset();
  }
  void opened(const std::string& user) {
    std::promise<bool> p;
    committer_->submit([user](store::Writer& w) { w.set_meta(commands::home_opened_key(user), "1"); },
                       [&p](bool ok) { p.set_value(ok); });
    ASSERT_TRUE(p.get_future().get());
  }
  // The Home views queued so far, by person.
  std::vector<std::string> homes() {
    std::vector<std::string> users;
    for (const auto& it : store_->read()->outbox(0))
      if (it.reply.audience == core::Audience::home) users.push_back(it.reply.user);
    return users;
  }
  std::unique_ptr<HomeRefresher> home_;
};

TEST_F(HomeRefresherTest, RebuildsTheHomeOfEveryoneACommandTouchedWhoOpenedTheirs) {
  opened(kAlice);
  committer_->apply(slack_thanks("slack:trigger:1", kCarol, kAlice));
  EXPECT_EQ(home_->pending(), 2u) << "the giver and the recipient";
  EXPECT_EQ(home_->tick(), 1u) << "only Alice opened her Home; Carol's does not exist";
  ASSERT_EQ(homes(), std::vector<std::string>{kAlice});
  auto view = store_->read()->outbox(0).back().reply;
  EXPECT_EQ(view.audience, core::Audience::home);
  EXPECT_FALSE(view.blocks.empty());
  EXPECT_EQ(home_->pending(), 0u);
}

TEST_F(HomeRefresherTest, OnePersonIsRebuiltAtMostOncePerGap) {
  opened(kAlice);
  committer_->apply(slack_thanks("slack:trigger:1", kCarol, kAlice));
  EXPECT_EQ(home_->tick(), 1u);
  committer_->apply(slack_thanks("slack:trigger:2", kBob, kAlice));
  EXPECT_EQ(home_->tick(), 0u) << "within 10 s of the last rebuild";
  EXPECT_EQ(home_->pending(), 1u) << "Alice waits; Bob's Home does not exist and is not kept";
  clock_.advance(10'000);
  EXPECT_EQ(home_->tick(), 1u) << "after the gap the later kudos shows";
  EXPECT_EQ(homes().size(), 2u);
}

TEST_F(HomeRefresherTest, QueuesAtMostPerTickViews) {
  for (const auto& u : {kAlice, kBob, kCarol}) opened(u);
  committer_->apply(slack_thanks("slack:trigger:1", kCarol, kAlice));
  committer_->apply(slack_thanks("slack:trigger:2", kCarol, kBob));
  EXPECT_EQ(home_->tick(), 2u);
  EXPECT_EQ(home_->tick(), 1u) << "the third person on the next tick";
}

TEST_F(HomeRefresherTest, IgnoresOtherPlatformsRefusalsAndTheHomeItself) {
  opened(kAlice);
  auto refused = slack_thanks("slack:trigger:1", kAlice, kAlice);  // thanking oneself: refused
  committer_->apply(refused);
  core::Event visit;
  visit.source_id = "slack:event:Ev1";
  visit.platform = "slack";
  visit.user = {kAlice, "alice", false};
  visit.channel = {"slack:T1:D1", ""};
  visit.command = "home";
  EXPECT_EQ(committer_->apply(visit).outcome, commands::Outcome::ok);
  EXPECT_EQ(home_->pending(), 0u) << "opening the Home answers with the view itself";
  EXPECT_EQ(homes().size(), 1u) << "the view the visit answered";
}

}  // namespace
}  // namespace brigade::bot
