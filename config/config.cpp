// Loading Brigade's configuration: TOML file → environment overrides → secrets → validation.
#include "config/config.hpp"

#include <arpa/inet.h>

#include <algorithm>
#include <array>
#include <cerrno>
#include <charconv>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <map>
#include <set>
#include <sstream>
#include <utility>

#include <toml++/toml.h>

#include "core/calendar.hpp"
#include "core/text.hpp"

namespace brigade::config {

namespace fs = std::filesystem;

namespace {

// ---------------------------------------------------------------------------------------------
// Messages: every error is one line, so anything echoed from the user is escaped and shortened.

std::string one_line(std::string_view s) {
  std::string out;
  out.reserve(s.size());
  for (char c : s) {
    auto u = static_cast<unsigned char>(c);
    out += (u < 0x20 || u == 0x7F) ? ' ' : c;
  }
  return out;
}

// A user-supplied (never secret) value quoted for an error message.
std::string quote(std::string_view s) {
  constexpr std::size_t kMax = 80;
  std::string_view cut = core::utf8_truncate(s, kMax);
  std::string out = "\"";
  for (char c : cut) {
    auto u = static_cast<unsigned char>(c);
    if (c == '"' || c == '\\') {
      out += '\\';
      out += c;
    } else if (u < 0x20 || u == 0x7F) {
      static constexpr char kHex[] = "0123456789abcdef";
      out += "\\x";
      out += kHex[u >> 4];
      out += kHex[u & 0xF];
    } else {
      out += c;
    }
  }
  if (cut.size() < s.size()) out += "…";
  out += '"';
  return out;
}

[[noreturn]] void fail(const std::string& key, const std::string& problem) {
  throw ConfigError(key, problem);
}

std::string dotted(std::string_view table, std::string_view key) {
  return table.empty() ? std::string(key) : std::string(table) + "." + std::string(key);
}

bool has_space_or_control(std::string_view s) {
  return std::any_of(s.begin(), s.end(), [](char c) {
    auto u = static_cast<unsigned char>(c);
    return u <= 0x20 || u == 0x7F;
  });
}

bool has_control(std::string_view s) {
  return std::any_of(s.begin(), s.end(), [](char c) {
    auto u = static_cast<unsigned char>(c);
    return u < 0x20 || u == 0x7F;
  });
}

bool starts_with_ci(std::string_view s, std::string_view prefix) {
  return s.size() >= prefix.size() && core::to_lower_ascii(s.substr(0, prefix.size())) == prefix;
}

std::size_t edit_distance(std::string_view a, std::string_view b) {
  std::vector<std::size_t> row(b.size() + 1);
  for (std::size_t j = 0; j <= b.size(); ++j) row[j] = j;
  for (std::size_t i = 1; i <= a.size(); ++i) {
    std::size_t diag = row[0];
    row[0] = i;
    for (std::size_t j = 1; j <= b.size(); ++j) {
      std::size_t up = row[j];
      row[j] = std::min({row[j] + 1, row[j - 1] + 1, diag + (a[i - 1] == b[j - 1] ? 0 : 1)});
      diag = up;
    }
  }
  return row[b.size()];
}

// ---------------------------------------------------------------------------------------------
// The file's schema: one table drives unknown-key detection, file_keys() and the example test.

struct TableSchema {
  std::string_view name;  // "" = top level
  std::vector<std::string_view> keys;
};

const std::vector<TableSchema>& schema() {
  static const std::vector<TableSchema> s = {
      {"", {"data_dir", "timezone", "week_start", "log_level", "ca_file"}},
      {"kudos", {"daily_quota", "max_recipients", "max_reason_length", "values", "values_required"}},
      {"roles", {"managers", "admins"}},
      {"wins", {"slack", "matrix", "console"}},
      {"http", {"addr"}},
      {"slack", {"api_url", "reaction"}},
      {"matrix",
       {"homeserver", "user_id", "device_name", "reaction", "autojoin_servers", "autojoin_rooms",
        "private_replies"}},
      {"console", {"user", "channel", "bots"}},
      {"digest", {"enabled", "day", "time", "channels"}},
  };
  return s;
}

// Secrets that people will try to put in the file; each names the variable to use instead.
const std::map<std::string, std::string, std::less<>>& secret_keys() {
  static const std::map<std::string, std::string, std::less<>> m = {
      {"http.token", "BRIGADE_HTTP_TOKEN"},   {"slack.app_token", "SLACK_APP_TOKEN"},
      {"slack.bot_token", "SLACK_BOT_TOKEN"}, {"matrix.access_token", "MATRIX_ACCESS_TOKEN"},
      {"matrix.password", "MATRIX_PASSWORD"},
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

std::string type_name(const toml::node& n) {
  switch (n.type()) {
    case toml::node_type::string:
      return "a string";
    case toml::node_type::integer:
      return "an integer";
    case toml::node_type::floating_point:
      return "a number with a fraction";
    case toml::node_type::boolean:
      return "a boolean";
    case toml::node_type::date:
      return "a date";
    case toml::node_type::time:
      return "a time";
    case toml::node_type::date_time:
      return "a date-time";
    case toml::node_type::array:
      return "an array";
    case toml::node_type::table:
      return "a table";
    default:
      return "nothing";
  }
}

std::string as_string(const toml::node& n, const std::string& key) {
  if (!n.is_string()) fail(key, "expected a string, got " + type_name(n));
  return n.as_string()->get();
}

std::int64_t as_integer(const toml::node& n, const std::string& key) {
  if (!n.is_integer()) fail(key, "expected an integer, got " + type_name(n));
  return n.as_integer()->get();
}

bool as_bool(const toml::node& n, const std::string& key) {
  if (!n.is_boolean()) fail(key, "expected true or false, got " + type_name(n));
  return n.as_boolean()->get();
}

std::vector<std::string> as_string_array(const toml::node& n, const std::string& key) {
  if (!n.is_array()) fail(key, "expected an array of strings, got " + type_name(n));
  std::vector<std::string> out;
  std::size_t i = 0;
  for (const auto& item : *n.as_array()) {
    if (!item.is_string())
      fail(key + "[" + std::to_string(i) + "]", "expected a string, got " + type_name(item));
    out.push_back(item.as_string()->get());
    ++i;
  }
  return out;
}

std::int64_t in_range(std::int64_t v, std::int64_t lo, std::int64_t hi, const std::string& key) {
  if (v < lo || v > hi)
    fail(key, "out of range: " + std::to_string(v) + " (allowed " + std::to_string(lo) + ".." +
                  std::to_string(hi) + ")");
  return v;
}

// ---------------------------------------------------------------------------------------------
// Value checks shared by the file and the environment (key = dotted path or variable name).

constexpr std::array<std::string_view, 7> kWeekdays = {"sunday",   "monday", "tuesday", "wednesday",
                                                       "thursday", "friday", "saturday"};

// "monday" or "mon", any case → 1; 0 = Sunday as core::Calendar counts.
int parse_weekday(std::string_view raw, const std::string& key) {
  std::string s = core::to_lower_ascii(core::trim(raw));
  for (std::size_t i = 0; i < kWeekdays.size(); ++i)
    if (s == kWeekdays[i] || (s.size() == 3 && kWeekdays[i].substr(0, 3) == s)) return static_cast<int>(i);
  fail(key, quote(raw) + " is not a day of the week (monday, tuesday, … sunday)");
}

std::string check_timezone(std::string_view raw, const std::string& key) {
  std::string tz(core::trim(raw));
  if (tz.empty()) fail(key, "empty time zone (an IANA name such as Europe/Paris or UTC)");
  try {
    core::Calendar probe(tz, 1);
  } catch (const std::exception&) {
    fail(key, "unknown time zone " + quote(tz) + " (an IANA name such as Europe/Paris or UTC)");
  }
  return tz;
}

std::string check_log_level(std::string_view raw, const std::string& key) {
  std::string s = core::to_lower_ascii(core::trim(raw));
  if (s == "warning") s = "warn";
  for (std::string_view l : {"trace", "debug", "info", "warn", "error"})
    if (s == l) return s;
  fail(key, quote(raw) + " is not a log level (trace, debug, info, warn, error)");
}

std::string check_http_addr(std::string_view raw, const std::string& key) {
  std::string s(core::trim(raw));
  if (!parse_host_port(s))
    fail(key, quote(raw) + " is not host:port (IPv4, [IPv6] or a host name; port 0..65535)");
  return s;
}

bool valid_ipv4(const std::string& s) {
  in_addr a{};
  return inet_pton(AF_INET, s.c_str(), &a) == 1;
}

bool valid_ipv6(const std::string& s) {
  in6_addr a{};
  return inet_pton(AF_INET6, s.c_str(), &a) == 1;
}

bool valid_host_name(std::string_view s) {
  if (s.empty() || s.size() > 253) return false;
  bool all_numeric = true;
  std::size_t start = 0;
  while (true) {
    std::size_t dot = s.find('.', start);
    std::string_view label =
        s.substr(start, dot == std::string_view::npos ? std::string_view::npos : dot - start);
    if (label.empty() || label.size() > 63 || label.front() == '-' || label.back() == '-') return false;
    for (char c : label) {
      bool alpha = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
      bool digit = c >= '0' && c <= '9';
      if (!alpha && !digit && c != '-') return false;
      if (!digit) all_numeric = false;
    }
    if (dot == std::string_view::npos) break;
    start = dot + 1;
  }
  // "300.1.1.1" is neither a name nor an address: numeric labels must form a real IPv4 address.
  return !all_numeric || valid_ipv4(std::string(s));
}

// Parses "host" or "host:port" of a URL authority; the port, when present, must be 1..65535.
bool valid_url_authority(std::string_view auth) {
  if (auth.empty()) return false;
  if (auth.front() == '[') {
    auto close = auth.find(']');
    if (close == std::string_view::npos || !valid_ipv6(std::string(auth.substr(1, close - 1)))) return false;
    if (close + 1 == auth.size()) return true;
    auto hp = parse_host_port(auth);
    return hp && hp->port != 0;
  }
  if (auth.find(':') == std::string_view::npos) return valid_host_name(auth);
  auto hp = parse_host_port(auth);
  return hp && hp->port != 0;
}

// slack.api_url and matrix.homeserver: plain HTTP(S) endpoints. Credentials in the URL are refused
// because secrets may only come from the environment.
std::string check_http_url(std::string_view raw, const std::string& key) {
  std::string url(core::trim(raw));
  std::string_view rest;
  if (starts_with_ci(url, "https://")) {
    rest = std::string_view(url).substr(8);
  } else if (starts_with_ci(url, "http://")) {
    rest = std::string_view(url).substr(7);
  } else if (starts_with_ci(url, "ws://") || starts_with_ci(url, "wss://")) {
    fail(key, quote(url) + " must be an http:// or https:// URL (ws:// and wss:// are WebSocket URLs)");
  } else {
    fail(key, quote(url) + " must be an http:// or https:// URL");
  }
  if (has_space_or_control(url)) fail(key, "URL must not contain spaces or control characters");
  std::string_view auth = rest.substr(0, rest.find_first_of("/?#"));
  if (auth.find('@') != std::string_view::npos)
    fail(key, "URL must not carry credentials (secrets come only from the environment)");
  if (!valid_url_authority(auth)) fail(key, quote(url) + " has no valid host[:port]");
  return url;
}

void check_no_space(std::string_view v, const std::string& key, std::string_view what) {
  if (v.empty()) fail(key, "empty " + std::string(what));
  if (has_space_or_control(v)) fail(key, quote(v) + " must not contain spaces (" + std::string(what) + ")");
}

bool valid_matrix_user_id(std::string_view s) {
  if (s.size() < 4 || s.front() != '@' || has_space_or_control(s)) return false;
  auto colon = s.find(':');
  return colon != std::string_view::npos && colon > 1 && colon + 1 < s.size();
}

bool valid_matrix_room(std::string_view s) {
  if (s.size() < 4 || (s.front() != '!' && s.front() != '#') || has_space_or_control(s)) return false;
  auto colon = s.find(':');
  return colon != std::string_view::npos && colon > 1 && colon + 1 < s.size();
}

bool valid_slack_id(std::string_view s) {
  return !s.empty() && std::all_of(s.begin(), s.end(), [](char c) {
    return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9');
  });
}

// "slack:T0123:U0456", "matrix:@boss:example.org", "console:alice" — the ids the store records.
bool valid_qualified_user(std::string_view s) {
  if (s.substr(0, 6) == "slack:") {
    auto rest = s.substr(6);
    auto colon = rest.find(':');
    return colon != std::string_view::npos && valid_slack_id(rest.substr(0, colon)) &&
           valid_slack_id(rest.substr(colon + 1));
  }
  if (s.substr(0, 7) == "matrix:") return valid_matrix_user_id(s.substr(7));
  if (s.substr(0, 8) == "console:") {
    auto name = s.substr(8);
    return !name.empty() && !has_space_or_control(name);
  }
  return false;
}

// Decodes valid UTF-8 (checked by the caller) into code points.
std::vector<char32_t> code_points(std::string_view s) {
  std::vector<char32_t> out;
  for (std::size_t i = 0; i < s.size();) {
    auto c = static_cast<unsigned char>(s[i]);
    int n = c < 0x80 ? 0 : c < 0xE0 ? 1 : c < 0xF0 ? 2 : 3;
    char32_t cp = n == 0 ? c : n == 1 ? (c & 0x1F) : n == 2 ? (c & 0x0F) : (c & 0x07);
    for (int k = 1; k <= n; ++k) cp = (cp << 6) | (static_cast<unsigned char>(s[i + k]) & 0x3F);
    out.push_back(cp);
    i += static_cast<std::size_t>(n) + 1;
  }
  return out;
}

// "Unicode letters are fine" without a Unicode database: refuse the blocks that hold spaces,
// punctuation, symbols, emoji and private use, and accept the rest (letters, marks, CJK, …).
bool non_ascii_word_char(char32_t cp) {
  struct Range {
    char32_t lo, hi;
  };
  static constexpr Range kRefused[] = {
      {0x80, 0xA9},     {0xAB, 0xB4},     {0xB6, 0xB9},       {0xBB, 0xBF},       {0xD7, 0xD7},
      {0xF7, 0xF7},     {0x2000, 0x2BFF}, {0x2E00, 0x2E7F},   {0x3000, 0x303F},   {0xE000, 0xF8FF},
      {0xFE00, 0xFE6F}, {0xFEFF, 0xFEFF}, {0xFF00, 0xFF0F},   {0xFF1A, 0xFF20},   {0xFF3B, 0xFF40},
      {0xFF5B, 0xFF65}, {0xFFF0, 0xFFFF}, {0x1F000, 0x1FAFF}, {0xE0000, 0xE007F}, {0xF0000, 0x10FFFF},
  };
  return std::none_of(std::begin(kRefused), std::end(kRefused),
                      [cp](const Range& r) { return cp >= r.lo && cp <= r.hi; });
}

// A #value as users type it: "#Teamwork" → "teamwork". Non-ASCII letters keep their case (no
// Unicode case tables here); commands compare values the same way.
std::string normalise_value(std::string_view raw, const std::string& key) {
  constexpr std::size_t kMaxValueLength = 64;
  std::string_view s = core::trim(raw);
  if (!s.empty() && s.front() == '#') s.remove_prefix(1);
  std::string v = core::to_lower_ascii(s);
  if (v.empty()) fail(key, "empty value");
  if (!core::valid_utf8(v)) fail(key, "value is not valid UTF-8");
  for (char32_t cp : code_points(v)) {
    bool ok = cp < 0x80 ? ((cp >= 'a' && cp <= 'z') || (cp >= '0' && cp <= '9') || cp == '_' || cp == '-')
                        : non_ascii_word_char(cp);
    if (!ok) fail(key, quote(raw) + " may only hold letters, digits, '_' and '-' (written without '#')");
  }
  if (core::utf8_length(v) > kMaxValueLength)
    fail(key, quote(raw) + " is longer than " + std::to_string(kMaxValueLength) + " characters");
  return v;
}

// "16:00" or "9:30" → "HH:MM".
std::string check_clock_time(std::string_view raw, const std::string& key) {
  std::string_view s = core::trim(raw);
  auto colon = s.find(':');
  auto digits = [](std::string_view d) {
    return !d.empty() && std::all_of(d.begin(), d.end(), [](char c) { return c >= '0' && c <= '9'; });
  };
  if (colon == std::string_view::npos || colon < 1 || colon > 2 || s.size() != colon + 3 ||
      !digits(s.substr(0, colon)) || !digits(s.substr(colon + 1)))
    fail(key, quote(raw) + " is not a 24-hour time \"HH:MM\"");
  int h = std::stoi(std::string(s.substr(0, colon)));
  int m = std::stoi(std::string(s.substr(colon + 1)));
  if (h > 23 || m > 59) fail(key, quote(raw) + " is not a 24-hour time \"HH:MM\"");
  auto two = [](int n) {
    return std::string{static_cast<char>('0' + n / 10), static_cast<char>('0' + n % 10)};
  };
  return two(h) + ":" + two(m);
}

std::string check_data_dir(std::string_view raw, const std::string& key) {
  std::string s(core::trim(raw));
  if (s.empty()) fail(key, "empty path");
  std::error_code ec;
  if (fs::exists(s, ec) && !fs::is_directory(s, ec)) fail(key, quote(s) + " exists and is not a directory");
  return s;
}

std::string check_ca_file(std::string_view raw, const std::string& key) {
  std::string s(core::trim(raw));
  std::error_code ec;
  if (!fs::is_regular_file(s, ec)) fail(key, quote(s) + " is not a readable file");
  std::ifstream in(s);
  if (!in) fail(key, "cannot read " + quote(s) + ": " + std::strerror(errno));
  return s;
}

// Slack tokens: checking the prefix catches the classic swap (bot token in the app slot) early.
// The value itself never appears in the message.
void check_slack_token(std::string_view token, std::string_view prefix, std::string_view what,
                       const std::string& key) {
  if (token.substr(0, prefix.size()) != prefix || token.size() <= prefix.size())
    fail(key, "must start with \"" + std::string(prefix) + "\" (" + std::string(what) + ")");
  if (has_space_or_control(token)) fail(key, "must not contain spaces or line breaks");
}

std::string redact_url(const std::string& url) {
  auto scheme = url.find("://");
  if (scheme == std::string::npos) return url;
  auto start = scheme + 3;
  auto end = url.find_first_of("/?#", start);
  auto at = url.rfind('@', end == std::string::npos ? url.size() : end);
  if (at == std::string::npos || at < start) return url;
  return url.substr(0, start) + "***@" + url.substr(at + 1);
}

// ---------------------------------------------------------------------------------------------

struct Secret {
  std::string value;
  std::string key;  // the variable it came from (VAR or VAR_FILE), for messages
};

class Loader {
 public:
  explicit Loader(const Env& env) : env_(env) {}

  Config run(std::optional<fs::path> explicit_file) {
    auto user = env("USER");
    c_.console.user = user && !has_space_or_control(*user) ? *user : "you";

    if (auto file = resolve_file(std::move(explicit_file))) {
      apply_file(parse_file(file->first, file->second), *file);
      c_.source = file->first;
    }
    apply_env();
    read_secrets();
    check_combinations();
    return std::move(c_);
  }

 private:
  // A non-secret variable, trimmed; empty counts as unset.
  std::optional<std::string> env(const std::string& name) const {
    auto v = raw_env(name);
    if (!v) return std::nullopt;
    std::string t(core::trim(*v));
    if (t.empty()) return std::nullopt;
    return t;
  }

  std::optional<std::string> raw_env(const std::string& name) const {
    if (!env_) return std::nullopt;
    auto v = env_(name);
    if (!v || v->empty()) return std::nullopt;
    return v;
  }

  // The file to read and the key naming where its path came from ("" for the implicit default).
  std::optional<std::pair<fs::path, std::string>> resolve_file(std::optional<fs::path> explicit_file) const {
    if (explicit_file && !explicit_file->empty()) return std::pair{*explicit_file, std::string("--config")};
    if (auto v = env("BRIGADE_CONFIG")) return std::pair{fs::path(*v), std::string("BRIGADE_CONFIG")};
    fs::path def = "config/brigade.toml";
    std::error_code ec;
    if (fs::exists(def, ec)) return std::pair{def, std::string()};
    return std::nullopt;
  }

  static toml::table parse_file(const fs::path& path, const std::string& origin) {
    const std::string key = origin.empty() ? path.string() : origin;
    std::error_code ec;
    auto st = fs::status(path, ec);
    // Not readable is not the same as not there: with DynamicUser=yes a root-only /etc/brigade is
    // the usual cause, and "file not found" would send the admin looking in the wrong place.
    if (ec && ec != std::errc::no_such_file_or_directory && ec != std::errc::not_a_directory)
      fail(key, "cannot read " + quote(path.string()) + ": " + ec.message());
    if (!fs::exists(st)) fail(key, "file not found: " + quote(path.string()));
    if (fs::is_directory(st)) fail(key, quote(path.string()) + " is a directory, not a file");
    std::ifstream in(path, std::ios::binary);
    if (!in) fail(key, "cannot read " + quote(path.string()) + ": " + std::strerror(errno));
    std::ostringstream text;
    text << in.rdbuf();
    if (in.bad()) fail(key, "cannot read " + quote(path.string()));
    try {
      return toml::parse(text.str(), path.string());
    } catch (const toml::parse_error& e) {
      const auto& where = e.source().begin;
      fail(path.string() + ":" + std::to_string(where.line) + ":" + std::to_string(where.column),
           std::string(e.description()));
    }
  }

  // Rejects secrets and unknown keys before reading any value, so a typo is never silently ignored.
  static void check_keys(const toml::table& t, const TableSchema& table) {
    for (const auto& [k, node] : t) {
      std::string key = dotted(table.name, k.str());
      if (auto s = secret_keys().find(key); s != secret_keys().end())
        fail(key, "secrets may only come from the environment (" + s->second + " or " + s->second + "_FILE)");
      if (table.name.empty() && find_table(k.str())) {
        if (!node.is_table()) fail(key, "expected a table ([" + key + "]), got " + type_name(node));
        check_keys(*node.as_table(), *find_table(k.str()));
        continue;
      }
      if (std::find(table.keys.begin(), table.keys.end(), k.str()) == table.keys.end())
        fail(key, "unknown key" + unknown_key_hint(table, k.str()));
    }
  }

  void apply_file(const toml::table& root, const std::pair<fs::path, std::string>&) {
    check_keys(root, schema().front());
    auto get = [&](std::string_view table, std::string_view key) -> const toml::node* {
      const toml::table* t = &root;
      if (!table.empty()) {
        const toml::node* tn = root.get(table);
        if (!tn) return nullptr;
        t = tn->as_table();
      }
      return t->get(key);
    };

    if (auto n = get("", "data_dir")) c_.data_dir = check_data_dir(as_string(*n, "data_dir"), "data_dir");
    if (auto n = get("", "timezone")) c_.timezone = check_timezone(as_string(*n, "timezone"), "timezone");
    if (auto n = get("", "week_start"))
      c_.week_start = parse_weekday(as_string(*n, "week_start"), "week_start");
    if (auto n = get("", "log_level"))
      c_.log_level = check_log_level(as_string(*n, "log_level"), "log_level");
    if (auto n = get("", "ca_file")) c_.ca_file = check_ca_file(as_string(*n, "ca_file"), "ca_file");

    auto& r = c_.rules;
    if (auto n = get("kudos", "daily_quota"))
      r.daily_quota = static_cast<std::uint32_t>(
          in_range(as_integer(*n, "kudos.daily_quota"), 0, 1000, "kudos.daily_quota"));
    if (auto n = get("kudos", "max_recipients"))
      r.max_recipients = static_cast<std::size_t>(
          in_range(as_integer(*n, "kudos.max_recipients"), 1, 50, "kudos.max_recipients"));
    if (auto n = get("kudos", "max_reason_length"))
      r.max_reason_length = static_cast<std::size_t>(
          in_range(as_integer(*n, "kudos.max_reason_length"), 1, 4000, "kudos.max_reason_length"));
    if (auto n = get("kudos", "values")) {
      r.values.clear();
      for (const auto& raw : as_string_array(*n, "kudos.values")) {
        std::string v = normalise_value(raw, "kudos.values");
        if (std::find(r.values.begin(), r.values.end(), v) != r.values.end())
          fail("kudos.values", quote(v) + " is listed twice");
        r.values.push_back(std::move(v));
      }
    }
    if (auto n = get("kudos", "values_required")) r.values_required = as_bool(*n, "kudos.values_required");

    for (std::string_view role : {"managers", "admins"}) {
      std::string key = dotted("roles", role);
      auto n = get("roles", role);
      if (!n) continue;
      auto ids = as_string_array(*n, key);
      for (const auto& id : ids)
        if (!valid_qualified_user(id))
          fail(key, quote(id) +
                        " is not a qualified user id (slack:TEAM:USER, matrix:@user:server or console:NAME)");
      (role == "managers" ? r.managers : r.admins) = std::move(ids);
    }

    if (auto n = get("wins", "slack")) {
      auto v = as_string(*n, "wins.slack");
      if (!v.empty()) {
        check_no_space(v, "wins.slack", "a Slack channel id such as C0123WINS");
        r.wins_channel["slack"] = v;
      }
    }
    if (auto n = get("wins", "matrix")) {
      auto v = as_string(*n, "wins.matrix");
      if (!v.empty()) {
        if (!valid_matrix_room(v))
          fail("wins.matrix", quote(v) + " is not a Matrix room id or alias (!room:server or #alias:server)");
        r.wins_channel["matrix"] = v;
      }
    }
    if (auto n = get("wins", "console")) {
      auto v = as_string(*n, "wins.console");
      if (!v.empty()) {
        check_no_space(v, "wins.console", "a console channel name");
        r.wins_channel["console"] = v;
      }
    }

    if (auto n = get("http", "addr")) c_.http.addr = check_http_addr(as_string(*n, "http.addr"), "http.addr");
    if (get("http", "addr")) http_addr_key_ = "http.addr";

    if (auto n = get("slack", "api_url")) set_slack_api_url(as_string(*n, "slack.api_url"), "slack.api_url");
    if (auto n = get("slack", "reaction")) {
      std::string v(core::trim(as_string(*n, "slack.reaction")));
      if (v.size() >= 2 && v.front() == ':' && v.back() == ':') v = v.substr(1, v.size() - 2);
      check_no_space(v, "slack.reaction", "an emoji name such as raised_hands");
      if (v.find(':') != std::string::npos) fail("slack.reaction", quote(v) + " is not an emoji name");
      c_.slack.reaction = v;
    }

    auto& m = c_.matrix;
    if (auto n = get("matrix", "homeserver"))
      set_homeserver(as_string(*n, "matrix.homeserver"), "matrix.homeserver");
    if (auto n = get("matrix", "user_id")) set_user_id(as_string(*n, "matrix.user_id"), "matrix.user_id");
    if (auto n = get("matrix", "device_name")) {
      std::string v(core::trim(as_string(*n, "matrix.device_name")));
      if (v.empty() || has_control(v)) fail("matrix.device_name", "expected a non-empty name on one line");
      m.device_name = v;
    }
    if (auto n = get("matrix", "reaction")) {
      std::string v(core::trim(as_string(*n, "matrix.reaction")));
      if (v.empty() || has_control(v) || v.size() > 64)
        fail("matrix.reaction", "expected a short non-empty reaction key");
      m.reaction = v;
    }
    if (auto n = get("matrix", "private_replies")) {
      std::string v(core::trim(as_string(*n, "matrix.private_replies")));
      if (v != "reply" && v != "direct")
        fail("matrix.private_replies", quote(v) + " is not \"reply\" or \"direct\"");
      m.private_replies = v;
    }
    if (auto n = get("matrix", "autojoin_servers")) {
      m.autojoin_servers = as_string_array(*n, "matrix.autojoin_servers");
      for (const auto& s : m.autojoin_servers) {
        check_no_space(s, "matrix.autojoin_servers", "a server name such as example.org");
        if (s.find("://") != std::string::npos || s.find('/') != std::string::npos)
          fail("matrix.autojoin_servers", quote(s) + " is a URL; expected a server name such as example.org");
      }
    }
    if (auto n = get("matrix", "autojoin_rooms")) {
      m.autojoin_rooms = as_string_array(*n, "matrix.autojoin_rooms");
      for (const auto& s : m.autojoin_rooms)
        if (!valid_matrix_room(s))
          fail("matrix.autojoin_rooms",
               quote(s) + " is not a Matrix room id or alias (!room:server or #alias:server)");
    }

    auto& con = c_.console;
    if (auto n = get("console", "user")) {
      con.user = as_string(*n, "console.user");
      check_no_space(con.user, "console.user", "a console user name");
    }
    if (auto n = get("console", "channel")) {
      con.channel = as_string(*n, "console.channel");
      check_no_space(con.channel, "console.channel", "a console channel name");
    }
    if (auto n = get("console", "bots")) {
      con.bots = as_string_array(*n, "console.bots");
      for (const auto& b : con.bots) check_no_space(b, "console.bots", "a console user name");
    }

    auto& d = c_.digest;
    if (auto n = get("digest", "enabled")) d.enabled = as_bool(*n, "digest.enabled");
    if (auto n = get("digest", "day"))
      d.day = kWeekdays[static_cast<std::size_t>(parse_weekday(as_string(*n, "digest.day"), "digest.day"))];
    if (auto n = get("digest", "time"))
      d.time = check_clock_time(as_string(*n, "digest.time"), "digest.time");
    if (auto n = get("digest", "channels")) {
      d.channels = as_string_array(*n, "digest.channels");
      for (const auto& ch : d.channels) {
        bool qualified = (ch.rfind("slack:", 0) == 0 && ch.size() > 6) ||
                         (ch.rfind("matrix:", 0) == 0 && ch.size() > 7) ||
                         (ch.rfind("console:", 0) == 0 && ch.size() > 8);
        if (!qualified || has_space_or_control(ch))
          fail("digest.channels",
               quote(ch) +
                   " is not a qualified channel (slack:TEAM:CHANNEL, matrix:!room:server or console:NAME)");
      }
    }
  }

  void set_slack_api_url(const std::string& raw, const std::string& key) {
    std::string url = check_http_url(raw, key);
    if (url.back() != '/') url += '/';  // method names are appended to it
    c_.slack.api_url = url;
  }

  void set_homeserver(const std::string& raw, const std::string& key) {
    std::string url = check_http_url(raw, key);
    while (!url.empty() && url.back() == '/') url.pop_back();  // API paths start with '/'
    c_.matrix.homeserver = url;
    homeserver_key_ = key;
  }

  void set_user_id(const std::string& raw, const std::string& key) {
    std::string v(core::trim(raw));
    if (!valid_matrix_user_id(v)) fail(key, quote(v) + " is not a Matrix user id (@name:server)");
    c_.matrix.user_id = v;
    user_id_key_ = key;
  }

  void apply_env() {
    if (auto v = env("BRIGADE_DATA_DIR")) c_.data_dir = check_data_dir(*v, "BRIGADE_DATA_DIR");
    if (auto v = env("BRIGADE_HTTP_ADDR")) {
      c_.http.addr = check_http_addr(*v, "BRIGADE_HTTP_ADDR");
      http_addr_key_ = "BRIGADE_HTTP_ADDR";
    }
    if (auto v = env("SLACK_API_URL")) set_slack_api_url(*v, "SLACK_API_URL");
    if (auto v = env("MATRIX_HOMESERVER")) set_homeserver(*v, "MATRIX_HOMESERVER");
    if (auto v = env("MATRIX_USER_ID")) set_user_id(*v, "MATRIX_USER_ID");
    if (auto v = env("BRIGADE_TZ")) c_.timezone = check_timezone(*v, "BRIGADE_TZ");
    if (auto v = env("BRIGADE_WEEK_START")) c_.week_start = parse_weekday(*v, "BRIGADE_WEEK_START");
    if (auto v = env("BRIGADE_DAILY_QUOTA")) {
      std::int64_t q = 0;
      auto [end, ec] = std::from_chars(v->data(), v->data() + v->size(), q);
      if (ec != std::errc() || end != v->data() + v->size())
        fail("BRIGADE_DAILY_QUOTA", "expected an integer, got " + quote(*v));
      c_.rules.daily_quota = static_cast<std::uint32_t>(in_range(q, 0, 1000, "BRIGADE_DAILY_QUOTA"));
    }
    if (auto v = env("BRIGADE_CA_FILE")) c_.ca_file = check_ca_file(*v, "BRIGADE_CA_FILE");
    if (auto v = env("BRIGADE_LOG_LEVEL")) c_.log_level = check_log_level(*v, "BRIGADE_LOG_LEVEL");
  }

  // VAR or VAR_FILE (a path whose content, minus trailing line breaks, is the secret; this is how
  // Docker secrets and systemd credentials hand secrets over). Values are never trimmed otherwise:
  // a password may legitimately contain spaces.
  std::optional<Secret> secret(const std::string& var) const {
    const std::string file_var = var + "_FILE";
    auto direct = raw_env(var);
    auto file = env(file_var);
    if (direct && file) fail(file_var, "set either " + var + " or " + file_var + ", not both");
    if (direct) return Secret{*direct, var};
    if (!file) return std::nullopt;
    std::error_code ec;
    if (fs::is_directory(*file, ec)) fail(file_var, "cannot read " + quote(*file) + ": is a directory");
    std::ifstream in(*file, std::ios::binary);
    if (!in) fail(file_var, "cannot read " + quote(*file) + ": " + std::strerror(errno));
    std::ostringstream text;
    text << in.rdbuf();
    if (in.bad()) fail(file_var, "cannot read " + quote(*file));
    std::string value = text.str();
    while (!value.empty() && (value.back() == '\n' || value.back() == '\r')) value.pop_back();
    if (value.empty()) fail(file_var, quote(*file) + " is empty");
    return Secret{value, file_var};
  }

  void read_secrets() {
    if (auto s = secret("SLACK_APP_TOKEN")) {
      check_slack_token(s->value, "xapp-", "an app-level token for Socket Mode", s->key);
      c_.slack.app_token = s->value;
      app_token_key_ = s->key;
    }
    if (auto s = secret("SLACK_BOT_TOKEN")) {
      check_slack_token(s->value, "xoxb-", "a bot token for the Web API", s->key);
      c_.slack.bot_token = s->value;
      bot_token_key_ = s->key;
    }
    if (auto s = secret("MATRIX_ACCESS_TOKEN")) {
      if (has_space_or_control(s->value)) fail(s->key, "must not contain spaces or line breaks");
      c_.matrix.access_token = s->value;
      access_token_key_ = s->key;
    }
    if (auto s = secret("MATRIX_PASSWORD")) {
      if (s->value.find('\n') != std::string::npos) fail(s->key, "must be one line");
      c_.matrix.password = s->value;
      password_key_ = s->key;
    }
    if (auto s = secret("BRIGADE_HTTP_TOKEN")) {
      if (has_space_or_control(s->value)) fail(s->key, "must not contain spaces or line breaks");
      c_.http.token = s->value;
    }
  }

  void check_combinations() {
    const auto& s = c_.slack;
    if (!s.app_token.empty() && s.bot_token.empty())
      fail("SLACK_BOT_TOKEN", "required when " + app_token_key_ + " is set (Slack needs both tokens)");
    if (s.app_token.empty() && !s.bot_token.empty())
      fail("SLACK_APP_TOKEN",
           "required when " + bot_token_key_ + " is set (Socket Mode needs an app-level token)");

    const auto& m = c_.matrix;
    if (!m.homeserver.empty()) {
      if (m.user_id.empty())
        fail("MATRIX_USER_ID", "required when " + homeserver_key_ + " is set (or set matrix.user_id)");
      if (m.access_token.empty() && m.password.empty())
        fail("MATRIX_ACCESS_TOKEN",
             "Matrix needs MATRIX_ACCESS_TOKEN or MATRIX_PASSWORD (or a _FILE variant) when " +
                 homeserver_key_ + " is set");
    } else {
      std::string given = !access_token_key_.empty() ? access_token_key_
                          : !password_key_.empty()   ? password_key_
                          : !m.user_id.empty()       ? user_id_key_
                                                     : "";
      if (!given.empty())
        fail("MATRIX_HOMESERVER", "required when " + given + " is set (or set matrix.homeserver)");
    }

    // The API shows who thanked whom for what: beyond this machine only behind a token.
    if (c_.http.token.empty()) {
      auto hp = parse_host_port(c_.http.addr);
      if (hp && !is_loopback_host(hp->host))
        fail(http_addr_key_,
             quote(c_.http.addr) +
                 " is not a loopback address: set BRIGADE_HTTP_TOKEN (or BRIGADE_HTTP_TOKEN_FILE) "
                 "to serve the API there");
    }

    if (c_.rules.values_required && c_.rules.values.empty())
      fail("kudos.values_required", "true needs a non-empty kudos.values list");
    if (c_.digest.enabled && c_.digest.channels.empty())
      fail("digest.channels", "required when digest.enabled = true");
    // Matrix rooms have no replies only one person sees: "reply" threads them in the room.
    c_.rules.replies_seen_by_room.clear();
    if (c_.matrix.private_replies == "reply") c_.rules.replies_seen_by_room.insert("matrix");
  }

  const Env& env_;
  Config c_;
  std::string homeserver_key_ = "matrix.homeserver";
  std::string http_addr_key_ = "BRIGADE_HTTP_ADDR";
  std::string user_id_key_ = "matrix.user_id";
  std::string app_token_key_, bot_token_key_, access_token_key_, password_key_;
};

std::string join(const std::vector<std::string>& items, std::string_view none) {
  if (items.empty()) return std::string(none);
  std::string out;
  for (const auto& i : items) {
    if (!out.empty()) out += ", ";
    out += i;
  }
  return out;
}

const char* set_or_unset(const std::string& secret) {
  return secret.empty() ? "unset" : "set";
}

}  // namespace

// ---------------------------------------------------------------------------------------------

ConfigError::ConfigError(std::string key, const std::string& problem)
    : std::runtime_error("config: " + one_line(key) + ": " + one_line(problem)), key_(std::move(key)) {}

bool SlackConfig::enabled() const {
  return !app_token.empty() && !bot_token.empty();
}

bool MatrixConfig::enabled() const {
  return !homeserver.empty() && !user_id.empty() && (!access_token.empty() || !password.empty());
}

Env process_env() {
  return [](const std::string& name) -> std::optional<std::string> {
    const char* v = std::getenv(name.c_str());
    if (!v) return std::nullopt;
    return std::string(v);
  };
}

Config load(const Env& env, std::optional<fs::path> explicit_file) {
  return Loader(env).run(std::move(explicit_file));
}

std::string describe(const Config& c) {
  std::ostringstream o;
  o << "config file: " << (c.source ? c.source->string() : "none (defaults and environment)") << "\n";
  o << "data_dir: " << c.data_dir.string() << "\n";
  o << "calendar: time zone " << c.timezone << ", weeks start on "
    << (c.week_start >= 0 && c.week_start < 7 ? kWeekdays[static_cast<std::size_t>(c.week_start)] : "?")
    << "\n";
  o << "log_level: " << c.log_level << "\n";
  o << "ca_file: " << (c.ca_file.empty() ? "none (system certificates only)" : c.ca_file) << "\n";
  o << "http: " << c.http.addr << ", token " << set_or_unset(c.http.token) << "\n";
  const auto& r = c.rules;
  o << "kudos: daily_quota "
    << (r.daily_quota == 0 ? std::string("unlimited") : std::to_string(r.daily_quota)) << ", max_recipients "
    << r.max_recipients << ", max_reason_length " << r.max_reason_length << ", values "
    << join(r.values, "any") << (r.values_required ? " (required)" : "") << "\n";
  o << "roles: managers " << join(r.managers, "none") << "; admins " << join(r.admins, "none") << "\n";
  std::vector<std::string> wins;
  for (const auto& [platform, channel] : r.wins_channel) wins.push_back(platform + "=" + channel);
  o << "wins: " << join(wins, "none") << "\n";
  o << "slack: " << (c.slack.enabled() ? "on" : "off") << "; app token " << set_or_unset(c.slack.app_token)
    << ", bot token " << set_or_unset(c.slack.bot_token) << "; api_url " << redact_url(c.slack.api_url)
    << "; reaction :" << c.slack.reaction << ":\n";
  const auto& m = c.matrix;
  o << "matrix: " << (m.enabled() ? "on" : "off") << "; homeserver "
    << (m.homeserver.empty() ? std::string("unset") : redact_url(m.homeserver)) << ", user_id "
    << (m.user_id.empty() ? std::string("unset") : m.user_id) << ", access token "
    << set_or_unset(m.access_token) << ", password " << set_or_unset(m.password) << "; device_name "
    << m.device_name << "; reaction " << m.reaction << "; autojoin servers "
    << join(m.autojoin_servers, "any") << "; autojoin rooms " << join(m.autojoin_rooms, "none") << "\n";
  o << "console: user " << c.console.user << ", channel " << c.console.channel << ", bots "
    << join(c.console.bots, "none") << "\n";
  const auto& d = c.digest;
  o << "digest: "
    << (d.enabled ? "on, " + d.day + " " + d.time + " to " + join(d.channels, "no channels") : "off") << "\n";
  return o.str();
}

const std::vector<std::string>& file_keys() {
  static const std::vector<std::string> keys = [] {
    std::vector<std::string> out;
    for (const auto& t : schema())
      for (auto k : t.keys) out.push_back(dotted(t.name, k));
    return out;
  }();
  return keys;
}

std::optional<HostPort> parse_host_port(std::string_view addr) {
  std::string host;
  std::string_view port;
  if (!addr.empty() && addr.front() == '[') {
    auto close = addr.find(']');
    if (close == std::string_view::npos || close + 1 >= addr.size() || addr[close + 1] != ':')
      return std::nullopt;
    host = std::string(addr.substr(1, close - 1));
    if (!valid_ipv6(host)) return std::nullopt;
    port = addr.substr(close + 2);
  } else {
    auto colon = addr.rfind(':');
    if (colon == std::string_view::npos) return std::nullopt;
    host = std::string(addr.substr(0, colon));
    if (host.find(':') != std::string::npos || !valid_host_name(host)) return std::nullopt;
    port = addr.substr(colon + 1);
  }
  if (port.empty() || port.size() > 5 ||
      !std::all_of(port.begin(), port.end(), [](char c) { return c >= '0' && c <= '9'; }))
    return std::nullopt;
  unsigned long p = std::stoul(std::string(port));
  if (p > 65535) return std::nullopt;
  return HostPort{host, static_cast<std::uint16_t>(p)};
}

bool is_loopback_host(std::string_view host) {
  std::string h(host);
  if (core::to_lower_ascii(h) == "localhost") return true;
  in_addr a4{};
  if (inet_pton(AF_INET, h.c_str(), &a4) == 1) return (ntohl(a4.s_addr) >> 24) == 127;
  in6_addr a6{};
  if (inet_pton(AF_INET6, h.c_str(), &a6) == 1) {
    if (std::memcmp(&a6, &in6addr_loopback, sizeof a6) == 0) return true;
    // ::ffff:127.x.x.x, an IPv4 loopback address seen through an IPv6 socket.
    static constexpr unsigned char kMapped[12] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff};
    return std::memcmp(a6.s6_addr, kMapped, 12) == 0 && a6.s6_addr[12] == 127;
  }
  return false;
}

}  // namespace brigade::config
