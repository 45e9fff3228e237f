// Configuration files: the defaults without one, where the file comes from, how a missing or broken
// one is reported, and the example file (loads cleanly, states the defaults, documents every key).
#include "tests/unit/config_test.hpp"

#include <sys/wait.h>
#include <unistd.h>

#include <regex>
#include <set>

namespace brigade::config::testing {
namespace {

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
  EXPECT_EQ(c.rules.allowance, 5u);
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
}  // namespace brigade::config::testing
