// /thanks against a real store: what is recorded, what is said, and every refusal (/praise, which
// follows the same rules, is in commands_praise_test.cpp).
#include "tests/unit/commands_test.hpp"

namespace brigade::commands::testing {
namespace {

using core::Audience;

using ThanksTest = CommandsTest;

TEST_F(ThanksTest, ThanksRecordsOneKudosPerRecipient) {
  auto r = cmd("thanks", "@bob and @carol for the review #TeamWork");
  ASSERT_EQ(r.outcome, Outcome::ok);
  ASSERT_EQ(r.kudos_ids.size(), 2u);
  EXPECT_EQ(kudos_count(), 2u);
  auto k = store_->read()->kudos(r.kudos_ids[0]);
  ASSERT_TRUE(k);
  EXPECT_EQ(k->giver, "console:alice");
  EXPECT_EQ(k->recipient, "console:bob");
  EXPECT_EQ(k->channel, "console:general");
  EXPECT_EQ(k->kind, store::Kind::thanks);
  EXPECT_EQ(k->reason, "for the review");
  EXPECT_EQ(k->values, std::vector<std::string>{"teamwork"});
  EXPECT_EQ(k->ts, kNov18Ten);
  EXPECT_EQ(store_->read()->kudos(r.kudos_ids[1])->recipient, "console:carol");
}

TEST_F(ThanksTest, ThanksCelebratesInTheChannelWithMentions) {
  auto r = cmd("thanks", "@bob for the review #teamwork");
  const auto* pub = find(r, Audience::channel);
  ASSERT_NE(pub, nullptr);
  EXPECT_EQ(pub->channel, "console:general");
  EXPECT_TRUE(pub->ping);
  EXPECT_TRUE(mentions(*pub, "console:alice"));
  EXPECT_TRUE(mentions(*pub, "console:bob"));
  EXPECT_EQ(pub->plain(), "🎉 @alice thanked @bob for the review #teamwork — bob's first this week");

  cmd("thanks", "@bob for lunch", kNov18Ten + kMinute, kCarol);
  auto third = cmd("thanks", "@bob great pairing", kNov18Ten + 2 * kMinute, kDave);
  EXPECT_EQ(text(third, Audience::channel),
            "🎉 @dave thanked @bob: great pairing — that's 3 this week for bob");
}

TEST_F(ThanksTest, ThanksToSeveralPeopleCountsEach) {
  cmd("thanks", "@bob for lunch", kNov18Ten, kCarol);
  auto r = cmd("thanks", "@bob @carol for the launch");
  EXPECT_EQ(text(r, Audience::channel),
            "🎉 @alice thanked @bob and @carol for the launch — this week: bob 2, carol 1");
}

TEST_F(ThanksTest, ThanksTellsTheGiverTheQuotaLeft) {
  auto r = cmd("thanks", "@bob for the review");
  const auto* mine = find(r, Audience::private_);
  ASSERT_NE(mine, nullptr);
  EXPECT_EQ(mine->user, "console:alice");
  EXPECT_EQ(mine->channel, "console:general");
  EXPECT_FALSE(mine->ping);
  EXPECT_EQ(mine->plain(),
            "✅ Thanks recorded for @bob (K1). You have 4 kudos left today. Changed your mind? /kudos undo "
            "within 15 min.");
  EXPECT_EQ(quota_used("console:alice"), 1u);
}

TEST_F(ThanksTest, ThanksWithUnlimitedQuotaSaysSo) {
  rules_.allowance = 0;
  for (int i = 0; i < 12; ++i)
    ASSERT_EQ(cmd("thanks", "@bob for round " + std::to_string(i)).outcome, Outcome::ok);
  auto r = cmd("thanks", "@bob once more");
  EXPECT_NE(text(r, Audience::private_).find("No limit"), std::string::npos);
  EXPECT_EQ(kudos_count(), 13u);
}

TEST_F(ThanksTest, ThanksWithoutArgumentsShowsUsage) {
  for (const char* t : {"", "  ", "help"}) {
    auto msg = expect_refused("thanks", t, kNov18Ten, kAlice, Outcome::usage);
    EXPECT_NE(msg.find("/thanks @alice for the review"), std::string::npos) << msg;
    EXPECT_NE(msg.find("5 kudos a day"), std::string::npos) << msg;
  }
}

TEST_F(ThanksTest, UsageUsesTheBangPrefixOnMatrix) {
  auto e = make_event("thanks", "");
  e.platform = "matrix";
  auto r = run(e);
  EXPECT_EQ(r.outcome, Outcome::usage);
  ASSERT_EQ(r.replies.size(), 1u);
  EXPECT_NE(r.replies[0].plain().find("!thanks @alice"), std::string::npos);
  EXPECT_EQ(r.replies[0].plain().find("/thanks"), std::string::npos);
}

TEST_F(ThanksTest, ThanksWithoutAMentionExplainsHow) {
  auto msg = expect_refused("thanks", "for the review", kNov18Ten, kAlice, Outcome::usage);
  EXPECT_NE(msg.find("Mention them"), std::string::npos) << msg;
  expect_refused("thanks", "@nobody-known for the review", kNov18Ten, kAlice, Outcome::usage);
}

TEST_F(ThanksTest, ThanksRefusesSelf) {
  auto msg = expect_refused("thanks", "@alice for being me");
  EXPECT_NE(msg.find("You can't thank yourself"), std::string::npos) << msg;
}

TEST_F(ThanksTest, ThanksRefusesBots) {
  auto msg = expect_refused("thanks", "@brigade for existing");
  EXPECT_NE(msg.find("@brigade is a bot"), std::string::npos) << msg;
}

TEST_F(ThanksTest, ThanksRefusesDeactivatedAccounts) {
  auto msg = expect_refused("thanks", "@bob @erin for the handover");
  EXPECT_NE(msg.find("@erin has left the workspace"), std::string::npos) << msg;
  EXPECT_EQ(received_this_week("console:bob"), 0u);
  expect_refused("praise", "@erin for years of work");
}

TEST_F(ThanksTest, ThanksRefusesTheWholeCommandWhenOneRecipientIsInvalid) {
  auto msg = expect_refused("thanks", "@bob @brigade @alice for the launch");
  EXPECT_NE(msg.find("Nothing recorded"), std::string::npos) << msg;
  EXPECT_NE(msg.find("you can't thank yourself"), std::string::npos) << msg;
  EXPECT_NE(msg.find("@brigade is a bot"), std::string::npos) << msg;
  EXPECT_EQ(received_this_week("console:bob"), 0u);
}

TEST_F(ThanksTest, ThanksRefusesTooManyRecipients) {
  rules_.max_recipients = 2;
  auto msg = expect_refused("thanks", "@bob @carol @dave for the launch");
  EXPECT_NE(msg.find("at most 2"), std::string::npos) << msg;
  EXPECT_EQ(cmd("thanks", "@bob @bob @carol for the launch").outcome, Outcome::ok);  // duplicates count once
}

TEST_F(ThanksTest, ThanksRefusesReasonsOverTheLimitInCodePoints) {
  rules_.max_reason_length = 10;
  EXPECT_EQ(cmd("thanks", "@bob éééééééééé").outcome, Outcome::ok);  // 10 code points, 20 bytes
  auto msg = expect_refused("thanks", "@bob ééééééééééé");
  EXPECT_NE(msg.find("the limit is 10"), std::string::npos) << msg;
}

TEST_F(ThanksTest, ThanksValuesAreOptionalByDefault) {
  rules_.values = {"teamwork", "ownership"};
  EXPECT_EQ(cmd("thanks", "@bob for the review").outcome, Outcome::ok);
  EXPECT_EQ(cmd("thanks", "@bob for the review #Ownership").outcome, Outcome::ok);
}

TEST_F(ThanksTest, ThanksRefusesValuesNotInTheList) {
  rules_.values = {"teamwork", "ownership"};
  auto msg = expect_refused("thanks", "@bob for the review #teamwork #heroics");
  EXPECT_NE(msg.find("#heroics isn't one of our values"), std::string::npos) << msg;
  EXPECT_NE(msg.find("#teamwork, #ownership"), std::string::npos) << msg;
}

TEST_F(ThanksTest, ThanksRequiresAValueWhenConfigured) {
  rules_.values = {"teamwork", "ownership"};
  rules_.values_required = true;
  auto msg = expect_refused("thanks", "@bob for the review");
  EXPECT_NE(msg.find("#teamwork, #ownership"), std::string::npos) << msg;
  EXPECT_EQ(cmd("thanks", "@bob for the review #teamwork").outcome, Outcome::ok);
}

TEST_F(ThanksTest, ThanksToThreePeopleUsesThreeAndRefusesWhatDoesNotFit) {
  ASSERT_EQ(cmd("thanks", "@bob, @carol & @dave for the launch").outcome, Outcome::ok);
  EXPECT_EQ(quota_used("console:alice"), 3u);
  auto msg = expect_refused("thanks", "@bob @carol @dave again");
  EXPECT_NE(msg.find("you have 2 left today"), std::string::npos) << msg;
  EXPECT_EQ(cmd("thanks", "@bob @carol again").outcome, Outcome::ok);
  auto r = expect_refused("thanks", "@dave finally");
  EXPECT_NE(r.find("all 5 kudos"), std::string::npos) << r;
  EXPECT_NE(r.find("renews at midnight (UTC), in 14 h"), std::string::npos) << r;  // 10:00 → 24:00
}

TEST_F(ThanksTest, ThanksQuotaIsPerGiver) {
  rules_.allowance = 1;
  ASSERT_EQ(cmd("thanks", "@bob for a").outcome, Outcome::ok);
  ASSERT_EQ(cmd("thanks", "@bob for b", kNov18Ten, kCarol).outcome, Outcome::ok);
  expect_refused("thanks", "@bob for c");
}

TEST_F(ThanksTest, ThanksQuotaResetsAtLocalMidnightInBerlin) {
  reopen("Europe/Berlin", 1);
  rules_.allowance = 1;
  const Millis late = 1794954600000;  // 2026-11-17 22:30 UTC = 23:30 in Berlin
  ASSERT_EQ(cmd("thanks", "@bob for a", late).outcome, Outcome::ok);
  auto msg = expect_refused("thanks", "@bob for b", late + 20 * kMinute);
  EXPECT_NE(msg.find("midnight (Europe/Berlin), in 10 min"), std::string::npos) << msg;
  // 23:30 UTC is already the next day in Berlin, though still the same day in UTC.
  EXPECT_EQ(cmd("thanks", "@bob for c", late + kHour).outcome, Outcome::ok);
}

TEST_F(ThanksTest, ThanksQuotaFollowsTheShortDayWhenDstStarts) {
  reopen("America/New_York", 1);
  rules_.allowance = 1;
  const Millis morning = 1772947800000;  // 2026-03-08 05:30 UTC = 00:30 EST, a 23-hour day
  ASSERT_EQ(cmd("thanks", "@bob for a", morning).outcome, Outcome::ok);
  const Millis late = 1773027000000;  // 2026-03-09 03:30 UTC = 23:30 EDT, still March 8
  auto msg = expect_refused("thanks", "@bob for b", late);
  EXPECT_NE(msg.find("in 30 min"), std::string::npos) << msg;
  const Millis next = 1773030600000;  // 04:30 UTC = 00:30 EDT on March 9 (a fixed -5 h would say 23:30)
  EXPECT_EQ(cmd("thanks", "@bob for c", next).outcome, Outcome::ok);
}

TEST_F(ThanksTest, ThanksQuotaFollowsTheLongDayWhenDstEnds) {
  reopen("America/New_York", 1);
  rules_.allowance = 1;
  const Millis morning = 1793507400000;  // 2026-11-01 04:30 UTC = 00:30 EDT, a 25-hour day
  ASSERT_EQ(cmd("thanks", "@bob for a", morning).outcome, Outcome::ok);
  const Millis late = 1793593800000;  // 2026-11-02 04:30 UTC = 23:30 EST, still November 1
  auto msg = expect_refused("thanks", "@bob for b", late);
  EXPECT_NE(msg.find("in 30 min"), std::string::npos) << msg;
  EXPECT_EQ(cmd("thanks", "@bob for c", late + kHour).outcome, Outcome::ok);
}

TEST_F(ThanksTest, ThanksRemembersDisplayNames) {
  auto e = make_event("thanks", "@Zoë for the Łódź offsite 👩‍💻 #teamwork",
                      {{"console:zoë", "Zoë", false}});
  e.channel = {"console:général", "général"};
  auto r = run(e);
  ASSERT_EQ(r.outcome, Outcome::ok);
  auto rd = store_->read();
  EXPECT_EQ(rd->name_of("console:zoë"), "Zoë");
  EXPECT_EQ(rd->name_of("console:alice"), "alice");
  EXPECT_EQ(rd->name_of("console:général"), "général");
  EXPECT_EQ(rd->kudos(r.kudos_ids[0])->reason, "for the Łódź offsite 👩‍💻");
  EXPECT_EQ(
      text(r, Audience::channel),
      "🎉 @alice thanked @Zoë for the Łódź offsite 👩‍💻 #teamwork — Zoë's first this week");
}

TEST_F(ThanksTest, ThanksFallsBackToTheIdWhenANameIsMissing) {
  std::string text_ = "@x for the fix";
  auto e = make_event("thanks", text_);
  e.platform = "matrix";
  e.user = {"matrix:@alice:example.org", "", false};
  e.mentions.push_back(core::Mention{0, 2, {"matrix:@bob:example.org", "", false}, {}});
  auto r = run(e);
  ASSERT_EQ(r.outcome, Outcome::ok);
  EXPECT_EQ(text(r, Audience::channel), "🎉 @alice thanked @bob for the fix — bob's first this week");
}

TEST_F(ThanksTest, BadUtf8IsRefusedForEveryCommand) {
  for (const char* c : {"thanks", "praise", "ask", "leaderboard", "kudos"}) {
    auto msg = expect_refused(c, "@bob for \xff\xfe broken bytes");
    EXPECT_NE(msg.find("UTF-8"), std::string::npos) << msg;
  }
  expect_refused("thanks", "@bob \xed\xa0\x80 surrogate");
  expect_refused("thanks", "@bob \xc0\xaf overlong");
  expect_refused("thanks", "@bob truncated \xe2\x82");
}

TEST_F(ThanksTest, BrokenDisplayNamesFallBackToIds) {
  auto e = make_event("thanks", "@bob for the fix", {kBob});
  e.mentions[0].user.name = "\xff";
  auto r = run(e);
  ASSERT_EQ(r.outcome, Outcome::ok);
  EXPECT_NE(text(r, Audience::channel).find("@bob"), std::string::npos);
}

TEST_F(ThanksTest, ThanksRefusesAccountsThePlatformDoesNotKnow) {
  // Matrix: a typed id with no profile on its server ("@nobody:localhost").
  core::UserRef nobody{"matrix:@nobody:localhost", "nobody", false};
  nobody.unknown = true;
  auto e = make_event("thanks", "@bob @nobody for nothing", {kBob, nobody});
  auto before = kudos_count();
  auto r = run(e);
  EXPECT_EQ(r.outcome, Outcome::refused);
  EXPECT_EQ(kudos_count(), before);
  ASSERT_EQ(r.replies.size(), 1u);
  EXPECT_EQ(r.replies[0].audience, core::Audience::private_);
  EXPECT_NE(r.replies[0].plain().find("I can't find @nobody on this server"), std::string::npos)
      << r.replies[0].plain();
  EXPECT_EQ(received_this_week("matrix:@nobody:localhost"), 0u);
}

TEST_F(ThanksTest, MentionsAfterTheReasonAreNotCountedAndTheGiverIsTold) {
  auto r = cmd("thanks", "@bob for review, @carol for tests");
  ASSERT_EQ(r.outcome, Outcome::ok);
  EXPECT_EQ(r.kudos_ids.size(), 1u);
  EXPECT_EQ(received_this_week("console:bob"), 1u);
  EXPECT_EQ(received_this_week("console:carol"), 0u) << "the rule stays: mentions after the reason are text";
  auto mine = text(r, core::Audience::private_);
  EXPECT_NE(mine.find("Not counted: @carol"), std::string::npos) << mine;
  EXPECT_NE(mine.find("/thanks @bob @carol for …"), std::string::npos) << mine;
  // Nobody left out: no note.
  auto plain = cmd("thanks", "@dave for the coffee");
  EXPECT_EQ(text(plain, core::Audience::private_).find("Not counted"), std::string::npos);
}

TEST_F(ThanksTest, RevokingAKudosGivesItsQuotaBackForThatDay) {
  rules_.allowance = 2;
  auto first = cmd("thanks", "@bob for one");
  cmd("thanks", "@carol for two");
  EXPECT_EQ(quota_used("console:alice"), 2u);
  expect_refused("thanks", "@dave for three");
  {
    auto w = store_->write();
    ASSERT_TRUE(w->revoke_kudos(first.kudos_ids.at(0)));
    EXPECT_FALSE(w->revoke_kudos(first.kudos_ids.at(0))) << "twice gives back once";
    w->commit();
  }
  EXPECT_EQ(quota_used("console:alice"), 1u);
  EXPECT_EQ(cmd("thanks", "@dave for three").outcome, Outcome::ok)
      << "the quota the revoked kudos used is back";
  // A kudos of an earlier day taken back today leaves today's use alone.
  auto yesterday = cmd("thanks", "@bob for yesterday", kNov18Ten - kDay);
  EXPECT_EQ(quota_used("console:alice"), 2u);
  {
    auto w = store_->write();
    ASSERT_TRUE(w->revoke_kudos(yesterday.kudos_ids.at(0)));
    w->commit();
  }
  EXPECT_EQ(quota_used("console:alice"), 2u);
  EXPECT_EQ(quota_used("console:alice", kNov18Ten - kDay), 0u);
}

TEST_F(ThanksTest, HelpTextSaysWherePrivateRepliesAreSeen) {
  auto on = [&](const std::string& platform) {
    auto e = make_event("kudos", "help");
    e.platform = platform;
    auto r = run(e);
    return r.replies.empty() ? std::string() : r.replies[0].plain();
  };
  EXPECT_NE(on("console").find("only visible to you"), std::string::npos);
  auto matrix = on("matrix");
  EXPECT_EQ(matrix.find("only visible to you"), std::string::npos) << matrix;
  EXPECT_EQ(matrix.find("shown only to you"), std::string::npos) << matrix;
  EXPECT_NE(matrix.find("others in the room can see them"), std::string::npos) << matrix;
  rules_.replies_seen_by_room.clear();  // matrix.private_replies = "direct"
  EXPECT_NE(on("matrix").find("only visible to you"), std::string::npos);
}

TEST_F(ThanksTest, UnknownCommandsGetUsage) {
  auto msg = expect_refused("frobnicate", "", kNov18Ten, kAlice, Outcome::usage);
  EXPECT_NE(msg.find("kudos help"), std::string::npos) << msg;
}

TEST_F(ThanksTest, CommandNamesAreTheFiveCommands) {
  EXPECT_EQ(command_names(), (std::vector<std::string>{"thanks", "praise", "ask", "leaderboard", "kudos"}));
  EXPECT_EQ(to_string(Outcome::refused), "refused");
}

}  // namespace
}  // namespace brigade::commands::testing
