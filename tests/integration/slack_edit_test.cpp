// The real Slack adapter against the fake Slack: a celebration is updated in place with
// chat.update (same channel and ts, same rendering), also when both were queued together; an
// update whose message is gone is posted as a new message; a rate-limited update is retried.
#include <optional>

#include "core/types.hpp"
#include "tests/integration/slack_adapter_test.hpp"

namespace brigade::slack {
namespace {

const std::string kChannel = "C0000KUDOS";

// A public reply in #kudos naming alice; `tag` names it, `replaces` the message it changes.
core::Reply reply(const std::string& text, const std::string& tag, const std::string& replaces = "") {
  core::Reply r;
  r.audience = core::Audience::channel;
  r.channel = "slack:T000TEST:" + kChannel;
  r.body = core::BodyBuilder().text(text + " ").mention(kAlice, "alice").take();
  r.ping = true;
  r.tag = tag;
  r.replaces = replaces;
  return r;
}

class SlackEditTest : public SlackAdapterTest {
 protected:
  // The ts of the celebration posted as "kudos:1", once its reference is kept.
  std::string posted_ts(const std::string& tag = "kudos:1") {
    EXPECT_TRUE(fake_.wait([&] { return ref(tag).has_value(); }));
    std::string r = ref(tag).value_or("");
    EXPECT_EQ(r.rfind(kChannel + "|", 0), 0u) << r;
    return r.substr(r.find('|') + 1);
  }
};

TEST_F(SlackEditTest, AnEditUpdatesTheCelebrationInPlace) {
  start();
  ASSERT_TRUE(connected());
  queue({reply("🎉 carol thanked", "kudos:1")});
  std::string ts = posted_ts();
  ASSERT_EQ(fake_.message(kChannel, ts).value_or(""), "🎉 carol thanked <@U0000ALICE>");
  queue({reply("~carol took back the thanks to~", "kudos:1", "kudos:1")});
  ASSERT_TRUE(fake_.wait([&] { return !fake_.calls("chat.update").empty(); }));
  ASSERT_TRUE(drained());
  auto up = fake_.calls("chat.update").at(0);
  EXPECT_EQ(up.args.value("channel", ""), kChannel);
  EXPECT_EQ(up.args.value("ts", ""), ts);
  EXPECT_EQ(up.auth, "Bearer " + fake_.bot_token);
  EXPECT_EQ(fake_.message(kChannel, ts).value_or(""), "~carol took back the thanks to~ <@U0000ALICE>")
      << "rendered like a post: the mention is a Slack mention";
  EXPECT_EQ(fake_.calls("chat.postMessage").size(), 1u) << "an update is no new message";
  EXPECT_EQ(ref("kudos:1").value_or(""), kChannel + "|" + ts) << "the message kept its place";
}

// Queued in one transaction (a backlog, a restart): the update waits until the post has landed
// and its ts is known, so it changes that message instead of posting a second one.
TEST_F(SlackEditTest, AnEditQueuedWithItsCelebrationFollowsIt) {
  start();
  ASSERT_TRUE(connected());
  queue({reply("🎉 carol thanked", "kudos:1"), reply("taken back:", "", "kudos:1")});
  ASSERT_TRUE(fake_.wait([&] { return !fake_.calls("chat.update").empty(); }));
  ASSERT_TRUE(drained());
  auto posts = fake_.calls("chat.postMessage");
  auto ups = fake_.calls("chat.update");
  ASSERT_EQ(posts.size(), 1u);
  ASSERT_EQ(ups.size(), 1u);
  EXPECT_LE(posts[0].at, ups[0].at);
  EXPECT_EQ(ups[0].args.value("ts", ""), posted_ts());
  EXPECT_EQ(fake_.message(kChannel, posted_ts()).value_or(""), "taken back: <@U0000ALICE>");
}

// The celebration was deleted: chat.update answers message_not_found, and the new text is posted
// as a new message (never lost), which the tag then names.
TEST_F(SlackEditTest, AnEditOfADeletedMessageIsPostedAnew) {
  start();
  ASSERT_TRUE(connected());
  queue({reply("🎉 carol thanked", "kudos:1")});
  std::string ts = posted_ts();
  fake_.delete_message(kChannel, ts);
  queue({reply("taken back:", "kudos:1", "kudos:1")});
  ASSERT_TRUE(fake_.wait([&] { return fake_.calls("chat.postMessage").size() == 2; }));
  ASSERT_TRUE(drained());
  ASSERT_EQ(fake_.calls("chat.update").size(), 1u);
  EXPECT_EQ(texts("chat.postMessage").at(1), "taken back: <@U0000ALICE>");
  std::string moved = ref("kudos:1").value_or("");
  EXPECT_NE(moved, kChannel + "|" + ts);
  EXPECT_EQ(fake_.message(kChannel, moved.substr(moved.find('|') + 1)).value_or(""),
            "taken back: <@U0000ALICE>");
}

// cant_update_message (not Brigade's message) falls back the same way; a rate-limited update is
// retried as an update after Retry-After, never turned into a post.
TEST_F(SlackEditTest, UpdatesFallBackOnlyWhenTheMessageCannotBeChanged) {
  start();
  ASSERT_TRUE(connected());
  queue({reply("🎉 carol thanked", "kudos:1"), reply("🎉 carol thanked", "kudos:2")});
  std::string ts1 = posted_ts("kudos:1"), ts2 = posted_ts("kudos:2");
  fake_.script("chat.update", {200, {}, {{"ok", false}, {"error", "cant_update_message"}}});
  fake_.script("chat.update", {429, {{"Retry-After", "1"}}, {{"ok", false}, {"error", "ratelimited"}}});
  queue({reply("first, changed:", "", "kudos:1")});
  ASSERT_TRUE(fake_.wait([&] { return fake_.calls("chat.postMessage").size() == 3; }));
  EXPECT_EQ(texts("chat.postMessage").at(2), "first, changed: <@U0000ALICE>");
  queue({reply("second, changed:", "", "kudos:2")});
  ASSERT_TRUE(fake_.wait([&] { return fake_.calls("chat.update").size() == 3; }, 10s));
  ASSERT_TRUE(drained());
  auto ups = fake_.calls("chat.update");
  EXPECT_EQ(ups[1].args.value("ts", ""), ts2);
  EXPECT_EQ(ups[2].args.value("ts", ""), ts2);
  EXPECT_GE(ups[2].at - ups[1].at, 900ms) << "retried before Retry-After";
  EXPECT_EQ(fake_.calls("chat.postMessage").size(), 3u);
  EXPECT_EQ(fake_.message(kChannel, ts2).value_or(""), "second, changed: <@U0000ALICE>");
  EXPECT_EQ(fake_.message(kChannel, ts1).value_or(""), "🎉 carol thanked <@U0000ALICE>");
}

}  // namespace
}  // namespace brigade::slack

namespace brigade::slack {
namespace {

// News about someone from elsewhere (an admin's revoke) goes to their DM with the app: a
// chat.postMessage to their user id, never an ephemeral in a channel they may not be in.
TEST_F(SlackEditTest, ADirectReplyGoesToThePersonsDirectMessages) {
  start();
  ASSERT_TRUE(connected());
  core::Reply r = reply("a Brigade admin withdrew K1", "");
  r.audience = core::Audience::direct;
  r.user = "slack:T000TEST:U0000ALICE";
  queue({r});
  ASSERT_TRUE(fake_.wait([&] { return !fake_.calls("chat.postMessage").empty(); }));
  ASSERT_TRUE(drained());
  EXPECT_EQ(fake_.calls("chat.postMessage").at(0).args.value("channel", ""), "U0000ALICE");
  EXPECT_TRUE(fake_.calls("chat.postEphemeral").empty());
}

}  // namespace
}  // namespace brigade::slack
