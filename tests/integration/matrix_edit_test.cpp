// The real Matrix adapter against the fake homeserver: a celebration is changed with an m.replace
// edit of the bot's own notice ("* " fallback, m.new_content, no new pings), also when both were
// queued together; an edit the server refuses goes out as a new notice with a txnId of its own.
#include <optional>

#include "core/types.hpp"
#include "tests/integration/matrix_adapter_test.hpp"

namespace brigade::matrix {
namespace {

using nlohmann::json;

// A public notice in the room thanking Alice; `tag` names it, `replaces` the message it changes.
core::Reply reply(const std::string& text, const std::string& tag, const std::string& replaces = "") {
  core::Reply r;
  r.audience = core::Audience::channel;
  r.channel = "matrix:" + kRoom;
  r.body = core::BodyBuilder().text(text + " ").mention("matrix:" + kAlice, "Alice").take();
  r.ping = true;
  r.tag = tag;
  r.replaces = replaces;
  return r;
}

class MatrixEditTest : public MatrixAdapterTest {
 protected:
  // The bot's edits in the room, in order.
  std::vector<testing::FakeMatrix::Sent> edits() {
    std::vector<testing::FakeMatrix::Sent> out;
    for (auto& s : sent(kRoom))
      if (is_edit(s.content)) out.push_back(s);
    return out;
  }
};

TEST_F(MatrixEditTest, AnEditIsAnMReplaceOfTheCelebration) {
  start();
  ASSERT_TRUE(synced());
  queue({reply("🎉 Carol thanked", "kudos:1")});
  ASSERT_TRUE(fake_.wait([&] { return ref("kudos:1").has_value(); }));
  auto posted = sent(kRoom);
  ASSERT_EQ(posted.size(), 1u);
  EXPECT_EQ(ref("kudos:1").value_or(""), posted[0].event_id);
  queue({reply("Carol took back the thanks to", "kudos:1", "kudos:1")});
  ASSERT_TRUE(fake_.wait([&] { return edits().size() == 1; }));
  ASSERT_TRUE(drained());
  const json c = edits()[0].content;
  EXPECT_EQ(c["m.relates_to"].value("event_id", ""), posted[0].event_id) << c.dump();
  EXPECT_EQ(c.value("msgtype", ""), "m.notice");
  EXPECT_EQ(c.value("body", ""), "* Carol took back the thanks to @Alice");
  EXPECT_EQ(c.value("formatted_body", "").rfind("* Carol took back the thanks to <a href=", 0), 0u)
      << c.dump();
  EXPECT_EQ(c["m.mentions"], json::object()) << "an edit pings nobody again";
  const json& now = c["m.new_content"];
  EXPECT_EQ(now.value("msgtype", ""), "m.notice");
  EXPECT_EQ(now.value("body", ""), "Carol took back the thanks to @Alice");
  EXPECT_FALSE(now.contains("m.relates_to"));
  EXPECT_EQ(now["m.mentions"]["user_ids"], json::array({kAlice}));
  EXPECT_EQ(fake_.shown(posted[0].event_id).value("body", ""), "Carol took back the thanks to @Alice");
  EXPECT_EQ(edits()[0].txn_id.rfind("brigade.", 0), 0u) << "txnIds still come from the outbox seq";
  EXPECT_EQ(ref("kudos:1").value_or(""), posted[0].event_id) << "edits name the original event";
}

// Queued together, the edit waits for the celebration's event id, then names it; a second edit
// also names the original (never the first edit).
TEST_F(MatrixEditTest, EditsQueuedWithTheCelebrationFollowItAndNameIt) {
  start();
  ASSERT_TRUE(synced());
  queue({reply("🎉 Carol thanked", "kudos:1"), reply("taken back:", "kudos:1", "kudos:1"),
         reply("given again:", "kudos:1", "kudos:1")});
  ASSERT_TRUE(fake_.wait([&] { return edits().size() == 2; }));
  ASSERT_TRUE(drained());
  auto all = sent(kRoom);
  ASSERT_EQ(all.size(), 3u);
  EXPECT_FALSE(is_edit(all[0].content));
  for (std::size_t i = 1; i < 3; ++i)
    EXPECT_EQ(all[i].content["m.relates_to"].value("event_id", ""), all[0].event_id) << all[i].content.dump();
  EXPECT_EQ(fake_.shown(all[0].event_id).value("body", ""), "given again: @Alice");
}

// The server does not know the event (a ledger restored beside a reset room, a stale reference):
// it refuses the relation, and the text goes out as a plain notice, which the tag then names.
TEST_F(MatrixEditTest, ARefusedEditIsSentAsANewNotice) {
  start();
  ASSERT_TRUE(synced());
  committer_->submit([](store::Writer& w) { w.set_message_ref("kudos:9", "$gone:example.org", 1); });
  queue({reply("taken back:", "kudos:9", "kudos:9")});
  ASSERT_TRUE(fake_.wait([&] { return sent(kRoom).size() == 1; }));
  ASSERT_TRUE(drained());
  auto s = sent(kRoom).at(0);
  EXPECT_FALSE(is_edit(s.content)) << s.content.dump();
  EXPECT_EQ(s.content.value("body", ""), "taken back: @Alice");
  EXPECT_EQ(s.txn_id.substr(s.txn_id.size() - 4), ".new") << "a txnId of its own: " << s.txn_id;
  EXPECT_EQ(fake_.requests("send").size(), 2u) << "the refused edit, then the new notice";
  EXPECT_EQ(ref("kudos:9").value_or(""), s.event_id);
}

}  // namespace
}  // namespace brigade::matrix

namespace brigade::matrix {
namespace {

// News about someone from elsewhere (an admin's revoke) goes to a direct room with them, whatever
// matrix.private_replies says: the shared room never sees it.
TEST_F(MatrixEditTest, ADirectReplyGoesToADirectRoom) {
  start();
  ASSERT_TRUE(synced());
  core::Reply r = reply("a Brigade admin withdrew K1", "");
  r.audience = core::Audience::direct;
  r.user = "matrix:" + kAlice;
  queue({r});
  ASSERT_TRUE(fake_.wait([&] { return !fake_.requests("createRoom").empty(); }));
  EXPECT_EQ(fake_.requests("createRoom").at(0).body["invite"], json::array({kAlice}));
  ASSERT_TRUE(drained());
  EXPECT_TRUE(sent(kRoom).empty()) << "nothing about it in the shared room";
}

}  // namespace
}  // namespace brigade::matrix
