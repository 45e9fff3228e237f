// /kudos undo, /kudos revoke, /kudos privacy, and allowances per period and per recipient.
#include "tests/unit/commands_test.hpp"

namespace brigade::commands::testing {
namespace {

constexpr Millis kNov18Late = 1795046100000;   // 2026-11-18 23:55 UTC
constexpr Millis kNov19Early = 1795046700000;  // 2026-11-19 00:05 UTC
constexpr Millis kOct22Ten = 1792663200000;    // 2026-10-22 10:00 UTC, a Thursday
constexpr Millis kOct25Late = 1792967400000;   // 2026-10-25 23:30 Berlin (CET, after the DST change)
constexpr Millis kOct26Early = 1792971000000;  // 2026-10-26 00:30 Berlin, a Monday: a new week

class TrustCommands : public CommandsTest {
 protected:
  std::uint32_t received_all(const std::string& user) {
    return store_->read()->counts(user, "", core::Period::all, 0).received;
  }
  std::vector<store::AuditEntry> audit_log() { return store_->read()->audit(0, 0); }
};

TEST_F(TrustCommands, UndoTakesBackTheLatestCommandAndItsAllowance) {
  auto given = cmd("thanks", "@bob @carol for the release");
  ASSERT_EQ(given.kudos_ids.size(), 2u);
  const auto* celebration = find(given, core::Audience::channel);
  ASSERT_NE(celebration, nullptr);
  EXPECT_FALSE(celebration->tag.empty());
  EXPECT_NE(text(given, core::Audience::private_).find("K1–K2"), std::string::npos)
      << text(given, core::Audience::private_);
  EXPECT_EQ(quota_used(kAlice.id), 2u);

  auto undone = cmd("kudos", "undo", kNov18Ten + 5 * kMinute);
  EXPECT_EQ(undone.outcome, Outcome::ok);
  EXPECT_EQ(received_all(kBob.id), 0u);
  EXPECT_EQ(received_all(kCarol.id), 0u);
  EXPECT_EQ(quota_used(kAlice.id), 0u) << "the allowance comes back";
  const auto* edit = find(undone, core::Audience::channel);
  ASSERT_NE(edit, nullptr) << "the celebration is updated";
  EXPECT_EQ(edit->replaces, celebration->tag);
  EXPECT_EQ(edit->channel, celebration->channel);
  EXPECT_NE(edit->plain().find("withdrew"), std::string::npos) << edit->plain();
  EXPECT_NE(text(undone, core::Audience::private_).find("K1"), std::string::npos);
  const auto log = audit_log();
  ASSERT_EQ(log.size(), 2u);
  EXPECT_EQ(log[0].action, "undo");
  EXPECT_EQ(log[0].actor, kAlice.id);
  EXPECT_EQ(store_->read()->kudos(given.kudos_ids[0])->revocation->how, store::RevokeHow::undo);

  expect_refused("kudos", "undo", kNov18Ten + 6 * kMinute);  // nothing left to undo
}

TEST_F(TrustCommands, UndoOneOfSeveralKeepsTheRestOfTheCelebration) {
  auto given = cmd("thanks", "@bob @carol for the release");
  auto undone = cmd("kudos", "undo K2", kNov18Ten + kMinute);
  EXPECT_EQ(undone.outcome, Outcome::ok);
  EXPECT_EQ(received_all(kBob.id), 1u);
  EXPECT_EQ(received_all(kCarol.id), 0u);
  const auto* edit = find(undone, core::Audience::channel);
  ASSERT_NE(edit, nullptr);
  EXPECT_TRUE(mentions(*edit, kBob.id));
  EXPECT_NE(edit->plain().find("withdrawn for"), std::string::npos) << edit->plain();
}

TEST_F(TrustCommands, UndoRespectsTheWindowAndTheGiver) {
  cmd("thanks", "@bob for the review");
  EXPECT_NE(expect_refused("kudos", "undo K1", kNov18Ten, kCarol).find("isn't yours"), std::string::npos);
  EXPECT_NE(expect_refused("kudos", "undo K1", kNov18Ten + 16 * kMinute).find("undo works for 15 min"),
            std::string::npos);
  EXPECT_NE(expect_refused("kudos", "undo K7").find("no K7"), std::string::npos);
  expect_refused("kudos", "undo K1 please", kNov18Ten, kAlice, Outcome::usage);
  rules_.undo_minutes = 0;
  EXPECT_NE(expect_refused("kudos", "undo").find("switched off"), std::string::npos);
  EXPECT_EQ(received_all(kBob.id), 1u);
}

TEST_F(TrustCommands, UndoAcrossMidnightTakesItFromTheDayItWasGiven) {
  cmd("thanks", "@bob late-night fix", kNov18Late);
  const auto yesterday = cal_->day(kNov18Late);
  auto undone = cmd("kudos", "undo", kNov19Early);
  EXPECT_EQ(undone.outcome, Outcome::ok) << text(undone, core::Audience::private_);
  EXPECT_EQ(store_->read()->counts(kBob.id, "", core::Period::day, yesterday).received, 0u);
  EXPECT_EQ(received_all(kBob.id), 0u);
  EXPECT_EQ(quota_used(kAlice.id, kNov18Late), 0u);
  EXPECT_EQ(quota_used(kAlice.id, kNov19Early), 0u) << "today's allowance is not inflated";
}

TEST_F(TrustCommands, RevokeIsForAdminsWithAReasonAndTellsTheRecipient) {
  cmd("thanks", "@bob for the review");
  EXPECT_NE(expect_refused("kudos", "revoke K1 duplicate", kNov18Ten, kCarol).find("Only admins"),
            std::string::npos);
  rules_.admins = {kCarol.id};
  expect_refused("kudos", "revoke K1", kNov18Ten, kCarol, Outcome::usage);
  auto r = cmd("kudos", "revoke K1 given twice by mistake", kNov18Ten + kDay, kCarol);
  EXPECT_EQ(r.outcome, Outcome::ok);
  EXPECT_EQ(received_all(kBob.id), 0u);
  const core::Reply* notice = nullptr;
  for (const auto& reply : r.replies)
    if (reply.audience == core::Audience::direct && reply.user == kBob.id) notice = &reply;
  ASSERT_NE(notice, nullptr) << "the recipient is told privately";
  EXPECT_NE(notice->plain().find("given twice by mistake"), std::string::npos) << notice->plain();
  EXPECT_EQ(find(r, core::Audience::channel), nullptr) << "no public shaming";
  const auto k = store_->read()->kudos_numbered(1);
  ASSERT_TRUE(k && k->revocation);
  EXPECT_EQ(k->revocation->by, kCarol.id);
  EXPECT_EQ(k->revocation->reason, "given twice by mistake");
  EXPECT_EQ(audit_log().back().action, "revoke");
  EXPECT_EQ(audit_log().back().subject, "K1");
  EXPECT_NE(expect_refused("kudos", "revoke K1 again", kNov18Ten + kDay, kCarol).find("already withdrawn"),
            std::string::npos);
}

TEST_F(TrustCommands, HiddenPeopleAreCelebratedButNotRanked) {
  cmd("thanks", "@bob for the review");
  cmd("thanks", "@carol for the demo");
  auto set = cmd("kudos", "privacy hidden", kNov18Ten, kBob);
  EXPECT_EQ(set.outcome, Outcome::ok);
  EXPECT_EQ(store_->read()->person(kBob.id).privacy, store::Privacy::hidden);
  const auto board = text(cmd("leaderboard", "", kNov18Ten, kDave), core::Audience::private_);
  EXPECT_EQ(board.find("bob"), std::string::npos) << board;
  EXPECT_NE(board.find("carol"), std::string::npos) << board;
  auto again = cmd("thanks", "@bob for the docs", kNov18Ten + kMinute, kCarol);
  EXPECT_EQ(again.outcome, Outcome::ok) << "still recorded and celebrated";
  EXPECT_NE(text(cmd("kudos", "", kNov18Ten, kBob), core::Audience::private_).find("Received: 2"),
            std::string::npos);
  EXPECT_EQ(audit_log().back().action, "privacy");
  EXPECT_EQ(audit_log().back().detail, "public → hidden");
}

TEST_F(TrustCommands, OffMeansNothingIsRecordedUntilTurnedBackOn) {
  cmd("kudos", "privacy off", kNov18Ten, kBob);
  EXPECT_NE(expect_refused("thanks", "@bob @carol for the review").find("chosen not to take part"),
            std::string::npos);
  EXPECT_NE(expect_refused("thanks", "@carol thanks", kNov18Ten, kBob).find("turned Brigade off"),
            std::string::npos);
  EXPECT_EQ(cmd("kudos", "privacy public", kNov18Ten, kBob).outcome, Outcome::ok);
  EXPECT_EQ(cmd("thanks", "@bob for the review").outcome, Outcome::ok);
  expect_refused("kudos", "privacy loud", kNov18Ten, kBob, Outcome::usage);
}

TEST_F(TrustCommands, WeeklyAllowanceSpansTheDstChange) {
  reopen("Europe/Berlin", 1);
  rules_.allowance = 3;
  rules_.allowance_period = core::Period::week;
  EXPECT_EQ(cmd("thanks", "@bob @carol for the release", kOct22Ten).outcome, Outcome::ok);
  EXPECT_EQ(cmd("thanks", "@dave for the docs", kOct25Late).outcome, Outcome::ok);
  const auto why = expect_refused("thanks", "@bob once more", kOct25Late + kMinute);
  EXPECT_NE(why.find("this week"), std::string::npos) << why;
  const auto early = expect_refused("thanks", "@bob once more", kOct22Ten + kMinute);
  EXPECT_NE(early.find("renews on 2026-10-26 (Europe/Berlin), in 3 days 12 h"), std::string::npos) << early;
  EXPECT_EQ(cmd("thanks", "@bob once more", kOct26Early).outcome, Outcome::ok)
      << "a new week, a new allowance";
}

TEST_F(TrustCommands, NobodyPoursTheWholeAllowanceOntoOnePerson) {
  rules_.max_per_recipient = 2;
  EXPECT_EQ(cmd("thanks", "@bob one").outcome, Outcome::ok);
  EXPECT_EQ(cmd("thanks", "@bob two").outcome, Outcome::ok);
  EXPECT_NE(expect_refused("thanks", "@bob three").find("most one person"), std::string::npos);
  EXPECT_NE(expect_refused("thanks", "@carol @bob three").find("bob"), std::string::npos);
  EXPECT_EQ(cmd("thanks", "@carol one").outcome, Outcome::ok);
  EXPECT_EQ(cmd("thanks", "@bob next day", kNov18Ten + kDay).outcome, Outcome::ok);
  // Undo gives the recipient's share back too.
  EXPECT_EQ(cmd("kudos", "undo K2", kNov18Ten + kMinute).outcome, Outcome::ok);
  EXPECT_EQ(cmd("thanks", "@bob three", kNov18Ten + 2 * kMinute).outcome, Outcome::ok);
}

}  // namespace
}  // namespace brigade::commands::testing
