// The Matrix adapter's people decisions: which m.room.member events are someone joining or leaving,
// what /sync parsing collects of them, and who that makes gone (in no room shared with Brigade) or
// back, down to the store changes committed with the batch's cursor.
#include <gtest/gtest.h>

#include <fstream>
#include <sstream>

#include "adapters/matrix/events.hpp"
#include "adapters/matrix/requests.hpp"
#include "adapters/matrix/wire.hpp"

namespace brigade::matrix {
namespace {

using nlohmann::json;

const std::string kRoom = "!TeamRoomOpaqueId:example.org";
const std::string kOther = "!OtherRoomOpaqueId:example.org";
const std::string kAlice = "@alice:example.org";
const std::string kBob = "@bob:example.org";
const std::string kBot = "@brigade:example.org";

Identity bot() {
  Identity me;
  me.user_id = kBot;
  return me;
}

// An m.room.member event for `user`; `before` ("" for none) is unsigned.prev_content's membership.
json member(const std::string& user, const std::string& membership, const std::string& before = "join",
            const std::string& sender = "") {
  json ev = json::object();
  ev["type"] = "m.room.member";
  ev["event_id"] = "$member-" + user + "-" + membership;
  ev["sender"] = sender.empty() ? user : sender;
  ev["state_key"] = user;
  ev["content"]["membership"] = membership;
  if (!before.empty()) ev["unsigned"]["prev_content"]["membership"] = before;
  return ev;
}

// A sync answer with `timeline` (and `state`) events in `room`.
json sync_with(const std::vector<json>& timeline, const std::vector<json>& state = {},
               const std::string& room = kRoom) {
  json sync = json::object();
  sync["next_batch"] = "s9";
  sync["rooms"]["join"][room]["timeline"]["events"] = timeline;
  sync["rooms"]["join"][room]["state"]["events"] = state;
  return sync;
}

json fixture(const std::string& name) {
  std::ifstream in(std::string(BRIGADE_SOURCE_DIR) + "/tests/unit/fixtures/" + name);
  std::stringstream ss;
  ss << in.rdbuf();
  return json::parse(ss.str());
}

TEST(MatrixPeople, JoinsLeavesKicksAndBansAreChanges) {
  auto me = bot();
  auto join = membership_change(member(kAlice, "join", "leave"), kRoom, me);
  ASSERT_TRUE(join);
  EXPECT_TRUE(join->joined);
  EXPECT_EQ(join->user, kAlice);
  EXPECT_EQ(join->room, kRoom);
  EXPECT_TRUE(membership_change(member(kAlice, "join", ""), kRoom, me));  // no prev_content: a join
  for (auto ev : {member(kAlice, "leave"), member(kAlice, "leave", "", ""), member(kAlice, "ban"),
                  member(kAlice, "leave", "join", kBob)}) {  // the last: kicked by bob
    auto c = membership_change(ev, kRoom, me);
    ASSERT_TRUE(c) << ev.dump();
    EXPECT_FALSE(c->joined);
    EXPECT_EQ(c->user, kAlice);
  }
  json old_style = member(kAlice, "leave", "");
  old_style["prev_content"]["membership"] = "invite";  // prev_content at the top level
  EXPECT_FALSE(membership_change(old_style, kRoom, me));
}

TEST(MatrixPeople, WhatIsNoChange) {
  auto me = bot();
  EXPECT_FALSE(membership_change(member(kAlice, "join", "join"), kRoom, me)) << "a rename";
  EXPECT_FALSE(membership_change(member(kAlice, "invite", "leave", kBob), kRoom, me));
  EXPECT_FALSE(membership_change(member(kAlice, "knock", "leave"), kRoom, me));
  EXPECT_FALSE(membership_change(member(kAlice, "leave", "invite"), kRoom, me)) << "a declined invite";
  EXPECT_FALSE(membership_change(member(kAlice, "leave", "knock"), kRoom, me)) << "a withdrawn knock";
  EXPECT_FALSE(membership_change(member(kAlice, "ban", "leave", kBob), kRoom, me)) << "already gone";
  EXPECT_FALSE(membership_change(member(kBot, "leave"), kRoom, me)) << "Brigade's own membership";
  EXPECT_FALSE(membership_change(member(kBot, "join", "invite"), kRoom, me));
  EXPECT_FALSE(membership_change(member("not-a-user", "leave"), kRoom, me));
  EXPECT_FALSE(membership_change(json::array(), kRoom, me));
  json message = member(kAlice, "leave");
  message["type"] = "m.room.message";
  EXPECT_FALSE(membership_change(message, kRoom, me));
}

TEST(MatrixPeople, SyncCollectsChangesFromStateAndTimelineInOrder) {
  Directory dir;
  auto b = parse_sync(sync_with({member(kAlice, "leave"), member(kBob, "join", "invite"),
                                 member(kBot, "leave"), member(kBob, "join", "join")},
                                {member("@carol:example.org", "ban")}),
                      bot(), dir);
  ASSERT_EQ(b.members.size(), 3u);
  EXPECT_EQ(b.members[0].user, "@carol:example.org");  // state comes before the timeline
  EXPECT_FALSE(b.members[0].joined);
  EXPECT_EQ(b.members[1].user, kAlice);
  EXPECT_FALSE(b.members[1].joined);
  EXPECT_EQ(b.members[2].user, kBob);
  EXPECT_TRUE(b.members[2].joined);
  EXPECT_TRUE(dir.member(kRoom, kBob));
  EXPECT_FALSE(dir.member(kRoom, kAlice));

  // The reference answer after a join: Dave is in the room's state, Brigade's own join is no change.
  Directory fresh;
  auto joined = parse_sync(fixture("matrix_sync_incremental_after_join.json"), bot(), fresh);
  ASSERT_EQ(joined.members.size(), 1u);
  EXPECT_EQ(joined.members[0].user, "@dave:example.org");
  EXPECT_TRUE(joined.members[0].joined);
}

TEST(MatrixPeople, GoneOnlyWhenNoRoomIsSharedAnyMore) {
  auto me = bot();
  Directory dir;
  dir.set_members(kRoom, {{kAlice, "Alice"}, {kBob, "Bob"}, {kBot, "Brigade"}});
  dir.set_members(kOther, {{kBob, "Bob"}, {"@carol:example.org", "Carol"}, {kBot, "Brigade"}});
  EXPECT_TRUE(dir.complete(kRoom));
  EXPECT_FALSE(dir.complete("!unknown:example.org"));

  // Alice and Bob both leave the team room: Bob is still in the other one.
  auto b = parse_sync(sync_with({member(kAlice, "leave"), member(kBob, "leave")}), me, dir);
  auto people = people_changes(b.members, dir);
  EXPECT_EQ(people.gone, std::vector<std::string>{"matrix:" + kAlice});
  EXPECT_TRUE(people.back.empty());

  // Alice comes back. A leave and a join in one batch: the rooms after it decide.
  b = parse_sync(sync_with({member(kAlice, "join", "leave")}), me, dir);
  people = people_changes(b.members, dir);
  EXPECT_TRUE(people.gone.empty());
  EXPECT_EQ(people.back, std::vector<std::string>{"matrix:" + kAlice});
  b = parse_sync(sync_with({member(kAlice, "leave"), member(kAlice, "join", "leave")}), me, dir);
  EXPECT_EQ(people_changes(b.members, dir).back, std::vector<std::string>{"matrix:" + kAlice});
  b = parse_sync(sync_with({member(kAlice, "join", "leave"), member(kAlice, "ban")}), me, dir);
  EXPECT_EQ(people_changes(b.members, dir).gone, std::vector<std::string>{"matrix:" + kAlice});
}

// The direct room Brigade opened for someone's private replies is no room shared with the team.
TEST(MatrixPeople, BrigadesDirectRoomKeepsNobody) {
  const std::string dm = "!dm:example.org";
  Directory dir;
  dir.set_members(kRoom, {{kAlice, "Alice"}, {kBob, "Bob"}, {kBot, "Brigade"}});
  dir.set_members(dm, {{kAlice, "Alice"}, {kBot, "Brigade"}});
  EXPECT_TRUE(dir.shares_room(kAlice, dm));
  auto b = parse_sync(sync_with({member(kAlice, "leave")}), bot(), dir);
  EXPECT_TRUE(dir.shares_room(kAlice)) << "the direct room is a room";
  EXPECT_FALSE(dir.shares_room(kAlice, dm));
  EXPECT_TRUE(people_changes(b.members, dir).gone.empty()) << "unless known as Brigade's";
  std::map<std::string, std::string> direct = {{kAlice, dm}};
  EXPECT_EQ(people_changes(b.members, dir, direct).gone, std::vector<std::string>{"matrix:" + kAlice});
  // Joining that room is no coming back either.
  b = parse_sync(sync_with({member(kAlice, "leave"), member(kAlice, "join", "invite")}, {}, dm), bot(), dir);
  EXPECT_TRUE(people_changes(b.members, dir, direct).back.empty());
}

TEST(MatrixPeople, JoinedMembersReplaceWhatEventsTaught) {
  Directory dir;
  dir.set(kRoom, kAlice, "Alice");
  EXPECT_FALSE(dir.complete(kRoom));
  dir.set_members(kRoom, {{kBob, "Bob"}});
  EXPECT_TRUE(dir.complete(kRoom));
  EXPECT_FALSE(dir.member(kRoom, kAlice));
  EXPECT_EQ(dir.name(kRoom, kBob), "Bob");
  dir.forget_room(kRoom);
  EXPECT_FALSE(dir.complete(kRoom));
  EXPECT_FALSE(dir.member(kRoom, kBob));
}

// GET /joined_rooms, which tells whether every room's members are known.
TEST(MatrixPeople, JoinedRoomsAnswer) {
  auto rooms =
      json::parse(R"({"joined_rooms": ["!a:example.org", 7, "!b:example.org"]})").get<wire::JoinedRooms>();
  EXPECT_TRUE(rooms.present);
  EXPECT_EQ(rooms.rooms, (std::vector<std::string>{"!a:example.org", "!b:example.org"}));
  EXPECT_FALSE(json::parse(R"({"joined_rooms": "!a:example.org"})").get<wire::JoinedRooms>().present);
  EXPECT_FALSE(json::parse(R"({"errcode": "M_FORBIDDEN"})").get<wire::JoinedRooms>().present);
  EXPECT_FALSE(json::array().get<wire::JoinedRooms>().present);
}

TEST(MatrixPeople, ChangesCommitWithTheCursor) {
  PeopleChanges people;
  people.gone = {"matrix:" + kAlice};
  people.back = {"matrix:" + kBob};
  auto e = batch_effects({}, {}, people, "s9");
  EXPECT_EQ(e.gone, people.gone);
  EXPECT_EQ(e.back, people.back);
  ASSERT_TRUE(e.cursor);
  EXPECT_EQ(e.cursor->second, "s9");
}

}  // namespace
}  // namespace brigade::matrix
