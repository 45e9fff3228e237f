// A help request's post: its tag and buttons, and the edit every take, done and cancel queues
// (typed or clicked — a click is the same command), with who and when in the organisation's zone.
#include "tests/unit/commands_test.hpp"

namespace brigade::commands::testing {
namespace {

using core::Audience;
using core::Button;

class AskPostTest : public CommandsTest {
 protected:
  // alice asks in #general; returns the request number.
  std::uint64_t open_one(const std::string& what = "how do I rotate the certs?") {
    auto r = cmd("ask", what);
    EXPECT_EQ(r.outcome, Outcome::ok);
    return store_->read()->open_asks("", 1000).back().id;
  }
  // The edit of request `id`'s post among a command's replies; fails when there is not exactly one.
  static const core::Reply* edit_of(const Result& r, std::uint64_t id) {
    const core::Reply* found = nullptr;
    for (const auto& reply : r.replies) {
      if (reply.replaces.empty()) continue;
      EXPECT_EQ(found, nullptr) << "two edits";
      found = &reply;
      EXPECT_EQ(reply.replaces, "ask:" + std::to_string(id));
    }
    EXPECT_NE(found, nullptr) << "no edit of the request's post";
    return found;
  }
  static std::vector<std::string> actions(const core::Reply& r) {
    std::vector<std::string> out;
    for (const auto& b : r.buttons) out.push_back(b.action);
    return out;
  }
};

TEST_F(AskPostTest, ThePostIsTaggedAndCarriesTheThreeButtons) {
  auto r = cmd("ask", "how do I rotate the certs?");
  ASSERT_EQ(r.replies.size(), 1u);
  const auto& post = r.replies[0];
  EXPECT_EQ(post.audience, Audience::channel);
  EXPECT_EQ(post.tag, "ask:1");
  EXPECT_TRUE(post.replaces.empty());
  EXPECT_FALSE(post.ping);
  EXPECT_EQ(post.plain(),
            "🙋 Help request #1 from @alice: how do I rotate the certs? — reply with /ask take 1")
      << "the text still says what to type where there are no buttons";
  ASSERT_EQ(post.buttons.size(), 3u);
  const Button& take = post.buttons[0];
  EXPECT_EQ(take.action, "ask.take");
  EXPECT_EQ(take.label, "I'll take it");
  EXPECT_EQ(take.value, "1");
  EXPECT_EQ(take.reaction, "✋");
  EXPECT_EQ(take.style, Button::Style::primary);
  const Button& done = post.buttons[1];
  EXPECT_EQ(done.action, "ask.done");
  EXPECT_EQ(done.label, "Mark done");
  EXPECT_EQ(done.value, "1");
  EXPECT_EQ(done.reaction, "✅");
  const Button& cancel = post.buttons[2];
  EXPECT_EQ(cancel.action, "ask.cancel");
  EXPECT_EQ(cancel.label, "Cancel");
  EXPECT_EQ(cancel.value, "1");
  EXPECT_TRUE(cancel.reaction.empty()) << "Slack only";
  EXPECT_EQ(cancel.style, Button::Style::danger);
}

TEST_F(AskPostTest, TakeKeepsTheAnnouncementAndEditsThePost) {
  auto id = open_one();
  auto r = cmd("ask", "take 1", kNov18Ten + kMinute, kBob);
  ASSERT_EQ(r.outcome, Outcome::ok);
  ASSERT_EQ(r.replies.size(), 2u);
  EXPECT_EQ(r.replies[0].plain(), "🙌 @bob is on help request #1 from @alice: how do I rotate the certs?");
  EXPECT_TRUE(r.replies[0].ping) << "the announcement still notifies";
  const auto* edit = edit_of(r, id);
  ASSERT_NE(edit, nullptr);
  EXPECT_EQ(edit->audience, Audience::channel);
  EXPECT_EQ(edit->channel, "console:general");
  EXPECT_EQ(edit->tag, "ask:1");
  EXPECT_FALSE(edit->ping) << "an edit notifies nobody";
  EXPECT_EQ(edit->plain(),
            "🙋 Help request #1 from @alice: how do I rotate the certs?\n"
            "🙌 Taken by @bob on 2026-11-18 10:01 UTC — when it's sorted, @alice closes it with /ask done 1");
  EXPECT_EQ(actions(*edit), (std::vector<std::string>{"ask.done", "ask.cancel"}));
}

TEST_F(AskPostTest, DoneEditsThePostWithoutButtons) {
  auto id = open_one();
  cmd("ask", "take 1", kNov18Ten + kMinute, kBob);
  auto r = cmd("ask", "done 1", kNov18Ten + kHour);
  ASSERT_EQ(r.outcome, Outcome::ok);
  const auto* edit = edit_of(r, id);
  ASSERT_NE(edit, nullptr);
  EXPECT_EQ(edit->plain(),
            "✅ Help request #1 from @alice: how do I rotate the certs?\n"
            "🙌 Taken by @bob\n"
            "✅ Resolved on 2026-11-18 11:00 UTC by @alice — helped by @bob");
  EXPECT_TRUE(edit->buttons.empty());
  EXPECT_EQ(text(r, Audience::channel).rfind("✅ Help request #1 is resolved", 0), 0u) << "announcement first";
}

TEST_F(AskPostTest, CancelEditsThePostWithoutButtonsAndNamesWhoWithdrewIt) {
  rules_.admins = {"console:dave"};
  auto id = open_one();
  auto r = cmd("ask", "cancel 1", kNov18Ten + 2 * kHour, kDave);
  ASSERT_EQ(r.outcome, Outcome::ok);
  const auto* edit = edit_of(r, id);
  ASSERT_NE(edit, nullptr);
  EXPECT_EQ(edit->plain(),
            "🚫 Help request #1 from @alice: how do I rotate the certs?\n"
            "🚫 Withdrawn on 2026-11-18 12:00 UTC by @dave");
  EXPECT_TRUE(edit->buttons.empty());
}

// A click is the command from the clicker: the same refusals, and then nothing is edited.
TEST_F(AskPostTest, RefusedClicksQueueNoEdit) {
  open_one();
  cmd("ask", "take 1", kNov18Ten, kBob);
  auto msg = expect_refused("ask", "done 1", kNov18Ten, kCarol);  // one private reply, nothing else
  EXPECT_NE(msg.find("Only @alice (who asked) or an admin can close #1"), std::string::npos) << msg;
  expect_refused("ask", "cancel 1", kNov18Ten, kBob);
  expect_refused("ask", "take 1", kNov18Ten, kCarol);
  expect_refused("ask", "take 1", kNov18Ten, kAlice);
  EXPECT_EQ(store_->read()->ask(1)->state, store::AskState::taken);
}

// Typed in another channel: the edit goes where the post is, like the announcement.
TEST_F(AskPostTest, TheEditGoesToTheRequestsChannel) {
  auto id = open_one();
  auto e = make_event("ask", "take 1");
  e.user = kBob;
  e.channel = kOps;
  auto r = run(e);
  ASSERT_EQ(r.outcome, Outcome::ok);
  const auto* edit = edit_of(r, id);
  ASSERT_NE(edit, nullptr);
  EXPECT_EQ(edit->channel, "console:general");
}

TEST_F(AskPostTest, TimesAreInTheOrganisationsZone) {
  reopen("Europe/Berlin", 1);
  auto id = open_one();
  auto r = cmd("ask", "take 1", kNov18Ten, kBob);
  const auto* edit = edit_of(r, id);
  ASSERT_NE(edit, nullptr);
  EXPECT_NE(edit->plain().find("Taken by @bob on 2026-11-18 11:00 Europe/Berlin"), std::string::npos)
      << edit->plain();
}

TEST_F(AskPostTest, DoneWithoutATakerNamesTheHelpers) {
  auto id = open_one();
  auto r = cmd("ask", "done 1 @carol and @dave", kNov18Ten);
  const auto* edit = edit_of(r, id);
  ASSERT_NE(edit, nullptr);
  EXPECT_EQ(edit->plain(),
            "✅ Help request #1 from @alice: how do I rotate the certs?\n"
            "✅ Resolved on 2026-11-18 10:00 UTC by @alice — helped by @carol and @dave");
}

}  // namespace
}  // namespace brigade::commands::testing
