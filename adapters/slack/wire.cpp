// Slack Web API payloads ↔ JSON (see wire.hpp).
#include "adapters/slack/wire.hpp"

#include <nlohmann/json.hpp>

#include "adapters/net/json_fields.hpp"

namespace brigade::slack::wire {

using net::string_field;
using nlohmann::json;

void from_json(const json& j, AuthTest& v) {
  v.user = string_field(j, "user");
  v.user_id = string_field(j, "user_id");
  v.bot_id = string_field(j, "bot_id");
  v.team_id = string_field(j, "team_id");
}

void from_json(const json& j, ConnectionsOpen& v) {
  v.url = string_field(j, "url");
}

void from_json(const json& j, UsersPage& v) {
  v.members.clear();
  if (!j.is_object()) return;
  if (auto m = j.find("members"); m != j.end() && m->is_array()) v.members.assign(m->begin(), m->end());
  auto md = j.find("response_metadata");
  v.next_cursor = md != j.end() ? string_field(*md, "next_cursor") : std::string();
}

void from_json(const json& j, UsergroupUsers& v) {
  v.users = net::strings_field(j, "users");
}

void from_json(const json& j, ConversationInfo& v) {
  auto c = j.is_object() ? j.find("channel") : j.end();
  v.name = j.is_object() && c != j.end() ? string_field(*c, "name") : std::string();
}

void to_json(json& j, const PostMessage& v) {
  j = json::object();
  j["channel"] = v.channel;
  j["text"] = v.text;
  j["unfurl_links"] = false;
  j["unfurl_media"] = false;
}

void from_json(const json& j, Posted& v) {
  v.channel = string_field(j, "channel");
  v.ts = string_field(j, "ts");
}

// chat.update's `parse` once defaulted to "client", unlike chat.postMessage's "none": set, so an
// update renders its text exactly as the post did.
void to_json(json& j, const UpdateMessage& v) {
  j = json::object();
  j["channel"] = v.channel;
  j["ts"] = v.ts;
  j["text"] = v.text;
  j["parse"] = "none";
}

void to_json(json& j, const PostEphemeral& v) {
  j = json::object();
  j["channel"] = v.channel;
  j["user"] = v.user;
  j["text"] = v.text;
}

void to_json(json& j, const EphemeralResponse& v) {
  j = json::object();
  j["response_type"] = "ephemeral";
  j["text"] = v.text;
}

}  // namespace brigade::slack::wire
