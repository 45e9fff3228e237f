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
    rules_.allowance = 0;
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

// Ties at the cut-off: everyone tied with the tenth is shown (competition ranking), in every
// surface that lists a top 10 (the store decides; the API and the dashboard use the same query).
TEST_F(LeaderboardTest, LeaderboardShowsEveryoneTiedAtTheCutOff) {
  std::vector<core::UserRef> people;
  for (int i = 0; i < 13; ++i)
    people.push_back({"console:p" + std::to_string(i), "p" + std::to_string(i), false});
  // p0 gets 13 kudos, p1 12, … p9 4; p10, p11, p12 get 4 too: four people tied for 10th.
  auto give = [&](const core::UserRef& who, int n) {
    for (int k = 0; k < n; ++k) {
      auto e = make_event("thanks", "@" + who.name + " for " + std::to_string(k), people);
      ASSERT_EQ(run(e).outcome, Outcome::ok);
    }
  };
  for (int i = 0; i < 10; ++i) give(people[static_cast<std::size_t>(i)], 13 - i);
  for (int i = 10; i < 13; ++i) give(people[static_cast<std::size_t>(i)], 4);
  auto text = board("");
  for (int i = 0; i < 13; ++i)
    EXPECT_NE(text.find("@p" + std::to_string(i) + " —"), std::string::npos) << i << "\n" << text;
  EXPECT_NE(text.find("\n10. @p10 — 4"), std::string::npos) << text;
  EXPECT_NE(text.find("\n10. @p12 — 4"), std::string::npos) << text;
  auto entries = store_->read()->leaderboard("console:general", core::Period::week,
                                             cal_->bucket(core::Period::week, kNov18Ten), 10);
  EXPECT_EQ(entries.size(), 13u);
  // One more for p12 breaks the tie: the three left at 4 are no longer in the top 10.
  give(people[12], 2);
  entries = store_->read()->leaderboard("console:general", core::Period::week,
                                        cal_->bucket(core::Period::week, kNov18Ten), 10);
  EXPECT_EQ(entries.size(), 10u);
}

TEST_F(LeaderboardTest, LeaderboardTiesShareAPlace) {
  for (const char* who : {"bob", "carol"}) thank(kAlice, who, kNov18Ten, brigade::testing::general());
  thank(kCarol, "bob", kNov18Ten, brigade::testing::general());
  thank(kBob, "carol", kNov18Ten, brigade::testing::general());
  thank(kBob, "dave", kNov18Ten, brigade::testing::general());
  auto text = board("");
  EXPECT_NE(text.find("🥇 @bob — 2\n🥇 @carol — 2\n🥉 @dave — 1"), std::string::npos) << text;
}

TEST_F(LeaderboardTest, LeaderboardShowsTheTopTenAndTheirTies) {
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
  // All twelve share first place: a tie at the cut-off is shown, not decided by id.
  EXPECT_EQ(std::count(text.begin(), text.end(), '\n'), 12) << text;
  // A tie of dozens stays one screen: the rest are counted, not listed.
  people.clear();
  many.clear();
  for (int i = 0; i < 19; ++i) {
    people.push_back({"console:q" + std::to_string(i), "q" + std::to_string(i), false});
    many += "@q" + std::to_string(i) + " ";
  }
  auto more = make_event("thanks", many + "for the offsite", people);
  more.user = kBob;
  ASSERT_EQ(run(more).outcome, Outcome::ok);
  text = board("");
  EXPECT_EQ(std::count(text.begin(), text.end(), '\n'), 20) << text;  // 19 people and the rest counted
  EXPECT_NE(text.find("… and 12 more with 1 each"), std::string::npos) << text;
}

TEST_F(LeaderboardTest, LeaderboardWhenEmptyInvitesTheFirstThanks) {
  EXPECT_EQ(board(""), "Nobody on the leaderboard yet this week in #general — thank someone: /thanks @someone for something 🙌");
  EXPECT_EQ(board("month all-channels"),
            "Nobody on the leaderboard yet this month across all channels — thank someone: /thanks @someone for "
            "something 🙌");
}

TEST_F(LeaderboardTest, LeaderboardLastWeekIsThePreviousWeek) {
  thank(kCarol, "bob", kNov18Ten - 7 * kDay, brigade::testing::general());
  EXPECT_EQ(board("last week"),
            "🏆 Leaderboard — last week (week of 2026-11-09) in #general\n🥇 @bob — 1");
  EXPECT_NE(board("week").find("Nobody on the leaderboard yet this week"), std::string::npos);
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
  EXPECT_NE(board("", kNov23Noon).find("Nobody on the leaderboard yet this week"), std::string::npos);
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
