// End-to-end: build/brigade as a process, commands piped into the console, reports beside it. On
// the ledger BRIGADE_TEST_STORE names (tests/support/pg_test.hpp): LMDB, or a PostgreSQL schema.
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <algorithm>
#include <fstream>

#include "tests/support/pg_test.hpp"
#include "tests/support/process.hpp"
#include "tests/support/temp_dir.hpp"

namespace brigade::testing {
namespace {

class ConsoleE2E : public ::testing::Test {
 protected:
  std::map<std::string, std::string> env() const {
    return {{"BRIGADE_DATA_DIR", data_.path().string()},
            {"BRIGADE_CONFIG", ""},
            {"SLACK_APP_TOKEN", ""},
            {"SLACK_BOT_TOKEN", ""},
            {"MATRIX_HOMESERVER", ""},
            {"BRIGADE_TZ", "UTC"},
            {"BRIGADE_STORE", store_url_}};
  }
  std::vector<std::string> console(const std::string& as = "alice",
                                   const std::string& channel = "general") const {
    return {brigade_binary(), "console", "--as", as, "--channel", channel};
  }
  // Runs the console on `input` and returns its stdout.
  std::string session(const std::string& input, const std::string& as = "alice") {
    Child c(console(as), env());
    c.write(input);
    c.close_stdin();
    EXPECT_EQ(c.wait(), 0) << c.err();
    return c.out();
  }
  std::pair<int, std::string> report(const std::vector<std::string>& args) {
    std::vector<std::string> argv{brigade_binary(), "report"};
    argv.insert(argv.end(), args.begin(), args.end());
    Child c(argv, env());
    int rc = c.wait();
    return {rc, c.out() + c.err()};
  }

  TempDir data_{"brigade-e2e"};
  // The PostgreSQL ledger of this test ("" on LMDB: BRIGADE_STORE unset for the child).
  std::string store_url_ = testing_postgres() ? test_store_url(data_.path()) : "";
};

TEST_F(ConsoleE2E, ThanksIsCelebratedCountedAndOnTheLeaderboard) {
  auto out =
      session("/thanks @bob for the review #teamwork\n/leaderboard\n/kudos @bob\n/leaderboard share\n");
  EXPECT_NE(out.find("[#general]"), std::string::npos) << out;
  EXPECT_NE(out.find("@bob"), std::string::npos) << out;
  EXPECT_NE(out.find("[private to alice]"), std::string::npos) << out;
  EXPECT_NE(out.find("4"), std::string::npos) << "quota left should be shown: " << out;
  // Answered to alice alone first, saying how to share it; shared, it is posted in the channel.
  auto board = out.find("[private to alice] 🏆 Leaderboard");
  ASSERT_NE(board, std::string::npos) << out;
  EXPECT_NE(out.find("bob", board), std::string::npos) << out;
  EXPECT_NE(out.find("/leaderboard share week", board), std::string::npos) << out;
  auto shared = out.find("[#general] 🏆 Leaderboard");
  ASSERT_NE(shared, std::string::npos) << out;
  EXPECT_NE(out.find("Shared by @alice", shared), std::string::npos) << out;
}

TEST_F(ConsoleE2E, BangPrefixWorksLikeSlash) {
  auto out = session("!thanks @bob for lunch\n");
  EXPECT_NE(out.find("[#general]"), std::string::npos) << out;
  auto [rc, csv] = report({"--format", "csv"});
  EXPECT_EQ(rc, 0) << csv;
  EXPECT_NE(csv.find("console:bob,bob,1,0"), std::string::npos) << csv;
}

TEST_F(ConsoleE2E, CountsSurviveARestart) {
  session("/thanks @bob for the deploy\n");
  session("/thanks @bob for the docs\n", "carol");
  auto [rc, csv] = report({"--format", "csv", "--user", "bob"});
  EXPECT_EQ(rc, 0) << csv;
  EXPECT_NE(csv.find("console:bob,bob,2,0"), std::string::npos) << csv;
}

// Every format of `brigade report` names each reason's kudos by its K id (what /kudos revoke takes)
// and says whether the person is ranked; the columns and fields that were there stay.
TEST_F(ConsoleE2E, ReportNamesKudosByTheirKIds) {
  session("/thanks @bob for the review\n/thanks @carol for the tests\n/thanks @bob for the deploy\n");
  auto [trc, table] = report({});
  EXPECT_EQ(trc, 0) << table;
  EXPECT_NE(table.find("  K3  bob ← alice (thanks): for the deploy\n"), std::string::npos) << table;
  EXPECT_NE(table.find("  K1  bob ← alice (thanks): for the review\n"), std::string::npos) << table;
  auto [crc, csv] = report({"--format", "csv", "--user", "bob"});
  EXPECT_EQ(crc, 0) << csv;
  EXPECT_NE(csv.find(",top_values,reasons,reason_ids,ranked\r\n"), std::string::npos) << csv;
  EXPECT_NE(csv.find("console:bob,bob,2,0,"), std::string::npos) << csv;
  EXPECT_NE(csv.find(",K3 | K1,true\r\n"), std::string::npos) << csv;
  auto [jrc, json] = report({"--format", "json", "--user", "carol"});
  ASSERT_EQ(jrc, 0) << json;
  auto carol = nlohmann::json::parse(json)["people"][0];
  EXPECT_EQ(carol["reasons"][0]["id"], "K2") << json;
  EXPECT_EQ(carol["reasons"][0]["reason"], "for the tests") << json;
  EXPECT_EQ(carol["ranked"], true) << json;
}

TEST_F(ConsoleE2E, RefusalsArePrivateAndRecordNothing) {
  auto out = session("/thanks @alice for being me\n/thanks @brigade for existing\n");
  EXPECT_NE(out.find("[private to alice]"), std::string::npos) << out;
  EXPECT_EQ(out.find("[#general]"), std::string::npos) << out;
  auto [rc, json] = report({"--format", "json"});
  ASSERT_EQ(rc, 0) << json;
  EXPECT_EQ(nlohmann::json::parse(json)["total"], 0);
}

TEST_F(ConsoleE2E, BadUtf8GetsAReplyNotACrash) {
  auto out = session("/thanks @bob for \xff\xfe broken bytes\n/thanks @bob for fine bytes\n");
  EXPECT_NE(out.find("UTF-8"), std::string::npos) << out;
  auto [rc, csv] = report({"--format", "csv"});
  EXPECT_NE(csv.find("console:bob,bob,1,0"), std::string::npos) << csv;
}

TEST_F(ConsoleE2E, UnicodeNamesAndReasonsRoundTrip) {
  session("/thanks @Zoë for the Łódź offsite 👩‍💻 #teamwork\n");
  auto [rc, json] = report({"--format", "json"});
  ASSERT_EQ(rc, 0) << json;
  auto doc = nlohmann::json::parse(json);
  bool found = false;
  for (const auto& p : doc["people"]) {
    if (p["name"] == "Zoë") {
      found = true;
      ASSERT_FALSE(p["reasons"].empty());
      EXPECT_NE(p["reasons"][0]["reason"].get<std::string>().find("Łódź offsite 👩‍💻"),
                std::string::npos);
    }
  }
  EXPECT_TRUE(found) << json;
}

TEST_F(ConsoleE2E, UnknownCommandsAndPlainTextGetHints) {
  auto out = session("hello there\n/frobnicate\n");
  EXPECT_NE(out.find("Commands start with / or !"), std::string::npos) << out;
  EXPECT_NE(out.find("I don't know /frobnicate"), std::string::npos) << out;
}

TEST_F(ConsoleE2E, AsAndChannelSwitchIdentity) {
  auto out = session("/as carol\n/channel ops\n/thanks @bob for the fix\n");
  EXPECT_NE(out.find("[#ops]"), std::string::npos) << out;
  auto [rc, json] = report({"--format", "json", "--user", "carol"});
  ASSERT_EQ(rc, 0) << json;
  auto doc = nlohmann::json::parse(json);
  ASSERT_EQ(doc["people"].size(), 1u) << json;
  EXPECT_EQ(doc["people"][0]["given"], 1);
}

TEST_F(ConsoleE2E, HelpRequestCreditsTheHelper) {
  auto out = session("/ask how do I rotate the certs?\n/as bob\n/ask take 1\n/as alice\n/ask done 1\n");
  EXPECT_NE(out.find("#1"), std::string::npos) << out;
  // The request's post is brought up to date (a new line in a terminal, which cannot edit one).
  EXPECT_NE(out.find("✏️ (updated) 🙋 Help request #1"), std::string::npos) << out;
  EXPECT_NE(out.find("Taken by @bob"), std::string::npos) << out;
  EXPECT_NE(out.find("✏️ (updated) ✅ Help request #1"), std::string::npos) << out;
  auto [rc, json] = report({"--format", "json", "--user", "bob"});
  ASSERT_EQ(rc, 0) << json;
  auto doc = nlohmann::json::parse(json);
  ASSERT_EQ(doc["people"].size(), 1u) << json;
  EXPECT_EQ(doc["people"][0]["received_by_kind"]["help"], 1);
  EXPECT_EQ(doc["people"][0]["helps_resolved"], 1);
}

TEST_F(ConsoleE2E, ReportReadsWhileTheConsoleIsRunning) {
  Child c(console(), env());
  for (int i = 0; i < 3; ++i) c.write("/thanks @bob for round " + std::to_string(i) + "\n");
  c.write("/whoami\n");  // answered only after every command before it committed
  ASSERT_TRUE(c.wait_for_output("You are alice")) << c.out() << c.err();
  // The console still holds the store open for writing; the report opens it read-only beside it.
  auto [rc, csv] = report({"--format", "csv"});
  EXPECT_EQ(rc, 0) << csv;
  EXPECT_NE(csv.find("console:bob,bob,3,0"), std::string::npos) << csv;
  auto [vrc, verify] = report({"--verify"});
  EXPECT_EQ(vrc, 0) << verify;
  EXPECT_NE(verify.find("ok"), std::string::npos) << verify;
  c.write("/thanks @carol for round 4\n");
  c.close_stdin();
  EXPECT_EQ(c.wait(), 0) << c.err();
  auto [rc2, csv2] = report({"--format", "csv", "--user", "carol"});
  EXPECT_NE(csv2.find("console:carol,carol,1,0"), std::string::npos) << csv2;
}

TEST_F(ConsoleE2E, SigtermFinishesAndKeepsData) {
  Child c(console(), env());
  c.write("/thanks @bob for staying late\n/whoami\n");
  ASSERT_TRUE(c.wait_for_output("You are alice")) << c.out() << c.err();
  c.signal(SIGTERM);
  EXPECT_EQ(c.wait(), 0) << c.err();
  auto [rc, csv] = report({"--format", "csv"});
  EXPECT_NE(csv.find("console:bob,bob,1,0"), std::string::npos) << csv;
}

TEST_F(ConsoleE2E, KillDashNineLosesNothingCommitted) {
  {
    Child c(console(), env());
    std::string batch;
    for (int i = 0; i < 40; ++i)
      batch += "/as giver" + std::to_string(i) + "\n/thanks @bob for item " + std::to_string(i) + "\n";
    c.write(batch);
    // Every public celebration is printed only after its commit; count what we saw, then kill.
    ASSERT_TRUE(c.wait_for_output("item 19")) << c.out() << c.err();
    c.signal(SIGKILL);
    c.wait();
    std::size_t seen = 0;
    for (std::size_t p = 0; (p = c.out().find("[#general]", p)) != std::string::npos; ++p) ++seen;
    auto [rc, json] = report({"--format", "json", "--user", "bob"});
    ASSERT_EQ(rc, 0) << json;
    auto doc = nlohmann::json::parse(json);
    ASSERT_EQ(doc["people"].size(), 1u);
    EXPECT_GE(doc["people"][0]["received"].get<std::size_t>(), seen);
  }
  auto [vrc, verify] = report({"--verify"});
  EXPECT_EQ(vrc, 0) << verify;
}

TEST(Cli, VersionAndHelpExitZero) {
  Child v({brigade_binary(), "--version"});
  EXPECT_EQ(v.wait(), 0);
  EXPECT_NE(v.out().find("brigade"), std::string::npos);
  Child h({brigade_binary(), "report", "--help"});
  EXPECT_EQ(h.wait(), 0);
  EXPECT_NE(h.out().find("--since"), std::string::npos);
}

TEST(Cli, BadUsageExitsTwo) {
  Child c({brigade_binary(), "report", "--format", "xml"});
  EXPECT_EQ(c.wait(), 2);
  Child n({brigade_binary()});
  EXPECT_EQ(n.wait(), 2);
}

TEST(Cli, BadConfigExitsTwoNamingTheKey) {
  TempDir dir("brigade-cfg");
  auto file = dir.path() / "brigade.toml";
  std::ofstream(file) << "[kudos]\ndaily_qouta = 3\n";
  Child c({brigade_binary(), "report", "--config", file.string()},
          {{"BRIGADE_DATA_DIR", dir.path().string()}});
  EXPECT_EQ(c.wait(), 2);
  EXPECT_NE(c.err().find("kudos.daily_qouta"), std::string::npos) << c.err();
  EXPECT_EQ(std::count(c.err().begin(), c.err().end(), '\n'), 1) << c.err();
}

TEST(Cli, BadReportDateExitsTwo) {
  TempDir dir("brigade-date");
  const std::map<std::string, std::string> env = {
      {"BRIGADE_DATA_DIR", dir.path().string()},
      {"BRIGADE_STORE", testing_postgres() ? test_store_url(dir.path()) : ""}};
  {
    Child c({brigade_binary(), "console", "--as", "alice"}, env);
    c.write("/thanks @bob for x\n");
    c.close_stdin();
    ASSERT_EQ(c.wait(), 0);
  }
  Child r({brigade_binary(), "report", "--since", "last tuesday"}, env);
  EXPECT_EQ(r.wait(), 2);
  EXPECT_NE(r.err().find("--since"), std::string::npos) << r.err();
}

}  // namespace
}  // namespace brigade::testing
