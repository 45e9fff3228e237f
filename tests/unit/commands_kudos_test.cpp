// /kudos against a real store: personal counts, help, and summaries (range, filters, permissions, content).
#include "tests/unit/commands_test.hpp"

namespace brigade::commands::testing {
namespace {

using core::Audience;

class KudosTest : public CommandsTest {
 protected:
  void SetUp() override {
    CommandsTest::SetUp();
    rules_.allowance = 0;
  }
  void give(const core::UserRef& from, const std::string& text, Millis at,
            const core::ChannelRef& where = brigade::testing::general(),
            const std::string& command = "thanks") {
    auto e = make_event(command, text, {kAlice, kBob, kCarol, kDave});
    e.user = from;
    e.channel = where;
    ASSERT_EQ(run(e, at).outcome, Outcome::ok) << text;
  }
  // The one private reply to `from`, with outcome ok.
  std::string answer(const std::string& args, const core::UserRef& from = kAlice, Millis at = kNov18Ten) {
    auto r = cmd("kudos", args, at, from);
    EXPECT_EQ(r.outcome, Outcome::ok) << args;
    if (r.replies.size() != 1) return "<" + std::to_string(r.replies.size()) + " replies>";
    EXPECT_EQ(r.replies[0].audience, Audience::private_);
    EXPECT_EQ(r.replies[0].user, from.id);
    return r.replies[0].plain();
  }
};

TEST_F(KudosTest, KudosShowsYourCountsAndQuotaLeft) {
  rules_.allowance = 5;
  give(kCarol, "@alice for the review", kNov18Ten - kHour);
  give(kBob, "@alice for lunch", kNov18Ten - 16 * kDay);      // Nov 2: this month, an earlier week
  give(kBob, "@alice for the retro", kNov18Ten - 29 * kDay);  // Oct 20: only all time
  give(kAlice, "@bob @carol for the launch", kNov18Ten - kHour);
  EXPECT_EQ(answer(""),
            "📊 Your kudos\n"
            "Received: 1 this week · 2 this month · 3 all time\n"
            "Given: 2 this week · 2 this month · 2 all time\n"
            "You have 3 kudos left to give today. Your allowance renews at midnight (UTC), in 14 h.");
  EXPECT_EQ(answer("me").rfind("📊 Your kudos", 0), 0u);
}

TEST_F(KudosTest, KudosForSomeoneElseShowsTheirCountsWithoutQuota) {
  give(kAlice, "@bob for the review", kNov18Ten);
  EXPECT_EQ(answer("@bob"),
            "📊 Kudos for @bob\n"
            "Received: 1 this week · 1 this month · 1 all time\n"
            "Given: 0 this week · 0 this month · 0 all time");
}

TEST_F(KudosTest, KudosWithUnlimitedQuotaSaysSo) {
  EXPECT_NE(answer("").find("No limit"), std::string::npos);
}

TEST_F(KudosTest, KudosHelpListsEveryCommand) {
  auto text = answer("help");
  for (const char* c :
       {"/thanks @a", "/praise @a", "/ask what you need", "/ask list (shown only to you)", "/ask take N",
        "/ask done N", "/ask cancel N", "/leaderboard [week|month|quarter|year|all] [all-channels]",
        "/kudos @a", "/kudos summary", "/kudos help"})
    EXPECT_NE(text.find(c), std::string::npos) << c << "\n" << text;
}

TEST_F(KudosTest, KudosWithUnknownWordsShowsUsage) {
  auto msg = expect_refused("kudos", "gimme", kNov18Ten, kAlice, Outcome::usage);
  EXPECT_NE(msg.find("gimme"), std::string::npos) << msg;
  EXPECT_NE(msg.find("/kudos summary"), std::string::npos) << msg;
}

class SummaryTest : public KudosTest {
 protected:
  void SetUp() override {
    KudosTest::SetUp();
    give(kBob, "@alice for the demo #teamwork #speed", kNov18Ten - kDay, brigade::testing::general(),
         "praise");
    give(kCarol, "@alice for the review #TeamWork", kNov18Ten);
    give(kAlice, "@bob for the coffee", kNov18Ten);
    give(kDave, "@carol for the ops runbook", kNov18Ten, kOps);
    give(kDave, "@alice for last month", kNov18Ten - 20 * kDay);  // October 29: outside the default range
    cmd("ask", "how do I rotate the certs?", kNov18Ten + kHour, kBob);
    cmd("ask", "take 1", kNov18Ten + kHour, kAlice);
    cmd("ask", "done 1", kNov18Ten + 2 * kHour, kBob);
  }
};

TEST_F(SummaryTest, SummaryOfYourselfThisMonthByDefault) {
  auto text = answer("summary", kAlice, kNov18Ten + 3 * kHour);
  EXPECT_EQ(text.substr(0, text.find('\n')),
            "📋 Recognition summary, 2026-11-01 → 2026-11-18 — 4 kudos in all")
      << text;
  EXPECT_NE(text.find("@alice — received 3 (1 thanks · 1 praise · 1 help), given 1 (1 thanks)"),
            std::string::npos)
      << text;
  EXPECT_NE(text.find("top values: #teamwork ×2, #speed ×1"), std::string::npos) << text;
  EXPECT_NE(text.find("resolved 1 help request"), std::string::npos) << text;
  // Reasons, newest first, with giver and date.
  auto help = text.find(" 2026-11-18 from @bob: helped with #1: how do I rotate the certs?");
  auto review = text.find(" 2026-11-18 from @carol: for the review");
  auto demo = text.find(" 2026-11-17 from @bob: for the demo");
  EXPECT_NE(help, std::string::npos) << text;
  EXPECT_LT(help, review) << text;
  EXPECT_LT(review, demo) << text;
  EXPECT_EQ(text.find("last month"), std::string::npos) << text;
  EXPECT_EQ(text.find("@carol —"), std::string::npos) << "only yourself: " << text;
}

// Laid out for Slack: the title as a header, the total, one section per person; the body says
// the same in one text (what notifications and other platforms show).
TEST_F(SummaryTest, TheSummaryIsLaidOutAsAHeaderAndOneSectionPerPerson) {
  auto r = cmd("kudos", "summary", kNov18Ten + 3 * kHour, kAlice);
  ASSERT_EQ(r.replies.size(), 1u);
  const auto& reply = r.replies[0];
  ASSERT_GE(reply.blocks.size(), 3u);
  EXPECT_EQ(reply.blocks[0].kind, core::Block::Kind::header);
  EXPECT_EQ(reply.blocks[0].text.at(0).text, "📋 Recognition summary, 2026-11-01 → 2026-11-18");
  EXPECT_EQ(reply.blocks[1].text.at(0).text, "4 kudos in all");
  std::string from_blocks = reply.blocks[0].text[0].text + " — " + reply.blocks[1].text[0].text;
  for (std::size_t i = 2; i < reply.blocks.size(); ++i) {
    EXPECT_EQ(reply.blocks[i].kind, core::Block::Kind::section);
    from_blocks += "\n";
    for (const auto& s : reply.blocks[i].text) from_blocks += s.text;
  }
  EXPECT_EQ(from_blocks, reply.plain()) << "the blocks and the body say the same";
}

TEST_F(SummaryTest, SummarySinceAndUntilAreWholeLocalDays) {
  auto text = answer("summary since 2026-10-01 until 2026-11-17", kAlice, kNov18Ten + 3 * kHour);
  EXPECT_NE(text.find("2026-10-01 → 2026-11-17 — 2 kudos in all"), std::string::npos) << text;
  EXPECT_NE(text.find("for last month"), std::string::npos) << text;
  EXPECT_NE(text.find("for the demo"), std::string::npos) << text;  // the 17th counts: until is inclusive
  EXPECT_EQ(text.find("for the review"), std::string::npos) << text;
}

TEST_F(SummaryTest, SummaryUntilAloneStartsAtTheFirstOfThatMonth) {
  auto text = answer("summary until 2026-10-31", kAlice);
  EXPECT_NE(text.find("2026-10-01 → 2026-10-31 — 1 kudos in all"), std::string::npos) << text;
}

TEST_F(SummaryTest, SummaryOfOthersNeedsAManagerOrAdmin) {
  for (const char* args : {"summary @bob", "summary #ops", "summary everyone", "summary @alice @bob"}) {
    auto msg = expect_refused("kudos", args);
    EXPECT_NE(msg.find("Only managers and admins"), std::string::npos) << msg;
  }
  EXPECT_EQ(cmd("kudos", "summary @alice").outcome, Outcome::ok);  // naming yourself is fine
  rules_.managers = {"console:alice"};
  EXPECT_EQ(cmd("kudos", "summary @bob").outcome, Outcome::ok);
  rules_.managers.clear();
  rules_.admins = {"console:alice"};
  EXPECT_EQ(cmd("kudos", "summary everyone").outcome, Outcome::ok);
}

TEST_F(SummaryTest, SummaryForAManagerCoversPeopleChannelsAndEveryone) {
  rules_.managers = {"console:dave"};
  auto bob = answer("summary @bob", kDave, kNov18Ten + 3 * kHour);
  EXPECT_NE(bob.find("@bob — received 1 (1 thanks), given 2 (1 praise · 1 help)"), std::string::npos) << bob;
  EXPECT_EQ(bob.find("@alice —"), std::string::npos) << bob;

  auto ops = answer("summary #ops", kDave, kNov18Ten + 3 * kHour);
  EXPECT_NE(ops.find(" in #ops — 1 kudos in all"), std::string::npos) << ops;
  EXPECT_NE(ops.find("@carol — received 1"), std::string::npos) << ops;
  EXPECT_NE(ops.find("@dave — received 0, given 1"), std::string::npos) << ops;

  auto all = answer("summary everyone", kDave, kNov18Ten + 3 * kHour);
  EXPECT_NE(all.find("— 5 kudos in all"), std::string::npos) << all;
  for (const char* who : {"@alice —", "@bob —", "@carol —", "@dave —"})
    EXPECT_NE(all.find(who), std::string::npos) << all;
}

TEST_F(SummaryTest, SummaryNamesPeopleWithNothingInTheRange) {
  rules_.managers = {"console:alice"};
  auto text = answer("summary @bob since 2026-11-01 until 2026-11-02");
  EXPECT_NE(text.find("@bob — nothing received or given in this period yet."), std::string::npos) << text;
}

TEST_F(SummaryTest, SummaryBadDatesAreUsageNamingTheDate) {
  auto msg = expect_refused("kudos", "summary since 2026-02-30", kNov18Ten, kAlice, Outcome::usage);
  EXPECT_NE(msg.find("\"2026-02-30\""), std::string::npos) << msg;
  msg = expect_refused("kudos", "summary until yesterday", kNov18Ten, kAlice, Outcome::usage);
  EXPECT_NE(msg.find("\"yesterday\""), std::string::npos) << msg;
  expect_refused("kudos", "summary since", kNov18Ten, kAlice, Outcome::usage);
}

TEST_F(SummaryTest, SummarySinceAfterUntilIsRefused) {
  auto msg = expect_refused("kudos", "summary since 2026-11-10 until 2026-11-01");
  EXPECT_NE(msg.find("2026-11-10"), std::string::npos) << msg;
  EXPECT_NE(msg.find("after"), std::string::npos) << msg;
}

TEST_F(SummaryTest, SummaryDaysFollowTheTimeZone) {
  reopen("Europe/Berlin", 1);
  rules_.managers = {"console:alice"};
  // 2026-11-30 23:30 UTC is already December 1 in Berlin.
  const Millis late = 1796081400000;
  give(kCarol, "@dave for the late fix", late);
  auto nov = answer("summary @dave since 2026-11-30 until 2026-11-30", kAlice, late + kDay);
  EXPECT_EQ(nov.find("late fix"), std::string::npos) << nov;
  auto dec = answer("summary @dave since 2026-12-01 until 2026-12-01", kAlice, late + kDay);
  EXPECT_NE(dec.find(" 2026-12-01 from @carol: for the late fix"), std::string::npos) << dec;
}

}  // namespace
}  // namespace brigade::commands::testing
