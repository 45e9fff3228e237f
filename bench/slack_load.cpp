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
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <map>
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

Result run_one(const Options& o, const std::string& name, const std::string& command) {
  Result r;
  r.bot = name;
  LoadServer server(o);
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
}  // namespace brigade::bench

int main(int argc, char** argv) {
  using namespace brigade::bench;
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
