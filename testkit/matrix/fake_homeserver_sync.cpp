// The fake homeserver's /sync: the initial answer (joined rooms with their state and latest timeline,
// pending invites), later answers (what changed since a batch token, as Synapse shapes it), and the
// long-poll that waits for the log to change.
#include <cstdlib>
#include <stdexcept>

#include "testkit/matrix/fake_homeserver_impl.hpp"
#include "testkit/net/percent.hpp"

namespace brigade::testing {

using namespace fake_matrix;

namespace {

std::map<std::string, std::string> parse_query(std::string_view q) {
  std::map<std::string, std::string> out;
  while (!q.empty()) {
    auto amp = q.find('&');
    auto kv = q.substr(0, amp);
    auto eq = kv.find('=');
    std::string k(kv.substr(0, eq));
    out[k] = eq == std::string_view::npos ? "" : form_decode(kv.substr(eq + 1));
    if (amp == std::string_view::npos) break;
    q.remove_prefix(amp + 1);
  }
  return out;
}

// "s<n>" → n; nullopt for anything else.
std::optional<std::size_t> parse_since(const std::string& since) {
  try {
    if (since.size() < 2 || since[0] != 's') return std::nullopt;
    std::size_t used = 0;
    std::size_t k = std::stoul(since.substr(1), &used);
    if (used != since.size() - 1) return std::nullopt;
    return k;
  } catch (const std::exception&) {
    return std::nullopt;
  }
}

}  // namespace

// The filter's room.timeline.limit (an inline filter or one stored by POST /filter), else 10.
std::size_t FakeMatrix::Impl::timeline_limit(const std::map<std::string, std::string>& q) {
  std::lock_guard lk(mu);
  json filter;
  if (auto f = q.find("filter"); f != q.end()) {
    if (!f->second.empty() && f->second.front() == '{')
      filter = json::parse(f->second, nullptr, false);
    else if (auto it = filters.find(f->second); it != filters.end())
      filter = it->second;
  }
  if (filter.is_object() && filter.contains("room") && filter["room"].is_object() &&
      filter["room"].contains("timeline") && filter["room"]["timeline"].is_object() &&
      filter["room"]["timeline"].contains("limit") &&
      filter["room"]["timeline"]["limit"].is_number_unsigned())
    return filter["room"]["timeline"]["limit"].get<std::size_t>();
  return 10;
}

asio::awaitable<FakeMatrix::Reply> FakeMatrix::Impl::sync(const Request& rq) {
  auto q = parse_query(rq.query);
  std::size_t limit = timeline_limit(q);
  auto since_it = q.find("since");
  if (since_it == q.end() || since_it->second.empty()) {
    std::lock_guard lk(mu);
    co_return reply(200, sync_body(0, true, limit));
  }
  auto since = parse_since(since_it->second);
  if (!since) co_return reply(400, err("M_INVALID_PARAM", "Invalid since token"));
  std::size_t k = *since;
  long timeout = 0;
  if (auto t = q.find("timeout"); t != q.end()) timeout = std::atol(t->second.c_str());
  auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(timeout);
  asio::steady_timer timer(ioc());
  for (;;) {
    {
      std::lock_guard lk(mu);
      if (k > log.size()) co_return reply(400, err("M_INVALID_PARAM", "Unknown since token"));
      if (log.size() > k) {
        json b = sync_body(k, false, limit);
        if (b.contains("rooms") || std::chrono::steady_clock::now() >= deadline) co_return reply(200, b);
        k = log.size();  // only events in rooms the bot is not in: keep waiting, from here
      }
    }
    if (std::chrono::steady_clock::now() >= deadline) break;
    timer.expires_at(deadline);
    waiters.insert(&timer);
    ++parked;
    co_await timer.async_wait(kTuple);
    --parked;
    waiters.erase(&timer);
  }
  std::lock_guard lk(mu);
  json b = json::object();
  b["next_batch"] = "s" + std::to_string(k);
  co_return reply(200, b);
}

// The state a joined room shows in the first sync: its members, and its encryption if any.
nlohmann::json FakeMatrix::Impl::member_state(const std::string& room) {
  json events = json::array();
  const auto& r = rooms[room];
  for (const auto& m : r.members) {
    json c = json::object();
    c["membership"] = "join";
    if (auto n = names.find(m); n != names.end()) c["displayname"] = n->second;
    json ev = json::object();
    ev["type"] = "m.room.member";
    ev["state_key"] = m;
    ev["sender"] = m;
    ev["event_id"] = "$state-" + m;
    ev["content"] = c;
    events.push_back(ev);
  }
  if (r.encrypted) {
    json ev = json::object();
    ev["type"] = "m.room.encryption";
    ev["state_key"] = "";
    ev["sender"] = r.members.empty() ? self.bot_user : *r.members.begin();
    ev["event_id"] = "$state-encryption";
    ev["content"]["algorithm"] = "m.megolm.v1.aes-sha2";
    events.push_back(ev);
  }
  return events;
}

// What an invite shows before joining: the room's name and the invite itself.
nlohmann::json FakeMatrix::Impl::invite_state(const std::string& room) {
  json events = json::array();
  json name = json::object();
  name["type"] = "m.room.name";
  name["state_key"] = "";
  name["sender"] = rooms[room].inviter;
  name["content"]["name"] = room;
  events.push_back(name);
  json me = json::object();
  me["type"] = "m.room.member";
  me["state_key"] = self.bot_user;
  me["sender"] = rooms[room].inviter;
  me["content"]["membership"] = "invite";
  events.push_back(me);
  return events;
}

nlohmann::json FakeMatrix::Impl::sync_body(std::size_t since, bool initial, std::size_t limit) {
  json body = json::object();
  body["next_batch"] = "s" + std::to_string(log.size());
  json join = json::object(), invite = json::object(), leave = json::object();
  if (initial)
    initial_rooms(limit, join, invite);
  else
    rooms_since(since, limit, join, invite, leave);
  if (!join.empty()) body["rooms"]["join"] = join;
  if (!invite.empty()) body["rooms"]["invite"] = invite;
  if (!leave.empty()) body["rooms"]["leave"] = leave;
  return body;
}

// The first sync: every joined room with its members and last `limit` events, every invite.
void FakeMatrix::Impl::initial_rooms(std::size_t limit, json& join, json& invite) {
  for (auto& [id, r] : rooms) {
    if (r.members.count(self.bot_user)) {
      json events = json::array();
      std::vector<json> all;
      for (const auto& e : log)
        if (e.room == id) all.push_back(e.ev);
      std::size_t from = all.size() > limit ? all.size() - limit : 0;
      for (std::size_t i = from; i < all.size(); ++i) events.push_back(all[i]);
      json room = json::object();
      room["state"]["events"] = member_state(id);
      room["timeline"]["events"] = events;
      room["timeline"]["limited"] = from > 0;
      room["timeline"]["prev_batch"] = "p0";
      join[id] = room;
    } else if (r.bot_invited) {
      invite[id]["invite_state"]["events"] = invite_state(id);
    }
  }
}

// A later sync: the log from `since` on, room by room; the bot's own invites and leaves apart.
void FakeMatrix::Impl::rooms_since(std::size_t since, std::size_t limit, json& join, json& invite,
                                   json& leave) {
  std::map<std::string, json> timelines;
  for (std::size_t i = since; i < log.size(); ++i) {
    const auto& e = log[i];
    auto& r = rooms[e.room];
    bool about_me = e.ev.value("type", "") == "m.room.member" && e.ev.value("state_key", "") == self.bot_user;
    std::string membership = about_me ? e.ev["content"].value("membership", "") : "";
    if (about_me && membership == "invite" && !r.members.count(self.bot_user)) {
      invite[e.room]["invite_state"]["events"] = invite_state(e.room);
      continue;
    }
    if (about_me && (membership == "leave" || membership == "ban") && !r.members.count(self.bot_user)) {
      leave[e.room]["timeline"]["events"] = json::array({e.ev});
      continue;
    }
    if (!r.members.count(self.bot_user)) continue;
    auto& t = timelines[e.room];
    if (t.is_null()) t = json::array();
    t.push_back(e.ev);
  }
  for (auto& [id, events] : timelines) join[id] = joined_room(id, events, since, limit);
}

// One joined room of a later sync: its last `limit` new events.
nlohmann::json FakeMatrix::Impl::joined_room(const std::string& id, const json& events, std::size_t since,
                                             std::size_t limit) {
  std::size_t n = events.size();
  json kept = json::array();
  for (std::size_t i = n > limit ? n - limit : 0; i < n; ++i) kept.push_back(events[i]);
  // As Synapse does: a room joined since the last sync has its history before the join cut
  // off, so its timeline is `limited` whenever anything came before.
  bool joined_now = false, history = false;
  for (std::size_t i = 0; i < since && i < log.size(); ++i) history = history || log[i].room == id;
  for (const auto& ev : events)
    joined_now = joined_now ||
                 (ev.value("type", "") == "m.room.member" && ev.value("state_key", "") == self.bot_user &&
                  ev["content"].value("membership", "") == "join");
  json room = json::object();
  room["state"]["events"] = json::array();
  room["timeline"]["events"] = kept;
  room["timeline"]["limited"] = n > limit || (joined_now && history);
  room["timeline"]["prev_batch"] = "p" + std::to_string(since);
  return room;
}

}  // namespace brigade::testing
