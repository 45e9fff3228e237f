// The fake homeserver's insides, shared by its sources: fake_homeserver.cpp (HTTP, the event log,
// the public API), fake_homeserver_sync.cpp (/sync and the state it carries),
// fake_homeserver_routes.cpp (every other route) and fake_homeserver_relations.cpp (edits and
// reactions as clients see them). Includes Beast.
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <map>
#include <mutex>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include <boost/beast/http.hpp>

#include "testkit/matrix/fake_homeserver.hpp"
#include "testkit/net/loopback_server.hpp"

namespace brigade::testing {

namespace http = beast::http;

namespace fake_matrix {

using nlohmann::json;

inline std::int64_t now_ms() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

// A Matrix error body: {"errcode": code, "error": text}.
inline json err(const std::string& code, const std::string& text) {
  json j = json::object();
  j["errcode"] = code;
  j["error"] = text;
  return j;
}

inline FakeMatrix::Reply reply(int status, json body) {
  FakeMatrix::Reply r;
  r.status = status;
  r.body = std::move(body);
  return r;
}

}  // namespace fake_matrix

struct FakeMatrix::Impl {
  using json = nlohmann::json;
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

  Impl(FakeMatrix& s, const TestPki* pki);
  ~Impl() { server.stop(); }

  asio::io_context& ioc() { return server.ioc(); }
  // Called with `mu` not held, after the log changed: long-polls re-check.
  void changed();
  // Wakes long-polls once the current handler has released `mu`.
  void changed_later();

  // The event log (mu held).
  std::string append(const std::string& room, const std::string& sender, const std::string& type,
                     json content, const std::string& state_key = "", bool state = false,
                     json unsigned_ = nullptr);
  std::string member_event(const std::string& room, const std::string& user, const std::string& membership,
                           const std::string& sender);

  // HTTP: requests are recorded, then answered as scripted or by their route.
  template <class Stream>
  asio::awaitable<void> serve(Stream s);
  asio::awaitable<Reply> handle(const http::request<http::string_body>& req);
  static std::string route_of(const std::vector<std::string>& seg, const std::string& method);

  // /sync (fake_homeserver_sync.cpp; the helpers with mu held).
  asio::awaitable<Reply> sync(const Request& rq);
  std::size_t timeline_limit(const std::map<std::string, std::string>& query);
  json member_state(const std::string& room);
  json invite_state(const std::string& room);
  json sync_body(std::size_t since, bool initial, std::size_t limit);
  void initial_rooms(std::size_t limit, json& join, json& invite);
  void rooms_since(std::size_t since, std::size_t limit, json& join, json& invite, json& leave);
  json joined_room(const std::string& id, const json& events, std::size_t since, std::size_t limit);

  // The other routes (fake_homeserver_routes.cpp; each with mu held unless it says otherwise).
  asio::awaitable<Reply> respond(const Request& rq, const std::string& route,
                                 const std::vector<std::string>& seg, bool bad_json);
  std::optional<Reply> unauthorised(const Request& rq, std::string& token, std::string& device);  // takes mu
  Reply answer_route(const Request& rq, const std::string& route, const std::vector<std::string>& seg,
                     const std::string& token, const std::string& device);  // takes mu
  Reply login(const Request& rq);                                           // takes mu
  Reply join(const std::string& room);
  Reply leave(const std::string& room);
  Reply joined_members(const std::string& room);
  Reply joined_rooms();
  Reply event(const std::string& room, const std::string& event_id);
  Reply send(const Request& rq, const std::vector<std::string>& seg, const std::string& token);
  std::optional<Reply> relation_refused(const std::string& room, const json& content);
  bool redacted(const std::string& event_id) const;
  std::optional<Reply> duplicate_annotation(const std::string& room, const std::string& sender, const json& content);
  Reply state(const std::string& room, const std::string& type);
  Reply profile(const std::string& user);
  Reply create_room(const Request& rq);

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
};

}  // namespace brigade::testing
