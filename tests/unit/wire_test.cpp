// The platforms' payloads as structs: what Brigade writes, and that whatever a server answers reads
// without throwing (a mistyped field once threw inside the adapter: nlohmann's value() does).
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "adapters/matrix/wire.hpp"
#include "adapters/slack/wire.hpp"

namespace brigade {
namespace {

using nlohmann::json;

TEST(SlackWire, ReadsWhatTheWebApiAnswers) {
  auto who = json::parse(R"({"ok":true,"user":"brigade","user_id":"U1","bot_id":"B1","team_id":"T1"})")
                 .get<slack::wire::AuthTest>();
  EXPECT_EQ(who.user_id, "U1");
  EXPECT_EQ(who.team_id, "T1");
  auto page = json::parse(R"({"members":[{"id":"U1"},{"id":"U2"}],"response_metadata":{"next_cursor":"c2"}})")
                  .get<slack::wire::UsersPage>();
  EXPECT_EQ(page.members.size(), 2u);
  EXPECT_EQ(page.next_cursor, "c2");
  EXPECT_EQ(json::parse(R"({"users":["U1",7,"U2"]})").get<slack::wire::UsergroupUsers>().users,
            (std::vector<std::string>{"U1", "U2"}));
  EXPECT_EQ(json::parse(R"({"channel":{"name":"general"}})").get<slack::wire::ConversationInfo>().name,
            "general");
}

TEST(SlackWire, MistypedOrMissingFieldsReadAsEmpty) {
  for (const char* body : {R"({"user_id":5,"team_id":null})", "[]", "null", R"("text")",
                           R"({"members":{},"response_metadata":[],"channel":"C1","url":false})"}) {
    json j = json::parse(body);
    EXPECT_NO_THROW({
      EXPECT_TRUE(j.get<slack::wire::AuthTest>().user_id.empty());
      EXPECT_TRUE(j.get<slack::wire::ConnectionsOpen>().url.empty());
      EXPECT_TRUE(j.get<slack::wire::UsersPage>().members.empty());
      EXPECT_TRUE(j.get<slack::wire::ConversationInfo>().name.empty());
    }) << body;
  }
}

TEST(SlackWire, WritesPostsThatNeverUnfurl) {
  json post = slack::wire::PostMessage{"C1", "thanks!"};
  EXPECT_EQ(post,
            json::parse(R"({"channel":"C1","text":"thanks!","unfurl_links":false,"unfurl_media":false})"));
  json eph = slack::wire::PostEphemeral{"C1", "U1", "only you"};
  EXPECT_EQ(eph, json::parse(R"({"channel":"C1","user":"U1","text":"only you"})"));
  json reply = slack::wire::EphemeralResponse{"hi"};
  EXPECT_EQ(reply, json::parse(R"({"response_type":"ephemeral","text":"hi"})"));
}

TEST(MatrixWire, WritesALoginOnTheKnownDeviceOnly) {
  json first = matrix::wire::LoginRequest{"@b:x", "pw", "", "Brigade"};
  EXPECT_EQ(first["identifier"], json::parse(R"({"type":"m.id.user","user":"@b:x"})"));
  EXPECT_FALSE(first.contains("device_id"));
  json again = matrix::wire::LoginRequest{"@b:x", "pw", "DEV1", "Brigade"};
  EXPECT_EQ(again["device_id"], "DEV1");
  json dm = matrix::wire::DirectRoomRequest{"@alice:x"};
  EXPECT_EQ(dm, json::parse(R"({"is_direct":true,"preset":"trusted_private_chat","invite":["@alice:x"]})"));
}

TEST(MatrixWire, ReadsAnswersAndMembers) {
  auto login = json::parse(R"({"access_token":"t","user_id":"@b:x","device_id":"D"})")
                   .get<matrix::wire::LoginResponse>();
  EXPECT_EQ(login.access_token, "t");
  auto members = json::parse(R"({"joined":{"@a:x":{"display_name":"Alice"},"@b:x":{"display_name":null}}})")
                     .get<matrix::wire::JoinedMembers>();
  ASSERT_TRUE(members.present);
  EXPECT_EQ(members.members,
            (std::vector<std::pair<std::string, std::string>>{{"@a:x", "Alice"}, {"@b:x", ""}}));
  EXPECT_FALSE(json::parse(R"({"joined":[]})").get<matrix::wire::JoinedMembers>().present);
}

TEST(MatrixWire, MistypedOrMissingFieldsReadAsEmpty) {
  for (const char* body : {R"({"user_id":5,"device_id":[],"access_token":{}})", "[]", "null", "3",
                           R"({"room_id":1,"filter_id":true,"sender":{},"name":[],"alias":7})"}) {
    json j = json::parse(body);
    EXPECT_NO_THROW({
      EXPECT_TRUE(j.get<matrix::wire::Whoami>().user_id.empty());
      EXPECT_TRUE(j.get<matrix::wire::LoginResponse>().access_token.empty());
      EXPECT_TRUE(j.get<matrix::wire::RoomIdAnswer>().room_id.empty());
      EXPECT_TRUE(j.get<matrix::wire::FilterAnswer>().filter_id.empty());
      EXPECT_TRUE(j.get<matrix::wire::EventSender>().sender.empty());
      EXPECT_TRUE(j.get<matrix::wire::RoomNameState>().name.empty());
      EXPECT_TRUE(j.get<matrix::wire::CanonicalAliasState>().alias.empty());
    }) << body;
  }
}

}  // namespace
}  // namespace brigade
