// /ask against a real store: the request state machine, every illegal transition, crediting helpers.
#include "core/text.hpp"
#include "tests/unit/commands_test.hpp"

namespace brigade::commands::testing {
namespace {

using core::Audience;
using store::AskState;

class AskTest : public CommandsTest {
 protected:
  // alice asks in #general; returns the request number.
  std::uint64_t open_one(const std::string& what = "how do I rotate the certs?",
                         const core::UserRef& who = kAlice) {
    auto r = cmd("ask", what, kNov18Ten, who);
    EXPECT_EQ(r.outcome, Outcome::ok);
    return store_->read()->open_asks("", 1000).back().id;
  }
  AskState state(std::uint64_t id) { return store_->read()->ask(id)->state; }
};

TEST_F(AskTest, AskOpensARequestInTheChannel) {
  auto r = cmd("ask", "how do I  rotate the certs?");
  ASSERT_EQ(r.outcome, Outcome::ok);
  ASSERT_EQ(r.replies.size(), 1u);
  EXPECT_EQ(r.replies[0].audience, Audience::channel);
  EXPECT_EQ(r.replies[0].channel, "console:general");
  EXPECT_EQ(r.replies[0].plain(),
            "🙋 Help request #1 from @alice: how do I rotate the certs? — reply with /ask take 1");
  auto a = store_->read()->ask(1);
  ASSERT_TRUE(a);
  EXPECT_EQ(a->state, AskState::open);
  EXPECT_EQ(a->requester, "console:alice");
  EXPECT_EQ(a->channel, "console:general");
  EXPECT_EQ(a->text, "how do I rotate the certs?");
  EXPECT_EQ(a->created, kNov18Ten);
  EXPECT_EQ(a->updated, kNov18Ten);
  EXPECT_EQ(kudos_count(), 0u);
}

TEST_F(AskTest, AskWithoutTextShowsUsage) {
  auto msg = expect_refused("ask", "", kNov18Ten, kAlice, Outcome::usage);
  EXPECT_NE(msg.find("/ask take N"), std::string::npos) << msg;
  EXPECT_NE(msg.find("shown only to you"), std::string::npos) << msg;
  expect_refused("ask", "done", kNov18Ten, kAlice, Outcome::usage);
  expect_refused("ask", "help", kNov18Ten, kAlice, Outcome::usage);
}

TEST_F(AskTest, AskRefusesRequestsOverTheLengthLimit) {
  rules_.max_reason_length = 10;
  auto msg = expect_refused("ask", "a very long question indeed");
  EXPECT_NE(msg.find("the limit is 10"), std::string::npos) << msg;
}

TEST_F(AskTest, AskListIsPrivateAndShowsOpenAndTakenRequestsHere) {
  open_one("first question");
  auto second = open_one("second question", kCarol);
  auto third = open_one("third question");
  auto elsewhere = make_event("ask", "question in ops");
  elsewhere.channel = kOps;
  run(elsewhere);
  cmd("ask", "take " + std::to_string(second), kNov18Ten, kBob);
  cmd("ask", "cancel " + std::to_string(third));

  auto r = cmd("ask", "list", kNov18Ten, kDave);
  ASSERT_EQ(r.outcome, Outcome::ok);
  ASSERT_EQ(r.replies.size(), 1u);
  EXPECT_EQ(r.replies[0].audience, Audience::private_);
  EXPECT_EQ(r.replies[0].user, "console:dave");
  EXPECT_EQ(r.replies[0].plain(),
            "🙋 Open help requests in #general:\n"
            "• #1 from @alice: first question\n"
            "• #2 from @carol (taken by @bob): second question\n"
            "Claim one with /ask take N.");
}

TEST_F(AskTest, AskListWhenNothingIsOpen) {
  auto r = cmd("ask", "list");
  EXPECT_EQ(r.outcome, Outcome::ok);
  EXPECT_EQ(text(r, Audience::private_),
            "No open help requests in #general — need a hand? /ask what you need");
}

TEST_F(AskTest, AskTakeClaimsAnOpenRequest) {
  auto id = open_one();
  auto r = cmd("ask", "take #" + std::to_string(id), kNov18Ten + kMinute, kBob);
  ASSERT_EQ(r.outcome, Outcome::ok);
  auto a = store_->read()->ask(id);
  EXPECT_EQ(a->state, AskState::taken);
  EXPECT_EQ(a->taker, "console:bob");
  EXPECT_EQ(a->updated, kNov18Ten + kMinute);
  const auto* pub = find(r, Audience::channel);
  ASSERT_NE(pub, nullptr);
  EXPECT_TRUE(pub->ping);
  EXPECT_TRUE(mentions(*pub, "console:alice"));
  EXPECT_EQ(pub->plain(), "🙌 @bob is on help request #1 from @alice: how do I rotate the certs?");
}

TEST_F(AskTest, AskTakeRefusesYourOwnRequest) {
  auto id = open_one();
  auto msg = expect_refused("ask", "take " + std::to_string(id));
  EXPECT_NE(msg.find("your own request"), std::string::npos) << msg;
  EXPECT_EQ(state(id), AskState::open);
}

TEST_F(AskTest, AskTakeRefusesWhatIsNotOpen) {
  auto id = open_one();
  const auto n = std::to_string(id);
  cmd("ask", "take " + n, kNov18Ten, kBob);
  EXPECT_NE(expect_refused("ask", "take " + n, kNov18Ten, kCarol).find("#1 is already taken by @bob"),
            std::string::npos);
  EXPECT_NE(expect_refused("ask", "take " + n, kNov18Ten, kBob).find("already on #1"), std::string::npos);
  cmd("ask", "done " + n);
  EXPECT_NE(expect_refused("ask", "take " + n, kNov18Ten, kCarol).find("#1 is already done"),
            std::string::npos);
  auto other = open_one("another");
  cmd("ask", "cancel " + std::to_string(other));
  EXPECT_NE(expect_refused("ask", "take " + std::to_string(other), kNov18Ten, kCarol).find("was cancelled"),
            std::string::npos);
}

TEST_F(AskTest, AskUnknownNumbersAreRefused) {
  open_one();
  for (const char* t : {"take 99", "done #99", "cancel 0", "take 99999999999999999999999"}) {
    auto msg = expect_refused("ask", t, kNov18Ten, kBob);
    EXPECT_NE(msg.find("There is no help request #"), std::string::npos) << msg;
  }
  EXPECT_NE(expect_refused("ask", "take 99", kNov18Ten, kBob).find("#99"), std::string::npos);
}

TEST_F(AskTest, AskDoneCreditsTheTakerByDefault) {
  rules_.allowance = 2;
  cmd("thanks", "@carol for the coffee");  // one of alice's two for today
  auto id = open_one();
  cmd("ask", "take " + std::to_string(id), kNov18Ten, kBob);
  auto r = cmd("ask", "done " + std::to_string(id), kNov18Ten + kHour);
  ASSERT_EQ(r.outcome, Outcome::ok);
  ASSERT_EQ(r.kudos_ids.size(), 1u);
  auto k = store_->read()->kudos(r.kudos_ids[0]);
  EXPECT_EQ(k->kind, store::Kind::help);
  EXPECT_EQ(k->giver, "console:alice");
  EXPECT_EQ(k->recipient, "console:bob");
  EXPECT_EQ(k->channel, "console:general");
  EXPECT_EQ(k->ask, id);
  EXPECT_EQ(k->reason, "helped with #1: how do I rotate the certs?");
  EXPECT_EQ(k->ts, kNov18Ten + kHour);
  EXPECT_EQ(quota_used("console:alice"), 2u);  // help kudos use the giver's quota like thanks
  auto a = store_->read()->ask(id);
  EXPECT_EQ(a->state, AskState::done);
  EXPECT_EQ(a->helpers, std::vector<std::string>{"console:bob"});
  const auto* pub = find(r, Audience::channel);
  ASSERT_NE(pub, nullptr);
  EXPECT_TRUE(pub->ping);
  EXPECT_EQ(
      pub->plain(),
      "✅ Help request #1 is resolved — thank you @bob for helping @alice! (how do I rotate the certs?)");
}

TEST_F(AskTest, AskDoneCreditsTheNamedHelpersInstead) {
  auto id = open_one();
  cmd("ask", "take " + std::to_string(id), kNov18Ten, kBob);
  auto r = cmd("ask", "done " + std::to_string(id) + " @carol and @dave");
  ASSERT_EQ(r.outcome, Outcome::ok);
  EXPECT_EQ(r.kudos_ids.size(), 2u);
  EXPECT_EQ(store_->read()->ask(id)->helpers, (std::vector<std::string>{"console:carol", "console:dave"}));
  EXPECT_EQ(received_this_week("console:bob"), 0u);
  EXPECT_EQ(received_this_week("console:carol"), 1u);
  EXPECT_NE(text(r, Audience::channel).find("thank you @carol and @dave for helping @alice"),
            std::string::npos);
}

// Opening requests and closing them with done N @pat must not be a way round the quota.
TEST_F(AskTest, AskDoneWithTheQuotaSpentClosesButDoesNotCredit) {
  rules_.allowance = 2;
  for (int i = 0; i < 2; ++i) {
    auto id = open_one("request " + std::to_string(i));
    auto r = cmd("ask", "done " + std::to_string(id) + " @bob");
    ASSERT_EQ(r.outcome, Outcome::ok);
    EXPECT_EQ(r.kudos_ids.size(), 1u);
  }
  EXPECT_EQ(quota_used("console:alice"), 2u);
  auto id = open_one("one more");
  auto r = cmd("ask", "done " + std::to_string(id) + " @bob");
  ASSERT_EQ(r.outcome, Outcome::ok) << "the request still closes";
  EXPECT_TRUE(r.kudos_ids.empty());
  EXPECT_EQ(state(id), AskState::done);
  EXPECT_EQ(received_this_week("console:bob"), 2u);
  EXPECT_EQ(quota_used("console:alice"), 2u);
  auto note = text(r, Audience::private_);
  EXPECT_NE(note.find("kudos for today are spent"), std::string::npos) << note;
  EXPECT_NE(note.find("@bob was thanked but not credited"), std::string::npos) << note;
  auto spent = expect_refused("thanks", "@carol for more");
  EXPECT_NE(spent.find("all 2 kudos for today"), std::string::npos)
      << "nothing else to give today: " << spent;
}

// A request's news goes to its own channel, wherever the command was typed.
TEST_F(AskTest, AskAnnouncementsGoToTheRequestsChannel) {
  auto id = open_one("design review please");  // in #general
  const auto n = std::to_string(id);
  rules_.admins = {"console:dave"};
  for (const char* verb : {"take", "cancel"}) {
    auto e = make_event("ask", std::string(verb) + " " + n);
    e.user = std::string(verb) == "take" ? kBob : kDave;
    e.channel = kOps;
    auto r = run(e);
    ASSERT_EQ(r.outcome, Outcome::ok) << verb;
    const auto* pub = find(r, Audience::channel);
    ASSERT_NE(pub, nullptr) << verb;
    EXPECT_EQ(pub->channel, "console:general") << verb << ": announced where #1 was asked";
    const auto* note = find(r, Audience::private_);
    ASSERT_NE(note, nullptr) << verb;
    EXPECT_EQ(note->channel, "console:ops");
    EXPECT_NE(note->plain().find("announced in #general"), std::string::npos) << note->plain();
  }
  // Typed in its own channel: just the announcement, and the request's post brought up to date.
  auto other = open_one("another");
  auto r = cmd("ask", "take " + std::to_string(other), kNov18Ten, kBob);
  ASSERT_EQ(r.replies.size(), 2u);
  EXPECT_EQ(r.replies[0].channel, "console:general");
  EXPECT_TRUE(r.replies[0].replaces.empty());
  EXPECT_EQ(r.replies[1].channel, "console:general");
  EXPECT_EQ(r.replies[1].replaces, "ask:" + std::to_string(other));
}

// A sub-command word with bad arguments is a typo, answered privately — never a public request.
TEST_F(AskTest, AskSubCommandTyposGetUsageNotARequest) {
  for (const char* typo : {"take abc", "list all", "done", "cancel", "take", "done abc", "done 1 bob"}) {
    auto msg = expect_refused("ask", typo, kNov18Ten, kAlice, Outcome::usage);
    EXPECT_NE(msg.find("/ask take N"), std::string::npos) << typo << ": " << msg;
  }
  EXPECT_TRUE(store_->read()->open_asks("", 100).empty());
  auto msg = expect_refused("ask", "done 1 bob", kNov18Ten, kAlice, Outcome::usage);
  EXPECT_NE(msg.find("\"bob\" is not a mention"), std::string::npos) << msg;
}

TEST_F(AskTest, AskDoneWithNobodyToCreditAsksForTheHelper) {
  auto id = open_one();
  auto msg = expect_refused("ask", "done " + std::to_string(id));
  EXPECT_NE(msg.find("/ask done 1 @helper"), std::string::npos) << msg;
  EXPECT_EQ(state(id), AskState::open);
  EXPECT_EQ(cmd("ask", "done 1 @bob").outcome, Outcome::ok);  // open → done directly, naming the helper
}

TEST_F(AskTest, AskDoneRefusesTheRequesterOrABotAsHelper) {
  auto id = open_one();
  const auto n = std::to_string(id);
  EXPECT_NE(expect_refused("ask", "done " + n + " @bob @alice").find("can't be credited"), std::string::npos);
  EXPECT_NE(expect_refused("ask", "done " + n + " @brigade").find("@brigade is a bot"), std::string::npos);
  EXPECT_NE(expect_refused("ask", "done " + n + " @erin").find("@erin has left the workspace"),
            std::string::npos);
  EXPECT_EQ(state(id), AskState::open);
}

TEST_F(AskTest, AskDoneCreditsAtMostMaxRecipientsHelpers) {
  rules_.max_recipients = 2;
  auto id = open_one();
  auto msg = expect_refused("ask", "done " + std::to_string(id) + " @bob @carol @dave");
  EXPECT_NE(msg.find("at most 2"), std::string::npos) << msg;
  EXPECT_EQ(state(id), AskState::open);
}

TEST_F(AskTest, AskDoneAndCancelAreForTheRequesterOrAnAdmin) {
  auto id = open_one();
  const auto n = std::to_string(id);
  cmd("ask", "take " + n, kNov18Ten, kBob);
  auto msg = expect_refused("ask", "done " + n, kNov18Ten, kBob);
  EXPECT_NE(msg.find("Only @alice (who asked) or an admin can close #1"), std::string::npos) << msg;
  EXPECT_NE(expect_refused("ask", "cancel " + n, kNov18Ten, kCarol).find("can withdraw #1"),
            std::string::npos);
  rules_.managers = {"console:carol"};  // managers see summaries; they do not close requests
  expect_refused("ask", "cancel " + n, kNov18Ten, kCarol);
  EXPECT_EQ(state(id), AskState::taken);

  rules_.admins = {"console:dave"};
  auto r = cmd("ask", "done " + n, kNov18Ten, kDave);
  ASSERT_EQ(r.outcome, Outcome::ok);
  auto k = store_->read()->kudos(r.kudos_ids.at(0));
  EXPECT_EQ(k->giver, "console:alice");  // the person helped says thanks, not the admin
  EXPECT_EQ(k->recipient, "console:bob");

  auto other = open_one("another");
  EXPECT_EQ(cmd("ask", "cancel " + std::to_string(other), kNov18Ten, kDave).outcome, Outcome::ok);
  EXPECT_EQ(state(other), AskState::cancelled);
}

TEST_F(AskTest, AskClosedRequestsCannotMoveAgain) {
  auto done_id = open_one("the one to finish");
  cmd("ask", "done " + std::to_string(done_id) + " @bob");
  const auto d = std::to_string(done_id);
  EXPECT_NE(expect_refused("ask", "done " + d + " @bob").find("#1 is already done"), std::string::npos);
  EXPECT_NE(expect_refused("ask", "cancel " + d).find("#1 is already done"), std::string::npos);

  auto cancelled_id = open_one("cancelled one");
  const auto c = std::to_string(cancelled_id);
  auto r = cmd("ask", "cancel " + c);
  ASSERT_EQ(r.outcome, Outcome::ok);
  EXPECT_EQ(text(r, Audience::channel), "Help request #2 from @alice was withdrawn: cancelled one");
  EXPECT_NE(expect_refused("ask", "cancel " + c).find("already cancelled"), std::string::npos);
  EXPECT_NE(expect_refused("ask", "done " + c + " @bob").find("#2 was cancelled"), std::string::npos);
  EXPECT_EQ(kudos_count(), 1u);
}

TEST_F(AskTest, AskCancelWorksWhileTaken) {
  auto id = open_one();
  cmd("ask", "take " + std::to_string(id), kNov18Ten, kBob);
  EXPECT_EQ(cmd("ask", "cancel #" + std::to_string(id)).outcome, Outcome::ok);
  EXPECT_EQ(state(id), AskState::cancelled);
  EXPECT_EQ(kudos_count(), 0u);
}

TEST_F(AskTest, AskHelpReasonQuotesALongRequestShortened) {
  std::string longer;
  for (int i = 0; i < 40; ++i) longer += "word" + std::to_string(i) + " ";
  auto id = open_one(longer);
  auto r = cmd("ask", "done " + std::to_string(id) + " @bob");
  auto reason = store_->read()->kudos(r.kudos_ids.at(0))->reason;
  EXPECT_EQ(reason.rfind("helped with #1: word0 word1", 0), 0u) << reason;
  EXPECT_LE(core::utf8_length(reason), 140u) << reason;
  EXPECT_EQ(reason.substr(reason.size() - 3), "…");

  auto other = open_one("short");
  rules_.max_reason_length = 20;  // the reason never breaks the configured limit
  auto r2 = cmd("ask", "done " + std::to_string(other) + " @bob");
  EXPECT_LE(core::utf8_length(store_->read()->kudos(r2.kudos_ids.at(0))->reason), 20u);
}

}  // namespace
}  // namespace brigade::commands::testing
