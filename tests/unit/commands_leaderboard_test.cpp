// /leaderboard against a real store: ranking, scope, periods, "last", week start, the empty board,
// private by default, shared on request.
#include <algorithm>

#include "commands/parse.hpp"
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
  // The board as the asker sees it by default: privately, with a Share button carrying the
  // board's words and a last line saying how to share it (left out of what this returns).
  std::string board(const std::string& args, Millis at = kNov18Ten) {
    auto r = cmd("leaderboard", args, at);
    EXPECT_EQ(r.outcome, Outcome::ok) << args;
    if (r.replies.size() != 1) return "<" + std::to_string(r.replies.size()) + " replies>";
    const auto& reply = r.replies[0];
    EXPECT_EQ(reply.audience, Audience::private_);
    EXPECT_EQ(reply.user, "console:alice");
    EXPECT_EQ(reply.channel, "console:general");
    EXPECT_FALSE(reply.ping);
    const auto words = leaderboard_words(parse_leaderboard(args, {}));
    EXPECT_EQ(reply.buttons.size(), 1u);
    for (const auto& b : reply.buttons) {
      EXPECT_EQ(b.action, "leaderboard.share");
      EXPECT_EQ(b.label, "Share in channel");
      EXPECT_EQ(b.value, words);
    }
    auto text = reply.plain();
    const std::string hint = "\nOnly you can see this. Share it: /leaderboard share " + words;
    EXPECT_EQ(text.size() >= hint.size() ? text.substr(text.size() - hint.size()) : text, hint);
    return text.size() >= hint.size() ? text.substr(0, text.size() - hint.size()) : text;
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
  EXPECT_EQ(board(""),
            "Nobody on the leaderboard yet this week in #general — thank someone: /thanks @someone for "
            "something 🙌");
  EXPECT_EQ(
      board("month all-channels"),
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

TEST_F(LeaderboardTest, LeaderboardIsLaidOutAsAHeaderAndTheRankedLines) {
  thank(kCarol, "bob", kNov18Ten, brigade::testing::general());
  thank(kDave, "bob", kNov18Ten, brigade::testing::general());
  thank(kAlice, "carol", kNov18Ten, brigade::testing::general());
  auto r = cmd("leaderboard", "");
  ASSERT_EQ(r.replies.size(), 1u);
  const auto& blocks = r.replies[0].blocks;
  ASSERT_EQ(blocks.size(), 3u);
  EXPECT_EQ(blocks[0].kind, core::Block::Kind::header);
  ASSERT_EQ(blocks[0].text.size(), 1u);
  EXPECT_EQ(blocks[0].text[0].text, "🏆 Leaderboard — this week (week of 2026-11-16) in #general");
  EXPECT_EQ(blocks[1].kind, core::Block::Kind::section);
  core::Reply lines;
  lines.body = blocks[1].text;
  EXPECT_EQ(lines.plain(), "🥇 @bob — 2\n🥈 @carol — 1");
  EXPECT_TRUE(mentions(lines, "console:bob"));
  EXPECT_EQ(blocks[2].kind, core::Block::Kind::context);
  EXPECT_EQ(
      r.replies[0].plain(),
      "🏆 Leaderboard — this week (week of 2026-11-16) in #general\n🥇 @bob — 2\n🥈 @carol — 1\n"
      "Only you can see this. Share it: /leaderboard share week")
      << "the body stays the whole message";
}

TEST_F(LeaderboardTest, LeaderboardSharedIsPostedSayingWhoSharedIt) {
  thank(kCarol, "bob", kNov18Ten, brigade::testing::general());
  for (const char* words : {"share", "month share", "share last week"}) {
    auto r = cmd("leaderboard", words);
    ASSERT_EQ(r.outcome, Outcome::ok) << words;
    ASSERT_EQ(r.replies.size(), 1u) << words;
    const auto& reply = r.replies[0];
    EXPECT_EQ(reply.audience, Audience::channel) << words;
    EXPECT_EQ(reply.channel, "console:general");
    EXPECT_FALSE(reply.ping);
    EXPECT_TRUE(reply.buttons.empty()) << words;
    EXPECT_TRUE(mentions(reply, "console:alice")) << "who shared it is named";
    const auto text = reply.plain();
    EXPECT_EQ(text.substr(text.rfind('\n') + 1), "Shared by @alice") << text;
    EXPECT_EQ(reply.blocks.back().kind, core::Block::Kind::context);
  }
  EXPECT_NE(text(cmd("leaderboard", "share"), Audience::channel).find("🥇 @bob — 1"), std::string::npos);
  // An empty board follows the same rule.
  auto empty = cmd("leaderboard", "share quarter all-channels", kNov18Ten + 200 * kDay);
  ASSERT_EQ(empty.replies.size(), 1u);
  EXPECT_EQ(empty.replies[0].audience, Audience::channel);
  EXPECT_EQ(
      empty.replies[0].plain(),
      "Nobody on the leaderboard yet this quarter across all channels — thank someone: /thanks @someone "
      "for something 🙌\nShared by @alice");
}

TEST_F(LeaderboardTest, LeaderboardPublicByConfigIsPostedWithoutAButton) {
  rules_.leaderboard_public = true;
  thank(kCarol, "bob", kNov18Ten, brigade::testing::general());
  auto r = cmd("leaderboard", "");
  ASSERT_EQ(r.replies.size(), 1u);
  EXPECT_EQ(r.replies[0].audience, Audience::channel);
  EXPECT_TRUE(r.replies[0].buttons.empty());
  EXPECT_EQ(r.replies[0].plain(),
            "🏆 Leaderboard — this week (week of 2026-11-16) in #general\n🥇 @bob — 1");
  auto empty = cmd("leaderboard", "last year");
  EXPECT_EQ(empty.replies.at(0).audience, Audience::channel);
  EXPECT_TRUE(empty.replies.at(0).buttons.empty());
}

TEST_F(LeaderboardTest, LeaderboardWhenEmptyIsPrivateWithAShareButtonToo) {
  auto r = cmd("leaderboard", "last month all-channels");
  ASSERT_EQ(r.replies.size(), 1u);
  EXPECT_EQ(r.replies[0].audience, Audience::private_);
  ASSERT_EQ(r.replies[0].buttons.size(), 1u);
  EXPECT_EQ(r.replies[0].buttons[0].value, "last month all-channels");
}

// Where a "private" reply is seen by the room (Matrix threads), the hint promises no privacy.
TEST_F(LeaderboardTest, LeaderboardHintOnMatrixSaysHowToPostIt) {
  thank(kCarol, "bob", kNov18Ten, brigade::testing::general());
  auto e = make_event("leaderboard", "month");
  e.platform = "matrix";
  auto r = run(e);
  ASSERT_EQ(r.replies.size(), 1u);
  EXPECT_EQ(r.replies[0].audience, Audience::private_);
  const auto t = r.replies[0].plain();
  EXPECT_EQ(t.substr(t.rfind('\n') + 1), "To post it for everyone: !leaderboard share month") << t;
  EXPECT_EQ(t.find("Only you"), std::string::npos) << t;
}

// What a Share button carries back reads as the same board.
TEST(ParseLeaderboard, ShareAnywhereAndTheBoardsOwnWords) {
  EXPECT_FALSE(parse_leaderboard("month", {}).share);
  auto a = parse_leaderboard("share last month all-channels", {});
  EXPECT_TRUE(a.share);
  EXPECT_TRUE(a.problem.empty());
  EXPECT_EQ(leaderboard_words(a), "last month all-channels");
  EXPECT_TRUE(parse_leaderboard("month SHARE", {}).share);
  EXPECT_EQ(leaderboard_words(parse_leaderboard("", {})), "week");
  EXPECT_EQ(leaderboard_words(parse_leaderboard("yesterday", {})), "yesterday");
  EXPECT_EQ(leaderboard_words(parse_leaderboard("all everywhere", {})), "all time all-channels");
  for (const char* words : {"", "last week", "yesterday", "today", "all time", "quarter all-channels"}) {
    const auto original = parse_leaderboard(words, {});
    const auto shared = parse_leaderboard("share " + leaderboard_words(original), {});
    EXPECT_TRUE(shared.problem.empty()) << words << ": " << shared.problem;
    EXPECT_TRUE(shared.share);
    EXPECT_EQ(shared.period, original.period) << words;
    EXPECT_EQ(shared.last, original.last) << words;
    EXPECT_EQ(shared.all_channels, original.all_channels) << words;
  }
}

}  // namespace
}  // namespace brigade::commands::testing
