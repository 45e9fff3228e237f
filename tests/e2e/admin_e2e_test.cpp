// End-to-end: `brigade admin …` beside a running bot, and /kudos undo|privacy in the console. On
// the ledger BRIGADE_TEST_STORE names (tests/support/pg_test.hpp): LMDB, or a PostgreSQL schema.
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "tests/support/pg_test.hpp"
#include "tests/support/process.hpp"
#include "tests/support/temp_dir.hpp"

namespace brigade::testing {
namespace {

class AdminE2E : public ::testing::Test {
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
  Child console(const std::string& as = "alice") const {
    return Child({brigade_binary(), "console", "--as", as, "--channel", "general"}, env());
  }
  // Runs `brigade ARGS…` to the end: exit status and stdout + stderr.
  std::pair<int, std::string> brigade(const std::vector<std::string>& args, const std::string& input = "") {
    std::vector<std::string> argv{brigade_binary()};
    argv.insert(argv.end(), args.begin(), args.end());
    Child c(argv, env());
    if (!input.empty()) c.write(input);
    c.close_stdin();
    const int rc = c.wait();
    return {rc, c.out() + c.err()};
  }

  TempDir data_{"brigade-admin-e2e"};
  // The PostgreSQL ledger of this test ("" on LMDB: BRIGADE_STORE unset for the child).
  std::string store_url_ = testing_postgres() ? test_store_url(data_.path()) : "";
};

TEST_F(AdminE2E, RevokeAndAuditWhileTheBotRuns) {
  auto c = console();
  c.write("/thanks @bob for the review\n/thanks @carol for the tests\n/whoami\n");
  ASSERT_TRUE(c.wait_for_output("You are alice")) << c.out() << c.err();
  EXPECT_NE(c.out().find("K1"), std::string::npos) << c.out();

  auto [rc, out] = brigade({"admin", "revoke", "K1", "--reason", "given twice by mistake"});
  EXPECT_EQ(rc, 0) << out;
  EXPECT_NE(out.find("revoked K1"), std::string::npos) << out;
  // The running bot sends the recipient's note from the outbox the other process wrote to.
  EXPECT_TRUE(c.wait_for_output("given twice by mistake")) << c.out();

  auto [again, why] = brigade({"admin", "revoke", "K1", "--reason", "again"});
  EXPECT_EQ(again, 1) << why;
  EXPECT_NE(why.find("already withdrawn"), std::string::npos) << why;
  EXPECT_EQ(brigade({"admin", "revoke", "K99", "--reason", "x"}).first, 1);
  EXPECT_EQ(brigade({"admin", "revoke", "banana", "--reason", "x"}).first, 2);
  EXPECT_EQ(brigade({"admin", "revoke", "K2"}).first, 2) << "a reason is required";

  auto [vrc, verify] = brigade({"admin", "audit", "--verify"});
  EXPECT_EQ(vrc, 0) << verify;
  EXPECT_NE(verify.find("1 entries, chain intact"), std::string::npos) << verify;
  auto [jrc, json] = brigade({"admin", "audit", "--format", "json"});
  ASSERT_EQ(jrc, 0) << json;
  const auto log = nlohmann::json::parse(json);
  ASSERT_EQ(log.size(), 1u);
  EXPECT_EQ(log[0]["action"], "revoke");
  EXPECT_EQ(log[0]["subject"], "K1");
  EXPECT_EQ(brigade({"report", "--verify"}).first, 0);

  c.close_stdin();
  EXPECT_EQ(c.wait(), 0) << c.err();
}

TEST_F(AdminE2E, ExportThenForgetKeepsTotalsAndTheChain) {
  {
    auto c = console();
    c.write("/thanks @bob for the review\n/kudos privacy hidden\n");
    c.close_stdin();
    ASSERT_EQ(c.wait(), 0) << c.err();
    auto b = console("bob");
    b.write("/thanks @alice for pairing\n");
    b.close_stdin();
    ASSERT_EQ(b.wait(), 0) << b.err();
  }
  auto [erc, exported] = brigade({"admin", "export", "--user", "alice"});
  ASSERT_EQ(erc, 0) << exported;
  const auto doc = nlohmann::json::parse(exported);
  EXPECT_EQ(doc["user"], "console:alice");
  EXPECT_EQ(doc["privacy"], "hidden");
  EXPECT_EQ(doc["kudos_given"].size(), 1u);
  EXPECT_EQ(doc["kudos_received"].size(), 1u);
  EXPECT_EQ(doc["kudos_given"][0]["reason"], "for the review");

  auto [nrc, refused] = brigade({"admin", "forget", "--user", "alice"});
  EXPECT_EQ(nrc, 1) << "no terminal to confirm on: " << refused;
  auto [frc, forgot] = brigade({"admin", "forget", "--user", "console:alice", "--yes"});
  ASSERT_EQ(frc, 0) << forgot;
  EXPECT_NE(forgot.find("forgotten:"), std::string::npos) << forgot;
  EXPECT_EQ(brigade({"admin", "export", "--user", "console:alice"}).first, 1);

  auto [rrc, report] = brigade({"report", "--verify"});
  EXPECT_EQ(rrc, 0) << report;
  auto [vrc, verify] = brigade({"admin", "audit", "--verify"});
  EXPECT_EQ(vrc, 0) << verify;
  auto [arc, audit] = brigade({"admin", "audit"});
  EXPECT_EQ(audit.find("console:alice"), std::string::npos) << "only the tombstone: " << audit;
  EXPECT_NE(audit.find("forget"), std::string::npos) << audit;
  auto [src, csv] = brigade({"report", "--format", "csv", "--user", "bob"});
  EXPECT_EQ(src, 0) << csv;
  EXPECT_EQ(csv.find("for the review"), std::string::npos) << "the reasons alice wrote are gone: " << csv;
}

TEST_F(AdminE2E, UndoInTheConsole) {
  auto c = console();
  c.write("/thanks @bob for the review\n/kudos undo\n/kudos\n/whoami\n");
  ASSERT_TRUE(c.wait_for_output("You are alice")) << c.out() << c.err();
  EXPECT_NE(c.out().find("Withdrawn: K1"), std::string::npos) << c.out();
  EXPECT_NE(c.out().find("withdrew this thanks"), std::string::npos) << c.out();
  EXPECT_NE(c.out().find("5 kudos left to give today"), std::string::npos) << c.out();
  c.close_stdin();
  EXPECT_EQ(c.wait(), 0) << c.err();
}

}  // namespace
}  // namespace brigade::testing
