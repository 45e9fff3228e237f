// The fake Slack: a Beast server with the Web API methods Brigade calls and Socket Mode WebSockets.
#include "testkit/slack/fake_slack.hpp"

#include <boost/beast/websocket.hpp>
#include <boost/beast/websocket/ssl.hpp>

#include "testkit/slack/fake_slack_impl.hpp"

namespace brigade::testing {

namespace websocket = beast::websocket;
using nlohmann::json;

// ---- Socket Mode ------------------------------------------------------------------------------------

namespace {

template <class Stream>
struct WsConn : WsConnBase, std::enable_shared_from_this<WsConn<Stream>> {
  WsConn(Stream s, FakeSlack::Impl& i)
      : ws(std::move(s)), wake(i.ioc(), asio::steady_timer::time_point::max()), impl(i) {}
  websocket::stream<Stream> ws;
  std::deque<std::string> q;
  asio::steady_timer wake;
  FakeSlack::Impl& impl;
  std::size_t index = 0;
  bool dead = false;
  void send(std::string f) override {
    q.push_back(std::move(f));
    wake.cancel();
  }
  void reset() override {
    dead = true;
    beast::error_code ec;
    auto& sock = beast::get_lowest_layer(ws).socket();
    sock.set_option(asio::socket_base::linger(true, 0), ec);
    sock.close(ec);
    wake.cancel();
  }
  void freeze() override {
    beast::error_code ec;
    beast::get_lowest_layer(ws).socket().cancel(ec);  // the pending read ends; no pongs from now on
  }
  asio::awaitable<void> writer() {
    auto keep = this->shared_from_this();
    while (!dead) {
      while (!q.empty() && !dead) {
        std::string f = std::move(q.front());
        q.pop_front();
        ws.text(true);
        auto [ec, n] = co_await ws.async_write(asio::buffer(f), kTuple);
        if (ec) dead = true;
      }
      if (dead) break;
      wake.expires_at(asio::steady_timer::time_point::max());
      co_await wake.async_wait(kTuple);
    }
  }
};

}  // namespace

// ---- the server ------------------------------------------------------------------------------------

FakeSlack::Impl::Impl(FakeSlack& s, const TestPki* pki)
    : self(s),
      server({.pki = pki}, {.plain = [this](PlainStream st) { return serve(std::move(st)); },
                            .tls = [this](TlsStream st) { return serve(std::move(st)); }}) {
  server.sync();
}

FakeSlack::Impl::~Impl() {
  asio::post(ioc(), [this] {
    for (auto& c : ws) c->reset();
  });
  // Sessions end on their own once their sockets are closed; stop() bounds the wait.
  server.stop();
}

std::chrono::milliseconds FakeSlack::Impl::take_delay(std::string_view target) {
  std::lock_guard lk(mu);
  std::string method(target.rfind("/api/", 0) == 0 ? target.substr(5) : target);
  auto it = delays.find(method);
  if (it == delays.end() || it->second.empty()) return {};
  auto d = it->second.front();
  it->second.pop_front();
  return d;
}

template <class Stream>
asio::awaitable<void> FakeSlack::Impl::serve(Stream s) {
  beast::flat_buffer buf;
  for (;;) {
    http::request<http::string_body> req;
    auto [ec, n] = co_await http::async_read(s, buf, req, kTuple);
    if (ec) co_return;
    if (websocket::is_upgrade(req)) {
      co_await ws_session(std::move(s), std::move(req));
      co_return;
    }
    auto res = handle(req);
    if (auto late = take_delay(req.target()); late.count() > 0) {  // recorded at once, answered late
      asio::steady_timer t(ioc(), late);
      co_await t.async_wait(kTuple);
    }
    auto [wec, wn] = co_await http::async_write(s, res, kTuple);
    if (wec || !req.keep_alive()) co_return;
  }
}

template <class Stream>
asio::awaitable<void> FakeSlack::Impl::ws_session(Stream s, Request req) {
  auto c = std::make_shared<WsConn<Stream>>(std::move(s), *this);
  c->ws.set_option(websocket::stream_base::timeout::suggested(beast::role_type::server));
  c->ws.read_message_max(8 * 1024 * 1024);
  auto [ec] = co_await c->ws.async_accept(req, kTuple);
  if (ec) co_return;
  {
    std::lock_guard lk(mu);
    c->index = ws.size();
    ws.push_back(c);
  }
  notify();
  asio::co_spawn(ioc(), c->writer(), asio::detached);
  if (self.hello_on_connect)
    c->send(
        R"({"type":"hello","num_connections":1,"debug_info":{"host":"fake-applink","approximate_connection_time":18060},"connection_info":{"app_id":"A000TEST"}})");
  beast::flat_buffer buf;
  for (;;) {
    auto [rec, n] = co_await c->ws.async_read(buf, kTuple);
    if (rec) {
      if (rec == websocket::error::closed) {
        std::lock_guard lk(mu);
        clean_close.insert(c->index);
      }
      notify();
      break;
    }
    auto j = json::parse(beast::buffers_to_string(buf.data()), nullptr, false);
    buf.consume(buf.size());
    if (j.is_object() && j.contains("envelope_id")) {
      std::lock_guard lk(mu);
      acks.push_back(j["envelope_id"].get<std::string>());
      ack_conn.push_back(c->index);
      ack_payloads[acks.back()] = j.contains("payload") ? j["payload"] : json();
    }
    notify();
  }
}

// ---- the public face -------------------------------------------------------------------------------

FakeSlack::FakeSlack(const TestPki* pki) : impl_(std::make_unique<Impl>(*this, pki)) {}
FakeSlack::~FakeSlack() = default;

std::string FakeSlack::api_url() const {
  return impl_->server.url() + "/api/";
}

void FakeSlack::add_user(const std::string& id, const std::string& name, bool is_bot) {
  std::lock_guard lk(impl_->mu);
  impl_->users.push_back(json{{"id", id},
                              {"team_id", "T000TEST"},
                              {"name", name},
                              {"deleted", false},
                              {"is_bot", is_bot},
                              {"tz", "Europe/Berlin"},
                              {"profile", {{"display_name", name}, {"real_name", name}}}});
}

void FakeSlack::add_group(const std::string& id, std::vector<std::string> members) {
  std::lock_guard lk(impl_->mu);
  impl_->groups[id] = std::move(members);
}

void FakeSlack::answer_late(const std::string& method, std::chrono::milliseconds by) {
  std::lock_guard lk(impl_->mu);
  impl_->delays[method].push_back(by);
}

void FakeSlack::script(const std::string& method, Reply r) {
  std::lock_guard lk(impl_->mu);
  impl_->scripts[method].push_back(std::move(r));
}

std::optional<std::string> FakeSlack::message(const std::string& channel, const std::string& ts) const {
  std::lock_guard lk(impl_->mu);
  auto it = impl_->messages.find({channel, ts});
  if (it == impl_->messages.end()) return std::nullopt;
  return it->second;
}

void FakeSlack::delete_message(const std::string& channel, const std::string& ts) {
  std::lock_guard lk(impl_->mu);
  impl_->messages.erase({channel, ts});
}

json FakeSlack::message_blocks(const std::string& channel, const std::string& ts) const {
  std::lock_guard lk(impl_->mu);
  auto it = impl_->message_blocks.find({channel, ts});
  return it == impl_->message_blocks.end() ? json() : it->second;
}

std::string FakeSlack::mint_trigger(std::chrono::milliseconds age) {
  std::lock_guard lk(impl_->mu);
  std::string id = "1000000000" + std::to_string(100 + ++impl_->trigger_seq) + ".1000000000.fake" +
                   std::to_string(impl_->trigger_seq) + "trigger";
  impl_->triggers[id] = std::chrono::steady_clock::now() - age;
  return id;
}

std::optional<json> FakeSlack::view(const std::string& view_id) const {
  std::lock_guard lk(impl_->mu);
  auto it = impl_->views.find(view_id);
  if (it == impl_->views.end()) return std::nullopt;
  return it->second;
}

std::vector<std::string> FakeSlack::opened_views() const {
  std::lock_guard lk(impl_->mu);
  return impl_->opened;
}

std::optional<json> FakeSlack::home(const std::string& user) const {
  std::lock_guard lk(impl_->mu);
  auto it = impl_->homes.find(user);
  if (it == impl_->homes.end()) return std::nullopt;
  return it->second;
}

void FakeSlack::touch_home(const std::string& user) {
  std::lock_guard lk(impl_->mu);
  auto& h = impl_->homes[user];
  if (!h.is_object()) h = json{{"type", "home"}, {"id", "V000HOMEX"}};
  h["hash"] = impl_->next_hash();
}

void FakeSlack::send(std::size_t conn, const std::string& frame) {
  asio::post(impl_->ioc(), [this, conn, frame] {
    std::shared_ptr<WsConnBase> c;
    {
      std::lock_guard lk(impl_->mu);
      if (conn < impl_->ws.size()) c = impl_->ws[conn];
    }
    if (c) c->send(frame);
  });
}

void FakeSlack::send_latest(const std::string& frame) {
  std::size_t n = connections();
  if (n) send(n - 1, frame);
}

void FakeSlack::reset(std::size_t conn) {
  asio::post(impl_->ioc(), [this, conn] {
    std::lock_guard lk(impl_->mu);
    if (conn < impl_->ws.size()) impl_->ws[conn]->reset();
  });
}

void FakeSlack::freeze(std::size_t conn) {
  asio::post(impl_->ioc(), [this, conn] {
    std::lock_guard lk(impl_->mu);
    if (conn < impl_->ws.size()) impl_->ws[conn]->freeze();
  });
}

std::vector<FakeSlack::Call> FakeSlack::calls(const std::string& method) const {
  std::lock_guard lk(impl_->mu);
  std::vector<Call> out;
  for (auto& c : impl_->calls)
    if (c.method == method) out.push_back(c);
  return out;
}

std::vector<std::string> FakeSlack::acks() const {
  std::lock_guard lk(impl_->mu);
  return impl_->acks;
}

json FakeSlack::ack_payload(const std::string& envelope_id) const {
  std::lock_guard lk(impl_->mu);
  auto it = impl_->ack_payloads.find(envelope_id);
  return it == impl_->ack_payloads.end() ? json() : it->second;
}

std::vector<FakeSlack::Call> FakeSlack::calls_since(std::size_t& cursor) const {
  std::lock_guard lk(impl_->mu);
  std::vector<Call> out;
  for (; cursor < impl_->calls.size(); ++cursor) out.push_back(impl_->calls[cursor]);
  return out;
}

std::vector<std::string> FakeSlack::acks_since(std::size_t& cursor) const {
  std::lock_guard lk(impl_->mu);
  std::vector<std::string> out;
  for (; cursor < impl_->acks.size(); ++cursor) out.push_back(impl_->acks[cursor]);
  return out;
}

bool FakeSlack::closed_cleanly(std::size_t conn) const {
  std::lock_guard lk(impl_->mu);
  return impl_->clean_close.count(conn) > 0;
}

std::size_t FakeSlack::connections() const {
  std::lock_guard lk(impl_->mu);
  return impl_->ws.size();
}

std::size_t FakeSlack::open_sessions() const {
  return impl_->server.open_sessions();
}

std::size_t FakeSlack::opens() const {
  std::lock_guard lk(impl_->mu);
  return impl_->opens;
}

bool FakeSlack::wait(const std::function<bool()>& pred, std::chrono::milliseconds timeout) const {
  auto until = std::chrono::steady_clock::now() + timeout;
  for (;;) {
    if (pred()) return true;
    std::unique_lock lk(impl_->mu);
    // Short waits: predicates may depend on state outside the fake (the store).
    impl_->cv.wait_for(lk, std::chrono::milliseconds(20));
    lk.unlock();
    if (std::chrono::steady_clock::now() >= until) return pred();
  }
}

}  // namespace brigade::testing
