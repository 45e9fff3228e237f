// slack_load's Slack on loopback: envelopes out, acks timed, Web API answers without a JSON parse.
#include "bench/slack_load_server.hpp"

#include <algorithm>
#include <future>

namespace brigade::bench {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
namespace websocket = beast::websocket;
using testing::kTuple;
using testing::PlainStream;

namespace {

// The argument `name` from a JSON or form body, without a full parse.
std::string arg(const std::string& body, const std::string& name) {
  auto j = body.find("\"" + name + "\":\"");
  if (j != std::string::npos) {
    auto start = j + name.size() + 4;
    return body.substr(start, body.find('"', start) - start);
  }
  auto f = body.find(name + "=");
  if (f != std::string::npos && (f == 0 || body[f - 1] == '&')) {
    auto start = f + name.size() + 1;
    auto end = body.find('&', start);
    return body.substr(start, end == std::string::npos ? std::string::npos : end - start);
  }
  return {};
}

std::string user_json(const std::string& id) {
  return R"({"id":")" + id + R"(","team_id":"T000BENCH","name":"n)" + id.substr(1) +
         R"(","deleted":false,"is_bot":false,"profile":{"display_name":"n)" + id.substr(1) + R"("}})";
}

}  // namespace

LoadServer::LoadServer(const Options& o)
    : opt_(o),
      server_({.backlog = 1024, .no_delay = true},
              {.plain = [this](PlainStream s) { return session(std::move(s)); }}) {
  build_envelopes();
  sent_at_.assign(o.commands, Clock::time_point{});
  latency_ms_.reserve(o.commands);
}

LoadServer::~LoadServer() {
  server_.stop();
}

void LoadServer::start_load() {
  asio::post(server_.ioc(), [this] {
    started_ = Clock::now();
    for (std::size_t i = 0; i < opt_.window && next_ < envelopes_.size(); ++i) push_next();
  });
}

void LoadServer::finish(Result& r) {
  std::promise<void> done;
  asio::post(server_.ioc(), [&] {
    r.sent = next_;
    r.acked = acked_;
    if (first_ack_ != Clock::time_point{})
      r.first_ack_ms = std::chrono::duration<double, std::milli>(first_ack_ - started_).count();
    auto end = last_ack_ == Clock::time_point{} ? Clock::now() : last_ack_;
    r.seconds = std::chrono::duration<double>(end - started_).count();
    r.acks_per_s = r.seconds > 0 ? static_cast<double>(acked_) / r.seconds : 0;
    auto lat = latency_ms_;
    std::sort(lat.begin(), lat.end());
    auto pct = [&](double p) {
      if (lat.empty()) return 0.0;
      return lat[std::min(lat.size() - 1, static_cast<std::size_t>(p * static_cast<double>(lat.size())))];
    };
    r.p50 = pct(0.50);
    r.p90 = pct(0.90);
    r.p99 = pct(0.99);
    r.max = lat.empty() ? 0 : lat.back();
    r.posts = posts_;
    auto post_end = last_post_ == Clock::time_point{} ? end : last_post_;
    double post_s = std::chrono::duration<double>(post_end - started_).count();
    r.posts_per_s = post_s > 0 ? static_cast<double>(posts_) / post_s : 0;
    done.set_value();
  });
  done.get_future().wait();
}

void LoadServer::build_envelopes() {
  envelopes_.reserve(opt_.commands);
  for (std::size_t i = 0; i < opt_.commands; ++i) {
    std::string giver = uid('U', i % opt_.givers);
    // Recipients never equal the giver: they come from their own id range.
    std::string r1 = uid('W', (i * 7) % opt_.recipients), r2 = uid('W', (i * 7 + 3) % opt_.recipients);
    std::string channel = uid('C', i % opt_.channels);
    std::string text = i % 4 == 0 ? "<@" + r1 + "> <@" + r2 + "> for the all-hands demo #teamwork"
                                  : "<@" + r1 + "> for the review #teamwork";
    std::string id = "e-" + std::to_string(i);
    std::string e =
        R"({"envelope_id":")" + id +
        R"(","type":"slash_commands","accepts_response_payload":true,"payload":{"token":"x",)"
        R"("team_id":"T000BENCH","team_domain":"bench","channel_id":")" +
        channel + R"(","channel_name":"c)" + channel.substr(1) + R"(","user_id":")" + giver +
        R"(","user_name":"u)" + giver.substr(1) + R"(","command":"/thanks","text":")" + text +
        R"(","api_app_id":"A000BENCH","is_enterprise_install":"false","response_url":"http://127.0.0.1:)" +
        std::to_string(server_.port()) + "/response/" + std::to_string(i) + R"(","trigger_id":"t-)" +
        std::to_string(i) + R"("}})";
    envelopes_.push_back(std::move(e));
  }
}

asio::awaitable<void> LoadServer::session(PlainStream s) {
  beast::flat_buffer buf;
  for (;;) {
    http::request<http::string_body> req;
    auto [ec, n] = co_await http::async_read(s, buf, req, kTuple);
    if (ec) co_return;
    if (websocket::is_upgrade(req)) {
      co_await ws_session(std::move(s), std::move(req));
      co_return;
    }
    http::response<http::string_body> res{http::status::ok, req.version()};
    res.set(http::field::content_type, "application/json");
    res.keep_alive(req.keep_alive());
    res.body() = answer(req);
    res.prepare_payload();
    auto [wec, wn] = co_await http::async_write(s, res, kTuple);
    if (wec || !req.keep_alive()) co_return;
  }
}

std::string LoadServer::answer(const Request& req) {
  std::string target(req.target());
  if (target.rfind("/response/", 0) == 0) {
    count_post();
    return R"({"ok":true})";
  }
  std::string method = target.rfind("/api/", 0) == 0 ? target.substr(5) : target;
  if (auto q = method.find('?'); q != std::string::npos) method.resize(q);
  if (method == "chat.postMessage" || method == "chat.postEphemeral") {
    count_post();
    return method == "chat.postMessage" ? R"({"ok":true,"channel":"C1","ts":"1767268800.000100"})"
                                        : R"({"ok":true,"message_ts":"1767268800.000100"})";
  }
  if (method == "auth.test")
    return R"({"ok":true,"url":"https://bench.slack.com/","team":"bench","user":"brigade","team_id":"T000BENCH","user_id":"U00000BOT","bot_id":"B00000BOT"})";
  if (method == "apps.connections.open")
    return R"({"ok":true,"url":"ws://127.0.0.1:)" + std::to_string(server_.port()) +
           R"(/link/?ticket=bench"})";
  if (method == "users.info") return R"({"ok":true,"user":)" + user_json(arg(req.body(), "user")) + "}";
  if (method == "users.list") {
    // Givers and recipients, 200 a page, like Slack.
    std::size_t total = opt_.givers + opt_.recipients;
    std::string cursor = arg(req.body(), "cursor");
    std::size_t from = cursor.empty() ? 0 : std::stoul(cursor);
    std::size_t to = std::min(total, from + 200);
    std::string out = R"({"ok":true,"members":[)";
    for (std::size_t i = from; i < to; ++i) {
      if (i > from) out += ',';
      out += user_json(i < opt_.givers ? uid('U', i) : uid('W', i - opt_.givers));
    }
    out += R"(],"response_metadata":{"next_cursor":")" + (to < total ? std::to_string(to) : std::string()) +
           "\"}}";
    return out;
  }
  if (method == "conversations.info") return R"({"ok":true,"channel":{"id":"C1","name":"bench"}})";
  return R"({"ok":true})";
}

void LoadServer::count_post() {
  ++posts_;
  last_post_ = Clock::now();
}

asio::awaitable<void> LoadServer::writer(std::shared_ptr<Ws> c) {
  while (!c->dead) {
    while (!c->q.empty() && !c->dead) {
      const std::string* f = c->q.front();
      c->q.pop_front();
      auto [ec, n] = co_await c->ws.async_write(asio::buffer(*f), kTuple);
      if (ec) c->dead = true;
    }
    if (c->dead) break;
    c->wake.expires_at(asio::steady_timer::time_point::max());
    co_await c->wake.async_wait(kTuple);
  }
}

// The next live connection in turn (several bot processes are replicas sharing the load).
std::shared_ptr<LoadServer::Ws> LoadServer::pick() {
  for (std::size_t tries = 0; tries < conns_.size(); ++tries) {
    auto& c = conns_[turn_++ % conns_.size()];
    if (!c->dead) return c;
  }
  return nullptr;
}

void LoadServer::push_next() {
  if (next_ >= envelopes_.size()) return;
  auto c = pick();
  if (!c) return;
  std::size_t i = next_++;
  sent_at_[i] = Clock::now();
  c->q.push_back(&envelopes_[i]);
  c->wake.cancel();
}

asio::awaitable<void> LoadServer::ws_session(PlainStream s, Request req) {
  auto c = std::make_shared<Ws>(std::move(s), server_.ioc());
  c->ws.read_message_max(1024 * 1024);
  auto [ec] = co_await c->ws.async_accept(req, kTuple);
  if (ec) co_return;
  c->ws.text(true);
  static const std::string hello =
      R"({"type":"hello","num_connections":1,"debug_info":{"host":"bench","approximate_connection_time":18060},"connection_info":{"app_id":"A000BENCH"}})";
  c->q.push_back(&hello);
  std::erase_if(conns_, [](const auto& old) { return old->dead; });
  conns_.push_back(c);
  asio::co_spawn(server_.ioc(), writer(c), asio::detached);
  ++connections_;
  beast::flat_buffer buf;
  for (;;) {
    auto [rec, n] = co_await c->ws.async_read(buf, kTuple);
    if (rec) break;
    std::string_view frame(static_cast<const char*>(buf.data().data()), buf.size());
    on_frame(frame);
    buf.consume(buf.size());
  }
  c->dead = true;
  c->wake.cancel();
}

void LoadServer::on_frame(std::string_view f) {
  auto k = f.find("\"envelope_id\"");
  if (k == std::string_view::npos) return;
  auto e = f.find("e-", k);
  if (e == std::string_view::npos) return;
  std::size_t i = 0, p = e + 2;
  while (p < f.size() && f[p] >= '0' && f[p] <= '9') i = i * 10 + static_cast<std::size_t>(f[p++] - '0');
  if (i >= sent_at_.size() || sent_at_[i] == Clock::time_point{}) return;
  auto now = Clock::now();
  latency_ms_.push_back(std::chrono::duration<double, std::milli>(now - sent_at_[i]).count());
  sent_at_[i] = Clock::time_point{};  // a second ack for the same envelope does not count
  if (first_ack_ == Clock::time_point{}) first_ack_ = now;
  last_ack_ = now;
  ++acked_;
  push_next();
}

}  // namespace brigade::bench
