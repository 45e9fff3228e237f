// Client-Server API payloads ↔ JSON (see wire.hpp).
#include "adapters/matrix/wire.hpp"

#include <nlohmann/json.hpp>

#include "adapters/net/json_fields.hpp"

namespace brigade::matrix::wire {

using net::string_field;
using nlohmann::json;

void to_json(json& j, const LoginRequest& v) {
  json id = json::object();
  id["type"] = "m.id.user";
  id["user"] = v.user;
  j = json::object();
  j["type"] = "m.login.password";
  j["identifier"] = id;
  j["password"] = v.password;
  if (!v.device_id.empty()) j["device_id"] = v.device_id;
  j["initial_device_display_name"] = v.device_name;
}

void from_json(const json& j, LoginResponse& v) {
  v.access_token = string_field(j, "access_token");
  v.user_id = string_field(j, "user_id");
  v.device_id = string_field(j, "device_id");
}

void from_json(const json& j, Whoami& v) {
  v.user_id = string_field(j, "user_id");
  v.device_id = string_field(j, "device_id");
}

void from_json(const json& j, RoomIdAnswer& v) {
  v.room_id = string_field(j, "room_id");
}

void from_json(const json& j, FilterAnswer& v) {
  v.filter_id = string_field(j, "filter_id");
}

void from_json(const json& j, JoinedMembers& v) {
  v.members.clear();
  auto joined = j.is_object() ? j.find("joined") : j.end();
  v.present = j.is_object() && joined != j.end() && joined->is_object();
  if (!v.present) return;
  for (const auto& [user, info] : joined->items())
    v.members.emplace_back(user, string_field(info, "display_name"));
}

void from_json(const json& j, JoinedRooms& v) {
  auto rooms = j.is_object() ? j.find("joined_rooms") : j.end();
  v.present = j.is_object() && rooms != j.end() && rooms->is_array();
  v.rooms = net::strings_field(j, "joined_rooms");
}

void from_json(const json& j, RoomNameState& v) {
  v.name = string_field(j, "name");
}

void from_json(const json& j, CanonicalAliasState& v) {
  v.alias = string_field(j, "alias");
}

void from_json(const json& j, EventSender& v) {
  v.event_id = string_field(j, "event_id");
  v.sender = string_field(j, "sender");
}

void to_json(json& j, const DirectRoomRequest& v) {
  j = json::object();
  j["is_direct"] = true;
  j["preset"] = "trusted_private_chat";
  j["invite"] = json::array({v.user});
}

}  // namespace brigade::matrix::wire
