// The Client-Server API payloads Brigade reads and writes, as structs (free from_json / to_json
// in wire.cpp). Reading never throws: a missing or mistyped field reads as empty, so a strange
// answer is a failed request, never a crashed adapter. /sync and its events are read by events.hpp.
#pragma once

#include <string>
#include <utility>
#include <vector>

#include <nlohmann/json_fwd.hpp>

namespace brigade::matrix::wire {

// POST /login with a password, as `device_id` when known (the same device keeps its txnIds)
struct LoginRequest {
  std::string user, password, device_id, device_name;
};
struct LoginResponse {
  std::string access_token, user_id, device_id;
};
// GET /account/whoami
struct Whoami {
  std::string user_id, device_id;
};
// POST /join, /rooms/{id}/join and /createRoom answer the room id
struct RoomIdAnswer {
  std::string room_id;
};
// POST /user/{id}/filter
struct FilterAnswer {
  std::string filter_id;
};
// GET /rooms/{id}/joined_members: (user id, display name or "")
struct JoinedMembers {
  bool present = false;  // the answer held a "joined" object
  std::vector<std::pair<std::string, std::string>> members;
};
// GET /joined_rooms: the rooms the bot is in
struct JoinedRooms {
  bool present = false;  // the answer held a "joined_rooms" array
  std::vector<std::string> rooms;
};
// GET /rooms/{id}/state/m.room.name and …/m.room.canonical_alias
struct RoomNameState {
  std::string name;
};
struct CanonicalAliasState {
  std::string alias;
};
// An event's id and sender (GET /rooms/{id}/event/{event_id}, or a timeline event)
struct EventSender {
  std::string event_id, sender;
};
// POST /createRoom for a direct chat with `user`
struct DirectRoomRequest {
  std::string user;
};

void to_json(nlohmann::json& j, const LoginRequest& v);
void from_json(const nlohmann::json& j, LoginResponse& v);
void from_json(const nlohmann::json& j, Whoami& v);
void from_json(const nlohmann::json& j, RoomIdAnswer& v);
void from_json(const nlohmann::json& j, FilterAnswer& v);
void from_json(const nlohmann::json& j, JoinedMembers& v);
void from_json(const nlohmann::json& j, JoinedRooms& v);
void from_json(const nlohmann::json& j, RoomNameState& v);
void from_json(const nlohmann::json& j, CanonicalAliasState& v);
void from_json(const nlohmann::json& j, EventSender& v);
void to_json(nlohmann::json& j, const DirectRoomRequest& v);

}  // namespace brigade::matrix::wire
