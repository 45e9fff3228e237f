// slack_load's output: one JSON line per bot run and the side-by-side table at the end.
#include <algorithm>
#include <cstdio>
#include <string>
#include <vector>

#include "bench/slack_load.hpp"

namespace brigade::bench {

namespace {

// The BotSpec::stat figures as JSON members: "db statements" → "db_statements_per_cmd".
std::string stats_json(const Result& r) {
  std::string out;
  for (const auto& [label, v] : r.per_command) {
    std::string key;
    for (char c : label) key += (c == ' ' || c == '"' || c == '\\') ? '_' : c;
    char buf[160];
    std::snprintf(buf, sizeof buf, R"(,"%s_per_cmd":%.3f)", key.c_str(), v);
    out += buf;
  }
  return out;
}

// Every stat label any run reported, in first-seen order.
std::vector<std::string> stat_labels(const std::vector<Result>& rs) {
  std::vector<std::string> labels;
  for (const auto& r : rs)
    for (const auto& [label, v] : r.per_command) {
      bool known = false;
      for (const auto& l : labels) known = known || l == label;
      if (!known) labels.push_back(label);
    }
  return labels;
}

void print_stat_rows(const std::vector<Result>& rs) {
  for (const auto& label : stat_labels(rs)) {
    std::printf("%-20s", (label + "/cmd").c_str());
    for (const auto& r : rs) {
      char v[32] = "-";
      for (const auto& [l, x] : r.per_command)
        if (l == label) std::snprintf(v, sizeof v, "%.2f", x);
      std::printf("%14s", v);
    }
    std::printf("\n");
  }
}

// --web: the HTTP clients' figures, when any run had them.
void print_web_rows(const std::vector<Result>& rs) {
  if (std::none_of(rs.begin(), rs.end(), [](const Result& r) { return r.web_per_s > 0 || r.web_failures > 0; }))
    return;
  std::printf("%-20s", "web answers/s");
  for (const auto& r : rs) std::printf("%14.0f", r.web_per_s);
  std::printf("\n%-20s", "web p50/p99 ms");
  for (const auto& r : rs) {
    char v[32];
    std::snprintf(v, sizeof v, "%.2f/%.2f", r.web_p50, r.web_p99);
    std::printf("%14s", v);
  }
  std::printf("\n%-20s", "web 503s/failures");
  for (const auto& r : rs) {
    char v[32];
    std::snprintf(v, sizeof v, "%zu/%zu", r.web_shed, r.web_failures);
    std::printf("%14s", v);
  }
  std::printf("\n");
}

}  // namespace

std::string json_line(const Result& r, const Options& o) {
  char buf[1024];
  std::snprintf(
      buf, sizeof buf,
      R"({"bot":"%s","replicas":%zu,"commands":%zu,"window":%zu,"acked":%zu,"seconds":%.3f,)"
      R"("acks_per_s":%.0f,"ack_p50_ms":%.3f,"ack_p90_ms":%.3f,"ack_p99_ms":%.3f,"ack_max_ms":%.3f,)"
      R"("ready_ms":%.1f,"first_ack_ms":%.3f,"posts":%zu,"posts_per_s":%.0f,"idle_rss_mb":%.1f,)"
      R"("peak_rss_mb":%.1f,"cpu_s":%.2f,"cpu_us_per_cmd":%.1f)",
      r.bot.c_str(), r.replicas, o.commands, o.window, r.acked, r.seconds, r.acks_per_s, r.p50, r.p90, r.p99,
      r.max, r.ready_ms, r.first_ack_ms, r.posts, r.posts_per_s, r.idle_rss_mb, r.peak_rss_mb, r.cpu_s,
      r.cpu_us_per_cmd);
  std::string web;
  if (o.web_clients > 0) {
    char w[256];
    std::snprintf(w, sizeof w, R"(,"web_clients":%zu,"web_per_s":%.0f,"web_p50_ms":%.3f,"web_p99_ms":%.3f,"web_503":%zu,"web_failures":%zu)",
                  o.web_clients, r.web_per_s, r.web_p50, r.web_p99, r.web_shed, r.web_failures);
    web = w;
  }
  return buf + stats_json(r) + web + R"(,"complete":)" + (r.complete ? "true" : "false") + "}";
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
      {"CPU us/cmd", &Result::cpu_us_per_cmd, "%.0f", false},
  };
  std::printf("\n%-20s", "");
  for (const auto& r : rs) std::printf("%14s", r.bot.c_str());
  if (rs.size() >= 2) std::printf("%14s", (rs[0].bot + "/" + rs[1].bot).substr(0, 13).c_str());
  std::printf("\n%-20s", "processes");
  for (const auto& r : rs) std::printf("%14zu", r.replicas);
  std::printf("\n");
  for (const auto& row : rows) {
    std::printf("%-20s", row.label);
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
  print_stat_rows(rs);
  print_web_rows(rs);
  for (const auto& r : rs)
    if (!r.note.empty()) std::printf("note: %s: %s\n", r.bot.c_str(), r.note.c_str());
}

}  // namespace brigade::bench
