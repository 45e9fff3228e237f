// Fuzz target: configuration loading (config/config.hpp) from a TOML file in a scratch directory plus
// an environment map. Every input either loads a configuration the bot can start with or throws
// ConfigError with one line that names the key and never shows a secret.
//
// Input: the TOML text, optionally followed by "\0" and environment lines NAME=value. Only the
// variables Brigade reads count; a *_FILE variable's value is written to a scratch file (with "\n"
// standing for a line break) and the variable names that file.
#include <fstream>
#include <map>

#include "config/config.hpp"
#include "core/calendar.hpp"
#include "tests/fuzz/fuzz_support.hpp"

namespace {

using namespace brigade;

const std::vector<std::string>& known_vars() {
  static const std::vector<std::string> v = {
      "USER",
      "BRIGADE_DATA_DIR",
      "BRIGADE_TZ",
      "BRIGADE_WEEK_START",
      "BRIGADE_DAILY_QUOTA",
      "BRIGADE_LOG_LEVEL",
      "BRIGADE_HTTP_ADDR",
      "BRIGADE_HTTP_TOKEN",
      "BRIGADE_HTTP_TOKEN_FILE",
      "BRIGADE_CA_FILE",
      "SLACK_APP_TOKEN",
      "SLACK_APP_TOKEN_FILE",
      "SLACK_BOT_TOKEN",
      "SLACK_BOT_TOKEN_FILE",
      "SLACK_API_URL",
      "MATRIX_HOMESERVER",
      "MATRIX_USER_ID",
      "MATRIX_ACCESS_TOKEN",
      "MATRIX_ACCESS_TOKEN_FILE",
      "MATRIX_PASSWORD",
      "MATRIX_PASSWORD_FILE",
  };
  return v;
}

bool is_file_var(std::string_view name) {
  return name == "BRIGADE_CA_FILE" || (name.size() > 5 && name.substr(name.size() - 5) == "_FILE");
}

std::string unescape(std::string_view s) {
  std::string out;
  for (std::size_t i = 0; i < s.size(); ++i) {
    if (s[i] == '\\' && i + 1 < s.size() && s[i + 1] == 'n') {
      out += '\n';
      ++i;
    } else {
      out += s[i];
    }
  }
  return out;
}

void write(const std::filesystem::path& p, std::string_view bytes) {
  std::ofstream out(p, std::ios::binary | std::ios::trunc);
  out.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
  FUZZ_CHECK(out.good());
}

// A secret must never be printed. Checked for secrets carrying the marker "s3cr3t" (the seeds' do),
// which no message text contains, unless the input also wrote it somewhere that is not a secret.
void check_hidden(const std::string& secret, std::string_view printed, std::string_view non_secrets) {
  if (secret.find("s3cr3t") == std::string::npos || non_secrets.find(secret) != std::string_view::npos)
    return;
  FUZZ_CHECK(printed.find(secret) == std::string_view::npos);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  static brigade::testing::TempDir dir("brigade-fuzz-config");  // fuzz targets write nowhere else
  if (size > 16384) return 0;
  auto [toml, env_text] = fuzz::split_once(fuzz::as_view(data, size), std::string_view("\0", 1));
  const auto file = dir.path() / "brigade.toml";
  write(file, toml);

  std::map<std::string, std::string> vars;
  std::string non_secrets(toml);  // where a "secret" value may legitimately show up again
  int files = 0;
  for (std::optional<std::string_view> rest = env_text; rest && !rest->empty();) {
    auto [line, more] = fuzz::split_once(*rest, "\n");
    rest = more;
    auto [name, value] = fuzz::split_once(line, "=");
    const std::string n(name);
    if (!value || std::find(known_vars().begin(), known_vars().end(), n) == known_vars().end()) continue;
    if (is_file_var(n)) {
      auto p = dir.path() / ("var" + std::to_string(files++));
      write(p, unescape(*value));
      vars[n] = p.string();
    } else {
      vars[n] = std::string(*value);
    }
    if (n.find("TOKEN") == std::string::npos && n.find("PASSWORD") == std::string::npos)
      non_secrets += *value;
  }
  config::Env env = [&vars](const std::string& name) -> std::optional<std::string> {
    auto it = vars.find(name);
    if (it == vars.end()) return std::nullopt;
    return it->second;
  };

  try {
    config::Config c = config::load(env, file);
    // What the bot does next with it must work: the calendar, the HTTP address, the Slack base URL.
    core::Calendar cal(c.timezone, c.week_start);
    FUZZ_CHECK(config::parse_host_port(c.http.addr).has_value());
    FUZZ_CHECK(!c.slack.api_url.empty() && c.slack.api_url.back() == '/');
    FUZZ_CHECK(c.matrix.homeserver.empty() || c.matrix.homeserver.back() != '/');
    std::string d = config::describe(c);
    for (const auto* s :
         {&c.slack.app_token, &c.slack.bot_token, &c.matrix.access_token, &c.matrix.password, &c.http.token})
      check_hidden(*s, d, non_secrets);
  } catch (const config::ConfigError& e) {
    std::string_view what = e.what();
    FUZZ_CHECK(what.rfind("config: ", 0) == 0);
    FUZZ_CHECK(what.find('\n') == std::string_view::npos && what.find('\r') == std::string_view::npos);
    for (const auto& [name, value] : vars)
      if (!is_file_var(name) &&
          (name.find("TOKEN") != std::string::npos || name.find("PASSWORD") != std::string::npos))
        check_hidden(value, what, non_secrets);
  }
  return 0;
}
