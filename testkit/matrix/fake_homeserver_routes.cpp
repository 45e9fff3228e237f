// The fake homeserver's routes other than /sync: login and the access token, whoami, filters,
// joining and leaving rooms, members and the bot's rooms, events, sending (txnIds deduplicated per
// token; duplicate reactions refused), room state, profiles, creating a direct room, logout.
#include "testkit/matrix/fake_homeserver_impl.hpp"

namespace brigade::testing {

using namespace fake_matrix;
using Reply = FakeMatrix::Reply;

asio::awaitable<Reply> FakeMatrix::Impl::respond(const Request& rq, const std::string& route,
                                                 const std::vector<std::string>& seg, bool bad_json) {
  if (route == "unknown") co_return reply(404, err("M_UNRECOGNIZED", "Unrecognized request"));
  if (bad_json) co_return reply(400, err("M_NOT_JSON", "Content not JSON."));
  if (route == "login") co_return login(rq);
  std::string token, device;
  if (auto refused = unauthorised(rq, token, device)) co_return *refused;
  if (route == "sync") co_return co_await sync(rq);
  co_return answer_route(rq, route, seg, token, device);
}

// A missing or unknown access token's answer; otherwise nullopt, with the token and its device.
std::optional<Reply> FakeMatrix::Impl::unauthorised(const Request& rq, std::string& token,
                                                    std::string& device) {
  std::lock_guard lk(mu);
  if (rq.auth.rfind("Bearer ", 0) != 0) return reply(401, err("M_MISSING_TOKEN", "Missing access token"));
  token = rq.auth.substr(7);
  auto it = tokens.find(token);
  if (it == tokens.end()) {
    json e = err("M_UNKNOWN_TOKEN", "Invalid access token passed.");
    e["soft_logout"] = soft_logout;
    return reply(401, e);
  }
  device = it->second;
  return std::nullopt;
}

Reply FakeMatrix::Impl::answer_route(const Request& rq, const std::string& route,
                                     const std::vector<std::string>& seg, const std::string& token,
                                     const std::string& device) {
  std::lock_guard lk(mu);
  if (route == "whoami") {
    json b = json::object();
    b["user_id"] = self.bot_user;
    b["device_id"] = device;
    b["is_guest"] = false;
    return reply(200, b);
  }
  if (route == "filter") {
    std::string id = std::to_string(filters.size() + 1);
    filters[id] = rq.body;
    json b = json::object();
    b["filter_id"] = id;
    return reply(200, b);
  }
  if (route == "join") return join(seg[1]);
  if (route == "leave") return leave(seg[1]);
  if (route == "joined_members") return joined_members(seg[1]);
  if (route == "joined_rooms") return joined_rooms();
  if (route == "event") return event(seg[1], seg[3]);
  if (route == "send" || route == "react") return send(rq, seg, token);
  if (route == "logout") {
    tokens.erase(token);
    return reply(200, json::object());
  }
  if (route == "state") return state(seg[1], seg[3]);
  if (route == "profile") return profile(seg[1]);
  if (route == "createRoom") return create_room(rq);
  return reply(404, err("M_UNRECOGNIZED", "Unrecognized request"));
}

Reply FakeMatrix::Impl::login(const Request& rq) {
  std::lock_guard lk(mu);
  const json& b = rq.body;
  std::string user = b.is_object() && b.contains("identifier") && b["identifier"].is_object()
                         ? b["identifier"].value("user", "")
                         : "";
  std::string local = self.bot_user.substr(1, self.bot_user.find(':') - 1);
  if (!b.is_object() || b.value("type", "") != "m.login.password")
    return reply(400, err("M_UNKNOWN", "Unknown login type"));
  if ((user != self.bot_user && user != local) || b.value("password", "") != self.password)
    return reply(403, err("M_FORBIDDEN", "Invalid username or password"));
  std::string device = b.value("device_id", "");
  if (device.empty()) device = "FAKEDEV" + std::to_string(++next_device);
  std::string token = "syt_fake_" + std::to_string(++next_token);
  tokens[token] = device;
  json out = json::object();
  out["user_id"] = self.bot_user;
  out["access_token"] = token;
  out["device_id"] = device;
  return reply(200, out);
}

Reply FakeMatrix::Impl::join(const std::string& room) {
  auto it = rooms.find(room);
  if (it == rooms.end()) return reply(404, err("M_NOT_FOUND", "No known servers"));
  auto& r = it->second;
  if (!r.members.count(self.bot_user)) {
    if (!r.bot_invited) return reply(403, err("M_FORBIDDEN", "You are not invited to this room."));
    r.bot_invited = false;
    r.members.insert(self.bot_user);
    member_event(room, self.bot_user, "join", self.bot_user);
    changed_later();
  }
  json b = json::object();
  b["room_id"] = room;
  return reply(200, b);
}

Reply FakeMatrix::Impl::leave(const std::string& room) {
  auto& r = rooms[room];
  bool was = r.members.erase(self.bot_user) > 0 || r.bot_invited;
  r.bot_invited = false;
  if (was) member_event(room, self.bot_user, "leave", self.bot_user);
  changed_later();
  return reply(200, json::object());
}

Reply FakeMatrix::Impl::joined_members(const std::string& room) {
  auto it = rooms.find(room);
  if (it == rooms.end() || !it->second.members.count(self.bot_user))
    return reply(403, err("M_FORBIDDEN", "You aren't a member of the room"));
  json joined = json::object();
  for (const auto& m : it->second.members) {
    json info = json::object();
    if (auto n = names.find(m); n != names.end()) info["display_name"] = n->second;
    joined[m] = info;
  }
  json b = json::object();
  b["joined"] = joined;
  return reply(200, b);
}

Reply FakeMatrix::Impl::joined_rooms() {
  json ids = json::array();
  for (const auto& [id, r] : rooms)
    if (r.members.count(self.bot_user)) ids.push_back(id);
  json b = json::object();
  b["joined_rooms"] = ids;
  return reply(200, b);
}

Reply FakeMatrix::Impl::event(const std::string& room, const std::string& event_id) {
  for (const auto& e : log)
    if (e.room == room && e.ev.value("event_id", "") == event_id) return reply(200, e.ev);
  return reply(404, err("M_NOT_FOUND", "Event not found"));
}

// PUT /rooms/{room}/send/{type}/{txn}: a txnId already used with this token gets the same event back.
Reply FakeMatrix::Impl::send(const Request& rq, const std::vector<std::string>& seg,
                             const std::string& token) {
  const std::string &room = seg[1], &type = seg[3], &txn = seg[4];
  auto it = rooms.find(room);
  if (it == rooms.end() || !it->second.members.count(self.bot_user))
    return reply(403, err("M_FORBIDDEN", "You are not in this room"));
  std::string key = token + "|" + room + "|" + type + "|" + txn;
  std::string id;
  if (auto t = txns.find(key); t != txns.end()) {
    id = t->second;
  } else {
    if (auto refused = relation_refused(room, rq.body)) return *refused;
    if (type == "m.reaction")
      if (auto refused = duplicate_annotation(room, self.bot_user, rq.body)) return *refused;
    json u = json::object();
    u["transaction_id"] = txn;
    id = append(room, self.bot_user, type, rq.body, "", false, u);
    txns[key] = id;
    sent.push_back(Sent{room, type, txn, id, rq.body});
    changed_later();
  }
  json b = json::object();
  b["event_id"] = id;
  return reply(200, b);
}

// What Synapse checks of a relation (an edit, a reaction) when it is sent: the event it names must
// be known, and in the same room. (Whether an edit is valid otherwise — same sender, same type — is
// for clients to decide; the server stores it like any event.)
std::optional<Reply> FakeMatrix::Impl::relation_refused(const std::string& room, const json& content) {
  if (!content.is_object() || !content.contains("m.relates_to")) return std::nullopt;
  const json& rel = content["m.relates_to"];
  if (!rel.is_object() || !rel.contains("rel_type")) return std::nullopt;  // a reply: not checked
  std::string parent =
      rel.contains("event_id") && rel["event_id"].is_string() ? rel["event_id"].get<std::string>() : "";
  for (const auto& e : log) {
    if (e.ev.value("event_id", "") != parent) continue;
    if (e.room != room) return reply(400, err("M_UNKNOWN", "Relations must be in the same room"));
    return std::nullopt;
  }
  return reply(400, err("M_UNKNOWN", "Can't send relation to unknown event"));
}

bool FakeMatrix::Impl::redacted(const std::string& event_id) const {
  for (const auto& e : log)
    if (e.ev.value("type", "") == "m.room.redaction" && e.ev.value("redacts", "") == event_id) return true;
  return false;
}

// The spec's "avoiding duplicate annotations": one reaction per sender, key and event (until redacted).
std::optional<Reply> FakeMatrix::Impl::duplicate_annotation(const std::string& room, const std::string& sender,
                                                            const json& content) {
  if (!content.is_object() || !content.contains("m.relates_to") || !content["m.relates_to"].is_object())
    return std::nullopt;
  const json& rel = content["m.relates_to"];
  for (const auto& e : log) {
    const json& c = e.ev["content"];
    if (e.room != room || e.ev.value("type", "") != "m.reaction" || e.ev.value("sender", "") != sender ||
        !c.is_object() || !c.contains("m.relates_to") || !c["m.relates_to"].is_object())
      continue;
    const json& other = c["m.relates_to"];
    if (other.value("event_id", "") == rel.value("event_id", "") && other.value("key", "") == rel.value("key", "") &&
        !redacted(e.ev.value("event_id", "")))
      return reply(400, err("M_DUPLICATE_ANNOTATION", "Can't send same reaction twice"));
  }
  return std::nullopt;
}

// GET /rooms/{room}/state/{type}: only m.room.name is kept.
Reply FakeMatrix::Impl::state(const std::string& room, const std::string& type) {
  auto it = rooms.find(room);
  if (it == rooms.end() || !it->second.members.count(self.bot_user))
    return reply(403, err("M_FORBIDDEN", "You aren't a member of the room"));
  auto n = room_names.find(room);
  if (type != "m.room.name" || n == room_names.end())
    return reply(404, err("M_NOT_FOUND", "Event not found"));
  json b = json::object();
  b["name"] = n->second;
  return reply(200, b);
}

Reply FakeMatrix::Impl::profile(const std::string& user) {
  auto n = names.find(user);
  if (n == names.end()) return reply(404, err("M_NOT_FOUND", "Profile not found"));
  json b = json::object();
  b["displayname"] = n->second;
  return reply(200, b);
}

// A direct room: the bot and everyone it invites, all joined at once.
Reply FakeMatrix::Impl::create_room(const Request& rq) {
  std::string id = "!dm" + std::to_string(++next_room) + ":example.org";
  auto& r = rooms[id];
  r.members.insert(self.bot_user);
  member_event(id, self.bot_user, "join", self.bot_user);
  if (rq.body.is_object() && rq.body.contains("invite") && rq.body["invite"].is_array())
    for (const auto& u : rq.body["invite"])
      if (u.is_string()) {
        r.members.insert(u.get<std::string>());
        member_event(id, u.get<std::string>(), "join", u.get<std::string>());
      }
  changed_later();
  json b = json::object();
  b["room_id"] = id;
  return reply(200, b);
}

}  // namespace brigade::testing
