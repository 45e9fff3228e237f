// Configuration validation: every error is one line that names its key (a table of bad inputs).
#include "tests/unit/config_test.hpp"

#include <ostream>
#include <vector>

namespace brigade::config::testing {
namespace {

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

// Unknown keys, everywhere.
const std::vector<BadCase> kUnknownKeys = {
    BadCase{"UnknownTopLevelKey", "timezon = \"UTC\"", {}, "timezon", "unknown key (did you mean timezone?)"},
    BadCase{"UnknownKeyNamesTheKey", "[kudos]\ndaily_qouta = 3", {}, "kudos.daily_qouta", "unknown key"},
    BadCase{"KeyInWrongTable", "daily_quota = 3", {}, "daily_quota", "did you mean kudos.daily_quota?"},
    BadCase{"UnknownTable", "[discord]\nchannel = \"x\"", {}, "discord", "unknown key"},
    BadCase{"UnknownNestedTable", "[kudos.extra]\na = 1", {}, "kudos.extra", "unknown key"},
    BadCase{"UnknownWinsPlatform", "[wins]\ndiscord = \"x\"", {}, "wins.discord", "unknown key"},
    BadCase{"UnknownDigestKey", "[digest]\nhour = 4", {}, "digest.hour", "unknown key"},
    BadCase{"UnknownMatrixKey", "[matrix]\nserver = \"x\"", {}, "matrix.server", "unknown key"},
    BadCase{"TableGivenAsValue", "kudos = 5", {}, "kudos", "expected a table"},
    BadCase{"ArrayOfTables", "[[http]]\naddr = \"127.0.0.1:1\"", {}, "http", "expected a table"},
};

// Types.
const std::vector<BadCase> kWrongTypes = {
    BadCase{"QuotaAsString", "[kudos]\ndaily_quota = \"5\"", {}, "kudos.daily_quota", "expected an integer"},
    BadCase{"QuotaAsFloat", "[kudos]\ndaily_quota = 5.0", {}, "kudos.daily_quota", "expected an integer"},
    BadCase{"TimezoneAsInteger", "timezone = 1", {}, "timezone", "expected a string"},
    BadCase{"WeekStartAsInteger", "week_start = 1", {}, "week_start", "expected a string"},
    BadCase{"ValuesAsString", "[kudos]\nvalues = \"teamwork\"", {}, "kudos.values", "expected an array"},
    BadCase{"ValuesElementType", "[kudos]\nvalues = [\"a\", 3]", {}, "kudos.values[1]", "expected a string"},
    BadCase{"ValuesRequiredAsString",
            "[kudos]\nvalues_required = \"yes\"",
            {},
            "kudos.values_required",
            "expected true or false"},
    BadCase{"BotsAsString", "[console]\nbots = \"brigade\"", {}, "console.bots", "expected an array"},
    BadCase{
        "DigestEnabledAsInteger", "[digest]\nenabled = 1", {}, "digest.enabled", "expected true or false"},
};

// Ranges.
const std::vector<BadCase> kOutOfRange = {
    BadCase{"QuotaTooHigh", "[kudos]\ndaily_quota = 1001", {}, "kudos.daily_quota", "out of range"},
    BadCase{"QuotaNegative", "[kudos]\ndaily_quota = -1", {}, "kudos.daily_quota", "out of range"},
    BadCase{"MaxRecipientsZero", "[kudos]\nmax_recipients = 0", {}, "kudos.max_recipients", "out of range"},
    BadCase{
        "MaxRecipientsTooHigh", "[kudos]\nmax_recipients = 51", {}, "kudos.max_recipients", "out of range"},
    BadCase{
        "ReasonLengthZero", "[kudos]\nmax_reason_length = 0", {}, "kudos.max_reason_length", "out of range"},
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
    BadCase{"QuotaEnvTooHigh", "", {{"BRIGADE_DAILY_QUOTA", "5000"}}, "BRIGADE_DAILY_QUOTA", "out of range"},
};

// Values.
const std::vector<BadCase> kBadValues = {
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
};

// Roles and wins.
const std::vector<BadCase> kBadRolesAndWins = {
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
    BadCase{"WinsSlackWithSpace", "[wins]\nslack = \"C0 WINS\"", {}, "wins.slack", "must not contain spaces"},
};

// Calendar and logging.
const std::vector<BadCase> kBadCalendarAndLogging = {
    BadCase{"UnknownTimeZone", "timezone = \"Mars/Olympus_Mons\"", {}, "timezone", "unknown time zone"},
    BadCase{"UnknownTimeZoneInEnv", "", {{"BRIGADE_TZ", "Nowhere/Town"}}, "BRIGADE_TZ", "unknown time zone"},
    BadCase{"BadWeekStart", "week_start = \"funday\"", {}, "week_start", "not a day of the week"},
    BadCase{"BadWeekStartInEnv",
            "",
            {{"BRIGADE_WEEK_START", "7"}},
            "BRIGADE_WEEK_START",
            "not a day of the week"},
    BadCase{"BadLogLevel", "log_level = \"verbose\"", {}, "log_level", "not a log level"},
    BadCase{"BadLogLevelInEnv", "", {{"BRIGADE_LOG_LEVEL", "loud"}}, "BRIGADE_LOG_LEVEL", "not a log level"},
    BadCase{"TimeZoneWithLineBreak", "timezone = \"Europe/\\nParis\"", {}, "timezone", "unknown time zone"},
};

// Paths.
const std::vector<BadCase> kBadPaths = {
    BadCase{"CaFileMissing",
            "",
            {{"BRIGADE_CA_FILE", "{dir}/missing.pem"}},
            "BRIGADE_CA_FILE",
            "not a readable file"},
    BadCase{"CaFileMissingInFile", "ca_file = \"{dir}/missing.pem\"", {}, "ca_file", "not a readable file"},
    BadCase{"DataDirIsAFile", "data_dir = \"{dir}/ca.pem\"", {}, "data_dir", "not a directory"},
    BadCase{"DataDirEmpty", "data_dir = \"\"", {}, "data_dir", "empty path"},
};

// HTTP address.
const std::vector<BadCase> kBadHttpAddress = {
    BadCase{"HttpAddrWithoutPort", "[http]\naddr = \"localhost\"", {}, "http.addr", "not host:port"},
    BadCase{"HttpAddrPortTooHigh", "[http]\naddr = \"127.0.0.1:65536\"", {}, "http.addr", "not host:port"},
    BadCase{"HttpAddrBareIpv6", "[http]\naddr = \"::1:8080\"", {}, "http.addr", "not host:port"},
    BadCase{"HttpAddrBadIpv4", "[http]\naddr = \"300.1.2.3:80\"", {}, "http.addr", "not host:port"},
    BadCase{"HttpAddrNoHost", "", {{"BRIGADE_HTTP_ADDR", ":8080"}}, "BRIGADE_HTTP_ADDR", "not host:port"},
    BadCase{"HttpAddrUrl",
            "",
            {{"BRIGADE_HTTP_ADDR", "http://0.0.0.0:80"}},
            "BRIGADE_HTTP_ADDR",
            "not host:port"},
};

// URLs.
const std::vector<BadCase> kBadUrls = {
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
};

// Slack credentials.
const std::vector<BadCase> kIncompleteSlack = {
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
};

// Matrix credentials.
const std::vector<BadCase> kIncompleteMatrix = {
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
};

// Secrets in the file.
const std::vector<BadCase> kSecretsInTheFile = {
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
};

// Console and digest.
const std::vector<BadCase> kBadConsoleAndDigest = {
    BadCase{
        "ConsoleUserWithSpace", "[console]\nuser = \"a b\"", {}, "console.user", "must not contain spaces"},
    BadCase{"ConsoleChannelEmpty", "[console]\nchannel = \"\"", {}, "console.channel", "empty"},
    BadCase{"DigestBadDay", "[digest]\nday = \"someday\"", {}, "digest.day", "not a day of the week"},
    BadCase{"DigestHourTooHigh", "[digest]\ntime = \"24:00\"", {}, "digest.time", "HH:MM"},
    BadCase{"DigestTimeWords", "[digest]\ntime = \"4pm\"", {}, "digest.time", "HH:MM"},
    BadCase{"DigestEnabledWithoutChannels", "[digest]\nenabled = true", {}, "digest.channels", "required"},
    BadCase{"DigestChannelUnqualified",
            "[digest]\nchannels = [\"general\"]",
            {},
            "digest.channels",
            "not a qualified channel"},
};

// Syntax.
const std::vector<BadCase> kBadSyntax = {
    BadCase{"TomlSyntax", "[kudos\ndaily_quota = 1", {}, "{file}:1", ""},
};

std::vector<BadCase> all_bad_cases() {
  std::vector<BadCase> all;
  for (const auto* table :
       {&kUnknownKeys, &kWrongTypes, &kOutOfRange, &kBadValues, &kBadRolesAndWins, &kBadCalendarAndLogging,
        &kBadPaths, &kBadHttpAddress, &kBadUrls, &kIncompleteSlack, &kIncompleteMatrix, &kSecretsInTheFile,
        &kBadConsoleAndDigest, &kBadSyntax})
    all.insert(all.end(), table->begin(), table->end());
  return all;
}

INSTANTIATE_TEST_SUITE_P(Validation, BadConfig, ::testing::ValuesIn(all_bad_cases()),
                         [](const ::testing::TestParamInfo<BadCase>& info) { return info.param.name; });

}  // namespace
}  // namespace brigade::config::testing
