// /leaderboard against a real store: ranking, scope, periods, "last", week start, the empty board.
#include <algorithm>

#include "tests/unit/commands_test.hpp"

namespace brigade::commands::testing {
namespace {

using core::Audience;

class LeaderboardTest : public CommandsTest {
 protected:
  void SetUp() override {
    CommandsTest::SetUp();
    rules_.daily_quota = 0;
  }
  void thank(const core::UserRef& from, const std::string& who, Millis at, const core::ChannelRef& where) {
    auto e = make_event("thanks", "@" + who + " for the help", {kAlice, kBob, kCarol, kDave});
    e.user = from;
    e.channel = where;
    ASSERT_EQ(run(e, at).outcome, Outcome::ok);
  }
  std::string board(const std::string& args, Millis at = kNov18Ten) {
    auto r = cmd("leaderboard", args, at);
    EXPECT_EQ(r.outcome, Outcome::ok) << args;
    if (r.replies.size() != 1) return "<" + std::to_string(r.replies.size()) + " replies>";
    EXPECT_EQ(r.replies[0].audience, Audience::channel);
    EXPECT_EQ(r.replies[0].channel, "console:general");
    EXPECT_FALSE(r.replies[0].ping);
    return r.replies[0].plain();
  }
};

TEST_F(LeaderboardTest, LeaderboardRanksThisWeekInThisChannel) {
  thank(kCarol, "bob", kNov18Ten - kHour, brigade::testing::general());
  thank(kDave, "bob", kNov18Ten - kHour, brigade::testing::general());
  thank(kAlice, "carol", kNov18Ten - kHour, brigade::testing::general());
  thank(kAlice, "dave", kNov18Ten - kHour, kOps);
  auto r = cmd("leaderboard", "");
  ASSERT_EQ(r.replies.size(), 1u);
  EXPECT_TRUE(mentions(r.replies[0], "console:bob"));
  EXPECT_EQ(board(""),
            "🏆 Leaderboard — this week (week of 2026-11-16) in #general\n"
            "🥇 @bob — 2\n"
            "🥈 @carol — 1");
}

TEST_F(LeaderboardTest, LeaderboardAcrossAllChannels) {
  thank(kCarol, "bob", kNov18Ten, brigade::testing::general());
  thank(kAlice, "dave", kNov18Ten, kOps);
  thank(kAlice, "dave", kNov18Ten, kOps);
  EXPECT_EQ(board("all-channels"),
            "🏆 Leaderboard — this week (week of 2026-11-16) across all channels\n"
            "🥇 @dave — 2\n"
            "🥈 @bob — 1");
}

TEST_F(LeaderboardTest, LeaderboardTiesShareAPlace) {
  for (const char* who : {"bob", "carol"}) thank(kAlice, who, kNov18Ten, brigade::testing::general());
  thank(kCarol, "bob", kNov18Ten, brigade::testing::general());
  thank(kBob, "carol", kNov18Ten, brigade::testing::general());
  thank(kBob, "dave", kNov18Ten, brigade::testing::general());
  auto text = board("");
  EXPECT_NE(text.find("🥇 @bob — 2\n🥇 @carol — 2\n🥉 @dave — 1"), std::string::npos) << text;
}

TEST_F(LeaderboardTest, LeaderboardShowsTheTopTen) {
  rules_.max_recipients = 20;
  std::string many;
  std::vector<core::UserRef> people;
  for (int i = 0; i < 12; ++i) {
    people.push_back({"console:p" + std::to_string(i), "p" + std::to_string(i), false});
    many += "@p" + std::to_string(i) + " ";
  }
  auto e = make_event("thanks", many + "for the offsite", people);
  ASSERT_EQ(run(e).outcome, Outcome::ok);
  auto text = board("");
  EXPECT_EQ(std::count(text.begin(), text.end(), '\n'), 10) << text;
}

TEST_F(LeaderboardTest, LeaderboardWhenEmptyInvitesTheFirstThanks) {
  EXPECT_EQ(board(""), "No kudos yet this week in #general — be the first: /thanks @someone for something 🙌");
  EXPECT_EQ(board("month all-channels"),
            "No kudos yet this month across all channels — be the first: /thanks @someone for something 🙌");
}

TEST_F(LeaderboardTest, LeaderboardLastWeekIsThePreviousWeek) {
  thank(kCarol, "bob", kNov18Ten - 7 * kDay, brigade::testing::general());
  EXPECT_EQ(board("last week"),
            "🏆 Leaderboard — last week (week of 2026-11-09) in #general\n🥇 @bob — 1");
  EXPECT_NE(board("week").find("No kudos yet this week"), std::string::npos);
  EXPECT_NE(board("month").find("🥇 @bob — 1"), std::string::npos);
  EXPECT_NE(board("last month").find("No kudos last month in #general"), std::string::npos);
}

TEST_F(LeaderboardTest, LeaderboardPeriodLabels) {
  thank(kCarol, "bob", kNov18Ten, brigade::testing::general());
  EXPECT_EQ(board("month").substr(0, board("month").find('\n')),
            "🏆 Leaderboard — this month (November 2026) in #general");
  EXPECT_NE(board("quarter").find("this quarter (2026 Q4) in #general"), std::string::npos);
  EXPECT_NE(board("year").find("this year (2026) in #general"), std::string::npos);
  EXPECT_NE(board("all").find("🏆 Leaderboard — all time in #general"), std::string::npos);
  EXPECT_NE(board("today").find("today (2026-11-18)"), std::string::npos);
}

TEST_F(LeaderboardTest, LeaderboardWeekStartsOnMondayByDefault) {
  thank(kCarol, "bob", kNov22Noon, brigade::testing::general());  // a Sunday
  EXPECT_NE(board("", kNov23Noon).find("No kudos yet this week"), std::string::npos);
  EXPECT_NE(board("last week", kNov23Noon).find("(week of 2026-11-16)"), std::string::npos);
}

TEST_F(LeaderboardTest, LeaderboardWeekCanStartOnSunday) {
  reopen("UTC", 0);
  thank(kCarol, "bob", kNov22Noon, brigade::testing::general());  // a Sunday: the first day of the week
  EXPECT_EQ(board("", kNov23Noon),
            "🏆 Leaderboard — this week (week of 2026-11-22) in #general\n🥇 @bob — 1");
}

TEST_F(LeaderboardTest, LeaderboardBucketsFollowTheTimeZone) {
  reopen("Europe/Berlin", 1);
  const Millis sunday_late_utc =
      kNov22Noon + 11 * kHour + 30 * kMinute;  // 23:30 UTC = Monday 00:30 in Berlin
  thank(kCarol, "bob", sunday_late_utc, brigade::testing::general());
  EXPECT_NE(board("", kNov23Noon).find("(week of 2026-11-23)"), std::string::npos);
  EXPECT_NE(board("", kNov23Noon).find("🥇 @bob — 1"), std::string::npos);
}

TEST_F(LeaderboardTest, LeaderboardExplainsWordsItDoesNotKnow) {
  auto msg = expect_refused("leaderboard", "fortnight", kNov18Ten, kAlice, Outcome::usage);
  EXPECT_NE(msg.find("fortnight"), std::string::npos) << msg;
  EXPECT_NE(msg.find("/leaderboard [week|month|quarter|year|all] [all-channels]"), std::string::npos) << msg;
}

}  // namespace
}  // namespace brigade::commands::testing
