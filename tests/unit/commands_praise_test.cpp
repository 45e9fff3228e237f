// /praise against a real store: posted in the channel and cross-posted to the platform's wins
// channel (not to itself), and held to the same rules as /thanks.
#include "tests/unit/commands_test.hpp"

namespace brigade::commands::testing {
namespace {

using core::Audience;

using ThanksTest = CommandsTest;

TEST_F(ThanksTest, PraiseIsPostedAndCrossPostedToTheWinsChannel) {
  rules_.wins_channel = {{"console", "wins"}};
  auto r = cmd("praise", "@bob shipped the migration a week early! #ownership");
  ASSERT_EQ(r.outcome, Outcome::ok);
  ASSERT_EQ(r.replies.size(), 3u);
  const auto* pub = find(r, Audience::channel);
  ASSERT_NE(pub, nullptr);
  EXPECT_TRUE(pub->ping);
  EXPECT_EQ(pub->plain(), "📣 @alice praised @bob: shipped the migration a week early! #ownership");
  const auto* cross = find(r, Audience::crosspost);
  ASSERT_NE(cross, nullptr);
  EXPECT_EQ(cross->channel, "wins");
  EXPECT_EQ(cross->plain(),
            "📣 @alice praised @bob in #general: shipped the migration a week early! #ownership");
  EXPECT_NE(text(r, Audience::private_).find("shared in the wins channel"), std::string::npos);
  auto k = store_->read()->kudos(r.kudos_ids.at(0));
  EXPECT_EQ(k->kind, store::Kind::praise);
  EXPECT_EQ(k->reason, "shipped the migration a week early!");
  EXPECT_EQ(quota_used("console:alice"), 1u);
}

TEST_F(ThanksTest, PraiseInTheWinsChannelIsNotCrossPostedToItself) {
  for (const char* raw : {"wins", "#wins", "console:wins"}) {
    rules_.wins_channel = {{"console", raw}};
    auto e = make_event("praise", "@bob for the demo", {kBob});
    e.channel = {"console:wins", "wins"};
    auto r = run(e);
    ASSERT_EQ(r.outcome, Outcome::ok);
    EXPECT_EQ(find(r, Audience::crosspost), nullptr) << raw;
    EXPECT_NE(find(r, Audience::channel), nullptr);
  }
}

TEST_F(ThanksTest, PraiseRecognisesTheWinsChannelByItsPlatformId) {
  rules_.wins_channel = {{"slack", "C0WINS"}};
  auto e = make_event("praise", "@bob for the demo", {{"slack:T1:U2", "bob", false}});
  e.platform = "slack";
  e.user = {"slack:T1:U1", "alice", false};
  e.channel = {"slack:T1:C0WINS", "wins"};
  auto here = run(e);
  ASSERT_EQ(here.outcome, Outcome::ok);
  EXPECT_EQ(find(here, Audience::crosspost), nullptr);
  e.channel = {"slack:T1:C0GENERAL", "general"};
  auto elsewhere = run(e);
  const auto* cross = find(elsewhere, Audience::crosspost);
  ASSERT_NE(cross, nullptr);
  EXPECT_EQ(cross->channel, "C0WINS");
}

TEST_F(ThanksTest, PraiseWithoutAWinsChannelForThePlatformStaysHere) {
  rules_.wins_channel = {{"slack", "C0WINS"}};
  auto r = cmd("praise", "@bob for the demo");
  ASSERT_EQ(r.outcome, Outcome::ok);
  EXPECT_EQ(find(r, Audience::crosspost), nullptr);
  EXPECT_EQ(r.replies.size(), 2u);
}

TEST_F(ThanksTest, PraiseNeedsAMessage) {
  auto msg = expect_refused("praise", "@bob", kNov18Ten, kAlice, Outcome::usage);
  EXPECT_NE(msg.find("What are you praising them for?"), std::string::npos) << msg;
}

TEST_F(ThanksTest, PraiseFollowsTheSameRules) {
  rules_.allowance = 1;
  EXPECT_NE(expect_refused("praise", "@alice for me").find("You can't praise yourself"), std::string::npos);
  ASSERT_EQ(cmd("praise", "@bob for the demo").outcome, Outcome::ok);
  expect_refused("praise", "@carol for the slides");
}

}  // namespace
}  // namespace brigade::commands::testing
