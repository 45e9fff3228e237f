// The fake homeserver: a Beast HTTP(S) server holding rooms, one ordered event log, tokens and
// devices, answering the Client-Server API routes Brigade calls.
#include "testkit/matrix/fake_homeserver.hpp"

#include <atomic>
#include <condition_variable>
#include <deque>
#include <mutex>
#include <optional>
#include <set>

#include <boost/beast/http.hpp>

#include "testkit/net/loopback_server.hpp"
#include "testkit/net/percent.hpp"

namespace brigade::testing {

namespace http = beast::http;
using nlohmann::json;

namespace {

std::int64_t now_ms() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

json err(const std::string& code, const std::string& text) {
  json j = json::object();
  j["errcode"] = code;
  j["error"] = text;
  return j;
}

FakeMatrix::Reply reply(int status, json body) {
  FakeMatrix::Reply r;
  r.status = status;
  r.body = std::move(body);
  return r;
}

std::vector<std::string> split_path(std::string_view p) {
  std::vector<std::string> out;
  while (!p.empty()) {
    auto slash = p.find('/');
    auto seg = p.substr(0, slash);
    if (!seg.empty()) out.push_back(percent_decode(seg).value_or(std::string(seg)));
    if (slash == std::string_view::npos) break;
    p.remove_prefix(slash + 1);
  }
  return out;
}

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

}  // namespace

struct FakeMatrix::Impl {
  struct Entry {
    std::string room;
    json ev;
  };
  struct Room {
    std::set<std::string> members;
    bool encrypted = false;
    bool bot_invited = false;
    std::string inviter;
  };

  FakeMatrix& self;
  LoopbackServer server;  // first: see LoopbackServer

  mutable std::mutex mu;
  mutable std::condition_variable cv;
  std::vector<Entry> log;
  std::map<std::string, Room> rooms;
  std::map<std::string, std::string> names;
  std::map<std::string, std::string> tokens;  // valid token → device
  bool soft_logout = false;
  std::map<std::string, json> filters;
  // token|room|type|txn → event id: txnIds scoped to the access token, as Synapse 1.67 and servers
  // on the pre-1.7 spec do (newer ones scope them to the device; per token is the stricter test).
  std::map<std::string, std::string> txns;
  std::map<std::string, std::deque<std::chrono::milliseconds>> delays;  // route → answer late by
  std::map<std::string, std::string> room_names;
  std::vector<Sent> sent;
  std::map<std::string, std::vector<Request>> requests;
  std::map<std::string, std::deque<Reply>> scripts;
  int next_token = 0, next_device = 0, next_event = 0, next_room = 0;

  std::set<asio::steady_timer*> waiters;  // io thread only
  std::atomic<std::size_t> parked{0};     // sessions waiting in a /sync long-poll

  Impl(FakeMatrix& s, const TestPki* pki)
      : self(s),
        server({.pki = pki}, {.plain = [this](PlainStream st) { return serve(std::move(st)); },
                              .tls = [this](TlsStream st) { return serve(std::move(st)); }}) {}
  ~Impl() { server.stop(); }

  asio::io_context& ioc() { return server.ioc(); }

  // Called with `mu` not held, after the log changed: long-polls re-check.
  void changed() {
    cv.notify_all();
    asio::post(ioc(), [this] {
      for (auto* t : waiters) t->cancel();
    });
  }

  // ---- event log (mu held) ----------------------------------------------------------------------------

  std::string append(const std::string& room, const std::string& sender, const std::string& type,
                     json content, const std::string& state_key = "", bool state = false,
                     json unsigned_ = nullptr) {
    json ev = json::object();
    std::string id = "$ev" + std::to_string(++next_event);
    ev["event_id"] = id;
    ev["type"] = type;
    ev["sender"] = sender;
    ev["origin_server_ts"] = now_ms();
    ev["content"] = std::move(content);
    if (state) ev["state_key"] = state_key;
    if (!unsigned_.is_null()) ev["unsigned"] = unsigned_;
    if (type == "m.room.redaction") ev["redacts"] = ev["content"].value("redacts", "");
    log.push_back(Entry{room, ev});
    return id;
  }

  std::string member_event(const std::string& room, const std::string& user, const std::string& membership,
                           const std::string& sender) {
    json c = json::object();
    c["membership"] = membership;
    if (auto n = names.find(user); n != names.end() && membership == "join") c["displayname"] = n->second;
    return append(room, sender, "m.room.member", c, user, true);
  }

  json member_state(const std::string& room) {
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

  json invite_state(const std::string& room) {
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

  json sync_body(std::size_t since, bool initial, std::size_t limit) {
    json body = json::object();
    body["next_batch"] = "s" + std::to_string(log.size());
    json join = json::object(), invite = json::object(), leave = json::object();
    if (initial) {
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
    } else {
      std::map<std::string, json> timelines;
      for (std::size_t i = since; i < log.size(); ++i) {
        const auto& e = log[i];
        auto& r = rooms[e.room];
        bool about_me =
            e.ev.value("type", "") == "m.room.member" && e.ev.value("state_key", "") == self.bot_user;
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
      for (auto& [id, events] : timelines) {
        std::size_t n = events.size();
        json kept = json::array();
        for (std::size_t i = n > limit ? n - limit : 0; i < n; ++i) kept.push_back(events[i]);
        // As Synapse does: a room joined since the last sync has its history before the join cut
        // off, so its timeline is `limited` whenever anything came before.
        bool joined_now = false, history = false;
        for (std::size_t i = 0; i < since && i < log.size(); ++i) history = history || log[i].room == id;
        for (const auto& ev : events)
          joined_now = joined_now || (ev.value("type", "") == "m.room.member" &&
                                      ev.value("state_key", "") == self.bot_user &&
                                      ev["content"].value("membership", "") == "join");
        json room = json::object();
        room["state"]["events"] = json::array();
        room["timeline"]["events"] = kept;
        room["timeline"]["limited"] = n > limit || (joined_now && history);
        room["timeline"]["prev_batch"] = "p" + std::to_string(since);
        join[id] = room;
      }
    }
    if (!join.empty()) body["rooms"]["join"] = join;
    if (!invite.empty()) body["rooms"]["invite"] = invite;
    if (!leave.empty()) body["rooms"]["leave"] = leave;
    return body;
  }

  // ---- HTTP ---------------------------------------------------------------------------------------------

  template <class Stream>
  asio::awaitable<void> serve(Stream s) {
    beast::flat_buffer buf;
    for (;;) {
      http::request_parser<http::string_body> parser;
      parser.body_limit(1024 * 1024);
      auto [ec, n] = co_await http::async_read(s, buf, parser, kTuple);
      if (ec == http::error::body_limit) {
        http::response<http::string_body> res{http::status::payload_too_large, 11};
        res.set(http::field::content_type, "application/json");
        res.body() = err("M_TOO_LARGE", "request too large").dump();
        res.prepare_payload();
        co_await http::async_write(s, res, kTuple);
        co_return;
      }
      if (ec) co_return;
      auto req = parser.release();
      Reply r = co_await handle(req);
      http::response<http::string_body> res{static_cast<http::status>(r.status), req.version()};
      res.set(http::field::content_type, "application/json");
      for (auto& [k, v] : r.headers) res.set(k, v);
      res.keep_alive(req.keep_alive());
      res.body() = r.body.is_null() ? "{}" : r.body.dump();
      res.prepare_payload();
      auto [wec, wn] = co_await http::async_write(s, res, kTuple);
      if (wec || !req.keep_alive()) co_return;
    }
  }

  static std::string route_of(const std::vector<std::string>& seg, const std::string& method) {
    auto is = [&](std::size_t n, std::initializer_list<const char*> parts) {
      if (seg.size() != n) return false;
      std::size_t i = 0;
      for (const char* p : parts) {
        if (p && seg[i] != p) return false;
        ++i;
      }
      return true;
    };
    if (method == "POST" && is(1, {"login"})) return "login";
    if (method == "GET" && is(2, {"account", "whoami"})) return "whoami";
    if (method == "POST" && is(3, {"user", nullptr, "filter"})) return "filter";
    if (method == "GET" && is(1, {"sync"})) return "sync";
    if (method == "POST" && (is(3, {"rooms", nullptr, "join"}) || is(2, {"join", nullptr}))) return "join";
    if (method == "POST" && is(3, {"rooms", nullptr, "leave"})) return "leave";
    if (method == "GET" && is(3, {"rooms", nullptr, "joined_members"})) return "joined_members";
    if (method == "GET" && is(4, {"rooms", nullptr, "event", nullptr})) return "event";
    if (method == "PUT" && is(5, {"rooms", nullptr, "send", nullptr, nullptr})) return "send";
    if (method == "GET" && is(2, {"profile", nullptr})) return "profile";
    if (method == "POST" && is(1, {"createRoom"})) return "createRoom";
    if (method == "POST" && is(1, {"logout"})) return "logout";
    if (method == "GET" && is(4, {"rooms", nullptr, "state", nullptr})) return "state";
    return "unknown";
  }

  asio::awaitable<Reply> handle(const http::request<http::string_body>& req) {
    std::string target(req.target());
    auto q = target.find('?');
    std::string path = target.substr(0, q), query = q == std::string::npos ? "" : target.substr(q + 1);
    const std::string prefix = "/_matrix/client/v3/";
    Request rq;
    rq.method = std::string(req.method_string());
    rq.query = query;
    rq.auth = std::string(req[http::field::authorization]);
    rq.at = std::chrono::steady_clock::now();
    bool bad_json = false;
    if (!req.body().empty()) {
      rq.body = json::parse(req.body(), nullptr, false);
      if (rq.body.is_discarded()) {
        rq.body = nullptr;
        bad_json = true;
      }
    }
    std::vector<std::string> seg;
    std::string route = "unknown";
    if (path.rfind(prefix, 0) == 0) {
      seg = split_path(std::string_view(path).substr(prefix.size()));
      route = route_of(seg, rq.method);
    }
    rq.path = "/";
    for (std::size_t i = 0; i < seg.size(); ++i) rq.path += (i ? "/" : "") + seg[i];
    std::optional<Reply> scripted;
    {
      std::lock_guard lk(mu);
      requests[route].push_back(rq);
      if (auto it = scripts.find(route); it != scripts.end() && !it->second.empty()) {
        scripted = std::move(it->second.front());
        it->second.pop_front();
      }
    }
    cv.notify_all();
    if (scripted) co_return *scripted;
    std::chrono::milliseconds late{0};
    {
      std::lock_guard lk(mu);
      if (auto it = delays.find(route); it != delays.end() && !it->second.empty()) {
        late = it->second.front();
        it->second.pop_front();
      }
    }
    Reply r = co_await respond(rq, route, seg, bad_json);
    if (late.count() > 0) {  // the work is done (a sent event is in the room); only the answer waits
      asio::steady_timer t(ioc(), late);
      co_await t.async_wait(kTuple);
    }
    co_return r;
  }

  asio::awaitable<Reply> respond(const Request& rq, const std::string& route,
                                 const std::vector<std::string>& seg, bool bad_json) {
    if (route == "unknown") co_return reply(404, err("M_UNRECOGNIZED", "Unrecognized request"));
    if (bad_json) co_return reply(400, err("M_NOT_JSON", "Content not JSON."));
    if (route == "login") co_return login(rq);

    std::string device, token;
    {
      std::lock_guard lk(mu);
      if (rq.auth.rfind("Bearer ", 0) != 0)
        co_return reply(401, err("M_MISSING_TOKEN", "Missing access token"));
      token = rq.auth.substr(7);
      auto it = tokens.find(token);
      if (it == tokens.end()) {
        json e = err("M_UNKNOWN_TOKEN", "Invalid access token passed.");
        e["soft_logout"] = soft_logout;
        co_return reply(401, e);
      }
      device = it->second;
    }
    if (route == "sync") co_return co_await sync(rq);
    std::lock_guard lk(mu);
    if (route == "whoami") {
      json b = json::object();
      b["user_id"] = self.bot_user;
      b["device_id"] = device;
      b["is_guest"] = false;
      co_return reply(200, b);
    }
    if (route == "filter") {
      std::string id = std::to_string(filters.size() + 1);
      filters[id] = rq.body;
      json b = json::object();
      b["filter_id"] = id;
      co_return reply(200, b);
    }
    if (route == "join") co_return join(seg[1]);
    if (route == "leave") {
      auto& r = rooms[seg[1]];
      bool was = r.members.erase(self.bot_user) > 0 || r.bot_invited;
      r.bot_invited = false;
      if (was) member_event(seg[1], self.bot_user, "leave", self.bot_user);
      changed_later();
      co_return reply(200, json::object());
    }
    if (route == "joined_members") {
      auto it = rooms.find(seg[1]);
      if (it == rooms.end() || !it->second.members.count(self.bot_user))
        co_return reply(403, err("M_FORBIDDEN", "You aren't a member of the room"));
      json joined = json::object();
      for (const auto& m : it->second.members) {
        json info = json::object();
        if (auto n = names.find(m); n != names.end()) info["display_name"] = n->second;
        joined[m] = info;
      }
      json b = json::object();
      b["joined"] = joined;
      co_return reply(200, b);
    }
    if (route == "event") {
      for (const auto& e : log)
        if (e.room == seg[1] && e.ev.value("event_id", "") == seg[3]) co_return reply(200, e.ev);
      co_return reply(404, err("M_NOT_FOUND", "Event not found"));
    }
    if (route == "send") {
      const std::string &room = seg[1], &type = seg[3], &txn = seg[4];
      auto it = rooms.find(room);
      if (it == rooms.end() || !it->second.members.count(self.bot_user))
        co_return reply(403, err("M_FORBIDDEN", "You are not in this room"));
      std::string key = token + "|" + room + "|" + type + "|" + txn;
      std::string id;
      if (auto t = txns.find(key); t != txns.end()) {
        id = t->second;
      } else {
        json u = json::object();
        u["transaction_id"] = txn;
        id = append(room, self.bot_user, type, rq.body, "", false, u);
        txns[key] = id;
        sent.push_back(Sent{room, type, txn, id, rq.body});
        changed_later();
      }
      json b = json::object();
      b["event_id"] = id;
      co_return reply(200, b);
    }
    if (route == "logout") {
      tokens.erase(token);
      co_return reply(200, json::object());
    }
    if (route == "state") {
      auto it = rooms.find(seg[1]);
      if (it == rooms.end() || !it->second.members.count(self.bot_user))
        co_return reply(403, err("M_FORBIDDEN", "You aren't a member of the room"));
      auto n = room_names.find(seg[1]);
      if (seg[3] != "m.room.name" || n == room_names.end())
        co_return reply(404, err("M_NOT_FOUND", "Event not found"));
      json b = json::object();
      b["name"] = n->second;
      co_return reply(200, b);
    }
    if (route == "profile") {
      auto n = names.find(seg[1]);
      if (n == names.end()) co_return reply(404, err("M_NOT_FOUND", "Profile not found"));
      json b = json::object();
      b["displayname"] = n->second;
      co_return reply(200, b);
    }
    if (route == "createRoom") {
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
      co_return reply(200, b);
    }
    co_return reply(404, err("M_UNRECOGNIZED", "Unrecognized request"));
  }

  // Wakes long-polls once the current handler has released `mu`.
  void changed_later() {
    asio::post(ioc(), [this] {
      cv.notify_all();
      for (auto* t : waiters) t->cancel();
    });
  }

  Reply login(const Request& rq) {
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

  Reply join(const std::string& room) {  // mu held
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

  asio::awaitable<Reply> sync(const Request& rq) {
    auto q = parse_query(rq.query);
    std::size_t limit = 10;
    {
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
        limit = filter["room"]["timeline"]["limit"].get<std::size_t>();
    }
    auto since_it = q.find("since");
    if (since_it == q.end() || since_it->second.empty()) {
      std::lock_guard lk(mu);
      co_return reply(200, sync_body(0, true, limit));
    }
    const std::string& since = since_it->second;
    std::size_t k = 0;
    try {
      if (since.size() < 2 || since[0] != 's') throw std::invalid_argument("since");
      std::size_t used = 0;
      k = std::stoul(since.substr(1), &used);
      if (used != since.size() - 1) throw std::invalid_argument("since");
    } catch (const std::exception&) {
      co_return reply(400, err("M_INVALID_PARAM", "Invalid since token"));
    }
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
};

FakeMatrix::FakeMatrix(const TestPki* pki) : impl_(std::make_unique<Impl>(*this, pki)) {}
FakeMatrix::~FakeMatrix() = default;

std::string FakeMatrix::base_url() const {
  return impl_->server.url();
}

std::string FakeMatrix::mint_token(const std::string& device_id) {
  std::lock_guard lk(impl_->mu);
  std::string token = "syt_fake_" + std::to_string(++impl_->next_token);
  impl_->tokens[token] = device_id;
  return token;
}

void FakeMatrix::invalidate_tokens(bool soft_logout) {
  {
    std::lock_guard lk(impl_->mu);
    impl_->tokens.clear();
    impl_->soft_logout = soft_logout;
  }
  impl_->changed();
}

void FakeMatrix::add_user(const std::string& user_id, const std::string& display_name) {
  std::lock_guard lk(impl_->mu);
  impl_->names[user_id] = display_name;
}

void FakeMatrix::add_room(const std::string& room_id, const std::vector<std::string>& members,
                          bool bot_joined, bool encrypted) {
  {
    std::lock_guard lk(impl_->mu);
    auto& r = impl_->rooms[room_id];
    r.encrypted = encrypted;
    for (const auto& m : members) r.members.insert(m);
    if (bot_joined) r.members.insert(bot_user);
  }
}

void FakeMatrix::invite(const std::string& room_id, const std::string& inviter) {
  {
    std::lock_guard lk(impl_->mu);
    auto& r = impl_->rooms[room_id];
    r.bot_invited = true;
    r.inviter = inviter;
    json c = json::object();
    c["membership"] = "invite";
    impl_->append(room_id, inviter, "m.room.member", c, bot_user, true);
  }
  impl_->changed();
}

std::string FakeMatrix::post(const std::string& room_id, const std::string& sender, const std::string& type,
                             json content) {
  std::string id;
  {
    std::lock_guard lk(impl_->mu);
    id = impl_->append(room_id, sender, type, std::move(content));
  }
  impl_->changed();
  return id;
}

std::string FakeMatrix::text(const std::string& room_id, const std::string& sender, const std::string& body) {
  json c = json::object();
  c["msgtype"] = "m.text";
  c["body"] = body;
  return post(room_id, sender, "m.room.message", c);
}

void FakeMatrix::texts(const std::vector<std::array<std::string, 3>>& messages) {
  {
    std::lock_guard lk(impl_->mu);
    for (const auto& [room, sender, body] : messages) {
      json c = json::object();
      c["msgtype"] = "m.text";
      c["body"] = body;
      impl_->append(room, sender, "m.room.message", c);
    }
  }
  impl_->changed();
}

std::string FakeMatrix::redact(const std::string& room_id, const std::string& sender,
                               const std::string& event_id) {
  json c = json::object();
  c["redacts"] = event_id;
  return post(room_id, sender, "m.room.redaction", c);
}

std::string FakeMatrix::react(const std::string& room_id, const std::string& sender,
                              const std::string& target, const std::string& key) {
  json c = json::object();
  c["m.relates_to"]["rel_type"] = "m.annotation";
  c["m.relates_to"]["event_id"] = target;
  c["m.relates_to"]["key"] = key;
  return post(room_id, sender, "m.reaction", c);
}

void FakeMatrix::script(const std::string& route, Reply r) {
  std::lock_guard lk(impl_->mu);
  impl_->scripts[route].push_back(std::move(r));
}

void FakeMatrix::answer_late(const std::string& route, std::chrono::milliseconds by) {
  std::lock_guard lk(impl_->mu);
  impl_->delays[route].push_back(by);
}

void FakeMatrix::set_room_name(const std::string& room_id, const std::string& name) {
  std::lock_guard lk(impl_->mu);
  impl_->room_names[room_id] = name;
}

std::size_t FakeMatrix::live_tokens() const {
  std::lock_guard lk(impl_->mu);
  return impl_->tokens.size();
}

std::vector<FakeMatrix::Request> FakeMatrix::requests(const std::string& route) const {
  std::lock_guard lk(impl_->mu);
  auto it = impl_->requests.find(route);
  return it == impl_->requests.end() ? std::vector<Request>{} : it->second;
}

std::vector<FakeMatrix::Sent> FakeMatrix::sent(const std::string& room_id) const {
  std::lock_guard lk(impl_->mu);
  std::vector<Sent> out;
  for (const auto& s : impl_->sent)
    if (room_id.empty() || s.room == room_id) out.push_back(s);
  return out;
}

std::size_t FakeMatrix::sent_count() const {
  std::lock_guard lk(impl_->mu);
  return impl_->sent.size();
}

bool FakeMatrix::joined(const std::string& room_id) const {
  std::lock_guard lk(impl_->mu);
  auto it = impl_->rooms.find(room_id);
  return it != impl_->rooms.end() && it->second.members.count(bot_user) > 0;
}

std::size_t FakeMatrix::busy_sessions() const {
  std::size_t parked = impl_->parked.load(), open = impl_->server.open_sessions();
  return open > parked ? open - parked : 0;
}

bool FakeMatrix::wait(const std::function<bool()>& pred, std::chrono::milliseconds timeout) const {
  auto deadline = std::chrono::steady_clock::now() + timeout;
  for (;;) {
    if (pred()) return true;
    if (std::chrono::steady_clock::now() >= deadline) return false;
    std::unique_lock lk(impl_->mu);
    impl_->cv.wait_for(lk, std::chrono::milliseconds(10));
  }
}

}  // namespace brigade::testing
