// slack_load's bot processes (slack_load_procs.hpp).
#include "bench/slack_load_procs.hpp"

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
#include <sstream>
#include <thread>

#include "bench/prometheus_text.hpp"
#include "testkit/net/http_client.hpp"

extern char** environ;

namespace brigade::bench {

Bot::Bot(const std::string& command, const std::map<std::string, std::string>& env) {
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
Bot::~Bot() { stop(); }

bool Bot::alive() {
  if (pid <= 0) return false;
  int st;
  return waitpid(pid, &st, WNOHANG) == 0;
}

double Bot::status_mb(const char* field) const {
  std::ifstream in("/proc/" + std::to_string(pid) + "/status");
  std::string line;
  while (std::getline(in, line))
    if (line.rfind(field, 0) == 0) return std::atof(line.c_str() + std::strlen(field)) / 1024.0;
  return 0;
}
double Bot::cpu_seconds() const { return stat_cpu_seconds("/proc/" + std::to_string(pid) + "/stat"); }

std::map<std::string, double> Bot::thread_cpu() const {
  std::map<std::string, double> out;
  std::error_code ec;
  for (const auto& t : std::filesystem::directory_iterator("/proc/" + std::to_string(pid) + "/task", ec)) {
    std::ifstream comm(t.path() / "comm");
    std::string name;
    std::getline(comm, name);
    if (!name.empty()) out[name] += stat_cpu_seconds((t.path() / "stat").string());
  }
  return out;
}

double Bot::stat_cpu_seconds(const std::string& path) {
  std::ifstream in(path);
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

void Bot::stop() {
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

std::optional<double> Replicas::metric(const std::string& name) const {
  std::optional<double> total;
  for (auto port : http_ports) {
    const auto answer = testing::http_get(port, "/metrics", std::chrono::seconds(5));
    if (answer.status != 200) continue;
    if (auto v = prometheus_value(answer.body, name)) total = total.value_or(0) + *v;
  }
  return total;
}

bool Replicas::alive() {
  return std::all_of(procs.begin(), procs.end(), [](auto& b) { return b->alive(); });
}

void Replicas::stop() {  // SIGTERM to all at once, then each waited for
  for (auto& b : procs)
    if (b->pid > 0) kill(b->pid, SIGTERM);
  procs.clear();
}

double Replicas::sum(const std::function<double(const Bot&)>& f) const {
  double t = 0;
  for (const auto& b : procs) t += f(*b);
  return t;
}

std::map<std::string, double> Replicas::thread_cpu() const {
  std::map<std::string, double> out;
  for (const auto& b : procs)
    for (const auto& [name, s] : b->thread_cpu()) out[name] += s;
  return out;
}

}  // namespace brigade::bench
