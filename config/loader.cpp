// The loader's second half: environment overrides, secrets (VAR or VAR_FILE), the checks across
// settings, and load() itself.
#include <algorithm>
#include <cerrno>
#include <charconv>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <set>
#include <sstream>
#include <utility>

#include "config/loader.hpp"
#include "core/calendar.hpp"

namespace brigade::config::detail {

void Loader::apply_env() {
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
    c_.rules.allowance = static_cast<std::uint32_t>(in_range(q, 0, 1000, "BRIGADE_DAILY_QUOTA"));
  }
  if (auto v = env("BRIGADE_CA_FILE")) c_.ca_file = check_ca_file(*v, "BRIGADE_CA_FILE");
  if (auto v = env("BRIGADE_LOG_LEVEL")) c_.log_level = check_log_level(*v, "BRIGADE_LOG_LEVEL");
}

// VAR or VAR_FILE (a path whose content, minus trailing line breaks, is the secret; this is how
// Docker secrets and systemd credentials hand secrets over). Values are never trimmed otherwise:
// a password may legitimately contain spaces.
std::optional<Secret> Loader::secret(const std::string& var) const {
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

void Loader::read_secrets() {
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
  if (auto s = secret("BRIGADE_STORE")) set_store(s->value, s->key);  // a URL may hold a password
  if (auto s = secret("PGPASSWORD")) {
    if (s->value.find('\n') != std::string::npos) fail(s->key, "must be one line");
    c_.store.password = s->value;
  }
  if (auto s = secret("BRIGADE_HTTP_TOKEN")) {
    if (has_space_or_control(s->value)) fail(s->key, "must not contain spaces or line breaks");
    c_.http.token = s->value;
  }
}

void Loader::check_combinations() {
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

Config load(const Env& env, std::optional<fs::path> explicit_file) {
  return Loader(env).run(std::move(explicit_file));
}

}  // namespace brigade::config::detail
