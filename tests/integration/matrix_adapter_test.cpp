// The real Matrix adapter against the fake homeserver: commands and their replies (pills, room names,
// reactions, edits, redactions, direct rooms), made-up users, invites and joins, encrypted rooms.
#include "tests/integration/matrix_adapter_test.hpp"

#include <spdlog/sinks/ringbuffer_sink.h>
#include <spdlog/spdlog.h>

#include <array>

namespace brigade::matrix {
namespace {

using nlohmann::json;
using testing::FakeMatrix;

// A typed id of nobody on the server ("@nobody:example.org") is refused by name, never credited,
// never on the leaderboard; a real account outside the room is fine.
TEST_F(MatrixAdapterTest, MadeUpUsersAreRefusedRealOnesOutsideTheRoomAreNot) {
  fake_.add_user("@dave:example.org", "Dave");  // exists, not in the room
  start();
  ASSERT_TRUE(synced());
  fake_.text(kRoom, kCarol, "!thanks @nobody:example.org for nothing");
  ASSERT_TRUE(fake_.wait([&] { return notices_with(kRoom, "I can't find") == 1; })) << fake_.sent().size();
  fake_.text(kRoom, kCarol, "!thanks @dave:example.org for the visit");
  ASSERT_TRUE(received_becomes("@dave:example.org", 1));
  EXPECT_EQ(received("@nobody:example.org"), 0u);
  auto board = store_->read()->leaderboard("", core::Period::all, 0, 10);
  for (const auto& e : board) EXPECT_NE(e.user, "matrix:@nobody:example.org");
}

// Replies call a room by its name, not its id.
TEST_F(MatrixAdapterTest, RepliesNameTheRoom) {
  fake_.set_room_name(kRoom, "Kudos Corner");
  start();
  ASSERT_TRUE(synced());
  fake_.text(kRoom, kCarol, "!thanks @alice:example.org for lunch");
  ASSERT_TRUE(received_becomes(kAlice, 1));
  fake_.text(kRoom, kCarol, "!leaderboard");
  ASSERT_TRUE(fake_.wait([&] { return notices_with(kRoom, "eaderboard") == 1; }));
  EXPECT_EQ(notices_with(kRoom, "in #Kudos Corner"), 1u);
  EXPECT_EQ(notices_with(kRoom, "#kudos:example.org"), 0u);
}

// The quota answer to a 🙏 is for whoever reacted: not threaded to the recipient's message,
// and it says whom it is for.
TEST_F(MatrixAdapterTest, TheAnswerToAReactionIsAddressedToTheGiver) {
  start();
  ASSERT_TRUE(synced());
  auto msg = fake_.text(kRoom, kAlice, "I fixed the build");
  fake_.react(kRoom, kCarol, msg, "🙏");
  ASSERT_TRUE(received_becomes(kAlice, 1));
  ASSERT_TRUE(fake_.wait([&] { return notices_with(kRoom, "Thanks recorded") == 1; }));
  for (const auto& s : sent(kRoom)) {
    if (s.content.value("body", "").find("Thanks recorded") == std::string::npos) continue;
    EXPECT_FALSE(s.content.contains("m.relates_to")) << s.content.dump();
    EXPECT_EQ(s.content.value("body", "").rfind("carol: ", 0), 0u) << s.content.dump();
    EXPECT_NE(s.content.value("formatted_body", "").find("https://matrix.to/#/@carol:example.org"),
              std::string::npos);
  }
}

TEST_F(MatrixAdapterTest, ThanksWithElementPillsCreditsTheLinkedIdsAndReplies) {
  fake_.add_user("@alice2:example.org", "Alice");  // the same display name: only the pill tells them apart
  fake_.add_room("!ops:example.org", {kAlice, "@alice2:example.org", kCarol});
  start();
  ASSERT_TRUE(synced());
  auto cmd = fake_.post("!ops:example.org", kCarol, "m.room.message",
                        pill_message("thanks", {{"@alice2:example.org", "Alice"}, {kBob, "Bob Smith"}},
                                     "for the release review #teamwork"));
  ASSERT_TRUE(received_becomes("@alice2:example.org", 1));
  EXPECT_EQ(received(kBob), 1u);
  EXPECT_EQ(received(kAlice), 0u);
  ASSERT_TRUE(fake_.wait([&] { return sent("!ops:example.org").size() >= 2; }));
  auto out = sent("!ops:example.org");
  const json* pub = nullptr;
  const json* priv = nullptr;
  for (const auto& s : out) (s.content.contains("m.relates_to") ? priv : pub) = &s.content;
  ASSERT_TRUE(pub && priv);
  EXPECT_EQ((*pub)["msgtype"], "m.notice");
  EXPECT_NE((*pub)["formatted_body"].get<std::string>().find("https://matrix.to/#/@alice2:example.org"),
            std::string::npos)
      << pub->dump();
  auto pinged = (*pub)["m.mentions"]["user_ids"];
  EXPECT_NE(std::find(pinged.begin(), pinged.end(), "@alice2:example.org"), pinged.end()) << pub->dump();
  EXPECT_EQ((*priv)["m.relates_to"]["m.in_reply_to"]["event_id"], cmd);
  for (const auto& s : out) EXPECT_EQ(s.txn_id.rfind("brigade.", 0), 0u) << s.txn_id;
}

TEST_F(MatrixAdapterTest, LeaderboardsPingNobody) {
  start();
  ASSERT_TRUE(synced());
  fake_.text(kRoom, kCarol, "!thanks @alice:example.org for lunch");
  ASSERT_TRUE(received_becomes(kAlice, 1));
  fake_.text(kRoom, kCarol, "!leaderboard share");  // posted for the room (private by default)
  ASSERT_TRUE(fake_.wait([&] { return notices_with(kRoom, "Alice") >= 2; }));
  for (const auto& s : sent(kRoom)) {
    if (s.content.value("body", "").find("eaderboard") == std::string::npos) continue;
    EXPECT_EQ(s.content["m.mentions"], json::object()) << s.content.dump();
  }
}

TEST_F(MatrixAdapterTest, InviteIsAcceptedAndTheRoomWorks) {
  fake_.add_room("!new:example.org", {kCarol, kAlice}, /*bot_joined=*/false);
  start();
  ASSERT_TRUE(synced());
  fake_.invite("!new:example.org", kCarol);
  ASSERT_TRUE(fake_.wait([&] { return fake_.joined("!new:example.org"); }));
  fake_.text("!new:example.org", kCarol, "!thanks @alice:example.org for inviting me");
  ASSERT_TRUE(received_becomes(kAlice, 1));
}

// Joining a room with history gives a limited timeline; that is not missed commands, and the
// warning that says so (the README tells admins it means lost commands) must not appear. A real
// gap — more new events than one sync returns — still warns.
TEST_F(MatrixAdapterTest, JoiningARoomWithHistoryDoesNotWarnAboutAGap) {
  auto sink = std::make_shared<spdlog::sinks::ringbuffer_sink_mt>(500);
  spdlog::default_logger()->sinks().push_back(sink);
  auto warned = [&] {
    for (const auto& line : sink->last_formatted())
      if (line.find("older ones in the gap are skipped") != std::string::npos) return true;
    return false;
  };
  fake_.add_room("!new:example.org", {kCarol, kAlice}, /*bot_joined=*/false);
  for (int i = 0; i < 5; ++i)
    fake_.text("!new:example.org", kCarol, "chatter before Brigade came " + std::to_string(i));
  start();
  ASSERT_TRUE(synced());
  fake_.invite("!new:example.org", kCarol);
  ASSERT_TRUE(fake_.wait([&] { return fake_.joined("!new:example.org"); }));
  fake_.text("!new:example.org", kCarol, "!thanks @alice:example.org for inviting me");
  ASSERT_TRUE(received_becomes(kAlice, 1));
  EXPECT_FALSE(warned()) << "a join is not a gap";

  std::vector<std::array<std::string, 3>> flood;
  for (int i = 0; i < 150; ++i) flood.push_back({"!new:example.org", kAlice, "flood " + std::to_string(i)});
  fake_.texts(flood);
  fake_.text("!new:example.org", kCarol, "!thanks @bob:example.org after the flood");
  ASSERT_TRUE(received_becomes(kBob, 1));
  EXPECT_TRUE(warned()) << "a real gap still warns";
  auto& sinks = spdlog::default_logger()->sinks();
  sinks.erase(std::remove(sinks.begin(), sinks.end(), sink), sinks.end());
}

TEST_F(MatrixAdapterTest, InvitesFromOtherServersAreDeclinedWhenRestricted) {
  fake_.add_room("!foreign:evil.example", {"@mallory:evil.example"}, false);
  auto cfg = config();
  cfg.matrix.autojoin_servers = {"example.org"};
  start(cfg);
  ASSERT_TRUE(synced());
  fake_.invite("!foreign:evil.example", "@mallory:evil.example");
  ASSERT_TRUE(fake_.wait([&] { return !fake_.requests("leave").empty(); }));
  EXPECT_FALSE(fake_.joined("!foreign:evil.example"));
}

TEST_F(MatrixAdapterTest, EditsNeverCountAgain) {
  start();
  ASSERT_TRUE(synced());
  auto original = fake_.text(kRoom, kCarol, "!thanks @alice:example.org for the fix");
  ASSERT_TRUE(received_becomes(kAlice, 1));
  json edit = json::object();
  edit["msgtype"] = "m.text";
  edit["body"] = "* !thanks @alice:example.org for the great fix";
  edit["m.new_content"]["msgtype"] = "m.text";
  edit["m.new_content"]["body"] = "!thanks @alice:example.org for the great fix";
  edit["m.relates_to"]["rel_type"] = "m.replace";
  edit["m.relates_to"]["event_id"] = original;
  fake_.post(kRoom, kCarol, "m.room.message", edit);
  fake_.text(kRoom, kCarol, "!thanks @bob:example.org marker");
  ASSERT_TRUE(received_becomes(kBob, 1));  // everything before the marker has been applied
  EXPECT_EQ(received(kAlice), 1u);
}

TEST_F(MatrixAdapterTest, RedactingAThanksTakesItBack) {
  start();
  ASSERT_TRUE(synced());
  auto cmd = fake_.text(kRoom, kCarol, "!thanks @alice:example.org @bob:example.org for the party");
  ASSERT_TRUE(received_becomes(kAlice, 1));
  EXPECT_EQ(received(kBob), 1u);
  fake_.redact(kRoom, kCarol, cmd);
  ASSERT_TRUE(received_becomes(kAlice, 0));
  EXPECT_EQ(received(kBob), 0u);
  EXPECT_TRUE(store_->read()->verify().ok());
}

TEST_F(MatrixAdapterTest, ReactionsGiveAndRedactionsTakeBack) {
  start();
  ASSERT_TRUE(synced());
  auto msg = fake_.text(kRoom, kAlice, "I fixed the build");
  auto reaction = fake_.react(kRoom, kCarol, msg, "🙏");
  ASSERT_TRUE(received_becomes(kAlice, 1));
  fake_.react(kRoom, kCarol, msg, "👍");  // not the configured key
  fake_.react(kRoom, kAlice, msg, "🙏");  // on one's own message
  fake_.redact(kRoom, kCarol, reaction);
  ASSERT_TRUE(received_becomes(kAlice, 0));
  fake_.text(kRoom, kCarol, "!thanks @bob:example.org marker");
  ASSERT_TRUE(received_becomes(kBob, 1));
  EXPECT_EQ(received(kAlice), 0u);
}

TEST_F(MatrixAdapterTest, EncryptedRoomIsAnnouncedOnceAndIgnored) {
  fake_.add_room("!secret:example.org", {kCarol, kAlice}, true, /*encrypted=*/true);
  start();
  ASSERT_TRUE(synced());
  ASSERT_TRUE(fake_.wait([&] { return notices_with("!secret:example.org", "encrypted") == 1; }));
  fake_.text("!secret:example.org", kCarol, "!thanks @alice:example.org in the dark");
  fake_.text(kRoom, kCarol, "!thanks @bob:example.org marker");
  ASSERT_TRUE(received_becomes(kBob, 1));
  EXPECT_EQ(received(kAlice), 0u);
  restart();
  ASSERT_TRUE(synced(fake_.requests("sync").size() + 2));
  fake_.text("!secret:example.org", kCarol, "!thanks @alice:example.org still in the dark");
  fake_.text(kRoom, kCarol, "!thanks @bob:example.org marker two");
  ASSERT_TRUE(received_becomes(kBob, 2));
  EXPECT_EQ(received(kAlice), 0u);
  ASSERT_TRUE(fake_.wait([&] { return store_->read()->outbox_depth() == 0; }));
  EXPECT_EQ(notices_with("!secret:example.org", "encrypted"), 1u) << "said once, not at every start";
}

TEST_F(MatrixAdapterTest, PrivateRepliesCanGoToADirectRoom) {
  auto cfg = config();
  cfg.matrix.private_replies = "direct";
  start(cfg);
  ASSERT_TRUE(synced());
  fake_.text(kRoom, kCarol, "!thanks @carol:example.org myself");  // refused: a private reply
  ASSERT_TRUE(fake_.wait([&] { return !fake_.requests("createRoom").empty(); }));
  auto create = fake_.requests("createRoom").at(0);
  EXPECT_EQ(create.body["invite"], json::array({kCarol}));
  EXPECT_EQ(create.body["is_direct"], true);
  ASSERT_TRUE(fake_.wait([&] {
    for (const auto& s : fake_.sent())
      if (s.room != kRoom) return true;
    return false;
  }));
  EXPECT_TRUE(sent(kRoom).empty()) << "nothing about it in the shared room";
}

}  // namespace
}  // namespace brigade::matrix
