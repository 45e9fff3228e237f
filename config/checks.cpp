// Config's messages and value checks: one-line errors, and the checks both the TOML file and the
// environment go through.
#include <arpa/inet.h>

#include <algorithm>
#include <cerrno>
#include <charconv>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <set>
#include <sstream>
#include <utility>

#include "config/detail.hpp"
#include "core/calendar.hpp"
#include "core/text.hpp"

namespace brigade::config::detail {

namespace fs = std::filesystem;

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
// Value checks shared by the file and the environment (key = dotted path or variable name).

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
std::string check_value(std::string_view raw, const std::string& key) {
  constexpr std::size_t kMaxValueLength = 64;
  std::string v = core::normalise_value(core::trim(raw));
  if (v.empty()) fail(key, "empty value");
  if (!core::valid_utf8(v)) fail(key, "value is not valid UTF-8");
  for (char32_t cp : core::code_points(v)) {
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

std::string redact_store_url(const std::string& url) {
  if (url.find("://") != std::string::npos) return redact_url(url);
  // key=value conninfo: the value after password= (quoted or not) becomes ***.
  std::string out = url;
  for (auto at = out.find("password"); at != std::string::npos; at = out.find("password", at + 1)) {
    auto eq = out.find_first_not_of(' ', at + 8);
    if (eq == std::string::npos || out[eq] != '=') continue;
    auto v = out.find_first_not_of(' ', eq + 1);
    if (v == std::string::npos) break;
    auto end = v;
    if (out[v] == '\'') {
      for (end = v + 1; end < out.size() && out[end] != '\''; ++end)
        if (out[end] == '\\') ++end;
      end = std::min(end + 1, out.size());
    } else {
      end = out.find(' ', v);
      if (end == std::string::npos) end = out.size();
    }
    out.replace(v, end - v, "***");
  }
  return out;
}

}  // namespace brigade::config::detail
