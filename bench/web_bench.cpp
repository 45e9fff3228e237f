// The web server under a heavy request: a three-year /api/v1/summary (JSON, every page, CSV) on a
// store of 300k kudos while /healthz is probed from fresh connections, with the server in a child
// process so that its peak and remaining memory are read from /proc. See README.md "Web server".
// With --load: the read path instead, many keep-alive clients on the leaderboard and the dashboard
// for SECONDS each (README.md "Web read path").
//   web_bench [--kudos N] [--data DIR] [--load SECONDS] [--clients N]
//                                           (DIR is kept and reused; default: a scratch directory)
//   web_bench serve DIR                     (the child: serves DIR on 127.0.0.1:0, prints the port)
#include <nlohmann/json.hpp>

#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <random>
#include <string>
#include <thread>
#include <vector>

#include <boost/asio.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>

#include "bench/web_load.hpp"
#include "bot/metrics.hpp"
#include "store/store.hpp"
#include "web/api.hpp"
#include "web/server.hpp"

extern char** environ;

namespace {

using namespace brigade;
namespace fs = std::filesystem;
namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using Clock = std::chrono::steady_clock;

constexpr int kUsers = 2000;
constexpr int kChannels = 100;
constexpr core::Millis kDay = 86'400'000;
constexpr core::Millis kSpan = 3 * 365 * kDay;

store::Options options(const fs::path& dir) {
  store::Options o;
  o.dir = dir;
  o.durable = false;
  o.map_size = std::size_t{4} << 30;
  return o;
}

// 300k kudos spread evenly over the three years up to today: 2,000 people in 100 channels, one in
// three with a ~40-character reason, half with a value (the shape of bench/store_bench.cpp's
// workload, without its teams: the summary's cost is in how many people and reasons it returns).
void seed(const fs::path& dir, std::uint64_t n, core::Millis now) {
  core::Calendar cal("UTC");
  auto s = store::Store::open(options(dir), cal);
  if (s->read()->meta("bench.web.kudos") == std::to_string(n)) return;
  if (s->read()->kudos_count() != 0) throw std::runtime_error(dir.string() + " holds another dataset");
  std::fprintf(stderr, "seeding %llu kudos over three years in %s ...\n", static_cast<unsigned long long>(n),
               dir.c_str());
  static const char* const kValues[] = {"teamwork", "ownership", "customer", "speed", "quality", "kindness"};
  static const char* const kWords[] = {"thanks", "for",  "fixing", "the",    "build", "release",
                                       "review", "help", "with",   "deploy", "late",  "night",
                                       "oncall", "docs", "demo",   "patch"};
  std::mt19937_64 rng(42);
  const core::Millis start = now - kSpan;
  {
    auto txn = s->write();
    for (int u = 0; u < kUsers; ++u)
      txn->set_name("slack:T1:U" + std::to_string(100000 + u), "person " + std::to_string(u));
    for (int c = 0; c < kChannels; ++c)
      txn->set_name("slack:T1:C" + std::to_string(5000 + c), "team-" + std::to_string(c));
    txn->commit();
  }
  for (std::uint64_t i = 0; i < n;) {
    auto txn = s->write();
    for (std::uint64_t j = 0; j < 1000 && i < n; ++j, ++i) {
      store::Kudos k;
      int giver = static_cast<int>(rng() % kUsers), recipient = static_cast<int>(rng() % kUsers);
      if (recipient == giver) recipient = (recipient + 1) % kUsers;
      k.giver = "slack:T1:U" + std::to_string(100000 + giver);
      k.recipient = "slack:T1:U" + std::to_string(100000 + recipient);
      k.channel = "slack:T1:C" + std::to_string(5000 + static_cast<int>(rng() % kChannels));
      k.ts = start + static_cast<core::Millis>(static_cast<double>(kSpan) * static_cast<double>(i) /
                                               static_cast<double>(n));
      k.kind = rng() % 10 < 8 ? store::Kind::thanks : store::Kind::praise;
      if (rng() % 3 == 0)
        while (k.reason.size() < 36)
          k.reason += std::string(k.reason.empty() ? "" : " ") + kWords[rng() % 16];
      if (rng() % 2 == 0) k.values.push_back(kValues[rng() % 6]);
      txn->add_kudos(k);
    }
    txn->commit();
  }
  auto txn = s->write();
  txn->set_meta("bench.web.kudos", std::to_string(n));
  txn->commit();
}

int serve(const fs::path& dir) {
  core::Calendar cal("UTC");
  auto s = store::Store::open(options(dir), cal);
  core::SystemClock clock;
  bot::Metrics metrics;
  web::Api api(web::ApiContext{*s, clock, metrics, "", {}, {}});
  web::ServerOptions so;
  so.addr = "127.0.0.1:0";
  auto server = web::start_server(so, api);
  std::printf("port %u\n", server->port());
  std::fflush(stdout);
  char c;
  while (std::fread(&c, 1, 1, stdin) == 1) {
  }  // until the parent closes our stdin
  server->stop();
  return 0;
}

// Fields of /proc/PID/status, in kB.
long status_kb(pid_t pid, const std::string& field) {
  std::ifstream in("/proc/" + std::to_string(pid) + "/status");
  std::string line;
  while (std::getline(in, line))
    if (line.rfind(field + ":", 0) == 0) return std::stol(line.substr(field.size() + 1));
  return -1;
}

struct Answer {
  int status = 0;
  std::string body;
  double seconds = 0;
};

Answer get(std::uint16_t port, const std::string& target) {
  auto t0 = Clock::now();
  asio::io_context ioc;
  beast::tcp_stream stream(ioc);
  stream.expires_after(std::chrono::seconds(60));
  Answer a;
  beast::error_code ec;
  stream.connect(asio::ip::tcp::endpoint(asio::ip::make_address("127.0.0.1"), port), ec);
  if (ec) return a;
  http::request<http::empty_body> req{http::verb::get, target, 11};
  req.set(http::field::host, "127.0.0.1");
  req.keep_alive(false);
  http::write(stream, req, ec);
  beast::flat_buffer buf;
  http::response_parser<http::string_body> p;
  p.body_limit(boost::none);
  if (!ec) http::read(stream, buf, p, ec);
  if (ec) return a;
  a.status = p.get().result_int();
  a.body = std::move(p.get().body());
  a.seconds = std::chrono::duration<double>(Clock::now() - t0).count();
  return a;
}

struct Child {
  pid_t pid = -1;
  int in = -1;
  std::uint16_t port = 0;
};

Child spawn_server(const std::string& self, const fs::path& dir) {
  int to[2], from[2];
  if (pipe(to) || pipe(from)) throw std::runtime_error("pipe");
  posix_spawn_file_actions_t fa;
  posix_spawn_file_actions_init(&fa);
  posix_spawn_file_actions_adddup2(&fa, to[0], 0);
  posix_spawn_file_actions_adddup2(&fa, from[1], 1);
  posix_spawn_file_actions_addclose(&fa, to[1]);
  posix_spawn_file_actions_addclose(&fa, from[0]);
  std::string mode = "serve", d = dir.string();
  char* argv[] = {const_cast<char*>(self.c_str()), mode.data(), d.data(), nullptr};
  Child c;
  if (posix_spawn(&c.pid, self.c_str(), &fa, nullptr, argv, environ) != 0) throw std::runtime_error("spawn");
  posix_spawn_file_actions_destroy(&fa);
  close(to[0]);
  close(from[1]);
  c.in = to[1];
  FILE* out = fdopen(from[0], "r");
  unsigned port = 0;
  if (std::fscanf(out, "port %u", &port) != 1) throw std::runtime_error("the server did not start");
  std::fclose(out);
  c.port = static_cast<std::uint16_t>(port);
  return c;
}

void stop(Child& c) {
  close(c.in);
  int st;
  for (int i = 0; i < 100 && waitpid(c.pid, &st, WNOHANG) == 0; ++i)
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  if (waitpid(c.pid, &st, WNOHANG) == 0) {
    kill(c.pid, SIGKILL);
    waitpid(c.pid, &st, 0);
  }
}

// One heavy request (or a walk over every page, following "next") on a fresh server, while a second
// thread asks /healthz from a fresh connection every 20 ms; then the server's memory.
void scenario(const std::string& self, const fs::path& dir, const std::string& name,
              const std::string& target, bool every_page) {
  Child c = spawn_server(self, dir);
  get(c.port, "/healthz");
  const long before = status_kb(c.pid, "VmRSS");
  std::atomic<bool> done{false};
  std::vector<double> health;
  int health_bad = 0;
  std::thread prober([&] {
    while (!done) {
      auto h = get(c.port, "/healthz");
      if (h.status == 200)
        health.push_back(h.seconds);
      else
        ++health_bad;
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
  });
  std::this_thread::sleep_for(std::chrono::milliseconds(100));  // the prober is running
  auto t0 = Clock::now();
  std::size_t bytes = 0, pages = 0, people = 0;
  int status = 0;
  std::string next_target = target;
  while (!next_target.empty()) {
    auto a = get(c.port, next_target);
    status = a.status;
    bytes += a.body.size();
    ++pages;
    next_target.clear();
    if (a.status != 200 || target.rfind("/api/v1/summary?", 0) != 0) break;
    auto j = nlohmann::json::parse(a.body);
    people += j["people"].size();
    if (every_page && j.contains("next") && !j["next"].is_null())
      next_target = target + "&offset=" + std::to_string(j["next"].get<std::size_t>());
  }
  const double heavy = std::chrono::duration<double>(Clock::now() - t0).count();
  done = true;
  prober.join();
  std::this_thread::sleep_for(std::chrono::seconds(1));  // let the server settle
  const long peak = status_kb(c.pid, "VmHWM"), after = status_kb(c.pid, "VmRSS");
  const long anon = status_kb(c.pid, "RssAnon"), file = status_kb(c.pid, "RssFile");
  std::sort(health.begin(), health.end());
  const double worst = health.empty() ? 0 : health.back() * 1000;
  const double median = health.empty() ? 0 : health[health.size() / 2] * 1000;
  std::printf(
      "%-16s status %d, %zu page(s), %zu people, %.1f MB in %.2f s | /healthz during it: %zu answers, "
      "median %.1f ms, worst %.1f ms, %d failed | server RSS %.0f MB before, peak %.0f MB, after %.0f MB "
      "(anon %.0f, file %.0f)\n",
      name.c_str(), status, pages, people, static_cast<double>(bytes) / 1e6, heavy, health.size(), median,
      worst, health_bad, before / 1024.0, peak / 1024.0, after / 1024.0, anon / 1024.0, file / 1024.0);
  std::fflush(stdout);
  stop(c);
}

// The read path under `clients` keep-alive clients, one route at a time on one fresh server:
// requests/s, latency, and the server's CPU per request and peak memory.
void load_scenarios(const std::string& self, const fs::path& dir, std::size_t clients, double seconds) {
  Child c = spawn_server(self, dir);
  get(c.port, "/healthz");
  for (const std::string target : {"/api/v1/leaderboard?period=week", "/api/v1/leaderboard?period=all", "/"}) {
    const double cpu0 = bench::cpu_seconds(c.pid);
    const auto r = bench::keepalive_load(c.port, target, clients, seconds);
    const double cpu = bench::cpu_seconds(c.pid) - cpu0;
    const double rps = static_cast<double>(r.answers) / r.seconds;
    std::printf("%-34s %zu clients, %.0f s: %.0f answers/s, p50 %.2f ms, p99 %.2f ms, max %.1f ms, "
                "%.0f shed/s (503), %llu failed, %.1f KB per answer | server CPU %.0f us per answer, peak RSS %.0f MB\n",
                target.c_str(), clients, r.seconds, rps, r.p50_ms, r.p99_ms, r.max_ms,
                static_cast<double>(r.shed) / r.seconds, static_cast<unsigned long long>(r.failures),
                r.answers ? static_cast<double>(r.bytes) / static_cast<double>(r.answers) / 1024.0 : 0.0,
                r.answers ? cpu * 1e6 / static_cast<double>(r.answers) : 0.0, status_kb(c.pid, "VmHWM") / 1024.0);
    std::fflush(stdout);
  }
  stop(c);
}

}  // namespace

int main(int argc, char** argv) {
  try {
    if (argc == 3 && std::string(argv[1]) == "serve") return serve(argv[2]);
    std::uint64_t n = 300000;
    fs::path dir;
    double load_seconds = 0;
    std::size_t clients = 64;
    for (int i = 1; i + 1 < argc; i += 2) {
      std::string a = argv[i];
      if (a == "--kudos")
        n = std::stoull(argv[i + 1]);
      else if (a == "--data")
        dir = argv[i + 1];
      else if (a == "--load")
        load_seconds = std::stod(argv[i + 1]);
      else if (a == "--clients")
        clients = std::stoul(argv[i + 1]);
      else
        throw std::runtime_error("usage: web_bench [--kudos N] [--data DIR] [--load SECONDS] [--clients N]");
    }
    bool scratch = dir.empty();
    if (scratch) dir = fs::temp_directory_path() / ("brigade-web-bench-" + std::to_string(getpid()));
    core::SystemClock clock;
    seed(dir, n, clock.now_ms());
    core::Calendar cal("UTC");
    const auto today = clock.now_ms();
    const std::string range =
        "since=" + cal.date_string(today - kSpan + kDay) + "&until=" + cal.date_string(today);
    const std::string self = fs::canonical("/proc/self/exe");
    if (load_seconds > 0) {
      load_scenarios(self, dir, clients, load_seconds);
      if (scratch) fs::remove_all(dir);
      return 0;
    }
    scenario(self, dir, "summary (JSON)", "/api/v1/summary?" + range, false);
    scenario(self, dir, "summary (pages)", "/api/v1/summary?" + range, true);
    scenario(self, dir, "summary.csv", "/api/v1/summary.csv?" + range, false);
    scenario(self, dir, "dashboard, all", "/?period=all&" + range, false);
    if (scratch) fs::remove_all(dir);
    return 0;
  } catch (const std::exception& e) {
    std::fprintf(stderr, "web_bench: %s\n", e.what());
    return 1;
  }
}
