// The fake Slack: a Beast server with the Web API methods Brigade calls and Socket Mode WebSockets.
#include "tests/integration/fake_slack.hpp"

#include <openssl/bio.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include <atomic>
#include <optional>
#include <set>
#include <stdexcept>
#include <thread>

#include <boost/asio.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/beast.hpp>
#include <boost/beast/ssl.hpp>
#include <boost/beast/websocket.hpp>
#include <boost/beast/websocket/ssl.hpp>

namespace brigade::testing {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
namespace websocket = beast::websocket;
using asio::ip::tcp;
using nlohmann::json;
constexpr auto kTuple = asio::as_tuple(asio::use_awaitable);

// ---- PKI -------------------------------------------------------------------------------------------

namespace {

std::string bio_string(BIO* b) {
  char* data = nullptr;
  long n = BIO_get_mem_data(b, &data);
  return std::string(data, static_cast<std::size_t>(n));
}

void add_ext(X509* cert, X509* issuer, int nid, const char* value) {
  X509V3_CTX ctx;
  X509V3_set_ctx_nodb(&ctx);
  X509V3_set_ctx(&ctx, issuer, cert, nullptr, nullptr, 0);
  X509_EXTENSION* ext = X509V3_EXT_conf_nid(nullptr, &ctx, nid, value);
  if (!ext) throw std::runtime_error("X509V3_EXT_conf_nid failed");
  X509_add_ext(cert, ext, -1);
  X509_EXTENSION_free(ext);
}

X509* make_cert(EVP_PKEY* key, const char* cn, X509* issuer, EVP_PKEY* issuer_key, long serial, bool ca) {
  X509* x = X509_new();
  X509_set_version(x, 2);
  ASN1_INTEGER_set(X509_get_serialNumber(x), serial);
  X509_gmtime_adj(X509_getm_notBefore(x), -3600);
  X509_gmtime_adj(X509_getm_notAfter(x), 86400);
  X509_set_pubkey(x, key);
  X509_NAME* name = X509_get_subject_name(x);
  X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC, reinterpret_cast<const unsigned char*>(cn), -1, -1, 0);
  X509_set_issuer_name(x, issuer ? X509_get_subject_name(issuer) : name);
  X509* iss = issuer ? issuer : x;
  if (ca) {
    add_ext(x, iss, NID_basic_constraints, "critical,CA:TRUE");
    add_ext(x, iss, NID_key_usage, "critical,keyCertSign,cRLSign");
    add_ext(x, iss, NID_subject_key_identifier, "hash");
  } else {
    add_ext(x, iss, NID_basic_constraints, "CA:FALSE");
    add_ext(x, iss, NID_subject_alt_name, "IP:127.0.0.1,DNS:localhost");
    add_ext(x, iss, NID_ext_key_usage, "serverAuth");
    add_ext(x, iss, NID_authority_key_identifier, "keyid");
  }
  X509_sign(x, issuer_key, EVP_sha256());
  return x;
}

std::string pem_cert(X509* x) {
  BIO* b = BIO_new(BIO_s_mem());
  PEM_write_bio_X509(b, x);
  auto s = bio_string(b);
  BIO_free(b);
  return s;
}

}  // namespace

TestPki TestPki::generate() {
  EVP_PKEY* ca_key = EVP_EC_gen("P-256");
  EVP_PKEY* srv_key = EVP_EC_gen("P-256");
  if (!ca_key || !srv_key) throw std::runtime_error("EVP_EC_gen failed");
  X509* ca = make_cert(ca_key, "Brigade Test CA", nullptr, ca_key, 1, true);
  X509* srv = make_cert(srv_key, "localhost", ca, ca_key, 2, false);
  TestPki p;
  p.ca_pem = pem_cert(ca);
  p.cert_pem = pem_cert(srv);
  BIO* b = BIO_new(BIO_s_mem());
  PEM_write_bio_PrivateKey(b, srv_key, nullptr, nullptr, 0, nullptr, nullptr);
  p.key_pem = bio_string(b);
  BIO_free(b);
  X509_free(ca);
  X509_free(srv);
  EVP_PKEY_free(ca_key);
  EVP_PKEY_free(srv_key);
  return p;
}

// ---- the server ------------------------------------------------------------------------------------

struct WsConnBase {
  virtual ~WsConnBase() = default;
  virtual void send(std::string frame) = 0;
  virtual void reset() = 0;
  virtual void freeze() = 0;
};

struct FakeSlack::Impl {
  explicit Impl(FakeSlack& s, const TestPki* pki) : self(s), acceptor(ioc) {
    if (pki) {
      tls.emplace(asio::ssl::context::tls_server);
      tls->use_certificate_chain(asio::buffer(pki->cert_pem));
      tls->use_private_key(asio::buffer(pki->key_pem), asio::ssl::context::pem);
    }
    tcp::endpoint ep(asio::ip::make_address("127.0.0.1"), 0);
    acceptor.open(ep.protocol());
    acceptor.set_option(asio::socket_base::reuse_address(true));
    acceptor.bind(ep);
    acceptor.listen();
    port = acceptor.local_endpoint().port();
    asio::co_spawn(ioc, accept_loop(), asio::detached);
    thread = std::thread([this] { ioc.run(); });
  }
  ~Impl() {
    asio::post(ioc, [this] {
      beast::error_code ec;
      acceptor.close(ec);
      for (auto& c : ws) c->reset();
    });
    // Sessions end on their own once their sockets are closed; stop() bounds the wait.
    asio::post(ioc, [this] { ioc.stop(); });
    thread.join();
  }

  void notify() { cv.notify_all(); }

  std::chrono::milliseconds take_delay(std::string_view target) {
    std::lock_guard lk(mu);
    std::string method(target.rfind("/api/", 0) == 0 ? target.substr(5) : target);
    auto it = delays.find(method);
    if (it == delays.end() || it->second.empty()) return {};
    auto d = it->second.front();
    it->second.pop_front();
    return d;
  }

  asio::awaitable<void> accept_loop() {
    for (;;) {
      auto [ec, sock] = co_await acceptor.async_accept(kTuple);
      if (ec) co_return;
      asio::co_spawn(ioc, session(std::move(sock)), asio::detached);
    }
  }

  asio::awaitable<void> session(tcp::socket sock) {
    struct Open {
      std::atomic<std::size_t>& n;
      explicit Open(std::atomic<std::size_t>& c) : n(c) { ++n; }
      ~Open() { --n; }
    } open(sessions);
    if (tls) {
      beast::ssl_stream<beast::tcp_stream> s(std::move(sock), *tls);
      auto [ec] = co_await s.async_handshake(asio::ssl::stream_base::server, kTuple);
      if (ec) co_return;
      co_await serve(std::move(s));
    } else {
      co_await serve(beast::tcp_stream(std::move(sock)));
    }
  }

  template <class Stream>
  asio::awaitable<void> serve(Stream s) {
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
        asio::steady_timer t(ioc, late);
        co_await t.async_wait(kTuple);
      }
      auto [wec, wn] = co_await http::async_write(s, res, kTuple);
      if (wec || !req.keep_alive()) co_return;
    }
  }

  template <class Stream>
  struct WsConn : WsConnBase, std::enable_shared_from_this<WsConn<Stream>> {
    WsConn(Stream s, Impl& i)
        : ws(std::move(s)), wake(i.ioc, asio::steady_timer::time_point::max()), impl(i) {}
    websocket::stream<Stream> ws;
    std::deque<std::string> q;
    asio::steady_timer wake;
    Impl& impl;
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

  template <class Stream>
  asio::awaitable<void> ws_session(Stream s, http::request<http::string_body> req) {
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
    asio::co_spawn(ioc, c->writer(), asio::detached);
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
      }
      notify();
    }
  }

  static std::string url_decode(std::string_view s) {
    std::string o;
    for (std::size_t i = 0; i < s.size(); ++i) {
      if (s[i] == '+') {
        o += ' ';
      } else if (s[i] == '%' && i + 2 < s.size()) {
        o += static_cast<char>(std::stoi(std::string(s.substr(i + 1, 2)), nullptr, 16));
        i += 2;
      } else {
        o += s[i];
      }
    }
    return o;
  }

  http::response<http::string_body> handle(const http::request<http::string_body>& req) {
    std::string target(req.target());
    std::string method;
    if (target.rfind("/api/", 0) == 0)
      method = target.substr(5);
    else if (target.rfind("/response_url/", 0) == 0)
      method = "response_url";
    else
      method = target;
    json args = json::object();
    std::string ct(req[http::field::content_type]);
    if (ct.find("json") != std::string::npos) {
      args = json::parse(req.body(), nullptr, false);
      if (args.is_discarded()) args = json::object();
    } else {
      std::string_view b = req.body();
      while (!b.empty()) {
        auto amp = b.find('&');
        auto kv = b.substr(0, amp);
        auto eq = kv.find('=');
        if (eq != std::string_view::npos) args[url_decode(kv.substr(0, eq))] = url_decode(kv.substr(eq + 1));
        if (amp == std::string_view::npos) break;
        b.remove_prefix(amp + 1);
      }
    }
    Call call{method, std::string(req[http::field::authorization]), args, std::chrono::steady_clock::now()};
    Reply r = answer(call);
    {
      std::lock_guard lk(mu);
      calls.push_back(call);
    }
    notify();
    http::response<http::string_body> res{static_cast<http::status>(r.status), req.version()};
    res.set(http::field::content_type, "application/json; charset=utf-8");
    for (auto& [k, v] : r.headers) res.set(k, v);
    res.keep_alive(req.keep_alive());
    res.body() = r.body.dump();
    res.prepare_payload();
    return res;
  }

  static Reply ok(json body) {
    body["ok"] = true;
    return Reply{200, {}, std::move(body)};
  }
  static Reply error(const std::string& e) { return Reply{200, {}, json{{"ok", false}, {"error", e}}}; }

  Reply answer(const Call& c) {
    {
      std::lock_guard lk(mu);
      auto it = scripts.find(c.method);
      if (it != scripts.end() && !it->second.empty()) {
        Reply r = std::move(it->second.front());
        it->second.pop_front();
        if (c.method == "apps.connections.open") ++opens;
        return r;
      }
    }
    const std::string bot = "Bearer " + self.bot_token;
    if (c.method == "apps.connections.open") {
      if (c.auth != "Bearer " + self.app_token) return error("invalid_auth");
      std::lock_guard lk(mu);
      ++opens;
      return ok(json{{"url", std::string(tls ? "wss" : "ws") + "://127.0.0.1:" + std::to_string(port) +
                                 "/link/?ticket=t" + std::to_string(opens) + "&app_id=A000TEST"}});
    }
    if (c.auth != bot && c.method != "response_url") return error("invalid_auth");
    if (c.method == "auth.test")
      return ok(json{
          {"team_id", "T000TEST"}, {"user_id", "U00BRIGADE"}, {"bot_id", "B00BRIGADE"}, {"user", "brigade"}});
    if (c.method == "users.list") {
      std::lock_guard lk(mu);
      std::size_t from = 0;
      std::string cursor = c.args.value("cursor", "");
      if (!cursor.empty()) {
        if (cursor[0] != 'c') return error("invalid_cursor");
        from = std::stoul(cursor.substr(1));
      }
      json members = json::array();
      for (std::size_t i = from; i < users.size() && i < from + self.page_size; ++i)
        members.push_back(users[i]);
      std::size_t next = from + self.page_size;
      return ok(json{
          {"members", members},
          {"response_metadata", {{"next_cursor", next < users.size() ? "c" + std::to_string(next) : ""}}}});
    }
    if (c.method == "users.info") {
      std::lock_guard lk(mu);
      for (auto& u : users)
        if (u["id"] == c.args.value("user", "")) return ok(json{{"user", u}});
      return error("user_not_found");
    }
    if (c.method == "usergroups.users.list") {
      std::lock_guard lk(mu);
      auto it = groups.find(c.args.value("usergroup", ""));
      if (it == groups.end()) return error("no_such_subteam");
      return ok(json{{"users", it->second}});
    }
    if (c.method == "conversations.info") {
      std::string id = c.args.value("channel", "");
      return ok(json{{"channel", {{"id", id}, {"name", "chan-" + id}}}});
    }
    if (c.method == "chat.postMessage" || c.method == "chat.postEphemeral") {
      std::lock_guard lk(mu);
      return ok(json{{"channel", c.args.value("channel", "")},
                     {"ts", "1767268800." + std::to_string(100000 + calls.size())},
                     {"message_ts", "1767268800.000001"}});
    }
    if (c.method == "response_url") return ok(json::object());
    return error("unknown_method");
  }

  FakeSlack& self;
  asio::io_context ioc{1};
  std::optional<asio::ssl::context> tls;
  tcp::acceptor acceptor;
  std::uint16_t port = 0;
  std::thread thread;

  mutable std::mutex mu;
  mutable std::condition_variable cv;
  std::vector<Call> calls;
  std::vector<std::string> acks;
  std::vector<std::size_t> ack_conn;
  std::set<std::size_t> clean_close;
  std::map<std::string, std::deque<Reply>> scripts;
  std::map<std::string, std::deque<std::chrono::milliseconds>> delays;  // method → answer late by
  std::vector<json> users;
  std::map<std::string, std::vector<std::string>> groups;
  std::size_t opens = 0;
  std::vector<std::shared_ptr<WsConnBase>> ws;
  std::atomic<std::size_t> sessions{0};
};

FakeSlack::FakeSlack(const TestPki* pki) : impl_(std::make_unique<Impl>(*this, pki)) {}
FakeSlack::~FakeSlack() = default;

std::string FakeSlack::api_url() const {
  return std::string(impl_->tls ? "https" : "http") + "://127.0.0.1:" + std::to_string(impl_->port) + "/api/";
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

void FakeSlack::send(std::size_t conn, const std::string& frame) {
  asio::post(impl_->ioc, [this, conn, frame] {
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
  asio::post(impl_->ioc, [this, conn] {
    std::lock_guard lk(impl_->mu);
    if (conn < impl_->ws.size()) impl_->ws[conn]->reset();
  });
}

void FakeSlack::freeze(std::size_t conn) {
  asio::post(impl_->ioc, [this, conn] {
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
  return impl_->sessions.load();
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

std::string slash_envelope(const std::string& envelope_id, const std::string& command,
                           const std::string& text, const std::string& user, const std::string& trigger,
                           const std::string& channel) {
  json j = {{"envelope_id", envelope_id},
            {"type", "slash_commands"},
            {"accepts_response_payload", true},
            {"payload",
             {{"token", "verification-token-test"},
              {"team_id", "T000TEST"},
              {"team_domain", "brigade-test"},
              {"channel_id", channel},
              {"channel_name", "kudos"},
              {"user_id", user},
              {"user_name", "carol"},
              {"command", "/" + command},
              {"text", text},
              {"api_app_id", "A000TEST"},
              {"trigger_id", trigger.empty() ? "trig-" + envelope_id : trigger}}}};
  return j.dump();
}

std::string event_envelope(const std::string& envelope_id, const std::string& event_id, json event,
                           int retry_attempt) {
  json j = {{"envelope_id", envelope_id},
            {"type", "events_api"},
            {"accepts_response_payload", false},
            {"retry_attempt", retry_attempt},
            {"retry_reason", retry_attempt ? "timeout" : ""},
            {"payload",
             {{"team_id", "T000TEST"},
              {"api_app_id", "A000TEST"},
              {"type", "event_callback"},
              {"event_id", event_id},
              {"event_time", 1767268800},
              {"event", std::move(event)}}}};
  return j.dump();
}

}  // namespace brigade::testing
