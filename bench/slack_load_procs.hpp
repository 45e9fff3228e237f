// slack_load's bot processes: one spawned under /bin/sh with its environment, its memory and CPU
// read from /proc, and the replicas of one bot under test taken together.
#pragma once

#include <sys/types.h>

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace brigade::bench {

struct Bot {
  pid_t pid = -1;
  // `env` is added to ours (an empty value removes the variable). The bot's stdout goes to our
  // stderr: stdout carries only the JSON lines and the table.
  Bot(const std::string& command, const std::map<std::string, std::string>& env);
  ~Bot();  // stop()
  Bot(const Bot&) = delete;
  Bot& operator=(const Bot&) = delete;
  bool alive();
  double status_mb(const char* field) const;  // a kB field of /proc/PID/status, in MB
  double cpu_seconds() const;
  // CPU seconds by thread name (/proc/PID/task/TID/comm: Brigade names its threads "committer",
  // "slack", "outbox", "web", …), threads of one name summed.
  std::map<std::string, double> thread_cpu() const;
  static double stat_cpu_seconds(const std::string& path);  // utime + stime of a /proc stat file
  void stop();  // SIGTERM, then SIGKILL after 10 s
};

// "LABEL VALUE" lines of a BotSpec::stat command (the value is the last word).
std::vector<std::pair<std::string, double>> read_stat(const std::string& command);

// The bot's processes: one per replica, each with its own data directory.
struct Replicas {
  std::vector<std::unique_ptr<Bot>> procs;
  std::vector<std::uint16_t> http_ports;  // each replica's HTTP server (BRIGADE_HTTP_ADDR)
  // A series of the replicas' /metrics, summed over those that show it (a peer without /metrics
  // or without the series adds nothing); nullopt when none does.
  std::optional<double> metric(const std::string& name) const;
  bool alive();
  void stop();  // SIGTERM to all at once, then each waited for
  double sum(const std::function<double(const Bot&)>& f) const;
  std::map<std::string, double> thread_cpu() const;  // summed over the replicas
};

}  // namespace brigade::bench
