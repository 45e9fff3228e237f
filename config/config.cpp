// Brigade's configuration, the public face: load() (TOML file → environment overrides → secrets
// → validation, in config/loader.cpp), describe(), and the small parsers others share.
#include "config/config.hpp"

#include <arpa/inet.h>

#include <cstring>
#include <sstream>

#include "config/detail.hpp"
#include "core/calendar.hpp"
#include "core/text.hpp"

namespace brigade::config {

namespace fs = std::filesystem;
using namespace detail;

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
  return detail::load(env, std::move(explicit_file));
}

std::string describe(const Config& c) {
  std::ostringstream o;
  o << "config file: " << (c.source ? c.source->string() : "none (defaults and environment)") << "\n";
  if (c.store.postgres())
    o << "store: PostgreSQL at " << redact_store_url(c.store.url) << ", password "
      << set_or_unset(c.store.password) << " (PGPASSWORD), wait_seconds " << c.store.wait_seconds << "\n";
  else
    o << "store: LMDB in data_dir\n";
  o << "data_dir: " << c.data_dir.string() << "\n";
  o << "calendar: time zone " << c.timezone << ", weeks start on "
    << (c.week_start >= 0 && c.week_start < 7 ? kWeekdays[static_cast<std::size_t>(c.week_start)] : "?")
    << "\n";
  o << "log_level: " << c.log_level << "\n";
  o << "ca_file: " << (c.ca_file.empty() ? "none (system certificates only)" : c.ca_file) << "\n";
  o << "http: " << c.http.addr << ", token " << set_or_unset(c.http.token) << "\n";
  const auto& r = c.rules;
  const char* period = r.allowance_period == core::Period::week    ? "week"
                       : r.allowance_period == core::Period::month ? "month"
                                                                   : "day";
  o << "kudos: allowance "
    << (r.allowance == 0 ? std::string("unlimited") : std::to_string(r.allowance) + " per " + period)
    << ", max_per_recipient "
    << (r.max_per_recipient == 0 ? std::string("no cap") : std::to_string(r.max_per_recipient))
    << ", undo_minutes " << r.undo_minutes << ", max_recipients " << r.max_recipients
    << ", max_reason_length " << r.max_reason_length << ", values " << join(r.values, "any")
    << (r.values_required ? " (required)" : "") << "\n";
  o << "privacy: keep_reasons_days "
    << (c.privacy.keep_reasons_days == 0 ? std::string("forever")
                                         : std::to_string(c.privacy.keep_reasons_days))
    << "\n";
  o << "leaderboard: " << (r.leaderboard_public ? "posted to the channel" : "private to the asker, shareable")
    << "; recipient DM " << (r.recipient_dm ? "on" : "off") << "\n";
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
