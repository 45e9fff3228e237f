// GET /api/v1/audit called directly: the token, the JSON and CSV answers, since/limit, the chain
// check (verify=1), and bad parameters named as on the other routes.
#include "tests/integration/web_test.hpp"

#include <regex>

namespace brigade::web {
namespace {

using nlohmann::json;
constexpr core::Millis kHour = 3600000;

class WebAuditTest : public WebApiTest {
 protected:
  // Three entries: an admin's revoke of K1 (Nov 16), bob hiding himself (Nov 17), an erasure from
  // the command line whose detail looks like a spreadsheet formula (Nov 18).
  void SetUp() override {
    auto w = store_->write();
    auto k1 = w->kudos_numbered(1);
    ASSERT_TRUE(k1);
    ASSERT_TRUE(w->revoke_kudos(
        k1->id, store::Revocation{kNov16 + kHour, store::RevokeHow::revoke, "console:dave", "meant for bob"},
        core::Period::day));
    add(*w, kNov16 + kHour, "console:dave", "revoke", "K1", "meant for bob");
    add(*w, kNov16 + 24 * kHour, "console:=bob", "privacy", "console:=bob", "hidden");
    add(*w, kNov16 + 48 * kHour, "cli:root", "forget", "console:erin", "=erased on request, ticket 7");
    w->commit();
  }
  static void add(store::Writer& w, core::Millis ts, const std::string& actor, const std::string& action,
                  const std::string& subject, const std::string& detail) {
    store::AuditEntry e;
    e.ts = ts;
    e.actor = actor;
    e.action = action;
    e.subject = subject;
    e.detail = detail;
    w.append_audit(e);
  }
};

TEST_F(WebAuditTest, RequiresTheTokenLikeTheSummary) {
  auto a = api("s3cret-token");
  auto refused = get(a, "/api/v1/audit");
  EXPECT_EQ(refused.status, 401);
  EXPECT_EQ(refused.body.find("meant for bob"), std::string::npos) << "nothing leaks without the token";
  EXPECT_EQ(get(a, "/api/v1/audit", "Bearer wrong").status, 401);
  EXPECT_EQ(get(a, "/api/v1/audit?format=csv").status, 401);
  EXPECT_EQ(get(a, "/api/v1/audit", "Bearer s3cret-token").status, 200);
  EXPECT_EQ(get(a, "/api/v1/audit?token=s3cret-token").status, 200) << "as /api/v1/summary.csv";
}

TEST_F(WebAuditTest, JsonListsEveryEntryOldestFirstWithItsHashes) {
  auto a = api();
  auto r = get(a, "/api/v1/audit");
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(r.content_type, "application/json");
  auto j = json::parse(r.body);
  EXPECT_FALSE(j.contains("verify")) << "the chain is checked only when asked";
  EXPECT_EQ(j["more"], false);
  EXPECT_TRUE(j["since"].is_null());
  ASSERT_EQ(j["entries"].size(), 3u) << r.body;
  const auto& first = j["entries"][0];
  EXPECT_EQ(first["seq"], 1);
  EXPECT_EQ(first["ts"], "2026-11-16T13:00:00.000Z");
  EXPECT_EQ(first["actor"], "console:dave");
  EXPECT_EQ(first["actor_name"], "dave");
  EXPECT_EQ(first["action"], "revoke");
  EXPECT_EQ(first["subject"], "K1");
  EXPECT_EQ(first["detail"], "meant for bob");
  EXPECT_EQ(first["prev_hash"], "");
  EXPECT_TRUE(std::regex_match(first["hash"].get<std::string>(), std::regex("[0-9a-f]{64}"))) << first;
  EXPECT_EQ(j["entries"][1]["subject_name"], "=bob");
  EXPECT_EQ(j["entries"][1]["prev_hash"], first["hash"]) << "each entry carries the hash of the one before";
  EXPECT_EQ(j["entries"][2]["prev_hash"], j["entries"][1]["hash"]);
  EXPECT_EQ(j["entries"][2]["actor"], "cli:root");
  EXPECT_EQ(j["entries"][2]["actor_name"], "");
}

TEST_F(WebAuditTest, SinceIsALocalDayAndLimitSaysWhenThereIsMore) {
  auto a = api();
  auto later = json::parse(get(a, "/api/v1/audit?since=2026-11-17").body);
  ASSERT_EQ(later["entries"].size(), 2u) << later;
  EXPECT_EQ(later["entries"][0]["action"], "privacy");
  EXPECT_EQ(later["since"], "2026-11-17");
  auto one = json::parse(get(a, "/api/v1/audit?limit=1").body);
  ASSERT_EQ(one["entries"].size(), 1u);
  EXPECT_EQ(one["entries"][0]["seq"], 1);
  EXPECT_EQ(one["more"], true);
  EXPECT_EQ(one["limit"], 1);
  EXPECT_EQ(json::parse(get(a, "/api/v1/audit?limit=3").body)["more"], false);
  EXPECT_TRUE(json::parse(get(a, "/api/v1/audit?since=2026-12-01").body)["entries"].empty());
}

TEST_F(WebAuditTest, CsvByFormatOrAccept) {
  auto a = api();
  auto csv = get(a, "/api/v1/audit?format=csv");
  ASSERT_EQ(csv.status, 200) << csv.body;
  EXPECT_EQ(csv.content_type, "text/csv; charset=utf-8");
  EXPECT_EQ(csv.body.rfind("seq,ts,actor,actor_name,action,subject,detail,prev_hash,hash\r\n", 0), 0u)
      << csv.body;
  EXPECT_EQ(std::count(csv.body.begin(), csv.body.end(), '\n'), 4) << csv.body;
  EXPECT_NE(csv.body.find("\r\n1,2026-11-16T13:00:00.000Z,console:dave,dave,revoke,K1,meant for bob,,"),
            std::string::npos)
      << csv.body;
  EXPECT_NE(csv.body.find(",forget,console:erin,\"'=erased on request, ticket 7\","), std::string::npos)
      << "a formula-looking cell is neutralised: " << csv.body;
  bool attachment = false;
  for (const auto& [k, v] : csv.headers)
    attachment |= k == "Content-Disposition" && v.find("brigade-audit.csv") != std::string::npos;
  EXPECT_TRUE(attachment);
  auto since = get(a, "/api/v1/audit?since=2026-11-17", "", "text/csv");
  EXPECT_EQ(since.content_type, "text/csv; charset=utf-8");
  EXPECT_EQ(std::count(since.body.begin(), since.body.end(), '\n'), 3) << since.body;
  bool named = false;
  for (const auto& [k, v] : since.headers)
    named |= k == "Content-Disposition" && v.find("brigade-audit-since-2026-11-17.csv") != std::string::npos;
  EXPECT_TRUE(named) << "the file is named for its range";
  auto json_wins = get(a, "/api/v1/audit?format=json", "", "text/csv");
  EXPECT_EQ(json_wins.content_type, "application/json") << "format= decides over Accept";
}

TEST_F(WebAuditTest, VerifyAddsTheChainCheck) {
  auto a = api();
  auto j = json::parse(get(a, "/api/v1/audit?verify=1").body);
  ASSERT_TRUE(j.contains("verify")) << j;
  const auto& v = j["verify"];
  EXPECT_EQ(v["ok"], true);
  EXPECT_EQ(v["entries"], 3);
  EXPECT_TRUE(v["first_bad"].is_null());
  EXPECT_EQ(v["problem"], "");
  EXPECT_EQ(v["head"], j["entries"][2]["hash"]) << "the head is the last entry's hash";
  auto limited = json::parse(get(a, "/api/v1/audit?verify=true&limit=1").body);
  EXPECT_EQ(limited["verify"]["entries"], 3) << "the check covers the whole log, whatever is listed";
  EXPECT_FALSE(json::parse(get(a, "/api/v1/audit?verify=0").body).contains("verify"));
}

TEST(WebAuditEmpty, AnEmptyLogVerifies) {
  testing::EngineHarness<core::ManualClock> h("brigade-web-audit", core::ManualClock(kNov16));
  Api a(ApiContext{*h.store_, h.clock_, h.metrics_, "", {}, {}});
  Request req;
  req.target = "/api/v1/audit?verify=1";
  auto j = json::parse(a.handle(req).body);
  EXPECT_TRUE(j["entries"].empty());
  EXPECT_EQ(j["verify"]["ok"], true);
  EXPECT_EQ(j["verify"]["entries"], 0);
  EXPECT_EQ(j["verify"]["head"], "");
}

TEST_F(WebAuditTest, BadParametersAreNamed) {
  auto a = api();
  struct Case {
    std::string query, parameter;
  };
  for (const auto& c :
       {Case{"since=2026-13-01", "since"}, Case{"since=yesterday", "since"}, Case{"limit=0", "limit"},
        Case{"limit=10001", "limit"}, Case{"limit=x", "limit"}, Case{"limit=", "limit"},
        Case{"format=xml", "format"}, Case{"verify=yes", "verify"}, Case{"colour=red", "colour"},
        Case{"until=2026-11-30", "until"}, Case{"format=csv&verify=1", "verify"}}) {
    auto r = get(a, "/api/v1/audit?" + c.query);
    EXPECT_EQ(r.status, 400) << c.query << ": " << r.body;
    EXPECT_EQ(json::parse(r.body).value("parameter", ""), c.parameter) << c.query << ": " << r.body;
  }
  EXPECT_EQ(get(a, "/api/v1/audit?limit=10000").status, 200);
}

TEST_F(WebAuditTest, CountedInMetricsUnderItsRouteName) {
  auto a = api();
  get(a, "/api/v1/audit");
  get(a, "/api/v1/audit?limit=0");
  auto m = get(a, "/metrics").body;
  EXPECT_NE(m.find("brigade_http_requests_total{route=\"audit\",status=\"200\"} 1"), std::string::npos) << m;
  EXPECT_NE(m.find("brigade_http_requests_total{route=\"audit\",status=\"400\"} 1"), std::string::npos) << m;
}

}  // namespace
}  // namespace brigade::web
