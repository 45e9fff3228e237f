// slack_load: plays Slack on loopback (Socket Mode WebSocket + Web API over HTTP) against a bot
// process, pushes N slash commands keeping W un-acked, and reports acks/s, ack latency, posts/s,
// the bot's peak RSS and CPU time. Several bots run one after another against fresh servers
// and are printed side by side.
//
//   slack_load [--commands N] [--window W] [--givers G] [--recipients R] [--channels C]
//              [--timeout S] [--post-wait S] --bot NAME='COMMAND' [--bot NAME='COMMAND' …]
//              [--replicas NAME=K] [--stat NAME='COMMAND']
//
// COMMAND runs under /bin/sh with SLACK_API_URL, SLACK_APP_TOKEN, SLACK_BOT_TOKEN and
// BRIGADE_DATA_DIR (a fresh directory) set. Everything binds 127.0.0.1 and stops by itself.
// --replicas runs K processes of NAME's command at once (replicas of one PostgreSQL ledger): the
// envelopes are dealt round-robin over their connections; acks, RSS and CPU are summed. --stat
// runs a command printing "LABEL VALUE" counters before the load and after the replies; the
// deltas are printed per command (bench/pg_load.sh uses it for database statements and CPU).
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
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

#include "bench/slack_load.hpp"
#include "bench/slack_load_server.hpp"

extern char** environ;

namespace brigade::bench {
namespace {

using Clock = std::chrono::steady_clock;

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

// "LABEL VALUE" lines of a BotSpec::stat command (the value is the last word).
std::vector<std::pair<std::string, double>> read_stat(const std::string& command) {
  std::vector<std::pair<std::string, double>> out;
  if (command.empty()) return out;
  std::fflush(stdout);
  FILE* p = popen(command.c_str(), "r");
  if (p == nullptr) return out;
  char line[512];
  while (std::fgets(line, sizeof line, p) != nullptr) {
    std::string l(line);
    while (!l.empty() && (l.back() == '\n' || l.back() == ' ')) l.pop_back();
    auto sp = l.rfind(' ');
    if (sp != std::string::npos && sp > 0) out.emplace_back(l.substr(0, sp), std::atof(l.c_str() + sp + 1));
  }
  pclose(p);
  return out;
}

// The bot's processes: one per replica, each with its own data directory.
struct Replicas {
  std::vector<std::unique_ptr<Bot>> procs;
  bool alive() {
    return std::all_of(procs.begin(), procs.end(), [](auto& b) { return b->alive(); });
  }
  void stop() {  // SIGTERM to all at once, then each waited for
    for (auto& b : procs)
      if (b->pid > 0) kill(b->pid, SIGTERM);
    procs.clear();
  }
  double sum(const std::function<double(const Bot&)>& f) const {
    double t = 0;
    for (const auto& b : procs) t += f(*b);
    return t;
  }
};

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

Result run_one(const Options& o, const BotSpec& spec) {
  Result r;
  r.bot = spec.name;
  r.replicas = spec.replicas;
  LoadServer server(o);
  auto dir =
      std::filesystem::temp_directory_path() / ("slack_load-" + spec.name + "-" + std::to_string(getpid()));
  std::filesystem::remove_all(dir);
  std::filesystem::create_directories(dir);
  std::map<std::string, std::string> env = {{"SLACK_API_URL", server.api_url()},
                                            {"SLACK_APP_TOKEN", "xapp-1-bench"},
                                            {"SLACK_BOT_TOKEN", "xoxb-bench"},
                                            {"BRIGADE_CONFIG", ""},
                                            {"BRIGADE_LOG_LEVEL", "warn"},
                                            {"BRIGADE_HTTP_ADDR", "127.0.0.1:0"},
                                            {"MATRIX_HOMESERVER", ""},
                                            {"MATRIX_ACCESS_TOKEN", ""},
                                            {"MATRIX_PASSWORD", ""}};
  auto spawned = Clock::now();
  Replicas bots;
  for (std::size_t k = 0; k < spec.replicas; ++k) {
    env["BRIGADE_DATA_DIR"] = (dir / (k == 0 ? std::string("data") : "data-" + std::to_string(k))).string();
    bots.procs.push_back(std::make_unique<Bot>(spec.command, env));
  }
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
  server.start_load();
  while (server.acked() < o.commands && Clock::now() < deadline && bots.alive())
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  r.complete = server.acked() == o.commands;
  wait_posts(server, bots, std::min(deadline, Clock::now() + std::chrono::seconds(o.post_wait_s)),
             2 * o.commands);
  r.peak_rss_mb = bots.sum([](const Bot& b) { return b.status_mb("VmHWM:"); });
  r.cpu_s = bots.sum([](const Bot& b) { return b.cpu_seconds(); });
  auto stat_after = read_stat(spec.stat);
  bots.stop();
  server.finish(r);
  r.cpu_us_per_cmd = r.acked > 0 ? r.cpu_s * 1e6 / static_cast<double>(r.acked) : 0;
  per_command(r, stat_before, stat_after);
  if (!r.complete) r.note = "only " + std::to_string(r.acked) + " acks before the deadline";
  std::filesystem::remove_all(dir);
  return r;
}

int usage() {
  std::cerr
      << "usage: slack_load [--commands N] [--window W] [--givers G] [--recipients R] [--channels C]\n"
         "                  [--timeout S] [--post-wait S] --bot NAME='COMMAND' [--bot NAME='COMMAND' ...]\n"
         "                  [--replicas NAME=K] [--stat NAME='COMMAND']\n";
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
