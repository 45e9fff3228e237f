// The Home view (Slack App Home) against a real store: the person's numbers, allowance, latest
// kudos, the tops, their help requests, privacy honoured, and Slack's limits held.
#include <algorithm>

#include "commands/home.hpp"
#include "core/text.hpp"
#include "tests/unit/commands_test.hpp"

namespace brigade::commands::testing {
namespace {

using core::Audience;
using core::Block;

class HomeTest : public CommandsTest {
 protected:
  Result open_home(const core::UserRef& who = kAlice, Millis at = kNov18Ten) {
    auto e = make_event("home", "");
    e.platform = "slack";
    e.user = who;
    e.channel = core::ChannelRef{"console:D-app", ""};
    return run(e, at);
  }
  // The view's text, one paragraph per block.
  static std::string view_text(const core::Reply& r) { return r.plain(); }
  void give(const core::UserRef& from, const std::string& text, Millis at, const core::ChannelRef& where) {
    auto e = make_event("thanks", text, {kAlice, kBob, kCarol, kDave});
    e.user = from;
    e.channel = where;
    e.source_id += std::to_string(at);
    ASSERT_EQ(run(e, at).outcome, Outcome::ok) << text;
  }
};

TEST_F(HomeTest, HomeIsOnlyForSlack) {
  auto msg = expect_refused("home", "", kNov18Ten, kAlice, Outcome::usage);
  EXPECT_NE(msg.find("I don't know /home"), std::string::npos) << msg;
  EXPECT_EQ(std::count(command_names().begin(), command_names().end(), "home"), 0) << "never listed or typed";
}

TEST_F(HomeTest, HomeAnswersOneViewWithTheGiveButtonAndRemembersWhenItWasOpened) {
  auto r = open_home(kAlice, kNov18Ten + kMinute);
  ASSERT_EQ(r.outcome, Outcome::ok);
  ASSERT_EQ(r.replies.size(), 1u);
  const auto& view = r.replies[0];
  EXPECT_EQ(view.audience, Audience::home);
  EXPECT_EQ(view.user, "console:alice");
  EXPECT_EQ(view.channel, "console:D-app");
  EXPECT_FALSE(view.ping);
  ASSERT_EQ(view.buttons.size(), 1u);
  EXPECT_EQ(view.buttons[0].action, "kudos.give");
  EXPECT_EQ(view.buttons[0].label, "Give kudos");
  EXPECT_EQ(view.buttons[0].style, core::Button::Style::primary);
  EXPECT_FALSE(view.blocks.empty());
  EXPECT_EQ(view.blocks[0].kind, Block::Kind::header);
  EXPECT_EQ(store_->read()->meta("home.opened:console:alice"), std::to_string(kNov18Ten + kMinute));
  EXPECT_EQ(home_opened_key("slack:T1:U1"), "home.opened:slack:T1:U1");
}

TEST_F(HomeTest, HomeShowsTheNumbersTheAllowanceAndTheLatestKudos) {
  give(kBob, "@alice for the review #teamwork", kNov18Ten - 10 * kDay, brigade::testing::general());
  give(kCarol, "@alice for the demo", kNov18Ten - kHour, brigade::testing::general());
  give(kDave, "@alice for nothing much", kNov18Ten - 30 * kMinute, brigade::testing::general());
  cmd("kudos", "undo", kNov18Ten - 29 * kMinute, kDave);  // taken back: in no count, not listed
  give(kAlice, "@bob for lunch", kNov18Ten - 20 * kMinute, kOps);
  give(kAlice, "@carol for coffee", kNov18Ten - 10 * kMinute, kOps);
  const auto text = view_text(open_home().replies.at(0));
  EXPECT_NE(text.find("📥 Received: 1 this week · 2 this month · 2 all time"), std::string::npos) << text;
  EXPECT_NE(text.find("📤 Given: 2 this week · 2 this month · 2 all time"), std::string::npos) << text;
  EXPECT_NE(text.find("Kudos left to give today: 3 of 5. Your allowance renews at midnight (UTC), in 14 h."),
            std::string::npos)
      << text;
  EXPECT_NE(text.find("🎉 @carol on 2026-11-18: for the demo\n🎉 @bob on 2026-11-08: for the review #teamwork"),
            std::string::npos)
      << "newest first, with giver, date and reason: " << text;
  EXPECT_EQ(text.find("nothing much"), std::string::npos) << "a kudos taken back is not listed";
}

TEST_F(HomeTest, HomeShowsTheTopsOfTheirChannelAndTheWorkspaceWithoutHiddenPeople) {
  give(kAlice, "@bob for lunch", kNov18Ten - kHour, kOps);
  give(kCarol, "@bob for tea", kNov18Ten - kHour, kOps);
  give(kAlice, "@carol for coffee", kNov18Ten - kHour, brigade::testing::general());
  give(kBob, "@dave for the fix", kNov18Ten - kHour, kOps);
  cmd("kudos", "privacy hidden", kNov18Ten, kDave);
  give(kCarol, "@alice for the docs", kNov18Ten - 30 * kMinute, kOps);  // alice's latest: in #ops
  const auto home = open_home();
  const auto& view = home.replies.at(0);
  const auto text = view_text(view);
  EXPECT_NE(text.find("🏆 Top 5 in #ops this month\n1. @bob — 2\n2. @alice — 1"), std::string::npos) << text;
  EXPECT_NE(text.find("🏆 Top 5 across the workspace this month\n1. @bob — 2\n2. @alice — 1\n2. @carol — 1"),
            std::string::npos)
      << text;
  EXPECT_EQ(text.find("@dave —"), std::string::npos) << "hidden people are in no top: " << text;
  bool mentions_bob = false;
  for (const auto& b : view.blocks)
    for (const auto& s : b.text) mentions_bob = mentions_bob || s.user_id == "console:bob";
  EXPECT_TRUE(mentions_bob) << "names in tops are mentions";
}

TEST_F(HomeTest, HomeListsTheHelpRequestsTheyOpenedOrTookThatAreStillOpen) {
  cmd("ask", "review my TLS change");                 // #1 alice, open
  cmd("ask", "rotate the certs", kNov18Ten, kCarol);  // #2 carol, taken by alice
  cmd("ask", "take 2");
  cmd("ask", "someone else's", kNov18Ten, kBob);  // #3 not hers
  cmd("ask", "fix the build");                    // #4 alice, cancelled
  cmd("ask", "cancel 4");
  cmd("ask", "take 1", kNov18Ten, kDave);
  const auto text = view_text(open_home().replies.at(0));
  EXPECT_NE(text.find("• #1 you asked, taken by @dave: review my TLS change\n"
                      "• #2 you took it, from @carol: rotate the certs"),
            std::string::npos)
      << text;
  EXPECT_EQ(text.find("#3"), std::string::npos) << text;
  EXPECT_EQ(text.find("#4"), std::string::npos) << text;
  EXPECT_NE(view_text(open_home(kBob).replies.at(0)).find("• #3 you asked, not taken yet: someone else's"),
            std::string::npos);
}

TEST_F(HomeTest, HomeSaysUnlimitedAndExplainsPrivacy) {
  rules_.allowance = 0;
  cmd("kudos", "privacy hidden");
  const auto text = view_text(open_home().replies.at(0));
  EXPECT_NE(text.find("Kudos you can give: unlimited"), std::string::npos) << text;
  EXPECT_NE(text.find("You're hidden from leaderboards"), std::string::npos) << text;
  EXPECT_NE(text.find("None yet"), std::string::npos) << "a newcomer's page: " << text;
}

// Slack: at most 100 blocks, 3,000 characters per text object, 150 per header.
TEST_F(HomeTest, HomeStaysWithinSlacksLimits) {
  rules_.allowance = 0;
  rules_.max_reason_length = 0;
  rules_.max_recipients = 0;
  const std::string long_reason = "for " + std::string(2000, '&');  // escaped, each & takes five
  for (int i = 0; i < 12; ++i) give(kBob, "@alice " + long_reason, kNov18Ten - i * kMinute, kOps);
  std::vector<core::UserRef> many;
  std::string names;
  for (int i = 0; i < 300; ++i) {
    many.push_back(
        {"console:p" + std::to_string(i), "person with a rather long name " + std::to_string(i), false});
    names += "@" + many.back().name + " ";
  }
  auto e = make_event("thanks", names + "for the offsite", many);
  e.channel = kOps;
  ASSERT_EQ(run(e).outcome, Outcome::ok);
  for (int i = 0; i < 40; ++i) cmd("ask", "question " + std::to_string(i) + " " + std::string(600, 'x'));
  const auto home = open_home();
  const auto& view = home.replies.at(0);
  EXPECT_LE(view.blocks.size(), 100u);
  for (const auto& b : view.blocks) {
    std::size_t chars = 0;
    for (const auto& s : b.text) {
      chars += s.user_id.empty() ? core::utf8_length(s.text) : 32;
      chars += 4 * static_cast<std::size_t>(std::count(s.text.begin(), s.text.end(), '&'));
    }
    EXPECT_LE(chars, b.kind == Block::Kind::header ? 150u : 3000u);
  }
  const auto text = view_text(view);
  EXPECT_NE(text.find("… and 294 more with 1 each"), std::string::npos) << "a long tie is counted: " << text;
  EXPECT_NE(text.find("… and more: /ask list"), std::string::npos);
}

}  // namespace
}  // namespace brigade::commands::testing
