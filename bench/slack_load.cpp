// slack_load: plays Slack on loopback (Socket Mode WebSocket + Web API over HTTP) against a bot
// process, pushes N slash commands keeping W un-acked, and reports acks/s, ack latency, posts/s,
// the bot's peak RSS and CPU time. Several bots run one after another against fresh servers
// and are printed side by side.
//
//   slack_load [--commands N] [--window W] [--givers G] [--recipients R] [--channels C]
//              [--timeout S] [--post-wait S] --bot NAME='COMMAND' [--bot NAME='COMMAND' …]
//              [--replicas NAME=K] [--stat NAME='COMMAND']
//              [--web CLIENTS] [--web-target PATH] [--seed DATA_DIR]
//
// COMMAND runs under /bin/sh with SLACK_API_URL, SLACK_APP_TOKEN, SLACK_BOT_TOKEN and
// BRIGADE_DATA_DIR (a fresh directory) set. Everything binds 127.0.0.1 and stops by itself.
// --replicas runs K processes of NAME's command at once (replicas of one PostgreSQL ledger): the
// envelopes are dealt round-robin over their connections; acks, RSS and CPU are summed. --stat
// runs a command printing "LABEL VALUE" counters before the load and after the replies; the
// deltas are printed per command (bench/pg_load.sh uses it for database statements and CPU).
// Every run also gets "us THREAD" rows: CPU µs per command of each of the bot's named threads
// (the committer, the Slack I/O thread "slack", the outbox sender, …) from the first envelope to
// the last ack (the paced replies after it are in "CPU us/cmd" only).
// --web runs CLIENTS keep-alive HTTP clients on the bot's PATH (default the week's leaderboard)
// while the commands run; --seed copies an LMDB data directory (e.g. web_bench's 1M-kudos one)
// into each bot's fresh one before it starts.
#include <signal.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <functional>
#include <iostream>
#include <map>
#include <memory>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include <boost/asio/ip/tcp.hpp>

#include "bench/slack_load.hpp"
#include "bench/slack_load_procs.hpp"
#include "bench/slack_load_server.hpp"
#include "bench/web_load.hpp"

namespace brigade::bench {
namespace {

using Clock = std::chrono::steady_clock;

// Waits for every replica's WebSocket; false (with r.note) when one never came.
bool wait_connected(LoadServer& server, Replicas& bots, const BotSpec& spec, Clock::time_point deadline,
                    Result& r) {
  while (server.connections() < spec.replicas && Clock::now() < deadline && bots.alive())
    std::this_thread::sleep_for(std::chrono::milliseconds(2));
  if (server.connections() >= spec.replicas) return true;
  r.note = !bots.alive() ? "exited before connecting"
                         : std::to_string(server.connections()) + " of " + std::to_string(spec.replicas) +
                               " replicas connected";
  return false;
}

// The bots' own count of their round trips to a PostgreSQL ledger (/metrics), as a stat line:
// only the bot knows which statements travelled together (the database counts the statements).
void bot_stat(const Replicas& bots, std::vector<std::pair<std::string, double>>& out) {
  if (auto v = bots.metric("brigade_db_round_trips_total"); v && *v > 0)
    out.emplace_back("db round trips", *v);
}

// The per-command deltas of the stat counters between `before` and `after`.
void per_command(Result& r, const std::vector<std::pair<std::string, double>>& before,
                 const std::vector<std::pair<std::string, double>>& after) {
  for (const auto& [label, v] : after) {
    double v0 = 0;
    for (const auto& [l, x] : before)
      if (l == label) v0 = x;
    if (r.acked > 0) r.per_command.emplace_back(label, (v - v0) / static_cast<double>(r.acked));
  }
}

// CPU µs per command of each named thread between `before` (the first envelope) and `after` (the
// last ack), as "us <thread>" rows: the committer apart from the Slack I/O thread.
void per_thread(Result& r, const std::map<std::string, double>& before, const std::map<std::string, double>& after) {
  if (r.acked == 0) return;
  for (const auto& [name, s] : after) {
    auto it = before.find(name);
    double us = (s - (it == before.end() ? 0 : it->second)) * 1e6 / static_cast<double>(r.acked);
    if (us >= 0.5) r.per_command.emplace_back("us " + name, us);
  }
}

// Until `expected` replies came, or none for 5 s (a refused command gets one reply, not two), or
// the deadline.
void wait_posts(LoadServer& server, Replicas& bots, Clock::time_point deadline, std::size_t expected) {
  std::size_t seen = server.posts();
  auto last_change = Clock::now();
  while (server.posts() < expected && Clock::now() < deadline && bots.alive() &&
         Clock::now() - last_change < std::chrono::seconds(5)) {
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
    if (server.posts() != seen) {
      seen = server.posts();
      last_change = Clock::now();
    }
  }
}

// A loopback port nobody listens on right now, for the bot's HTTP server (--web).
std::uint16_t free_port() {
  boost::asio::io_context ioc;
  boost::asio::ip::tcp::acceptor a(ioc, {boost::asio::ip::make_address("127.0.0.1"), 0});
  return a.local_endpoint().port();
}

// --web: keep-alive clients on the bot's HTTP server until `stop`, in their own thread.
struct WebLoad {
  std::atomic<bool> stop{false};
  LoadResult result;
  std::thread thread;
  void start(std::uint16_t port, const Options& o) {
    thread = std::thread([this, port, &o] { result = keepalive_load(port, o.web_target, o.web_clients, 1e9, &stop); });
  }
  void finish(Result& r) {
    if (!thread.joinable()) return;
    stop = true;
    thread.join();
    r.web_per_s = result.seconds > 0 ? static_cast<double>(result.answers) / result.seconds : 0;
    r.web_p50 = result.p50_ms;
    r.web_p99 = result.p99_ms;
    r.web_shed = result.shed;
    r.web_failures = result.failures;
  }
};

// Starts spec's replicas against `server`, each on its own data directory under `dir` (a copy of
// --seed when given) and HTTP port (the first on `web_port` when it is not 0), for /metrics.
void spawn(Replicas& bots, const Options& o, const BotSpec& spec, const LoadServer& server,
           const std::filesystem::path& dir, std::uint16_t web_port) {
  std::map<std::string, std::string> env = {{"SLACK_API_URL", server.api_url()},
                                            {"SLACK_APP_TOKEN", "xapp-1-bench"},
                                            {"SLACK_BOT_TOKEN", "xoxb-bench"},
                                            {"BRIGADE_CONFIG", ""},
                                            {"BRIGADE_LOG_LEVEL", "warn"},
                                            {"MATRIX_HOMESERVER", ""},
                                            {"MATRIX_ACCESS_TOKEN", ""},
                                            {"MATRIX_PASSWORD", ""}};
  for (std::size_t k = 0; k < spec.replicas; ++k) {
    const std::uint16_t port = k == 0 && web_port != 0 ? web_port : free_port();
    env["BRIGADE_HTTP_ADDR"] = "127.0.0.1:" + std::to_string(port);
    bots.http_ports.push_back(port);
    const auto data = dir / (k == 0 ? std::string("data") : "data-" + std::to_string(k));
    if (!o.seed.empty())
      std::filesystem::copy(o.seed, data, std::filesystem::copy_options::recursive);
    env["BRIGADE_DATA_DIR"] = data.string();
    bots.procs.push_back(std::make_unique<Bot>(spec.command, env));
  }
}

Result run_one(const Options& o, const BotSpec& spec) {
  Result r;
  r.bot = spec.name;
  r.replicas = spec.replicas;
  LoadServer server(o);
  auto dir =
      std::filesystem::temp_directory_path() / ("slack_load-" + spec.name + "-" + std::to_string(getpid()));
  std::filesystem::remove_all(dir);
  std::filesystem::create_directories(dir);
  const std::uint16_t web_port = o.web_clients > 0 ? free_port() : 0;
  auto spawned = Clock::now();
  Replicas bots;
  spawn(bots, o, spec, server, dir, web_port);
  auto deadline = spawned + std::chrono::seconds(o.timeout_s);
  if (!wait_connected(server, bots, spec, deadline, r)) {
    bots.stop();
    std::filesystem::remove_all(dir);
    return r;
  }
  r.ready_ms = std::chrono::duration<double, std::milli>(Clock::now() - spawned).count();
  std::this_thread::sleep_for(std::chrono::milliseconds(500));  // settle: the idle footprint
  r.idle_rss_mb = bots.sum([](const Bot& b) { return b.status_mb("VmRSS:"); });
  auto stat_before = read_stat(spec.stat);
  bot_stat(bots, stat_before);
  auto threads_before = bots.thread_cpu();
  WebLoad web;
  if (web_port != 0) web.start(web_port, o);
  server.start_load();
  while (server.acked() < o.commands && Clock::now() < deadline && bots.alive())
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  auto threads_after = bots.thread_cpu();  // the ack phase only: the paced replies go on after it
  web.finish(r);
  r.complete = server.acked() == o.commands;
  wait_posts(server, bots, std::min(deadline, Clock::now() + std::chrono::seconds(o.post_wait_s)),
             2 * o.commands);
  r.peak_rss_mb = bots.sum([](const Bot& b) { return b.status_mb("VmHWM:"); });
  r.cpu_s = bots.sum([](const Bot& b) { return b.cpu_seconds(); });
  auto stat_after = read_stat(spec.stat);
  bot_stat(bots, stat_after);
  bots.stop();
  server.finish(r);
  r.cpu_us_per_cmd = r.acked > 0 ? r.cpu_s * 1e6 / static_cast<double>(r.acked) : 0;
  per_command(r, stat_before, stat_after);
  per_thread(r, threads_before, threads_after);
  if (!r.complete) r.note = "only " + std::to_string(r.acked) + " acks before the deadline";
  std::filesystem::remove_all(dir);
  return r;
}

int usage() {
  std::cerr
      << "usage: slack_load [--commands N] [--window W] [--givers G] [--recipients R] [--channels C]\n"
         "                  [--timeout S] [--post-wait S] --bot NAME='COMMAND' [--bot NAME='COMMAND' ...]\n"
         "                  [--replicas NAME=K] [--stat NAME='COMMAND']\n"
         "                  [--web CLIENTS] [--web-target PATH] [--seed DATA_DIR]\n";
  return 2;
}

// "NAME=VALUE" → the bot NAME's spec (declared with --bot) and VALUE; nullptr when malformed.
BotSpec* named(Options& o, const std::string& v, std::string& value) {
  auto eq = v.find('=');
  if (eq == std::string::npos || eq == 0) return nullptr;
  value = v.substr(eq + 1);
  for (auto& b : o.bots)
    if (b.name == v.substr(0, eq)) return &b;
  return nullptr;
}

bool parse_bot_option(Options& o, const std::string& a, const std::string& v) {
  std::string value;
  if (a == "--bot") {
    auto eq = v.find('=');
    if (eq == std::string::npos || eq == 0) return false;
    o.bots.push_back({v.substr(0, eq), v.substr(eq + 1)});
    return true;
  }
  BotSpec* b = named(o, v, value);
  if (b == nullptr) return false;
  if (a == "--stat") b->stat = value;
  if (a == "--replicas") b->replicas = std::strtoul(value.c_str(), nullptr, 10);
  return b->replicas > 0;
}

bool parse(int argc, char** argv, Options& o) {
  for (int i = 1; i < argc; ++i) {
    std::string a = argv[i];
    std::string v = i + 1 < argc ? argv[++i] : "";
    auto number = [&](std::size_t& out) {
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
      o.timeout_s = std::atoi(v.c_str());
    else if (a == "--post-wait")
      o.post_wait_s = std::atoi(v.c_str());
    else if (a == "--web")
      ok = number(o.web_clients);
    else if (a == "--web-target")
      o.web_target = v;
    else if (a == "--seed")
      ok = std::filesystem::is_directory(o.seed = v);
    else if (a == "--bot" || a == "--replicas" || a == "--stat")
      ok = parse_bot_option(o, a, v);
    else
      ok = false;
    if (!ok) return false;
  }
  return !o.bots.empty() && o.timeout_s > 0;
}

}  // namespace
}  // namespace brigade::bench

int main(int argc, char** argv) {
  using namespace brigade::bench;
  signal(SIGPIPE, SIG_IGN);
  Options o;
  if (!parse(argc, argv, o)) return usage();
  std::vector<Result> results;
  for (const auto& spec : o.bots) {
    std::fprintf(stderr, "slack_load: %s: %zu commands, window %zu, %zu process(es) …\n", spec.name.c_str(),
                 o.commands, o.window, spec.replicas);
    results.push_back(run_one(o, spec));
    std::printf("%s\n", json_line(results.back(), o).c_str());
    std::fflush(stdout);
  }
  print_table(results);
  bool all = std::all_of(results.begin(), results.end(), [](const Result& r) { return r.complete; });
  return all ? 0 : 1;
}
