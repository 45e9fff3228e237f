// The fake homeserver: a Beast HTTP(S) server holding rooms, one ordered event log, tokens and
// devices, answering the Client-Server API routes Brigade calls. This file: HTTP, the event log and
// the public face; /sync and the other routes have their own files.
#include "testkit/matrix/fake_homeserver.hpp"

#include "testkit/matrix/fake_homeserver_impl.hpp"
#include "testkit/net/percent.hpp"

namespace brigade::testing {

using namespace fake_matrix;

namespace {

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

}  // namespace

FakeMatrix::Impl::Impl(FakeMatrix& s, const TestPki* pki)
    : self(s),
      server({.pki = pki}, {.plain = [this](PlainStream st) { return serve(std::move(st)); },
                            .tls = [this](TlsStream st) { return serve(std::move(st)); }}) {
  server.sync();
}

void FakeMatrix::Impl::changed() {
  cv.notify_all();
  asio::post(ioc(), [this] {
    for (auto* t : waiters) t->cancel();
  });
}

void FakeMatrix::Impl::changed_later() {
  asio::post(ioc(), [this] {
    cv.notify_all();
    for (auto* t : waiters) t->cancel();
  });
}

// ---- the event log ----------------------------------------------------------------------------------

std::string FakeMatrix::Impl::append(const std::string& room, const std::string& sender,
                                     const std::string& type, json content, const std::string& state_key,
                                     bool state, json unsigned_) {
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

std::string FakeMatrix::Impl::member_event(const std::string& room, const std::string& user,
                                           const std::string& membership, const std::string& sender) {
  json c = json::object();
  c["membership"] = membership;
  if (auto n = names.find(user); n != names.end() && membership == "join") c["displayname"] = n->second;
  return append(room, sender, "m.room.member", c, user, true);
}

// ---- HTTP -------------------------------------------------------------------------------------------

template <class Stream>
asio::awaitable<void> FakeMatrix::Impl::serve(Stream s) {
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

std::string FakeMatrix::Impl::route_of(const std::vector<std::string>& seg, const std::string& method) {
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
  if (method == "GET" && is(1, {"joined_rooms"})) return "joined_rooms";
  if (method == "GET" && is(4, {"rooms", nullptr, "event", nullptr})) return "event";
  if (method == "PUT" && is(5, {"rooms", nullptr, "send", "m.reaction", nullptr})) return "react";
  if (method == "PUT" && is(5, {"rooms", nullptr, "send", nullptr, nullptr})) return "send";
  if (method == "GET" && is(2, {"profile", nullptr})) return "profile";
  if (method == "POST" && is(1, {"createRoom"})) return "createRoom";
  if (method == "POST" && is(1, {"logout"})) return "logout";
  if (method == "GET" && is(4, {"rooms", nullptr, "state", nullptr})) return "state";
  return "unknown";
}

asio::awaitable<FakeMatrix::Reply> FakeMatrix::Impl::handle(const http::request<http::string_body>& req) {
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

// ---- the public face --------------------------------------------------------------------------------

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

std::string FakeMatrix::set_membership(const std::string& room_id, const std::string& user,
                                       const std::string& membership, const std::string& sender) {
  std::string id;
  {
    std::lock_guard lk(impl_->mu);
    auto& r = impl_->rooms[room_id];
    json before = json::object();
    before["membership"] = r.members.count(user) ? "join" : "leave";
    json u = json::object();
    u["prev_content"] = before;
    if (membership == "join")
      r.members.insert(user);
    else
      r.members.erase(user);
    json c = json::object();
    c["membership"] = membership;
    if (auto n = impl_->names.find(user); n != impl_->names.end() && membership == "join")
      c["displayname"] = n->second;
    id = impl_->append(room_id, sender.empty() ? user : sender, "m.room.member", c, user, true, u);
  }
  impl_->changed();
  return id;
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
