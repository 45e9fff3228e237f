// slack_load: plays Slack on loopback (Socket Mode WebSocket + Web API over HTTP) against a bot
// process, pushes N slash commands keeping W un-acked, and reports acks/s, ack latency, posts/s,
// the bot's peak RSS and CPU time. Several bots run one after another against fresh servers
// and are printed side by side.
//
//   slack_load [--commands N] [--window W] [--givers G] [--recipients R] [--channels C]
//              [--timeout S] [--post-wait S] --bot NAME='COMMAND' [--bot NAME='COMMAND' …]
//
// COMMAND runs under /bin/sh with SLACK_API_URL, SLACK_APP_TOKEN, SLACK_BOT_TOKEN and
// BRIGADE_DATA_DIR (a fresh directory) set. Everything binds 127.0.0.1 and stops by itself.
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <deque>
#include <filesystem>
#include <fstream>
#include <future>
#include <iostream>
#include <map>
#include <memory>
#include <mutex>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include <boost/asio.hpp>
#include <boost/beast.hpp>
#include <boost/beast/websocket.hpp>

extern char** environ;

namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
namespace websocket = beast::websocket;
using asio::ip::tcp;
using Clock = std::chrono::steady_clock;
constexpr auto kTuple = asio::as_tuple(asio::use_awaitable);

struct Options {
  std::size_t commands = 20000;
  std::size_t window = 64;
  std::size_t givers = 5000;  // 20,000 commands over 5,000 givers stays inside a daily quota of 5
  std::size_t recipients = 500;
  std::size_t channels = 1000;
  int timeout_s = 120;
  int post_wait_s = 30;
  std::vector<std::pair<std::string, std::string>> bots;
};

struct Result {
  std::string bot;
  std::size_t sent = 0, acked = 0, posts = 0;
  double ready_ms = -1, first_ack_ms = -1, seconds = 0, acks_per_s = 0, posts_per_s = 0;
  double p50 = 0, p90 = 0, p99 = 0, max = 0;
  double idle_rss_mb = 0, peak_rss_mb = 0, cpu_s = 0;
  bool complete = false;
  std::string note;
};

std::string uid(char kind, std::size_t i) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%c%09zu", kind, i);
  return buf;
}

// ---- the bot process --------------------------------------------------------------------------------

struct Bot {
  pid_t pid = -1;
  Bot(const std::string& command, const std::map<std::string, std::string>& env) {
    std::map<std::string, std::string> vars;
    for (char** e = environ; *e; ++e) {
      std::string kv(*e);
      auto eq = kv.find('=');
      if (eq != std::string::npos) vars[kv.substr(0, eq)] = kv.substr(eq + 1);
    }
    for (const auto& [k, v] : env) {
      if (v.empty())
        vars.erase(k);
      else
        vars[k] = v;
    }
    std::vector<std::string> env_strings;
    for (const auto& [k, v] : vars) env_strings.push_back(k + "=" + v);
    std::vector<char*> envp;
    for (auto& s : env_strings) envp.push_back(s.data());
    envp.push_back(nullptr);
    std::string sh = "/bin/sh", c = "-c", cmd = "exec " + command;
    char* argv[] = {sh.data(), c.data(), cmd.data(), nullptr};
    // The bot's stdout goes to our stderr: stdout carries only the JSON lines and the table.
    posix_spawn_file_actions_t fa;
    posix_spawn_file_actions_init(&fa);
    posix_spawn_file_actions_adddup2(&fa, 2, 1);
    if (posix_spawn(&pid, "/bin/sh", &fa, nullptr, argv, envp.data()) != 0) pid = -1;
    posix_spawn_file_actions_destroy(&fa);
  }
  ~Bot() { stop(); }
  bool alive() {
    if (pid <= 0) return false;
    int st;
    return waitpid(pid, &st, WNOHANG) == 0;
  }
  // kB from /proc/PID/status.
  double status_mb(const char* field) const {
    std::ifstream in("/proc/" + std::to_string(pid) + "/status");
    std::string line;
    while (std::getline(in, line))
      if (line.rfind(field, 0) == 0) return std::atof(line.c_str() + std::strlen(field)) / 1024.0;
    return 0;
  }
  double cpu_seconds() const {
    std::ifstream in("/proc/" + std::to_string(pid) + "/stat");
    std::string s((std::istreambuf_iterator<char>(in)), {});
    auto close = s.rfind(')');
    if (close == std::string::npos) return 0;
    std::istringstream rest(s.substr(close + 2));
    std::string f;
    long long utime = 0, stime = 0;
    for (int i = 3; i <= 15 && rest >> f; ++i) {
      if (i == 14) utime = std::atoll(f.c_str());
      if (i == 15) stime = std::atoll(f.c_str());
    }
    return static_cast<double>(utime + stime) / static_cast<double>(sysconf(_SC_CLK_TCK));
  }
  void stop() {
    if (pid <= 0) return;
    kill(pid, SIGTERM);
    for (int i = 0; i < 200; ++i) {
      int st;
      if (waitpid(pid, &st, WNOHANG) == pid) {
        pid = -1;
        return;
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
    kill(pid, SIGKILL);
    waitpid(pid, nullptr, 0);
    pid = -1;
  }
};

// ---- the fake Slack -------------------------------------------------------------------------------

class Server {
 public:
  explicit Server(const Options& o) : opt_(o), acceptor_(ioc_) {
    tcp::endpoint ep(asio::ip::make_address("127.0.0.1"), 0);
    acceptor_.open(ep.protocol());
    acceptor_.set_option(asio::socket_base::reuse_address(true));
    acceptor_.bind(ep);
    acceptor_.listen(1024);
    port_ = acceptor_.local_endpoint().port();
    build_envelopes();
    sent_at_.assign(o.commands, Clock::time_point{});
    latency_ms_.reserve(o.commands);
    asio::co_spawn(ioc_, accept_loop(), asio::detached);
    thread_ = std::thread([this] { ioc_.run(); });
  }
  ~Server() {
    asio::post(ioc_, [this] {
      beast::error_code ec;
      acceptor_.close(ec);
      ioc_.stop();
    });
    thread_.join();
  }
  std::string api_url() const { return "http://127.0.0.1:" + std::to_string(port_) + "/api/"; }

  bool connected() const { return connected_.load(); }
  void start_load() {
    asio::post(ioc_, [this] {
      started_ = Clock::now();
      for (std::size_t i = 0; i < opt_.window && next_ < envelopes_.size(); ++i) push_next();
    });
  }
  std::size_t acked() const { return acked_.load(); }
  std::size_t posts() const { return posts_.load(); }
  // Read once the load is over (the io thread only appends until every ack is in).
  void finish(Result& r) {
    std::promise<void> done;
    asio::post(ioc_, [&] {
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

 private:
  void build_envelopes() {
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
          std::to_string(port_) + "/response/" + std::to_string(i) + R"(","trigger_id":"t-)" +
          std::to_string(i) + R"("}})";
      envelopes_.push_back(std::move(e));
    }
  }

  asio::awaitable<void> accept_loop() {
    for (;;) {
      auto [ec, sock] = co_await acceptor_.async_accept(kTuple);
      if (ec) co_return;
      sock.set_option(tcp::no_delay(true), ec);
      asio::co_spawn(ioc_, session(beast::tcp_stream(std::move(sock))), asio::detached);
    }
  }

  asio::awaitable<void> session(beast::tcp_stream s) {
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

  // The argument `name` from a JSON or form body, without a full parse.
  static std::string arg(const std::string& body, const std::string& name) {
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

  std::string user_json(const std::string& id) const {
    return R"({"id":")" + id + R"(","team_id":"T000BENCH","name":"n)" + id.substr(1) +
           R"(","deleted":false,"is_bot":false,"profile":{"display_name":"n)" + id.substr(1) + R"("}})";
  }

  std::string answer(const http::request<http::string_body>& req) {
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
      return R"({"ok":true,"url":"ws://127.0.0.1:)" + std::to_string(port_) + R"(/link/?ticket=bench"})";
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

  void count_post() {
    ++posts_;
    last_post_ = Clock::now();
  }

  struct Ws {
    explicit Ws(beast::tcp_stream s, asio::io_context& ioc)
        : ws(std::move(s)), wake(ioc, asio::steady_timer::time_point::max()) {}
    websocket::stream<beast::tcp_stream> ws;
    std::deque<const std::string*> q;
    asio::steady_timer wake;
    bool dead = false;
  };

  asio::awaitable<void> writer(std::shared_ptr<Ws> c) {
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

  void push_next() {
    if (!conn_ || next_ >= envelopes_.size()) return;
    std::size_t i = next_++;
    sent_at_[i] = Clock::now();
    conn_->q.push_back(&envelopes_[i]);
    conn_->wake.cancel();
  }

  asio::awaitable<void> ws_session(beast::tcp_stream s, http::request<http::string_body> req) {
    auto c = std::make_shared<Ws>(std::move(s), ioc_);
    c->ws.read_message_max(1024 * 1024);
    auto [ec] = co_await c->ws.async_accept(req, kTuple);
    if (ec) co_return;
    c->ws.text(true);
    static const std::string hello =
        R"({"type":"hello","num_connections":1,"debug_info":{"host":"bench","approximate_connection_time":18060},"connection_info":{"app_id":"A000BENCH"}})";
    c->q.push_back(&hello);
    conn_ = c;  // envelopes go to the newest connection
    asio::co_spawn(ioc_, writer(c), asio::detached);
    connected_ = true;
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

  void on_frame(std::string_view f) {
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

  const Options& opt_;
  asio::io_context ioc_{1};
  tcp::acceptor acceptor_;
  std::uint16_t port_ = 0;
  std::thread thread_;
  std::vector<std::string> envelopes_;
  std::vector<Clock::time_point> sent_at_;
  std::vector<double> latency_ms_;
  std::shared_ptr<Ws> conn_;
  std::size_t next_ = 0;
  Clock::time_point started_, first_ack_, last_ack_, last_post_;
  std::atomic<bool> connected_{false};
  std::atomic<std::size_t> acked_{0}, posts_{0};
};

Result run_one(const Options& o, const std::string& name, const std::string& command) {
  Result r;
  r.bot = name;
  Server server(o);
  auto dir = std::filesystem::temp_directory_path() / ("slack_load-" + name + "-" + std::to_string(getpid()));
  std::filesystem::remove_all(dir);
  std::filesystem::create_directories(dir);
  std::map<std::string, std::string> env = {{"SLACK_API_URL", server.api_url()},
                                            {"SLACK_APP_TOKEN", "xapp-1-bench"},
                                            {"SLACK_BOT_TOKEN", "xoxb-bench"},
                                            {"BRIGADE_DATA_DIR", (dir / "data").string()},
                                            {"BRIGADE_CONFIG", ""},
                                            {"BRIGADE_LOG_LEVEL", "warn"},
                                            {"BRIGADE_HTTP_ADDR", "127.0.0.1:0"},
                                            {"MATRIX_HOMESERVER", ""},
                                            {"MATRIX_ACCESS_TOKEN", ""},
                                            {"MATRIX_PASSWORD", ""}};
  auto spawned = Clock::now();
  Bot bot(command, env);
  auto deadline = spawned + std::chrono::seconds(o.timeout_s);
  while (!server.connected() && Clock::now() < deadline && bot.alive())
    std::this_thread::sleep_for(std::chrono::milliseconds(2));
  if (!server.connected()) {
    r.note = bot.alive() ? "never connected" : "exited before connecting";
    std::filesystem::remove_all(dir);
    return r;
  }
  r.ready_ms = std::chrono::duration<double, std::milli>(Clock::now() - spawned).count();
  std::this_thread::sleep_for(std::chrono::milliseconds(500));  // settle: the idle footprint
  r.idle_rss_mb = bot.status_mb("VmRSS:");
  server.start_load();
  while (server.acked() < o.commands && Clock::now() < deadline && bot.alive())
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  r.complete = server.acked() == o.commands;
  auto post_deadline = std::min(deadline, Clock::now() + std::chrono::seconds(o.post_wait_s));
  std::size_t expected_posts = 2 * o.commands;
  while (server.posts() < expected_posts && Clock::now() < post_deadline && bot.alive())
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  r.peak_rss_mb = bot.status_mb("VmHWM:");
  r.cpu_s = bot.cpu_seconds();
  bot.stop();
  server.finish(r);
  if (!r.complete) r.note = "only " + std::to_string(r.acked) + " acks before the deadline";
  std::filesystem::remove_all(dir);
  return r;
}

std::string json_line(const Result& r, const Options& o) {
  char buf[1024];
  std::snprintf(buf, sizeof buf,
                R"({"bot":"%s","commands":%zu,"window":%zu,"acked":%zu,"seconds":%.3f,"acks_per_s":%.0f,)"
                R"("ack_p50_ms":%.3f,"ack_p90_ms":%.3f,"ack_p99_ms":%.3f,"ack_max_ms":%.3f,"ready_ms":%.1f,)"
                R"("first_ack_ms":%.3f,"posts":%zu,"posts_per_s":%.0f,"idle_rss_mb":%.1f,"peak_rss_mb":%.1f,)"
                R"("cpu_s":%.2f,"complete":%s})",
                r.bot.c_str(), o.commands, o.window, r.acked, r.seconds, r.acks_per_s, r.p50, r.p90, r.p99,
                r.max, r.ready_ms, r.first_ack_ms, r.posts, r.posts_per_s, r.idle_rss_mb, r.peak_rss_mb,
                r.cpu_s, r.complete ? "true" : "false");
  return buf;
}

void print_table(const std::vector<Result>& rs) {
  struct Row {
    const char* label;
    double Result::*field;
    const char* fmt;
    bool higher_is_better;
  };
  const Row rows[] = {
      {"acks/s", &Result::acks_per_s, "%.0f", true},
      {"ack p50 ms", &Result::p50, "%.2f", false},
      {"ack p90 ms", &Result::p90, "%.2f", false},
      {"ack p99 ms", &Result::p99, "%.2f", false},
      {"ack max ms", &Result::max, "%.2f", false},
      {"first ack ms", &Result::first_ack_ms, "%.2f", false},
      {"ready ms", &Result::ready_ms, "%.0f", false},
      {"posts/s", &Result::posts_per_s, "%.0f", true},
      {"idle RSS MB", &Result::idle_rss_mb, "%.1f", false},
      {"peak RSS MB", &Result::peak_rss_mb, "%.1f", false},
      {"CPU s", &Result::cpu_s, "%.2f", false},
  };
  std::printf("\n%-14s", "");
  for (const auto& r : rs) std::printf("%14s", r.bot.c_str());
  if (rs.size() >= 2) std::printf("%14s", (rs[0].bot + "/" + rs[1].bot).substr(0, 13).c_str());
  std::printf("\n");
  for (const auto& row : rows) {
    std::printf("%-14s", row.label);
    for (const auto& r : rs) {
      char v[32];
      std::snprintf(v, sizeof v, row.fmt, r.*row.field);
      std::printf("%14s", v);
    }
    if (rs.size() >= 2) {
      double a = rs[0].*row.field, b = rs[1].*row.field;
      // "how many times better": higher-is-better ratios as a/b, lower-is-better as b/a.
      double ratio = row.higher_is_better ? (b > 0 ? a / b : 0) : (a > 0 ? b / a : 0);
      std::printf("%13.1f×", ratio);
    }
    std::printf("\n");
  }
  for (const auto& r : rs)
    if (!r.note.empty()) std::printf("note: %s: %s\n", r.bot.c_str(), r.note.c_str());
}

int usage() {
  std::cerr
      << "usage: slack_load [--commands N] [--window W] [--givers G] [--recipients R] [--channels C]\n"
         "                  [--timeout S] [--post-wait S] --bot NAME='COMMAND' [--bot NAME='COMMAND' ...]\n";
  return 2;
}

}  // namespace

int main(int argc, char** argv) {
  signal(SIGPIPE, SIG_IGN);
  Options o;
  for (int i = 1; i < argc; ++i) {
    std::string a = argv[i];
    auto value = [&]() -> std::string { return i + 1 < argc ? argv[++i] : ""; };
    auto number = [&](std::size_t& out) {
      auto v = value();
      out = std::strtoul(v.c_str(), nullptr, 10);
      return out > 0;
    };
    bool ok = true;
    if (a == "--commands")
      ok = number(o.commands);
    else if (a == "--window")
      ok = number(o.window);
    else if (a == "--givers")
      ok = number(o.givers);
    else if (a == "--recipients")
      ok = number(o.recipients);
    else if (a == "--channels")
      ok = number(o.channels);
    else if (a == "--timeout")
      o.timeout_s = std::atoi(value().c_str());
    else if (a == "--post-wait")
      o.post_wait_s = std::atoi(value().c_str());
    else if (a == "--bot") {
      auto v = value();
      auto eq = v.find('=');
      if (eq == std::string::npos || eq == 0) return usage();
      o.bots.emplace_back(v.substr(0, eq), v.substr(eq + 1));
    } else {
      return usage();
    }
    if (!ok) return usage();
  }
  if (o.bots.empty() || o.timeout_s <= 0) return usage();
  std::vector<Result> results;
  for (const auto& [name, command] : o.bots) {
    std::fprintf(stderr, "slack_load: %s: %zu commands, window %zu …\n", name.c_str(), o.commands, o.window);
    results.push_back(run_one(o, name, command));
    std::printf("%s\n", json_line(results.back(), o).c_str());
    std::fflush(stdout);
  }
  print_table(results);
  bool all = std::all_of(results.begin(), results.end(), [](const Result& r) { return r.complete; });
  return all ? 0 : 1;
}
