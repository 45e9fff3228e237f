// Configuration from the environment: precedence over the file, empty variables, and secrets
// (from variables or *_FILE files, never echoed in errors or descriptions).
#include "tests/unit/config_test.hpp"

namespace brigade::config::testing {
namespace {

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
  EXPECT_EQ(c.rules.allowance, 3u);
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
  EXPECT_EQ(c.rules.allowance, 0u);
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

TEST_F(ConfigTest, StoreComesFromTheEnvironmentAsUrlOrPath) {
  write_file(dir_.path() / "url", "postgresql://brigade:s3cret@db.example.org/brigade\n");
  write_file(dir_.path() / "pgpw", "hunter2\n");
  Config c = brigade::config::load(env_of({{"BRIGADE_STORE_FILE", (dir_.path() / "url").string()},
                                           {"PGPASSWORD_FILE", (dir_.path() / "pgpw").string()}}));
  EXPECT_TRUE(c.store.postgres());
  EXPECT_EQ(c.store.url, "postgresql://brigade:s3cret@db.example.org/brigade");
  EXPECT_EQ(c.store.password, "hunter2");
  const std::string text = brigade::config::describe(c);
  EXPECT_EQ(text.find("s3cret"), std::string::npos) << text;
  EXPECT_EQ(text.find("hunter2"), std::string::npos) << text;
  EXPECT_NE(text.find("PostgreSQL at postgresql://***@db.example.org/brigade"), std::string::npos) << text;

  // A conninfo's password is hidden too; a path is the LMDB data directory.
  c = brigade::config::load(env_of({{"BRIGADE_STORE", "host=db dbname=brigade password='a b'"}}));
  EXPECT_EQ(brigade::config::describe(c).find("a b"), std::string::npos);
  c = brigade::config::load(env_of({{"BRIGADE_STORE", (dir_.path() / "ledger").string()}}));
  EXPECT_FALSE(c.store.postgres());
  EXPECT_EQ(c.data_dir, dir_.path() / "ledger");
}

TEST_F(ConfigTest, StoreUrlMustBePostgres) {
  EXPECT_THROW(brigade::config::load(env_of({{"BRIGADE_STORE", "mysql://db/brigade"}})), brigade::config::ConfigError);
  EXPECT_THROW(load_toml("[store]\nurl = \"./data\"", {}), brigade::config::ConfigError);
  EXPECT_THROW(load_toml("[store]\nwait_seconds = 4000", {}), brigade::config::ConfigError);
}


}  // namespace
}  // namespace brigade::config::testing
