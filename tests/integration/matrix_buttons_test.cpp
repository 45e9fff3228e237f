// The real Matrix adapter against the fake homeserver, delivering replies with reaction buttons: each
// reaction on the notice once (txnIds from the outbox seq, so a delivery repeated adds nothing), a
// failed one left out, a rate-limited one waited for; an edit of such a notice is an m.replace of the
// notice itself; Home views are dropped unsent; a direct message links to the message it is about.
#include <future>

#include "core/types.hpp"
#include "tests/integration/matrix_adapter_test.hpp"

namespace brigade::matrix {
namespace {

using nlohmann::json;

const std::string kHand = "\xE2\x9C\x8B";   // ✋
const std::string kCheck = "\xE2\x9C\x85";  // ✅

core::Button button(const std::string& action, const std::string& reaction) {
  core::Button b;
  b.action = action;
  b.label = action;
  b.value = "1";
  b.reaction = reaction;
  return b;
}

// A help request's notice as the commands part words it: tag "ask:1", take/done as reactions, cancel
// for Slack only.
core::Reply ask_notice(const std::string& text = "🙋 Help request #1 from Alice: a review?") {
  core::Reply r;
  r.audience = core::Audience::channel;
  r.channel = "matrix:" + kRoom;
  r.body = core::BodyBuilder().text(text).take();
  r.tag = "ask:1";
  r.buttons = {button("ask.take", kHand), button("ask.done", kCheck), button("ask.cancel", "")};
  return r;
}

class MatrixButtonsTest : public MatrixAdapterTest {
 protected:
  // The notices (not reactions) the bot sent to `room`.
  std::vector<testing::FakeMatrix::Sent> notices(const std::string& room) {
    std::vector<testing::FakeMatrix::Sent> out;
    for (auto& s : fake_.sent(room))
      if (s.type == "m.room.message") out.push_back(s);
    return out;
  }
  // Hands `item` to the adapter itself (as the outbox sender would) and waits for the answer.
  bot::Delivery deliver(const store::OutboxItem& item) {
    auto answered = std::make_shared<std::promise<bot::Delivery>>();
    auto later = answered->get_future();
    adapter_->deliver(item, [answered](bot::Delivery d) { answered->set_value(std::move(d)); });
    if (later.wait_for(10s) != std::future_status::ready) return bot::Delivery::unsent("no answer in 10 s");
    return later.get();
  }
};

TEST_F(MatrixButtonsTest, EachReactionButtonGoesOnTheNoticeOnce) {
  start();
  ASSERT_TRUE(synced());
  queue({ask_notice()});
  ASSERT_TRUE(fake_.wait([&] { return ref("ask:1").has_value(); }));
  ASSERT_TRUE(drained());
  auto posted = notices(kRoom);
  ASSERT_EQ(posted.size(), 1u);
  EXPECT_EQ(*ref("ask:1"), posted[0].event_id) << "the tag names the notice, not a reaction";
  auto on = fake_.reactions(posted[0].event_id);
  ASSERT_EQ(on.size(), 2u) << "the cancel button has no reaction";
  EXPECT_EQ(on[0].key, kHand);
  EXPECT_EQ(on[1].key, kCheck);
  EXPECT_EQ(on[0].sender, fake_.bot_user);
  auto all = sent(kRoom);
  ASSERT_EQ(all.size(), 3u);
  EXPECT_EQ(all[1].type, "m.reaction");
  EXPECT_EQ(all[1].content["m.relates_to"]["rel_type"], "m.annotation");
  EXPECT_EQ(all[1].txn_id, posted[0].txn_id + ".r0") << "txnIds from the outbox seq and the button";
  EXPECT_EQ(all[2].txn_id, posted[0].txn_id + ".r1");
  EXPECT_EQ(posted[0].content.value("body", ""), "🙋 Help request #1 from Alice: a review?")
      << "the text is the notice's whole; the buttons add nothing to it";
}

TEST_F(MatrixButtonsTest, AFailedReactionIsLeftOutAndTheNoticeStillCounts) {
  start();
  ASSERT_TRUE(synced());
  fake_.script("react", testing::FakeMatrix::Reply{403, {}, {{"errcode", "M_FORBIDDEN"}, {"error", "no"}}});
  queue({ask_notice()});
  ASSERT_TRUE(fake_.wait([&] { return ref("ask:1").has_value(); }));
  ASSERT_TRUE(drained());
  EXPECT_EQ(fake_.requests("send").size(), 1u) << "the notice went once, and was not sent again";
  auto on = fake_.reactions(*ref("ask:1"));
  ASSERT_EQ(on.size(), 1u);
  EXPECT_EQ(on[0].key, kCheck) << "the next button's reaction still went";
}

TEST_F(MatrixButtonsTest, ARateLimitedReactionWaitsAsTheServerAsks) {
  start();
  ASSERT_TRUE(synced());
  json limited = {{"errcode", "M_LIMIT_EXCEEDED"}, {"retry_after_ms", 300}};
  fake_.script("react", testing::FakeMatrix::Reply{429, {}, limited});
  queue({ask_notice()});
  ASSERT_TRUE(fake_.wait([&] { return ref("ask:1").has_value(); }));
  ASSERT_TRUE(drained());
  EXPECT_EQ(fake_.reactions(*ref("ask:1")).size(), 2u);
  auto tries = fake_.requests("react");
  ASSERT_EQ(tries.size(), 3u);
  EXPECT_EQ(tries[0].path, tries[1].path) << "the same txnId again";
  EXPECT_GE(tries[1].at - tries[0].at, 290ms);
}

// A delivery tried again (the process died before the outbox heard "sent") re-sends the same
// requests with the same txnIds: the server answers with what it has, nothing is doubled.
TEST_F(MatrixButtonsTest, DeliveringTheSameItemAgainAddsNothing) {
  start();
  ASSERT_TRUE(synced());
  store::OutboxItem item;
  item.seq = 9001;
  item.adapter = "matrix";
  item.reply = ask_notice();
  auto first = deliver(item);
  ASSERT_EQ(first.status, bot::Delivery::Status::sent) << first.error;
  auto again = deliver(item);
  ASSERT_EQ(again.status, bot::Delivery::Status::sent) << again.error;
  EXPECT_EQ(again.message_ref, first.message_ref);
  EXPECT_EQ(sent(kRoom).size(), 3u) << "one notice, two reactions";
  EXPECT_EQ(fake_.requests("react").size(), 4u) << "each reaction asked for twice, kept once";
  EXPECT_EQ(fake_.reactions(first.message_ref).size(), 2u);
}

}  // namespace
}  // namespace brigade::matrix

namespace brigade::matrix {
namespace {

// The notice changes in place (who took it) while its reactions stay: the edit names the notice, its
// m.new_content is the new text, it pings nobody again, and an edit adds no reactions.
TEST_F(MatrixButtonsTest, ANoticeWithReactionsIsEditedInPlace) {
  start();
  ASSERT_TRUE(synced());
  queue({ask_notice()});
  ASSERT_TRUE(fake_.wait([&] { return ref("ask:1").has_value(); }));
  const std::string notice = *ref("ask:1");
  ASSERT_TRUE(fake_.wait([&] { return fake_.reactions(notice).size() == 2; }));
  core::Reply now = ask_notice("🙋 Help request #1 from Alice: a review? — taken by ");
  now.body.push_back(core::Span{"Bob Smith", "matrix:" + kBob});
  now.ping = true;
  now.replaces = "ask:1";
  now.buttons = {button("ask.done", kCheck)};
  queue({now});
  ASSERT_TRUE(fake_.wait([&] { return notices(kRoom).size() == 2; }));
  ASSERT_TRUE(drained());
  const auto edit = notices(kRoom).at(1);
  ASSERT_TRUE(is_edit(edit.content)) << edit.content.dump();
  EXPECT_EQ(edit.content["m.relates_to"].value("event_id", ""), notice) << "the notice, never a reaction";
  EXPECT_EQ(edit.content["m.mentions"], json::object()) << "an edit pings nobody again";
  EXPECT_EQ(edit.content["m.new_content"].value("body", ""),
            "🙋 Help request #1 from Alice: a review? — taken by Bob Smith");
  EXPECT_EQ(fake_.shown(notice).value("body", ""), "🙋 Help request #1 from Alice: a review? — taken by Bob Smith");
  EXPECT_EQ(fake_.reactions(notice).size(), 2u);
  EXPECT_EQ(fake_.requests("react").size(), 2u) << "an edit in place adds no reactions";
  EXPECT_EQ(*ref("ask:1"), notice);
}

TEST_F(MatrixButtonsTest, AHomeViewIsDroppedUnsent) {
  start();
  ASSERT_TRUE(synced());
  core::Reply home;
  home.audience = core::Audience::home;
  home.user = "matrix:" + kAlice;
  home.channel = "matrix:" + kRoom;
  home.body = core::BodyBuilder().text("Your kudos this week: 3").take();
  queue({home});
  ASSERT_TRUE(drained()) << "answered once, not retried";
  EXPECT_TRUE(fake_.requests("send").empty());
  EXPECT_TRUE(fake_.requests("createRoom").empty());
}

// The recipient's direct message ends with a link to the celebration (item.link_ref, filled by the
// outbox sender from Reply::link_to), in the room the reply names.
TEST_F(MatrixButtonsTest, ADirectMessageLinksToTheMessageItIsAbout) {
  start();
  ASSERT_TRUE(synced());
  store::OutboxItem item;
  item.seq = 9002;
  item.adapter = "matrix";
  item.reply.audience = core::Audience::direct;
  item.reply.user = "matrix:" + kAlice;
  item.reply.channel = "matrix:" + kRoom;
  item.reply.body = core::BodyBuilder().text("🎉 Carol thanked you for the review").take();
  item.reply.link_to = "kudos:1";
  item.link_ref = "$celebration";
  auto d = deliver(item);
  ASSERT_EQ(d.status, bot::Delivery::Status::sent) << d.error;
  EXPECT_TRUE(sent(kRoom).empty()) << "a direct message, not in the room";
  auto dm = fake_.sent();
  ASSERT_EQ(dm.size(), 1u);
  EXPECT_EQ(dm[0].content.value("body", ""),
            "🎉 Carol thanked you for the review\n↪ https://matrix.to/#/!kudos:example.org/$celebration");
}

// The same through the outbox: the sender fills link_ref from the celebration's stored event id
// (needs the engine part of issue 13: OutboxSender fills OutboxItem::link_ref).
TEST_F(MatrixButtonsTest, TheRecipientsMessageLinksToTheCelebration) {
  start();
  ASSERT_TRUE(synced());
  core::Reply party;
  party.channel = "matrix:" + kRoom;
  party.body = core::BodyBuilder().text("🎉 Carol thanked Alice").take();
  party.tag = "kudos:1";
  core::Reply dm;
  dm.audience = core::Audience::direct;
  dm.user = "matrix:" + kAlice;
  dm.channel = "matrix:" + kRoom;
  dm.body = core::BodyBuilder().text("Carol thanked you").take();
  dm.link_to = "kudos:1";
  queue({party, dm});
  ASSERT_TRUE(fake_.wait([&] { return fake_.sent().size() == 2; }));
  ASSERT_TRUE(drained());
  const std::string celebration = notices(kRoom).at(0).event_id;
  std::string body;
  for (const auto& s : fake_.sent())
    if (s.room != kRoom) body = s.content.value("body", "");
  EXPECT_EQ(body, "Carol thanked you\n↪ https://matrix.to/#/!kudos:example.org/" + celebration);
}

}  // namespace
}  // namespace brigade::matrix
