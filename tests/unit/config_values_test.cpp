// Configuration values: how specific values are read and normalised, and that every key of the
// file is parsed (each parsed key has a case here).
#include "tests/unit/config_test.hpp"

#include <functional>
#include <set>
#include <vector>

namespace brigade::config::testing {
namespace {

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

// One case per key of the file: its TOML, any variables it needs, and what it sets.
const std::vector<KeyCase> kFileKeyCases = {
    {"data_dir",
     "data_dir = \"/srv/brigade\"",
     {},
     [](const Config& c) { return c.data_dir == "/srv/brigade"; }},
    {"timezone", "timezone = \"Asia/Tokyo\"", {}, [](const Config& c) { return c.timezone == "Asia/Tokyo"; }},
    {"week_start", "week_start = \"saturday\"", {}, [](const Config& c) { return c.week_start == 6; }},
    {"log_level", "log_level = \"trace\"", {}, [](const Config& c) { return c.log_level == "trace"; }},
    {"ca_file",
     "ca_file = \"{dir}/ca.pem\"",
     {},
     [](const Config& c) { return fs::path(c.ca_file).filename() == "ca.pem"; }},
    {"kudos.daily_quota",
     "[kudos]\ndaily_quota = 0",
     {},
     [](const Config& c) { return c.rules.allowance == 0; }},
    {"kudos.allowance",
     "[kudos]\nallowance = 40",
     {},
     [](const Config& c) { return c.rules.allowance == 40; }},
    {"kudos.allowance_period",
     "[kudos]\nallowance_period = \"week\"",
     {},
     [](const Config& c) { return c.rules.allowance_period == brigade::core::Period::week; }},
    {"kudos.max_per_recipient",
     "[kudos]\nmax_per_recipient = 2",
     {},
     [](const Config& c) { return c.rules.max_per_recipient == 2; }},
    {"kudos.undo_minutes",
     "[kudos]\nundo_minutes = 0",
     {},
     [](const Config& c) { return c.rules.undo_minutes == 0; }},
    {"privacy.keep_reasons_days",
     "[privacy]\nkeep_reasons_days = 90",
     {},
     [](const Config& c) { return c.privacy.keep_reasons_days == 90; }},
    {"leaderboard.public",
     "[leaderboard]\npublic = true",
     {},
     [](const Config& c) { return c.rules.leaderboard_public && !c.rules.recipient_dm; }},
    {"notify.recipient_dm",
     "[notify]\nrecipient_dm = true",
     {},
     [](const Config& c) { return c.rules.recipient_dm && !c.rules.leaderboard_public; }},
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
     [](const Config& c) { return c.rules.admins == std::vector<std::string>{"matrix:@boss:example.org"}; }},
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
     [](const Config& c) { return c.digest.channels == std::vector<std::string>{"matrix:!r:example.org"}; }},
    {"store.url",
     "[store]\nurl = \"postgresql://brigade@db.example.org/brigade\"",
     {},
     [](const Config& c) { return c.store.url == "postgresql://brigade@db.example.org/brigade"; }},
    {"store.wait_seconds",
     "[store]\nwait_seconds = 30",
     {},
     [](const Config& c) { return c.store.wait_seconds == 30; }},
};

TEST_F(ConfigTest, EveryFileKeyIsParsed) {
  std::set<std::string> covered;
  for (const auto& kc : kFileKeyCases) {
    SCOPED_TRACE(kc.key);
    covered.insert(kc.key);
    Config c;
    ASSERT_NO_THROW(c = load_toml(kc.toml, kc.env));
    EXPECT_TRUE(kc.check(c));
  }
  const auto& keys = brigade::config::file_keys();
  EXPECT_EQ(covered, std::set<std::string>(keys.begin(), keys.end()));
}

}  // namespace
}  // namespace brigade::config::testing
