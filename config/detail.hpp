// Config-internal: the pieces config/'s source files share (messages, the file's schema, value
// checks, the loader). Nothing outside config/ includes it.
#pragma once

#include <array>
#include <cstdint>
#include <filesystem>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "config/config.hpp"

namespace brigade::config::detail {

// ---- messages (checks.cpp): every error is one line, anything echoed is escaped and shortened
std::string one_line(std::string_view s);
std::string quote(std::string_view s);
[[noreturn]] void fail(const std::string& key, const std::string& problem);
std::string dotted(std::string_view table, std::string_view key);
bool has_space_or_control(std::string_view s);
bool has_control(std::string_view s);
bool starts_with_ci(std::string_view s, std::string_view prefix);
std::size_t edit_distance(std::string_view a, std::string_view b);

// ---- the file's schema (schema.cpp): one table drives unknown-key detection, file_keys() and
// the example test
struct TableSchema {
  std::string_view name;  // "" = top level
  std::vector<std::string_view> keys;
};
const std::vector<TableSchema>& schema();
const std::map<std::string, std::string, std::less<>>& secret_keys();
const TableSchema* find_table(std::string_view name);
std::string unknown_key_hint(const TableSchema& table, std::string_view key);
std::int64_t in_range(std::int64_t v, std::int64_t lo, std::int64_t hi, const std::string& key);

// ---- value checks (checks.cpp), shared by the file and the environment (key = dotted path or
// variable name)
inline constexpr std::array<std::string_view, 7> kWeekdays = {"sunday",   "monday", "tuesday", "wednesday",
                                                              "thursday", "friday", "saturday"};
int parse_weekday(std::string_view raw, const std::string& key);
std::string check_timezone(std::string_view raw, const std::string& key);
std::string check_log_level(std::string_view raw, const std::string& key);
std::string check_http_addr(std::string_view raw, const std::string& key);
bool valid_ipv4(const std::string& s);
bool valid_ipv6(const std::string& s);
bool valid_host_name(std::string_view s);
bool valid_url_authority(std::string_view auth);
std::string check_http_url(std::string_view raw, const std::string& key);
void check_no_space(std::string_view v, const std::string& key, std::string_view what);
bool valid_matrix_user_id(std::string_view s);
bool valid_matrix_room(std::string_view s);
bool valid_slack_id(std::string_view s);
bool valid_qualified_user(std::string_view s);
bool non_ascii_word_char(char32_t cp);
std::string check_value(std::string_view raw, const std::string& key);
std::string check_clock_time(std::string_view raw, const std::string& key);
std::string check_data_dir(std::string_view raw, const std::string& key);
std::string check_ca_file(std::string_view raw, const std::string& key);
void check_slack_token(std::string_view token, std::string_view prefix, std::string_view what,
                       const std::string& key);
std::string redact_url(const std::string& url);
// A store URL or conninfo with its password (user:pass@ or password=…) shown as ***.
std::string redact_store_url(const std::string& url);

// ---- the loader (loader.cpp): TOML file, then environment, then secrets, then validation
Config load(const Env& env, std::optional<std::filesystem::path> explicit_file);
std::string join(const std::vector<std::string>& items, std::string_view none);
const char* set_or_unset(const std::string& secret);

}  // namespace brigade::config::detail
