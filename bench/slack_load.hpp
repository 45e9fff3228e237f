// slack_load's shared pieces: the options, what one bot's run measured, and the id scheme.
#pragma once

#include <cstddef>
#include <cstdio>
#include <string>
#include <utility>
#include <vector>

namespace brigade::bench {

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

// "U000000042": a Slack-shaped id of `kind` (U giver, W recipient, C channel).
inline std::string uid(char kind, std::size_t i) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%c%09zu", kind, i);
  return buf;
}

}  // namespace brigade::bench
