// Configuration: defaults, file + environment precedence, secrets, validation messages, the example file.
#include "config/config.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <sys/wait.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <functional>
#include <map>
#include <regex>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include "tests/support/temp_dir.hpp"

namespace {

namespace fs = std::filesystem;
using brigade::config::Config;
using brigade::config::ConfigError;
using brigade::config::Env;
using ::testing::HasSubstr;
using ::testing::Not;
using Vars = std::map<std::string, std::string>;

Env env_of(Vars vars) {
  return [vars = std::move(vars)](const std::string& name) -> std::optional<std::string> {
    auto it = vars.find(name);
    if (it == vars.end()) return std::nullopt;
    return it->second;
  };
}

std::string replace_all(std::string s, const std::string& from, const std::string& to) {
  for (auto pos = s.find(from); pos != std::string::npos; pos = s.find(from, pos + to.size()))
    s.replace(pos, from.size(), to);
  return s;
}

void write_file(const fs::path& path, const std::string& text) {
  fs::create_directories(path.parent_path());
  std::ofstream(path, std::ios::binary) << text;
}

// Each test runs in its own empty working directory, so the implicit config/brigade.toml of
// whoever runs the tests is never picked up, and tests can create one on purpose.
class ConfigTest : public ::testing::Test {
 protected:
  void SetUp() override {
    old_cwd_ = fs::current_path();
    fs::current_path(dir_.path());
    write_file(dir_.path() / "ca.pem", "-----BEGIN CERTIFICATE-----\n");
  }
  void TearDown() override { fs::current_path(old_cwd_); }

  // "{dir}" in the text or the variables stands for the scratch directory.
  std::string expand(const std::string& s) const { return replace_all(s, "{dir}", dir_.path().string()); }
  Vars expand(Vars vars) const {
    for (auto& [k, v] : vars) v = expand(v);
    return vars;
  }

  fs::path file_with(const std::string& toml) const {
    fs::path p = dir_.path() / "brigade.toml";
    write_file(p, expand(toml));
    return p;
  }

  Config load_toml(const std::string& toml, const Vars& vars = {}) const {
    return brigade::config::load(env_of(expand(vars)), file_with(toml));
  }

  brigade::testing::TempDir dir_{"brigade-config"};
  fs::path old_cwd_;
};

// ----------------------------------------------------------------------------------------------
// Defaults and where the file comes from

TEST_F(ConfigTest, DefaultsWithoutFileOrEnvironment) {
  Config c = brigade::config::load(env_of({}));
  EXPECT_FALSE(c.source);
  EXPECT_EQ(c.data_dir, fs::path("./data"));
  EXPECT_EQ(c.timezone, "UTC");
  EXPECT_EQ(c.week_start, 1);
  EXPECT_EQ(c.log_level, "info");
  EXPECT_EQ(c.ca_file, "");
  EXPECT_EQ(c.rules.daily_quota, 5u);
  EXPECT_EQ(c.rules.max_recipients, 10u);
  EXPECT_EQ(c.rules.max_reason_length, 500u);
  EXPECT_TRUE(c.rules.values.empty());
  EXPECT_FALSE(c.rules.values_required);
  EXPECT_TRUE(c.rules.wins_channel.empty());
  EXPECT_TRUE(c.rules.managers.empty());
  EXPECT_TRUE(c.rules.admins.empty());
  EXPECT_EQ(c.http.addr, "127.0.0.1:8080");
  EXPECT_EQ(c.http.token, "");
  EXPECT_EQ(c.slack.api_url, "https://slack.com/api/");
  EXPECT_EQ(c.slack.reaction, "raised_hands");
  EXPECT_FALSE(c.slack.enabled());
  EXPECT_EQ(c.matrix.device_name, "Brigade");
  EXPECT_EQ(c.matrix.reaction, "🙏");
  EXPECT_FALSE(c.matrix.enabled());
  EXPECT_EQ(c.console.user, "you");
  EXPECT_EQ(c.console.channel, "general");
  EXPECT_EQ(c.console.bots, std::vector<std::string>{"brigade"});
  EXPECT_FALSE(c.digest.enabled);
  EXPECT_EQ(c.digest.day, "friday");
  EXPECT_EQ(c.digest.time, "16:00");
}

TEST_F(ConfigTest, ConsoleUserDefaultsToUserVariable) {
  EXPECT_EQ(brigade::config::load(env_of({{"USER", "alice"}})).console.user, "alice");
  EXPECT_EQ(brigade::config::load(env_of({{"USER", ""}})).console.user, "you");
}

TEST_F(ConfigTest, ReadsConfigBrigadeTomlFromWorkingDirectory) {
  write_file(dir_.path() / "config" / "brigade.toml", "timezone = \"Europe/Paris\"\n");
  Config c = brigade::config::load(env_of({}));
  ASSERT_TRUE(c.source);
  EXPECT_EQ(*c.source, fs::path("config/brigade.toml"));
  EXPECT_EQ(c.timezone, "Europe/Paris");
}

TEST_F(ConfigTest, BrigadeConfigVariableNamesTheFile) {
  write_file(dir_.path() / "elsewhere.toml", "log_level = \"debug\"\n");
  Config c = brigade::config::load(env_of({{"BRIGADE_CONFIG", (dir_.path() / "elsewhere.toml").string()}}));
  EXPECT_EQ(c.log_level, "debug");
  EXPECT_EQ(*c.source, dir_.path() / "elsewhere.toml");
}

TEST_F(ConfigTest, ExplicitFileWinsOverBrigadeConfig) {
  write_file(dir_.path() / "explicit.toml", "log_level = \"warn\"\n");
  Config c = brigade::config::load(env_of({{"BRIGADE_CONFIG", "/nonexistent/brigade.toml"}}),
                                   dir_.path() / "explicit.toml");
  EXPECT_EQ(c.log_level, "warn");
}

TEST_F(ConfigTest, MissingExplicitFileNamesTheOption) {
  try {
    brigade::config::load(env_of({}), dir_.path() / "nope.toml");
    FAIL() << "expected ConfigError";
  } catch (const ConfigError& e) {
    EXPECT_EQ(e.key(), "--config");
    EXPECT_THAT(e.what(), HasSubstr("nope.toml"));
  }
}

// systemd's DynamicUser=yes with a root-only /etc/brigade: the file is there, the bot may not
// read it, and the message must say so (it said "file not found").
TEST_F(ConfigTest, UnreadableConfigSaysPermissionDeniedNotNotFound) {
  fs::path locked = dir_.path() / "locked";
  write_file(locked / "brigade.toml", "[kudos]\ndaily_quota = 3\n");
  fs::permissions(locked, fs::perms::owner_all);  // 0700, owned by whoever runs the test
  int out[2];
  ASSERT_EQ(::pipe(out), 0);
  pid_t pid = ::fork();
  ASSERT_GE(pid, 0);
  if (pid == 0) {
    // Root reads anything: become nobody first, as the unit's dynamic user is.
    if (::geteuid() == 0 && (::setgid(65534) != 0 || ::setuid(65534) != 0)) ::_exit(3);
    std::string msg = "loaded";
    try {
      brigade::config::load(env_of({{"BRIGADE_CONFIG", (locked / "brigade.toml").string()}}));
    } catch (const ConfigError& e) {
      msg = e.key() + ": " + e.what();
    }
    (void)!::write(out[1], msg.data(), msg.size());
    ::_exit(0);
  }
  ::close(out[1]);
  std::string msg;
  char buf[512];
  for (ssize_t n; (n = ::read(out[0], buf, sizeof buf)) > 0;) msg.append(buf, static_cast<std::size_t>(n));
  ::close(out[0]);
  int status = 0;
  ::waitpid(pid, &status, 0);
  ASSERT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0) << "could not drop privileges";
  EXPECT_THAT(msg, HasSubstr("BRIGADE_CONFIG")) << msg;
  EXPECT_THAT(msg, HasSubstr("ermission denied")) << msg;
  EXPECT_THAT(msg, Not(HasSubstr("not found"))) << msg;
}

TEST_F(ConfigTest, MissingBrigadeConfigFileNamesTheVariable) {
  try {
    brigade::config::load(env_of({{"BRIGADE_CONFIG", "/nonexistent/brigade.toml"}}));
    FAIL() << "expected ConfigError";
  } catch (const ConfigError& e) {
    EXPECT_EQ(e.key(), "BRIGADE_CONFIG");
  }
}

TEST_F(ConfigTest, TomlSyntaxErrorNamesFileLineAndColumn) {
  fs::path file = file_with("timezone = \"UTC\"\nweek_start = \n");
  try {
    brigade::config::load(env_of({}), file);
    FAIL() << "expected ConfigError";
  } catch (const ConfigError& e) {
    std::string what = e.what();
    EXPECT_EQ(what.rfind("config: " + file.string() + ":2:", 0), 0u) << what;
    EXPECT_EQ(what.find('\n'), std::string::npos);
  }
}

// ----------------------------------------------------------------------------------------------
// Precedence

const char* kFullFile = R"(
data_dir = "/srv/file"
timezone = "Europe/Paris"
week_start = "sunday"
log_level = "debug"
[kudos]
daily_quota = 3
[http]
addr = "127.0.0.1:9000"
[slack]
api_url = "https://file.example/api/"
[matrix]
homeserver = "https://file.example"
user_id = "@file:file.example"
)";

TEST_F(ConfigTest, FileValuesApplyWhenEnvironmentIsSilent) {
  Config c = load_toml(kFullFile, {{"MATRIX_ACCESS_TOKEN", "tok"}});
  EXPECT_EQ(c.data_dir, fs::path("/srv/file"));
  EXPECT_EQ(c.timezone, "Europe/Paris");
  EXPECT_EQ(c.week_start, 0);
  EXPECT_EQ(c.log_level, "debug");
  EXPECT_EQ(c.rules.daily_quota, 3u);
  EXPECT_EQ(c.http.addr, "127.0.0.1:9000");
  EXPECT_EQ(c.slack.api_url, "https://file.example/api/");
  EXPECT_EQ(c.matrix.homeserver, "https://file.example");
  EXPECT_EQ(c.matrix.user_id, "@file:file.example");
}

TEST_F(ConfigTest, EnvironmentWinsOverFile) {
  Config c = load_toml(kFullFile, {
                                      {"BRIGADE_DATA_DIR", "/srv/env"},
                                      {"BRIGADE_TZ", "America/New_York"},
                                      {"BRIGADE_WEEK_START", "wednesday"},
                                      {"BRIGADE_LOG_LEVEL", "error"},
                                      {"BRIGADE_DAILY_QUOTA", "0"},
                                      {"BRIGADE_HTTP_ADDR", "[::1]:9100"},
                                      {"SLACK_API_URL", "http://127.0.0.1:4000/api"},
                                      {"MATRIX_HOMESERVER", "http://127.0.0.1:8008"},
                                      {"MATRIX_USER_ID", "@env:localhost"},
                                      {"MATRIX_PASSWORD", "pw"},
                                      {"BRIGADE_CA_FILE", "{dir}/ca.pem"},
                                  });
  EXPECT_EQ(c.data_dir, fs::path("/srv/env"));
  EXPECT_EQ(c.timezone, "America/New_York");
  EXPECT_EQ(c.week_start, 3);
  EXPECT_EQ(c.log_level, "error");
  EXPECT_EQ(c.rules.daily_quota, 0u);
  EXPECT_EQ(c.http.addr, "[::1]:9100");
  EXPECT_EQ(c.slack.api_url, "http://127.0.0.1:4000/api/");
  EXPECT_EQ(c.matrix.homeserver, "http://127.0.0.1:8008");
  EXPECT_EQ(c.matrix.user_id, "@env:localhost");
  EXPECT_EQ(c.ca_file, (dir_.path() / "ca.pem").string());
  EXPECT_TRUE(c.matrix.enabled());
}

TEST_F(ConfigTest, EmptyEnvironmentVariableCountsAsUnset) {
  Config c = load_toml("timezone = \"Europe/Paris\"\n", {{"BRIGADE_TZ", ""},
                                                         {"SLACK_BOT_TOKEN", ""},
                                                         {"SLACK_APP_TOKEN", ""},
                                                         {"MATRIX_HOMESERVER", ""},
                                                         {"BRIGADE_CONFIG", ""}});
  EXPECT_EQ(c.timezone, "Europe/Paris");
  EXPECT_FALSE(c.slack.enabled());
  EXPECT_FALSE(c.matrix.enabled());
}

// ----------------------------------------------------------------------------------------------
// Secrets

TEST_F(ConfigTest, SecretsComeFromEnvironment) {
  Config c = brigade::config::load(env_of({{"SLACK_APP_TOKEN", "xapp-1-A"},
                                           {"SLACK_BOT_TOKEN", "xoxb-2-B"},
                                           {"MATRIX_HOMESERVER", "https://matrix.example.org/"},
                                           {"MATRIX_USER_ID", "@brigade:example.org"},
                                           {"MATRIX_ACCESS_TOKEN", "syt_abc"},
                                           {"BRIGADE_HTTP_TOKEN", "web-secret"}}));
  EXPECT_EQ(c.slack.app_token, "xapp-1-A");
  EXPECT_EQ(c.slack.bot_token, "xoxb-2-B");
  EXPECT_TRUE(c.slack.enabled());
  EXPECT_EQ(c.matrix.homeserver, "https://matrix.example.org");
  EXPECT_EQ(c.matrix.access_token, "syt_abc");
  EXPECT_TRUE(c.matrix.enabled());
  EXPECT_EQ(c.http.token, "web-secret");
}

TEST_F(ConfigTest, SecretsComeFromFilesWithoutTrailingNewline) {
  write_file(dir_.path() / "app", "xapp-1-FILE\n");
  write_file(dir_.path() / "bot", "xoxb-2-FILE\r\n");
  write_file(dir_.path() / "pw", "correct horse battery\n\n");
  write_file(dir_.path() / "web", "web-file-token");
  Config c = brigade::config::load(env_of({{"SLACK_APP_TOKEN_FILE", (dir_.path() / "app").string()},
                                           {"SLACK_BOT_TOKEN_FILE", (dir_.path() / "bot").string()},
                                           {"MATRIX_HOMESERVER", "https://matrix.example.org"},
                                           {"MATRIX_USER_ID", "@brigade:example.org"},
                                           {"MATRIX_PASSWORD_FILE", (dir_.path() / "pw").string()},
                                           {"BRIGADE_HTTP_TOKEN_FILE", (dir_.path() / "web").string()}}));
  EXPECT_EQ(c.slack.app_token, "xapp-1-FILE");
  EXPECT_EQ(c.slack.bot_token, "xoxb-2-FILE");
  EXPECT_EQ(c.matrix.password, "correct horse battery");
  EXPECT_EQ(c.http.token, "web-file-token");
  EXPECT_TRUE(c.slack.enabled());
  EXPECT_TRUE(c.matrix.enabled());
}

TEST_F(ConfigTest, EnabledNeedsCompleteCredentials) {
  brigade::config::SlackConfig s;
  EXPECT_FALSE(s.enabled());
  s.app_token = "xapp-1";
  EXPECT_FALSE(s.enabled());
  s.bot_token = "xoxb-1";
  EXPECT_TRUE(s.enabled());

  brigade::config::MatrixConfig m;
  m.homeserver = "https://m.example.org";
  m.user_id = "@b:example.org";
  EXPECT_FALSE(m.enabled());
  m.password = "pw";
  EXPECT_TRUE(m.enabled());
  m.password.clear();
  m.access_token = "tok";
  EXPECT_TRUE(m.enabled());
  m.homeserver.clear();
  EXPECT_FALSE(m.enabled());
}

TEST_F(ConfigTest, ErrorsNeverEchoSecrets) {
  const std::string app = "xoxb-SECRET-IN-APP-SLOT";
  try {
    brigade::config::load(env_of({{"SLACK_APP_TOKEN", app}, {"SLACK_BOT_TOKEN", "xoxb-OTHER-SECRET"}}));
    FAIL() << "expected ConfigError";
  } catch (const ConfigError& e) {
    EXPECT_EQ(e.key(), "SLACK_APP_TOKEN");
    EXPECT_THAT(e.what(), Not(HasSubstr("SECRET")));
  }
}

TEST_F(ConfigTest, DescribeNeverShowsSecrets) {
  Config c = brigade::config::load(env_of({{"SLACK_APP_TOKEN", "xapp-SECRET1"},
                                           {"SLACK_BOT_TOKEN", "xoxb-SECRET2"},
                                           {"MATRIX_HOMESERVER", "https://matrix.example.org"},
                                           {"MATRIX_USER_ID", "@brigade:example.org"},
                                           {"MATRIX_ACCESS_TOKEN", "SECRET3"},
                                           {"MATRIX_PASSWORD", "SECRET4"},
                                           {"BRIGADE_HTTP_TOKEN", "SECRET5"}}));
  std::string text = brigade::config::describe(c);
  EXPECT_THAT(text, Not(HasSubstr("SECRET")));
  EXPECT_THAT(text, HasSubstr("app token set"));
  EXPECT_THAT(text, HasSubstr("bot token set"));
  EXPECT_THAT(text, HasSubstr("access token set"));
  EXPECT_THAT(text, HasSubstr("password set"));
  EXPECT_THAT(text, HasSubstr("token set"));
  EXPECT_THAT(text, HasSubstr("slack: on"));
  EXPECT_THAT(text, HasSubstr("matrix: on"));
}

TEST_F(ConfigTest, DescribeSaysUnsetAndRedactsUrlCredentials) {
  Config c = brigade::config::load(env_of({}));
  c.matrix.homeserver = "https://user:hunter2@matrix.example.org";  // load() refuses this; describe copes
  std::string text = brigade::config::describe(c);
  EXPECT_THAT(text, HasSubstr("app token unset"));
  EXPECT_THAT(text, HasSubstr("bot token unset"));
  EXPECT_THAT(text, HasSubstr("slack: off"));
  EXPECT_THAT(text, Not(HasSubstr("hunter2")));
  EXPECT_THAT(text, HasSubstr("none (defaults and environment)"));
}

// ----------------------------------------------------------------------------------------------
// Every validation error is one line and names its key

struct BadCase {
  std::string name;
  std::string toml;
  Vars env;
  std::string key;       // exact ConfigError::key(); "{file}" = the TOML file's path
  std::string fragment;  // part of the problem text
};

std::ostream& operator<<(std::ostream& os, const BadCase& c) {
  return os << c.name;
}

class BadConfig : public ConfigTest, public ::testing::WithParamInterface<BadCase> {};

TEST_P(BadConfig, ErrorIsOneLineNamingTheKey) {
  const BadCase& bad = GetParam();
  fs::path file = file_with(bad.toml);
  try {
    brigade::config::load(env_of(expand(bad.env)), file);
    FAIL() << "expected ConfigError for " << bad.name;
  } catch (const ConfigError& e) {
    std::string key = replace_all(bad.key, "{file}", file.string());
    std::string what = e.what();
    if (bad.key.find("{file}") == std::string::npos) {
      EXPECT_EQ(e.key(), key) << what;
    }
    EXPECT_EQ(what.rfind("config: " + key + ":", 0), 0u) << what;
    EXPECT_THAT(what, HasSubstr(bad.fragment));
    EXPECT_EQ(what.find('\n'), std::string::npos) << what;
    EXPECT_EQ(what.find('\r'), std::string::npos) << what;
  }
}

const Vars kMatrixOk = {{"MATRIX_ACCESS_TOKEN", "tok"}};

INSTANTIATE_TEST_SUITE_P(
    Validation, BadConfig,
    ::testing::Values(
        // Unknown keys, everywhere.
        BadCase{
            "UnknownTopLevelKey", "timezon = \"UTC\"", {}, "timezon", "unknown key (did you mean timezone?)"},
        BadCase{"UnknownKeyNamesTheKey", "[kudos]\ndaily_qouta = 3", {}, "kudos.daily_qouta", "unknown key"},
        BadCase{"KeyInWrongTable", "daily_quota = 3", {}, "daily_quota", "did you mean kudos.daily_quota?"},
        BadCase{"UnknownTable", "[discord]\nchannel = \"x\"", {}, "discord", "unknown key"},
        BadCase{"UnknownNestedTable", "[kudos.extra]\na = 1", {}, "kudos.extra", "unknown key"},
        BadCase{"UnknownWinsPlatform", "[wins]\ndiscord = \"x\"", {}, "wins.discord", "unknown key"},
        BadCase{"UnknownDigestKey", "[digest]\nhour = 4", {}, "digest.hour", "unknown key"},
        BadCase{"UnknownMatrixKey", "[matrix]\nserver = \"x\"", {}, "matrix.server", "unknown key"},
        BadCase{"TableGivenAsValue", "kudos = 5", {}, "kudos", "expected a table"},
        BadCase{"ArrayOfTables", "[[http]]\naddr = \"127.0.0.1:1\"", {}, "http", "expected a table"},
        // Types.
        BadCase{
            "QuotaAsString", "[kudos]\ndaily_quota = \"5\"", {}, "kudos.daily_quota", "expected an integer"},
        BadCase{"QuotaAsFloat", "[kudos]\ndaily_quota = 5.0", {}, "kudos.daily_quota", "expected an integer"},
        BadCase{"TimezoneAsInteger", "timezone = 1", {}, "timezone", "expected a string"},
        BadCase{"WeekStartAsInteger", "week_start = 1", {}, "week_start", "expected a string"},
        BadCase{"ValuesAsString", "[kudos]\nvalues = \"teamwork\"", {}, "kudos.values", "expected an array"},
        BadCase{
            "ValuesElementType", "[kudos]\nvalues = [\"a\", 3]", {}, "kudos.values[1]", "expected a string"},
        BadCase{"ValuesRequiredAsString",
                "[kudos]\nvalues_required = \"yes\"",
                {},
                "kudos.values_required",
                "expected true or false"},
        BadCase{"BotsAsString", "[console]\nbots = \"brigade\"", {}, "console.bots", "expected an array"},
        BadCase{"DigestEnabledAsInteger",
                "[digest]\nenabled = 1",
                {},
                "digest.enabled",
                "expected true or false"},
        // Ranges.
        BadCase{"QuotaTooHigh", "[kudos]\ndaily_quota = 1001", {}, "kudos.daily_quota", "out of range"},
        BadCase{"QuotaNegative", "[kudos]\ndaily_quota = -1", {}, "kudos.daily_quota", "out of range"},
        BadCase{
            "MaxRecipientsZero", "[kudos]\nmax_recipients = 0", {}, "kudos.max_recipients", "out of range"},
        BadCase{"MaxRecipientsTooHigh",
                "[kudos]\nmax_recipients = 51",
                {},
                "kudos.max_recipients",
                "out of range"},
        BadCase{"ReasonLengthZero",
                "[kudos]\nmax_reason_length = 0",
                {},
                "kudos.max_reason_length",
                "out of range"},
        BadCase{"ReasonLengthTooHigh",
                "[kudos]\nmax_reason_length = 4001",
                {},
                "kudos.max_reason_length",
                "out of range"},
        BadCase{"QuotaEnvNotANumber",
                "",
                {{"BRIGADE_DAILY_QUOTA", "five"}},
                "BRIGADE_DAILY_QUOTA",
                "expected an integer"},
        BadCase{
            "QuotaEnvTooHigh", "", {{"BRIGADE_DAILY_QUOTA", "5000"}}, "BRIGADE_DAILY_QUOTA", "out of range"},
        // Values.
        BadCase{"ValuesDuplicateAfterNormalising",
                "[kudos]\nvalues = [\"Teamwork\", \"#teamwork\"]",
                {},
                "kudos.values",
                "listed twice"},
        BadCase{"ValuesWithSpace", "[kudos]\nvalues = [\"team work\"]", {}, "kudos.values", "may only hold"},
        BadCase{"ValuesWithPunctuation", "[kudos]\nvalues = [\"a.b\"]", {}, "kudos.values", "may only hold"},
        BadCase{"ValuesWithEmoji", "[kudos]\nvalues = [\"🚀\"]", {}, "kudos.values", "may only hold"},
        BadCase{"ValuesWithDoubleHash", "[kudos]\nvalues = [\"##x\"]", {}, "kudos.values", "may only hold"},
        BadCase{"ValuesEmpty", "[kudos]\nvalues = [\"\"]", {}, "kudos.values", "empty value"},
        BadCase{"ValuesTooLong",
                "[kudos]\nvalues = [\"" + std::string(65, 'a') + "\"]",
                {},
                "kudos.values",
                "longer than 64"},
        BadCase{"ValuesRequiredWithoutValues",
                "[kudos]\nvalues_required = true",
                {},
                "kudos.values_required",
                "non-empty kudos.values"},
        // Roles and wins.
        BadCase{"ManagerWithoutPlatform",
                "[roles]\nmanagers = [\"bob\"]",
                {},
                "roles.managers",
                "not a qualified user id"},
        BadCase{"AdminSlackWithoutUser",
                "[roles]\nadmins = [\"slack:T0123\"]",
                {},
                "roles.admins",
                "not a qualified user id"},
        BadCase{"AdminMatrixWithoutAt",
                "[roles]\nadmins = [\"matrix:boss:example.org\"]",
                {},
                "roles.admins",
                "not a qualified user id"},
        BadCase{"AdminUnknownPlatform",
                "[roles]\nadmins = [\"discord:123\"]",
                {},
                "roles.admins",
                "not a qualified user id"},
        BadCase{"WinsMatrixNotARoom", "[wins]\nmatrix = \"wins\"", {}, "wins.matrix", "not a Matrix room"},
        BadCase{
            "WinsSlackWithSpace", "[wins]\nslack = \"C0 WINS\"", {}, "wins.slack", "must not contain spaces"},
        // Calendar and logging.
        BadCase{"UnknownTimeZone", "timezone = \"Mars/Olympus_Mons\"", {}, "timezone", "unknown time zone"},
        BadCase{
            "UnknownTimeZoneInEnv", "", {{"BRIGADE_TZ", "Nowhere/Town"}}, "BRIGADE_TZ", "unknown time zone"},
        BadCase{"BadWeekStart", "week_start = \"funday\"", {}, "week_start", "not a day of the week"},
        BadCase{"BadWeekStartInEnv",
                "",
                {{"BRIGADE_WEEK_START", "7"}},
                "BRIGADE_WEEK_START",
                "not a day of the week"},
        BadCase{"BadLogLevel", "log_level = \"verbose\"", {}, "log_level", "not a log level"},
        BadCase{
            "BadLogLevelInEnv", "", {{"BRIGADE_LOG_LEVEL", "loud"}}, "BRIGADE_LOG_LEVEL", "not a log level"},
        BadCase{
            "TimeZoneWithLineBreak", "timezone = \"Europe/\\nParis\"", {}, "timezone", "unknown time zone"},
        // Paths.
        BadCase{"CaFileMissing",
                "",
                {{"BRIGADE_CA_FILE", "{dir}/missing.pem"}},
                "BRIGADE_CA_FILE",
                "not a readable file"},
        BadCase{
            "CaFileMissingInFile", "ca_file = \"{dir}/missing.pem\"", {}, "ca_file", "not a readable file"},
        BadCase{"DataDirIsAFile", "data_dir = \"{dir}/ca.pem\"", {}, "data_dir", "not a directory"},
        BadCase{"DataDirEmpty", "data_dir = \"\"", {}, "data_dir", "empty path"},
        // HTTP address.
        BadCase{"HttpAddrWithoutPort", "[http]\naddr = \"localhost\"", {}, "http.addr", "not host:port"},
        BadCase{
            "HttpAddrPortTooHigh", "[http]\naddr = \"127.0.0.1:65536\"", {}, "http.addr", "not host:port"},
        BadCase{"HttpAddrBareIpv6", "[http]\naddr = \"::1:8080\"", {}, "http.addr", "not host:port"},
        BadCase{"HttpAddrBadIpv4", "[http]\naddr = \"300.1.2.3:80\"", {}, "http.addr", "not host:port"},
        BadCase{"HttpAddrNoHost", "", {{"BRIGADE_HTTP_ADDR", ":8080"}}, "BRIGADE_HTTP_ADDR", "not host:port"},
        BadCase{"HttpAddrUrl",
                "",
                {{"BRIGADE_HTTP_ADDR", "http://0.0.0.0:80"}},
                "BRIGADE_HTTP_ADDR",
                "not host:port"},
        // URLs.
        BadCase{"SlackApiUrlWebSocket",
                "[slack]\napi_url = \"wss://slack.com/api/\"",
                {},
                "slack.api_url",
                "http:// or https://"},
        BadCase{"SlackApiUrlInEnvWithoutScheme",
                "",
                {{"SLACK_API_URL", "slack.com/api"}},
                "SLACK_API_URL",
                "http:// or https://"},
        BadCase{"SlackApiUrlWithCredentials",
                "[slack]\napi_url = \"https://u:p@slack.com/api/\"",
                {},
                "slack.api_url",
                "credentials"},
        BadCase{"SlackApiUrlWithoutHost",
                "[slack]\napi_url = \"https:///api/\"",
                {},
                "slack.api_url",
                "no valid host"},
        BadCase{"HomeserverWebSocket", "[matrix]\nhomeserver = \"ws://localhost:8008\"", kMatrixOk,
                "matrix.homeserver", "http:// or https://"},
        BadCase{"HomeserverInEnvBadPort",
                "",
                {{"MATRIX_HOMESERVER", "https://m.example.org:99999"}},
                "MATRIX_HOMESERVER",
                "no valid host"},
        BadCase{"SlackReactionWithSpace",
                "[slack]\nreaction = \"raised hands\"",
                {},
                "slack.reaction",
                "must not contain spaces"},
        BadCase{"MatrixReactionEmpty", "[matrix]\nreaction = \"\"", {}, "matrix.reaction", "non-empty"},
        // Slack credentials.
        BadCase{"SlackAppTokenShape",
                "",
                {{"SLACK_APP_TOKEN", "xoxb-1"}, {"SLACK_BOT_TOKEN", "xoxb-2"}},
                "SLACK_APP_TOKEN",
                "xapp-"},
        BadCase{"SlackBotTokenShape",
                "",
                {{"SLACK_APP_TOKEN", "xapp-1"}, {"SLACK_BOT_TOKEN", "xapp-2"}},
                "SLACK_BOT_TOKEN",
                "xoxb-"},
        BadCase{"SlackAppWithoutBot", "", {{"SLACK_APP_TOKEN", "xapp-1"}}, "SLACK_BOT_TOKEN", "required"},
        BadCase{"SlackBotWithoutApp", "", {{"SLACK_BOT_TOKEN", "xoxb-1"}}, "SLACK_APP_TOKEN", "required"},
        BadCase{"SlackTokenAndFileBoth",
                "",
                {{"SLACK_BOT_TOKEN", "xoxb-1"}, {"SLACK_BOT_TOKEN_FILE", "{dir}/ca.pem"}},
                "SLACK_BOT_TOKEN_FILE",
                "not both"},
        BadCase{"SlackTokenFileShape",
                "",
                {{"SLACK_APP_TOKEN", "xapp-1"}, {"SLACK_BOT_TOKEN_FILE", "{dir}/ca.pem"}},
                "SLACK_BOT_TOKEN_FILE",
                "xoxb-"},
        // Matrix credentials.
        BadCase{"MatrixUserIdShapeInEnv",
                "",
                {{"MATRIX_USER_ID", "brigade"}},
                "MATRIX_USER_ID",
                "not a Matrix user id"},
        BadCase{"MatrixUserIdShapeInFile",
                "[matrix]\nuser_id = \"brigade:example.org\"",
                {},
                "matrix.user_id",
                "not a Matrix user id"},
        BadCase{"MatrixWithoutUserId",
                "",
                {{"MATRIX_HOMESERVER", "https://m.example.org"}, {"MATRIX_ACCESS_TOKEN", "tok"}},
                "MATRIX_USER_ID",
                "required when MATRIX_HOMESERVER"},
        BadCase{"MatrixWithoutCredentials",
                "[matrix]\nhomeserver = \"https://m.example.org\"\nuser_id = \"@b:example.org\"",
                {},
                "MATRIX_ACCESS_TOKEN",
                "MATRIX_PASSWORD"},
        BadCase{"MatrixTokenWithoutHomeserver",
                "",
                {{"MATRIX_ACCESS_TOKEN", "tok"}},
                "MATRIX_HOMESERVER",
                "required when MATRIX_ACCESS_TOKEN"},
        BadCase{"MatrixUserWithoutHomeserver",
                "[matrix]\nuser_id = \"@b:example.org\"",
                {},
                "MATRIX_HOMESERVER",
                "required when matrix.user_id"},
        BadCase{"MatrixAutojoinServerIsUrl",
                "[matrix]\nautojoin_servers = [\"https://example.org\"]",
                {},
                "matrix.autojoin_servers",
                "server name"},
        BadCase{"MatrixAutojoinRoomShape",
                "[matrix]\nautojoin_rooms = [\"general\"]",
                {},
                "matrix.autojoin_rooms",
                "not a Matrix room"},
        BadCase{"HttpBeyondLoopbackNeedsAToken",
                "",
                {{"BRIGADE_HTTP_ADDR", "0.0.0.0:8080"}},
                "BRIGADE_HTTP_ADDR",
                "not a loopback address: set BRIGADE_HTTP_TOKEN"},
        BadCase{"HttpBeyondLoopbackNeedsATokenToml",
                "[http]\naddr = \"192.0.2.7:8080\"",
                {},
                "http.addr",
                "not a loopback address"},
        BadCase{"MatrixPrivateRepliesValue",
                "[matrix]\nprivate_replies = \"dm\"",
                {},
                "matrix.private_replies",
                "is not \"reply\" or \"direct\""},
        BadCase{"SecretFileMissing",
                "",
                {{"MATRIX_ACCESS_TOKEN_FILE", "{dir}/no-such-file"}},
                "MATRIX_ACCESS_TOKEN_FILE",
                "cannot read"},
        BadCase{"SecretFileIsDirectory",
                "",
                {{"BRIGADE_HTTP_TOKEN_FILE", "{dir}"}},
                "BRIGADE_HTTP_TOKEN_FILE",
                "cannot read"},
        // Secrets in the file.
        BadCase{"SlackBotTokenInFile",
                "[slack]\nbot_token = \"xoxb-1\"",
                {},
                "slack.bot_token",
                "secrets may only come from the environment (SLACK_BOT_TOKEN or SLACK_BOT_TOKEN_FILE)"},
        BadCase{"SlackAppTokenAsDottedKey",
                "slack.app_token = \"xapp-1\"",
                {},
                "slack.app_token",
                "SLACK_APP_TOKEN or SLACK_APP_TOKEN_FILE"},
        BadCase{"MatrixPasswordInFile",
                "[matrix]\npassword = \"pw\"",
                {},
                "matrix.password",
                "MATRIX_PASSWORD or MATRIX_PASSWORD_FILE"},
        BadCase{"MatrixAccessTokenInFile",
                "[matrix]\naccess_token = \"t\"",
                {},
                "matrix.access_token",
                "MATRIX_ACCESS_TOKEN or MATRIX_ACCESS_TOKEN_FILE"},
        BadCase{"HttpTokenInFile",
                "[http]\ntoken = \"t\"",
                {},
                "http.token",
                "BRIGADE_HTTP_TOKEN or BRIGADE_HTTP_TOKEN_FILE"},
        // Console and digest.
        BadCase{"ConsoleUserWithSpace",
                "[console]\nuser = \"a b\"",
                {},
                "console.user",
                "must not contain spaces"},
        BadCase{"ConsoleChannelEmpty", "[console]\nchannel = \"\"", {}, "console.channel", "empty"},
        BadCase{"DigestBadDay", "[digest]\nday = \"someday\"", {}, "digest.day", "not a day of the week"},
        BadCase{"DigestHourTooHigh", "[digest]\ntime = \"24:00\"", {}, "digest.time", "HH:MM"},
        BadCase{"DigestTimeWords", "[digest]\ntime = \"4pm\"", {}, "digest.time", "HH:MM"},
        BadCase{
            "DigestEnabledWithoutChannels", "[digest]\nenabled = true", {}, "digest.channels", "required"},
        BadCase{"DigestChannelUnqualified",
                "[digest]\nchannels = [\"general\"]",
                {},
                "digest.channels",
                "not a qualified channel"},
        // Syntax.
        BadCase{"TomlSyntax", "[kudos\ndaily_quota = 1", {}, "{file}:1", ""}),
    [](const ::testing::TestParamInfo<BadCase>& info) { return info.param.name; });

// ----------------------------------------------------------------------------------------------
// Specific values

TEST_F(ConfigTest, WeekStartAcceptsDayNamesAndAbbreviations) {
  const std::vector<std::pair<std::string, int>> days = {
      {"sunday", 0}, {"Monday", 1}, {"tue", 2}, {"WEDNESDAY", 3}, {"thu", 4}, {"friday", 5}, {"Sat", 6}};
  for (const auto& [name, n] : days) {
    SCOPED_TRACE(name);
    EXPECT_EQ(load_toml("week_start = \"" + name + "\"\n").week_start, n);
    EXPECT_EQ(brigade::config::load(env_of({{"BRIGADE_WEEK_START", name}})).week_start, n);
  }
}

TEST_F(ConfigTest, KnownTimeZonesAreAccepted) {
  for (const char* tz : {"UTC", "Europe/Paris", "America/New_York", "Asia/Kolkata", "Australia/Lord_Howe"}) {
    SCOPED_TRACE(tz);
    EXPECT_EQ(brigade::config::load(env_of({{"BRIGADE_TZ", tz}})).timezone, tz);
  }
}

TEST_F(ConfigTest, UnknownTimeZoneIsRefused) {
  EXPECT_THROW(brigade::config::load(env_of({{"BRIGADE_TZ", "Europe/Atlantis"}})), ConfigError);
  EXPECT_THROW(load_toml("timezone = \"utc+2\""), ConfigError);
}

TEST_F(ConfigTest, ValuesAreNormalised) {
  Config c = load_toml(
      "[kudos]\nvalues = [\"#Teamwork\", \" Ownership \", \"customer-first\", \"no_ego\", \"qualité\", "
      "\"協力\", "
      "\"v2\"]\nvalues_required = true\n");
  EXPECT_EQ(c.rules.values, (std::vector<std::string>{"teamwork", "ownership", "customer-first", "no_ego",
                                                      "qualité", "協力", "v2"}));
  EXPECT_TRUE(c.rules.values_required);
}

TEST_F(ConfigTest, LogLevelIsCaseInsensitiveAndAcceptsWarning) {
  EXPECT_EQ(load_toml("log_level = \"DEBUG\"").log_level, "debug");
  EXPECT_EQ(brigade::config::load(env_of({{"BRIGADE_LOG_LEVEL", "warning"}})).log_level, "warn");
}

TEST_F(ConfigTest, UrlsAreNormalisedForTheirClients) {
  Config c = brigade::config::load(env_of({{"SLACK_API_URL", "http://127.0.0.1:9999/api"},
                                           {"MATRIX_HOMESERVER", "https://[::1]:8448/"},
                                           {"MATRIX_USER_ID", "@b:localhost"},
                                           {"MATRIX_PASSWORD", "pw"}}));
  EXPECT_EQ(c.slack.api_url, "http://127.0.0.1:9999/api/");
  EXPECT_EQ(c.matrix.homeserver, "https://[::1]:8448");
}

TEST_F(ConfigTest, HttpAddrForms) {
  using brigade::config::parse_host_port;
  for (const char* ok : {"0.0.0.0:8080", "[::1]:0", "[::]:443", "localhost:65535", "brigade.internal:80"}) {
    SCOPED_TRACE(ok);
    // Beyond loopback the API needs a token (see HttpBeyondLoopbackNeedsAToken).
    EXPECT_EQ(
        brigade::config::load(env_of({{"BRIGADE_HTTP_ADDR", ok}, {"BRIGADE_HTTP_TOKEN", "t0ken"}})).http.addr,
        ok);
  }
  auto hp = parse_host_port("[::1]:8080");
  ASSERT_TRUE(hp);
  EXPECT_EQ(hp->host, "::1");
  EXPECT_EQ(hp->port, 8080);
  hp = parse_host_port("127.0.0.1:0");
  ASSERT_TRUE(hp);
  EXPECT_EQ(hp->port, 0);
  EXPECT_FALSE(parse_host_port("127.0.0.1"));
  EXPECT_FALSE(parse_host_port("127.0.0.1:-1"));
  EXPECT_FALSE(parse_host_port("[::1]8080"));
  EXPECT_FALSE(parse_host_port("bad_name:80"));
}

TEST_F(ConfigTest, LoopbackHosts) {
  using brigade::config::is_loopback_host;
  EXPECT_TRUE(is_loopback_host("127.0.0.1"));
  EXPECT_TRUE(is_loopback_host("127.1.2.3"));
  EXPECT_TRUE(is_loopback_host("::1"));
  EXPECT_TRUE(is_loopback_host("::ffff:127.0.0.1"));
  EXPECT_TRUE(is_loopback_host("LOCALHOST"));
  EXPECT_FALSE(is_loopback_host("0.0.0.0"));
  EXPECT_FALSE(is_loopback_host("::"));
  EXPECT_FALSE(is_loopback_host("10.0.0.1"));
  EXPECT_FALSE(is_loopback_host("brigade.example.org"));
}

TEST_F(ConfigTest, DigestTimeAndDayAreNormalised) {
  Config c =
      load_toml("[digest]\nenabled = true\nday = \"Mon\"\ntime = \"9:05\"\nchannels = [\"slack:T1:C1\"]\n");
  EXPECT_TRUE(c.digest.enabled);
  EXPECT_EQ(c.digest.day, "monday");
  EXPECT_EQ(c.digest.time, "09:05");
  EXPECT_EQ(c.digest.channels, std::vector<std::string>{"slack:T1:C1"});
}

// ----------------------------------------------------------------------------------------------
// Every key of the file is parsed (and every parsed key has a case here)

struct KeyCase {
  std::string key;
  std::string toml;
  Vars env;
  std::function<bool(const Config&)> check;
};

TEST_F(ConfigTest, EveryFileKeyIsParsed) {
  const std::vector<KeyCase> cases = {
      {"data_dir",
       "data_dir = \"/srv/brigade\"",
       {},
       [](const Config& c) { return c.data_dir == "/srv/brigade"; }},
      {"timezone",
       "timezone = \"Asia/Tokyo\"",
       {},
       [](const Config& c) { return c.timezone == "Asia/Tokyo"; }},
      {"week_start", "week_start = \"saturday\"", {}, [](const Config& c) { return c.week_start == 6; }},
      {"log_level", "log_level = \"trace\"", {}, [](const Config& c) { return c.log_level == "trace"; }},
      {"ca_file",
       "ca_file = \"{dir}/ca.pem\"",
       {},
       [](const Config& c) { return fs::path(c.ca_file).filename() == "ca.pem"; }},
      {"kudos.daily_quota",
       "[kudos]\ndaily_quota = 0",
       {},
       [](const Config& c) { return c.rules.daily_quota == 0; }},
      {"kudos.max_recipients",
       "[kudos]\nmax_recipients = 3",
       {},
       [](const Config& c) { return c.rules.max_recipients == 3; }},
      {"kudos.max_reason_length",
       "[kudos]\nmax_reason_length = 140",
       {},
       [](const Config& c) { return c.rules.max_reason_length == 140; }},
      {"kudos.values",
       "[kudos]\nvalues = [\"grit\"]",
       {},
       [](const Config& c) { return c.rules.values == std::vector<std::string>{"grit"}; }},
      {"kudos.values_required",
       "[kudos]\nvalues = [\"grit\"]\nvalues_required = true",
       {},
       [](const Config& c) { return c.rules.values_required; }},
      {"roles.managers",
       "[roles]\nmanagers = [\"console:alice\", \"slack:T0123:U0456\"]",
       {},
       [](const Config& c) {
         return c.rules.managers == std::vector<std::string>{"console:alice", "slack:T0123:U0456"};
       }},
      {"roles.admins",
       "[roles]\nadmins = [\"matrix:@boss:example.org\"]",
       {},
       [](const Config& c) {
         return c.rules.admins == std::vector<std::string>{"matrix:@boss:example.org"};
       }},
      {"wins.slack",
       "[wins]\nslack = \"C0123WINS\"",
       {},
       [](const Config& c) { return c.rules.wins_channel.at("slack") == "C0123WINS"; }},
      {"wins.matrix",
       "[wins]\nmatrix = \"!wins:example.org\"",
       {},
       [](const Config& c) { return c.rules.wins_channel.at("matrix") == "!wins:example.org"; }},
      {"wins.console",
       "[wins]\nconsole = \"wins\"",
       {},
       [](const Config& c) { return c.rules.wins_channel.at("console") == "wins"; }},
      {"http.addr",
       "[http]\naddr = \"0.0.0.0:9090\"",
       {{"BRIGADE_HTTP_TOKEN", "t0ken"}},
       [](const Config& c) { return c.http.addr == "0.0.0.0:9090"; }},
      {"slack.api_url",
       "[slack]\napi_url = \"http://127.0.0.1:1234/api\"",
       {},
       [](const Config& c) { return c.slack.api_url == "http://127.0.0.1:1234/api/"; }},
      {"slack.reaction",
       "[slack]\nreaction = \":tada:\"",
       {},
       [](const Config& c) { return c.slack.reaction == "tada"; }},
      {"matrix.homeserver", "[matrix]\nhomeserver = \"https://m.example.org/\"\nuser_id = \"@b:example.org\"",
       kMatrixOk,
       [](const Config& c) { return c.matrix.homeserver == "https://m.example.org" && c.matrix.enabled(); }},
      {"matrix.user_id", "[matrix]\nhomeserver = \"https://m.example.org\"\nuser_id = \"@bot:example.org\"",
       kMatrixOk, [](const Config& c) { return c.matrix.user_id == "@bot:example.org"; }},
      {"matrix.device_name",
       "[matrix]\ndevice_name = \"Kudos bot\"",
       {},
       [](const Config& c) { return c.matrix.device_name == "Kudos bot"; }},
      {"matrix.reaction",
       "[matrix]\nreaction = \"👍\"",
       {},
       [](const Config& c) { return c.matrix.reaction == "👍"; }},
      {"matrix.autojoin_servers",
       "[matrix]\nautojoin_servers = [\"example.org\"]",
       {},
       [](const Config& c) { return c.matrix.autojoin_servers == std::vector<std::string>{"example.org"}; }},
      {"matrix.autojoin_rooms",
       "[matrix]\nautojoin_rooms = [\"!a:example.org\", \"#team:example.org\"]",
       {},
       [](const Config& c) {
         return c.matrix.autojoin_rooms == std::vector<std::string>{"!a:example.org", "#team:example.org"};
       }},
      {"matrix.private_replies",
       "[matrix]\nprivate_replies = \"direct\"",
       {},
       [](const Config& c) { return c.matrix.private_replies == "direct"; }},
      {"console.user",
       "[console]\nuser = \"carol\"",
       {},
       [](const Config& c) { return c.console.user == "carol"; }},
      {"console.channel",
       "[console]\nchannel = \"random\"",
       {},
       [](const Config& c) { return c.console.channel == "random"; }},
      {"console.bots",
       "[console]\nbots = [\"robo\", \"brigade\"]",
       {},
       [](const Config& c) {
         return c.console.bots == std::vector<std::string>{"robo", "brigade"};
       }},
      {"digest.enabled",
       "[digest]\nenabled = true\nchannels = [\"console:general\"]",
       {},
       [](const Config& c) { return c.digest.enabled; }},
      {"digest.day",
       "[digest]\nday = \"tuesday\"",
       {},
       [](const Config& c) { return c.digest.day == "tuesday"; }},
      {"digest.time",
       "[digest]\ntime = \"08:15\"",
       {},
       [](const Config& c) { return c.digest.time == "08:15"; }},
      {"digest.channels",
       "[digest]\nchannels = [\"matrix:!r:example.org\"]",
       {},
       [](const Config& c) {
         return c.digest.channels == std::vector<std::string>{"matrix:!r:example.org"};
       }},
  };
  std::set<std::string> covered;
  for (const auto& kc : cases) {
    SCOPED_TRACE(kc.key);
    covered.insert(kc.key);
    Config c;
    ASSERT_NO_THROW(c = load_toml(kc.toml, kc.env));
    EXPECT_TRUE(kc.check(c));
  }
  const auto& keys = brigade::config::file_keys();
  EXPECT_EQ(covered, std::set<std::string>(keys.begin(), keys.end()));
}

// ----------------------------------------------------------------------------------------------
// The example file

fs::path example_file() {
  return fs::path(BRIGADE_SOURCE_DIR) / "config" / "brigade.example.toml";
}

TEST_F(ConfigTest, ExampleFileLoadsCleanly) {
  Config c;
  ASSERT_NO_THROW(c = brigade::config::load(env_of({}), example_file()));
  EXPECT_EQ(*c.source, example_file());
}

// The example documents the defaults: loading it changes nothing but the source line.
TEST_F(ConfigTest, ExampleFileStatesTheDefaults) {
  auto without_first_line = [](const std::string& s) { return s.substr(s.find('\n') + 1); };
  std::string from_example = brigade::config::describe(brigade::config::load(env_of({}), example_file()));
  std::string defaults = brigade::config::describe(brigade::config::load(env_of({})));
  EXPECT_EQ(without_first_line(from_example), without_first_line(defaults));
}

// Every key appears in the example, set or commented out ("# key = …") under its table, and the
// example mentions no key the loader does not know.
TEST_F(ConfigTest, ExampleFileDocumentsEveryKey) {
  std::ifstream in(example_file());
  ASSERT_TRUE(in);
  const std::regex header(R"(^\[([a-z_]+)\]\s*$)");
  const std::regex key_line(R"(^#?\s*([a-z_]+)\s*=)");
  std::string table;
  std::set<std::string> documented;
  std::string line;
  while (std::getline(in, line)) {
    std::smatch m;
    if (std::regex_search(line, m, header)) {
      table = m[1];
    } else if (std::regex_search(line, m, key_line)) {
      documented.insert(table.empty() ? std::string(m[1]) : table + "." + std::string(m[1]));
    }
  }
  const auto& keys = brigade::config::file_keys();
  EXPECT_EQ(documented, std::set<std::string>(keys.begin(), keys.end()));
}

// Environment variables the example and the README promise; each one must change something.
TEST_F(ConfigTest, EveryDocumentedVariableIsRead) {
  const Config base = brigade::config::load(env_of({}));
  const std::string before = brigade::config::describe(base);
  const std::vector<Vars> cases = {
      {{"BRIGADE_DATA_DIR", "/tmp/x"}},
      {{"BRIGADE_HTTP_ADDR", "127.0.0.1:1"}},
      {{"BRIGADE_HTTP_TOKEN", "t"}},
      {{"SLACK_APP_TOKEN", "xapp-1"}, {"SLACK_BOT_TOKEN", "xoxb-1"}},
      {{"SLACK_API_URL", "http://127.0.0.1:1/"}},
      {{"MATRIX_HOMESERVER", "http://127.0.0.1:2"}, {"MATRIX_USER_ID", "@a:b"}, {"MATRIX_ACCESS_TOKEN", "t"}},
      {{"MATRIX_HOMESERVER", "http://127.0.0.1:2"}, {"MATRIX_USER_ID", "@a:b"}, {"MATRIX_PASSWORD", "p"}},
      {{"BRIGADE_TZ", "Europe/Paris"}},
      {{"BRIGADE_WEEK_START", "sunday"}},
      {{"BRIGADE_DAILY_QUOTA", "7"}},
      {{"BRIGADE_CA_FILE", "{dir}/ca.pem"}},
      {{"BRIGADE_LOG_LEVEL", "trace"}},
  };
  for (const auto& vars : cases) {
    SCOPED_TRACE(vars.begin()->first);
    EXPECT_NE(brigade::config::describe(brigade::config::load(env_of(expand(vars)))), before);
  }
}

}  // namespace
