// Brigade's configuration: the TOML file, environment overrides, secrets, and validation.
#pragma once

#include <cstdint>
#include <filesystem>
#include <functional>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

#include "commands/commands.hpp"

namespace brigade::config {

struct SlackConfig {
  std::string app_token;                           // xapp-…, Socket Mode (secret: environment only)
  std::string bot_token;                           // xoxb-…, Web API (secret: environment only)
  std::string api_url = "https://slack.com/api/";  // always ends in '/': method names are appended
  std::string reaction = "raised_hands";           // emoji name, without colons
  // True only when both tokens are present (load() refuses one without the other).
  bool enabled() const;
};

struct MatrixConfig {
  std::string homeserver;    // "https://matrix.example.org", no trailing '/'
  std::string user_id;       // "@brigade:example.org"
  std::string access_token;  // secret: environment only
  std::string password;      // secret: environment only; used to log in when there is no access token
  std::string device_name = "Brigade";
  std::string reaction = "🙏";
  // Invites from users on these servers are accepted automatically; empty = from any server.
  std::vector<std::string> autojoin_servers;
  // Rooms (ids "!…:server" or aliases "#…:server") the bot joins at start-up.
  std::vector<std::string> autojoin_rooms;
  // "reply": private replies answer the command in its room; "direct": in a direct room.
  std::string private_replies = "reply";
  // True only when homeserver, user_id and a credential are all present.
  bool enabled() const;
};

struct ConsoleConfig {
  std::string user;  // load() fills it: $USER, else "you"
  std::string channel = "general";
  std::vector<std::string> bots = {"brigade"};  // console names treated as bots (cannot be thanked)
};

struct HttpConfig {
  std::string addr = "127.0.0.1:8080";  // host:port, validated by parse_host_port
  std::string token;                    // secret: environment only; empty = no auth (loopback only)
};

// The weekly digest (a later issue); parsed and validated now so configs written today stay valid.
struct DigestConfig {
  bool enabled = false;
  std::string day = "friday";  // lower-case full English weekday name
  std::string time = "16:00";  // "HH:MM", 24 h, in Config::timezone
  std::vector<std::string> channels;
};

// People's data: how long reason text is kept (counts and values stay).
struct PrivacyConfig {
  std::uint32_t keep_reasons_days = 0;  // 0 = forever
};

// Where the ledger lives: LMDB in data_dir (the default), or a PostgreSQL database that several
// replicas share.
struct StoreConfig {
  std::string url;           // "postgresql://…" or a libpq conninfo; empty = LMDB in data_dir. May hold a password: never logged
  std::string password;      // from PGPASSWORD or PGPASSWORD_FILE; overrides the URL's
  std::uint32_t wait_seconds = 0;  // at start, keep retrying an unreachable database this long (0 = fail at once)
  bool postgres() const { return !url.empty(); }
};

struct Config {
  std::filesystem::path data_dir = "./data";
  StoreConfig store;
  std::string timezone = "UTC";    // IANA name, already checked against the tz database
  int week_start = 1;              // 0 = Sunday, 1 = Monday, … 6 = Saturday (core::Calendar's convention)
  std::string log_level = "info";  // trace, debug, info, warn, error
  std::string ca_file;             // extra CA bundle for TLS; empty = the system store only
  commands::Rules rules;
  SlackConfig slack;
  MatrixConfig matrix;
  ConsoleConfig console;
  HttpConfig http;
  DigestConfig digest;
  PrivacyConfig privacy;
  std::optional<std::filesystem::path> source;  // the file loaded, if any
};

// A configuration problem. what() is exactly one line, "config: <key>: <problem>", where key is the
// dotted TOML path ("kudos.daily_quota"), the environment variable ("SLACK_BOT_TOKEN"), the option
// ("--config") or "<file>:<line>:<col>" for TOML syntax errors. Never contains a secret value.
class ConfigError : public std::runtime_error {
 public:
  ConfigError(std::string key, const std::string& problem);
  const std::string& key() const { return key_; }

 private:
  std::string key_;
};

// Looks up an environment variable; production uses getenv, tests a map.
using Env = std::function<std::optional<std::string>(const std::string&)>;
Env process_env();

// Defaults, then the file, then the environment (which wins). The file is explicit_file (from
// --config) if given, else $BRIGADE_CONFIG, else config/brigade.toml if it exists, else none; a file
// named explicitly must exist. An empty environment variable counts as unset. Throws ConfigError.
Config load(const Env& env, std::optional<std::filesystem::path> explicit_file = {});

// A multi-line human summary for logs and --help; secrets appear only as "set"/"unset".
std::string describe(const Config& config);

// Every key a config file may hold, as dotted paths ("timezone", "kudos.daily_quota"), in the order
// brigade.example.toml documents them. Secrets are not among them.
const std::vector<std::string>& file_keys();

// "host:port" where host is an IPv4 address, a bracketed IPv6 address or a DNS name, and port is
// 0..65535. The brackets are removed from host.
struct HostPort {
  std::string host;
  std::uint16_t port = 0;
};
std::optional<HostPort> parse_host_port(std::string_view addr);
// 127.0.0.0/8, ::1 and "localhost": listening there needs no HTTP token.
bool is_loopback_host(std::string_view host);

}  // namespace brigade::config
