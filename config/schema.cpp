// The configuration file's schema: the tables and keys Brigade reads, which of them are secrets,
// and the hint for a mistyped key.
#include <algorithm>

#include "config/detail.hpp"

namespace brigade::config {
namespace detail {

const std::vector<TableSchema>& schema() {
  static const std::vector<TableSchema> s = {
      {"", {"data_dir", "timezone", "week_start", "log_level", "ca_file"}},
      {"kudos",
       {"allowance", "allowance_period", "daily_quota", "max_per_recipient", "undo_minutes", "max_recipients",
        "max_reason_length", "values", "values_required"}},
      {"roles", {"managers", "admins"}},
      {"wins", {"slack", "matrix", "console"}},
      {"http", {"addr"}},
      {"slack", {"api_url", "reaction"}},
      {"matrix",
       {"homeserver", "user_id", "device_name", "reaction", "autojoin_servers", "autojoin_rooms",
        "private_replies"}},
      {"console", {"user", "channel", "bots"}},
      {"digest", {"enabled", "day", "time", "channels"}},
      {"privacy", {"keep_reasons_days"}},
      {"leaderboard", {"public"}},
      {"notify", {"recipient_dm"}},
      {"store", {"url", "wait_seconds"}},
  };
  return s;
}

// Secrets that people will try to put in the file; each names the variable to use instead.
const std::map<std::string, std::string, std::less<>>& secret_keys() {
  static const std::map<std::string, std::string, std::less<>> m = {
      {"http.token", "BRIGADE_HTTP_TOKEN"},   {"slack.app_token", "SLACK_APP_TOKEN"},
      {"slack.bot_token", "SLACK_BOT_TOKEN"}, {"matrix.access_token", "MATRIX_ACCESS_TOKEN"},
      {"matrix.password", "MATRIX_PASSWORD"}, {"store.password", "PGPASSWORD"},
  };
  return m;
}

const TableSchema* find_table(std::string_view name) {
  for (const auto& t : schema())
    if (!t.name.empty() && t.name == name) return &t;
  return nullptr;
}

std::string unknown_key_hint(const TableSchema& table, std::string_view key) {
  for (auto k : table.keys)
    if (edit_distance(k, key) <= 2) return " (did you mean " + dotted(table.name, k) + "?)";
  // A key that belongs in a table but was written at the top level (or in the wrong table).
  for (const auto& t : schema())
    for (auto k : t.keys)
      if (k == key && t.name != table.name) return " (did you mean " + dotted(t.name, k) + "?)";
  return "";
}

std::int64_t in_range(std::int64_t v, std::int64_t lo, std::int64_t hi, const std::string& key) {
  if (v < lo || v > hi)
    fail(key, "out of range: " + std::to_string(v) + " (allowed " + std::to_string(lo) + ".." +
                  std::to_string(hi) + ")");
  return v;
}

}  // namespace detail

const std::vector<std::string>& file_keys() {
  static const std::vector<std::string> keys = [] {
    std::vector<std::string> out;
    for (const auto& t : detail::schema())
      for (auto k : t.keys) out.push_back(detail::dotted(t.name, k));
    return out;
  }();
  return keys;
}

}  // namespace brigade::config
