// The Slack Web API payloads Brigade reads and writes, as structs (free from_json / to_json in
// wire.cpp). Reading never throws: a missing or mistyped field reads as empty. Envelopes and
// events are read by router.hpp, user objects by directory.hpp.
#pragma once

#include <string>
#include <vector>

#include <nlohmann/json_fwd.hpp>

namespace brigade::slack::wire {

// auth.test
struct AuthTest {
  std::string user;  // the bot's handle
  std::string user_id, bot_id, team_id;
};
// apps.connections.open
struct ConnectionsOpen {
  std::string url;  // wss://…?ticket=… (a secret: never logged whole)
};
// users.list: one page
struct UsersPage {
  std::vector<nlohmann::json> members;  // user objects, for Directory::add_user
  std::string next_cursor;              // empty on the last page
};
// usergroups.users.list
struct UsergroupUsers {
  std::vector<std::string> users;
};
// conversations.info
struct ConversationInfo {
  std::string name;
};

// chat.postMessage (links and media never unfurl: the celebration is the message)
struct PostMessage {
  std::string channel, text;
};
// chat.update: the same text as a post, in place (the message keeps its channel and ts)
struct UpdateMessage {
  std::string channel, ts, text;
};
// What chat.postMessage and chat.update answer: where the message is
struct Posted {
  std::string channel, ts;
};
// chat.postEphemeral
struct PostEphemeral {
  std::string channel, user, text;
};
// A slash command's response_url: an ephemeral reply
struct EphemeralResponse {
  std::string text;
};

void from_json(const nlohmann::json& j, AuthTest& v);
void from_json(const nlohmann::json& j, ConnectionsOpen& v);
void from_json(const nlohmann::json& j, UsersPage& v);
void from_json(const nlohmann::json& j, UsergroupUsers& v);
void from_json(const nlohmann::json& j, ConversationInfo& v);
void from_json(const nlohmann::json& j, Posted& v);
void to_json(nlohmann::json& j, const PostMessage& v);
void to_json(nlohmann::json& j, const UpdateMessage& v);
void to_json(nlohmann::json& j, const PostEphemeral& v);
void to_json(nlohmann::json& j, const EphemeralResponse& v);

}  // namespace brigade::slack::wire
