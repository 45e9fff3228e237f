// slack_load's shared pieces: the options, what one bot's run measured, and the id scheme.
#pragma once

#include <cstddef>
#include <cstdio>
#include <string>
#include <utility>
#include <vector>

namespace brigade::bench {

// One bot under test: `replicas` processes of `command` against the same fake Slack (each opens
// its own Socket Mode connection; envelopes are dealt round-robin over the connections). `stat`,
// when set, is a shell command printing "LABEL VALUE" lines of cumulative counters (e.g. database
// statements); it runs before the load and after the replies, and each delta is reported per
// command.
struct BotSpec {
  std::string name, command;
  std::size_t replicas = 1;
  std::string stat;
};

struct Options {
  std::size_t commands = 20000;
  std::size_t window = 64;
  std::size_t givers = 5000;  // 20,000 commands over 5,000 givers stays inside a daily quota of 5
  std::size_t recipients = 500;
  std::size_t channels = 1000;
  int timeout_s = 120;
  int post_wait_s = 30;
  // --web: this many keep-alive HTTP clients on the bot's `web_target` while the commands run
  // (first replica), so the acks are measured with the dashboard busy.
  std::size_t web_clients = 0;
  std::string web_target = "/api/v1/leaderboard?period=week";
  // --seed: an LMDB data directory copied into each bot's fresh one first (a large ledger).
  std::string seed;
  std::vector<BotSpec> bots;
};

struct Result {
  std::string bot;
  std::size_t sent = 0, acked = 0, posts = 0;
  double ready_ms = -1, first_ack_ms = -1, seconds = 0, acks_per_s = 0, posts_per_s = 0;
  double p50 = 0, p90 = 0, p99 = 0, max = 0;
  // Summed over the replicas; cpu_us_per_cmd = cpu_s / commands acked.
  double idle_rss_mb = 0, peak_rss_mb = 0, cpu_s = 0, cpu_us_per_cmd = 0;
  std::size_t replicas = 1;
  std::vector<std::pair<std::string, double>> per_command;  // BotSpec::stat deltas / commands acked
  // --web: answers/s and latency of the HTTP clients during the load, 503s (queue full) and
  // other failures.
  double web_per_s = 0, web_p50 = 0, web_p99 = 0;
  std::size_t web_shed = 0, web_failures = 0;
  bool complete = false;
  std::string note;
};

// "U000000042": a Slack-shaped id of `kind` (U giver, W recipient, C channel).
inline std::string uid(char kind, std::size_t i) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%c%09zu", kind, i);
  return buf;
}

// The JSON line of one bot's run and the side-by-side table (slack_load_report.cpp).
std::string json_line(const Result& r, const Options& o);
void print_table(const std::vector<Result>& rs);

}  // namespace brigade::bench
