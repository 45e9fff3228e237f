// Help requests with reaction buttons, end to end: `!ask` in a room, the bot's notice with ✋ and ✅,
// and members' reactions on it going through the same state machine as typed `!ask take|done`: a
// member's ✋ takes it, the requester's ✅ marks it done, anyone else's is refused; a reaction
// delivered twice counts once; the bot's own reactions and other emoji do nothing.
#include "core/types.hpp"
#include "tests/integration/matrix_adapter_test.hpp"

namespace brigade::matrix {
namespace {

using nlohmann::json;

const std::string kHand = "\xE2\x9C\x8B";                // ✋
const std::string kCheck = "\xE2\x9C\x85";               // ✅
const std::string kCheckVs16 = kCheck + "\xEF\xB8\x8F";  // ✅ as some clients send it

class MatrixAskTest : public MatrixAdapterTest {
 protected:
  // Alice's `!ask`, answered: the id of the bot's notice about it (its only reply).
  std::string open_ask() {
    fake_.text(kRoom, kAlice, "!ask who can review my migration?");
    EXPECT_TRUE(fake_.wait([&] { return !messages().empty() && store_->read()->outbox_depth() == 0; }))
        << "no notice for the request";
    if (messages().empty()) return "";
    const std::string notice = messages().front().event_id;
    // The notice is tagged "ask:1"; where it landed is stored once its delivery is settled.
    EXPECT_TRUE(fake_.wait([&] { return ref("ask:1").has_value(); }));
    EXPECT_EQ(ref("ask:1").value_or(""), notice);
    return notice;
  }
  store::AskState state() { return store_->read()->ask(1).value_or(store::Ask{}).state; }
  bool state_becomes(store::AskState s) {
    return fake_.wait([&] { return state() == s; });
  }
  // Every event the adapter will see has been read and answered: two more long-polls went out (the
  // one that carried the events, then the next), and the outbox is empty.
  bool quiet() {
    const auto polls = fake_.requests("sync").size();
    return fake_.wait([&] { return fake_.requests("sync").size() >= polls + 2; }) && drained();
  }
  // The bot's m.room.message events in the room: notices and edits, no reactions.
  std::vector<testing::FakeMatrix::Sent> messages() {
    std::vector<testing::FakeMatrix::Sent> out;
    for (auto& s : fake_.sent(kRoom))
      if (s.type == "m.room.message") out.push_back(s);
    return out;
  }
  // Answers threaded to `event_id` (private replies in the room), addressed to `user`.
  std::size_t replies_to(const std::string& event_id, const std::string& user) {
    std::size_t n = 0;
    for (const auto& s : messages()) {
      const json& c = s.content;
      if (!c.contains("m.relates_to") || !c["m.relates_to"].contains("m.in_reply_to")) continue;
      if (c["m.relates_to"]["m.in_reply_to"].value("event_id", "") != event_id) continue;
      if (c["m.mentions"].value("user_ids", json::array()) == json::array({user})) ++n;
    }
    return n;
  }
};

// Needs the commands part of issue 13 (the `!ask` notice carries the ✋ and ✅ buttons).
TEST_F(MatrixAskTest, TheBotPutsTakeAndDoneOnItsNotice) {
  start();
  ASSERT_TRUE(synced());
  const std::string notice = open_ask();
  ASSERT_TRUE(fake_.wait([&] { return fake_.reactions(notice).size() >= 2; }));
  auto on = fake_.reactions(notice);
  ASSERT_EQ(on.size(), 2u);
  EXPECT_EQ(on[0].key, kHand);
  EXPECT_EQ(on[1].key, kCheck);
  EXPECT_EQ(on[0].sender, fake_.bot_user);
  ASSERT_TRUE(quiet());
  EXPECT_EQ(state(), store::AskState::open) << "the bot's own reactions are not clicks";
}

TEST_F(MatrixAskTest, AMembersHandTakesTheRequest) {
  start();
  ASSERT_TRUE(synced());
  const std::string notice = open_ask();
  fake_.react(kRoom, kBob, notice, kHand);
  ASSERT_TRUE(state_becomes(store::AskState::taken));
  EXPECT_EQ(store_->read()->ask(1)->taker, "matrix:" + kBob);
}

// Needs the commands part of issue 13 (a state change queues an edit replacing "ask:1").
TEST_F(MatrixAskTest, TheNoticeIsEditedToShowWhoTookIt) {
  start();
  ASSERT_TRUE(synced());
  const std::string notice = open_ask();
  const std::string before = fake_.shown(notice).value("body", "");
  fake_.react(kRoom, kBob, notice, kHand);
  ASSERT_TRUE(state_becomes(store::AskState::taken));
  ASSERT_TRUE(fake_.wait([&] { return fake_.shown(notice).value("body", "") != before; }))
      << "the notice was not edited";
  EXPECT_NE(fake_.shown(notice).value("body", "").find("Bob Smith"), std::string::npos)
      << fake_.shown(notice).dump();
  for (const auto& s : messages()) {
    if (!s.content.contains("m.new_content")) continue;
    EXPECT_EQ(s.content["m.relates_to"].value("rel_type", ""), "m.replace");
    EXPECT_EQ(s.content["m.mentions"], json::object()) << "an edit pings nobody again";
  }
}

TEST_F(MatrixAskTest, TheRequestersCheckMarksItDone) {
  start();
  ASSERT_TRUE(synced());
  const std::string notice = open_ask();
  fake_.react(kRoom, kBob, notice, kHand);
  ASSERT_TRUE(state_becomes(store::AskState::taken));
  fake_.react(kRoom, kAlice, notice, kCheckVs16);
  ASSERT_TRUE(state_becomes(store::AskState::done));
  EXPECT_EQ(store_->read()->ask(1)->helpers, std::vector<std::string>{"matrix:" + kBob});
  EXPECT_TRUE(received_becomes(kBob, 1)) << "the helper is credited as for a typed !ask done";
}

TEST_F(MatrixAskTest, SomeoneElsesCheckIsRefused) {
  start();
  ASSERT_TRUE(synced());
  const std::string notice = open_ask();
  fake_.react(kRoom, kBob, notice, kHand);
  ASSERT_TRUE(state_becomes(store::AskState::taken));
  fake_.react(kRoom, kCarol, notice, kCheck);
  ASSERT_TRUE(fake_.wait([&] { return replies_to(notice, kCarol) == 1; })) << "refused, under the notice";
  ASSERT_TRUE(quiet());
  EXPECT_EQ(state(), store::AskState::taken) << "nothing changed";
  EXPECT_EQ(received(kBob), 0u);
}

TEST_F(MatrixAskTest, TheRequestersOwnHandIsRefused) {
  start();
  ASSERT_TRUE(synced());
  const std::string notice = open_ask();
  fake_.react(kRoom, kAlice, notice, kHand);
  ASSERT_TRUE(fake_.wait([&] { return replies_to(notice, kAlice) == 1; })) << "refused, under the notice";
  ASSERT_TRUE(quiet());
  EXPECT_EQ(state(), store::AskState::open);
}

TEST_F(MatrixAskTest, AReactionDeliveredTwiceCountsOnce) {
  start();
  ASSERT_TRUE(synced());
  const std::string notice = open_ask();
  const std::string hand = fake_.react(kRoom, kBob, notice, kHand);
  ASSERT_TRUE(state_becomes(store::AskState::taken));
  ASSERT_TRUE(quiet());
  const auto before = messages().size();
  ASSERT_TRUE(fake_.redeliver(hand));
  ASSERT_TRUE(quiet());
  EXPECT_EQ(messages().size(), before) << "no second take (\"You're already on #1\") and no new edit";
  EXPECT_EQ(replies_to(notice, kBob), 0u);
  EXPECT_EQ(state(), store::AskState::taken);
}

TEST_F(MatrixAskTest, TheBotsOwnReactionsAndOtherEmojiDoNothing) {
  start();
  ASSERT_TRUE(synced());
  const std::string notice = open_ask();
  ASSERT_TRUE(quiet());
  const auto before = messages().size();
  fake_.react(kRoom, fake_.bot_user, notice, kHand);  // as if the bot's own button came back again
  fake_.react(kRoom, fake_.bot_user, notice, kCheck);
  fake_.react(kRoom, kBob, notice, "👍");
  fake_.react(kRoom, kCarol, notice, "🙏");  // the kudos reaction: not on Brigade's own notices
  fake_.react(kRoom, kBob, notice, "🎉");
  ASSERT_TRUE(quiet());
  EXPECT_EQ(state(), store::AskState::open);
  EXPECT_EQ(messages().size(), before) << "no answer to any of them";
  EXPECT_EQ(received(kAlice), 0u);
}

}  // namespace
}  // namespace brigade::matrix
