// The web API's routes called directly: auth, parameters, the leaderboard and summary contracts
// (JSON and CSV), paging, which methods each route answers, health and metrics.
#include "tests/integration/web_test.hpp"

#include <set>

#include "bot/committer.hpp"

namespace brigade::web {
namespace {

using nlohmann::json;

TEST_F(WebApiTest, LeaderboardMatchesTheContract) {
  auto a = api();
  auto r = get(a, "/api/v1/leaderboard?period=week");
  ASSERT_EQ(r.status, 200) << r.body;
  auto j = json::parse(r.body);
  EXPECT_EQ(j["period"], "week");
  EXPECT_EQ(j["from"], "2026-11-16");
  EXPECT_EQ(j["until"], "2026-11-22");
  ASSERT_EQ(j["entries"].size(), 2u);
  EXPECT_EQ(j["entries"][0]["user"], "console:alice");
  EXPECT_EQ(j["entries"][0]["name"], "alice");
  EXPECT_EQ(j["entries"][0]["count"], 2);
  auto ops = json::parse(get(a, "/api/v1/leaderboard?period=month&channel=console:ops&limit=1").body);
  ASSERT_EQ(ops["entries"].size(), 1u);
  EXPECT_EQ(ops["channel"], "console:ops");
  auto past = json::parse(get(a, "/api/v1/leaderboard?period=week&date=2026-11-01").body);
  EXPECT_TRUE(past["entries"].empty()) << "an earlier week has its own bucket";
}

// Competition ranking (1, 2, 2, 4): people tied on a count share a rank, and the next rank skips.
TEST(LeaderboardRanks, TiesShareARankAndTheNextSkips) {
  auto ranks = [](std::vector<std::uint32_t> counts) {
    std::vector<store::LeaderEntry> e;
    for (auto c : counts) e.push_back({"u" + std::to_string(e.size()), "", c});
    return competition_ranks(e);
  };
  EXPECT_EQ(ranks({5, 3, 3, 1}), (std::vector<std::uint32_t>{1, 2, 2, 4}));
  EXPECT_EQ(ranks({4, 4, 4}), (std::vector<std::uint32_t>{1, 1, 1}));
  EXPECT_EQ(ranks({9, 8, 7}), (std::vector<std::uint32_t>{1, 2, 3}));
  EXPECT_EQ(ranks({2, 2, 1, 1, 1, 0}), (std::vector<std::uint32_t>{1, 1, 3, 3, 3, 6}));
  EXPECT_TRUE(ranks({}).empty());
}

TEST_F(WebApiTest, LeaderboardAndDashboardShowCompetitionRanks) {
  {
    bot::Committer c(*store_, rules_, clock_, metrics_);
    int n = 0;
    for (auto [who, times] :
         std::vector<std::pair<std::string, int>>{{"ann", 5}, {"ben", 3}, {"cat", 3}, {"dan", 1}})
      for (int i = 0; i < times; ++i)
        c.apply(thanks("r" + std::to_string(n++), "giver" + std::to_string(i), who, "", "ranks"));
  }
  auto a = api();
  auto r = get(a, "/api/v1/leaderboard?period=week&channel=console:ranks");
  ASSERT_EQ(r.status, 200) << r.body;
  auto e = json::parse(r.body)["entries"];
  ASSERT_EQ(e.size(), 4u) << r.body;
  std::vector<int> counts, ranks;
  for (const auto& x : e) {
    counts.push_back(x.value("count", -1));
    ranks.push_back(x.value("rank", -1));
  }
  EXPECT_EQ(counts, (std::vector<int>{5, 3, 3, 1}));
  EXPECT_EQ(ranks, (std::vector<int>{1, 2, 2, 4}));
  auto page = get(a, "/?period=week&channel=console:ranks").body;
  auto board = page.substr(page.find("id=\"leaderboard\""));
  board = board.substr(0, board.find("</table>"));
  std::vector<std::string> shown;
  for (auto at = board.find("<td class=\"n dim\">"); at != std::string::npos;
       at = board.find("<td class=\"n dim\">", at + 1)) {
    auto from = at + std::string("<td class=\"n dim\">").size();
    shown.push_back(board.substr(from, board.find('<', from) - from));
  }
  EXPECT_EQ(shown, (std::vector<std::string>{"1", "2", "2", "4"})) << board;
}

TEST_F(WebApiTest, BadParametersAreNamed) {
  auto a = api();
  struct Case {
    std::string target, parameter;
  };
  for (const auto& c :
       {Case{"/api/v1/leaderboard?period=fortnight", "period"}, Case{"/api/v1/leaderboard?limit=0", "limit"},
        Case{"/api/v1/leaderboard?limit=x", "limit"}, Case{"/api/v1/leaderboard?limit=101", "limit"},
        Case{"/api/v1/leaderboard?date=yesterday", "date"}, Case{"/api/v1/leaderboard?colour=red", "colour"},
        Case{"/api/v1/summary?since=2026-13-01", "since"},
        Case{"/api/v1/summary?since=2026-11-20&until=2026-11-01", "since"},
        Case{"/api/v1/summary?user=alice", "user"}}) {
    auto r = get(a, c.target);
    EXPECT_EQ(r.status, 400) << c.target;
    auto j = json::parse(r.body);
    EXPECT_EQ(j["parameter"], c.parameter) << c.target << " " << r.body;
  }
  EXPECT_EQ(get(a, "/api/v1/nothing").status, 404);
  EXPECT_EQ(get(a, "/nothing").status, 404);
}

// A channel filter takes a channel's name, as `brigade report --channel` does; a name that
// matches nothing or several ids is a 400 naming the parameter, not an empty board that looks
// like a quiet channel.
TEST_F(WebApiTest, AChannelFilterTakesANameAndRefusesOneThatNamesNoOneChannel) {
  auto a = api();
  auto by_id = json::parse(get(a, "/api/v1/leaderboard?period=month&channel=console:ops").body);
  ASSERT_EQ(by_id["entries"].size(), 1u) << by_id.dump();
  for (std::string name : {"ops", "%23ops", "OPS", "%20ops%20"}) {
    auto r = get(a, "/api/v1/leaderboard?period=month&channel=" + name);
    ASSERT_EQ(r.status, 200) << name << ": " << r.body;
    auto j = json::parse(r.body);
    EXPECT_EQ(j["channel"], "console:ops") << name;
    EXPECT_EQ(j["entries"], by_id["entries"]) << name;
  }
  auto summary = json::parse(get(a, "/api/v1/summary?since=2026-11-01&channel=ops").body);
  EXPECT_EQ(summary["total"], 1) << summary.dump();
  auto csv = get(a, "/api/v1/summary.csv?since=2026-11-01&channel=%23ops");
  ASSERT_EQ(csv.status, 200) << csv.body;
  EXPECT_EQ(csv.body.find("carol"), std::string::npos) << "only the kudos given in #ops: " << csv.body;
  auto page = get(a, "/?channel=ops&summary_channel=ops");
  ASSERT_EQ(page.status, 200) << page.body;
  EXPECT_NE(page.body.find(" · #ops"), std::string::npos) << "the page is about #ops, not the workspace";

  struct Case {
    std::string target, parameter;
  };
  for (const auto& c : {Case{"/api/v1/leaderboard?channel=nosuch", "channel"},
                        Case{"/api/v1/leaderboard?channel=%23", "channel"},
                        Case{"/api/v1/summary?channel=nosuch", "channel"},
                        Case{"/api/v1/summary.csv?channel=nosuch", "channel"},
                        Case{"/?channel=nosuch", "channel"}, Case{"/?summary_channel=nosuch", "summary_channel"}}) {
    auto r = get(a, c.target);
    EXPECT_EQ(r.status, 400) << c.target << ": " << r.body;
    auto j = json::parse(r.body);
    EXPECT_EQ(j["parameter"], c.parameter) << c.target;
    EXPECT_NE(j.value("error", "").find("no channel called"), std::string::npos) << r.body;
  }
  EXPECT_EQ(get(a, "/api/v1/leaderboard?channel=console:nosuch").status, 200)
      << "a qualified id is taken as given: a channel with no kudos yet has an empty board";

  // Another channel displayed as "ops": the name is ambiguous, the ids are not.
  auto twin = thanks("s9", "erin", "frank", "for the handover", "ops-2");
  twin.channel.name = "ops";
  apply_all({twin});
  auto both = get(a, "/api/v1/leaderboard?channel=ops");
  EXPECT_EQ(both.status, 400) << both.body;
  EXPECT_NE(both.body.find("console:ops-2"), std::string::npos) << "the error lists the ids: " << both.body;
  EXPECT_EQ(get(a, "/api/v1/leaderboard?channel=console:ops-2").status, 200);
}

TEST_F(WebApiTest, QueryTextMustBeUtf8WithoutNul) {
  auto a = api();
  struct Case {
    std::string target, parameter;
  };
  for (const auto& c :
       {Case{"/api/v1/leaderboard?channel=a%00b", "channel"}, Case{"/?channel=%C3%28", "channel"},
        Case{"/api/v1/summary?user=console:%ff", "user"}, Case{"/?user=%ED%A0%80", "user"},
        Case{"/?summary_channel=%C0%AF", "summary_channel"}, Case{"/api/v1/summary?%ff=1", ""}}) {
    auto r = get(a, c.target);
    EXPECT_EQ(r.status, 400) << c.target;
    auto j = json::parse(r.body);
    EXPECT_EQ(j["error"], "query parameters must be UTF-8 text without NUL") << c.target;
    EXPECT_EQ(j.value("parameter", ""), c.parameter) << c.target;
  }
  EXPECT_EQ(get(a, "/api/v1/leaderboard?channel=console:%C3%A9quipe").status, 200) << "UTF-8 is fine";
}

TEST_F(WebApiTest, TokenIsRequiredForTheApiButNotForHealthAndMetrics) {
  auto a = api("s3cret-token");
  EXPECT_EQ(get(a, "/api/v1/leaderboard").status, 401);
  EXPECT_EQ(get(a, "/api/v1/leaderboard", "Bearer wrong-token!").status, 401);
  EXPECT_EQ(get(a, "/api/v1/leaderboard", "s3cret-token").status, 401);
  EXPECT_EQ(get(a, "/api/v1/leaderboard", "Bearer s3cret-token").status, 200);
  EXPECT_EQ(get(a, "/healthz").status, 200);
  EXPECT_EQ(get(a, "/metrics").status, 200);
  auto r = get(a, "/api/v1/summary");
  EXPECT_EQ(r.body.find("alice"), std::string::npos) << "nothing leaks without the token";
}

TEST_F(WebApiTest, SummaryJsonAndCsv) {
  auto a = api();
  auto j = json::parse(get(a, "/api/v1/summary?since=2026-11-01&until=2026-11-30").body);
  EXPECT_EQ(j["total"], 3);
  auto csv = get(a, "/api/v1/summary.csv?since=2026-11-01&until=2026-11-30");
  ASSERT_EQ(csv.status, 200);
  EXPECT_EQ(csv.content_type, "text/csv; charset=utf-8");
  EXPECT_EQ(csv.body.rfind("user,name,received,given,", 0), 0u) << csv.body;
  EXPECT_NE(csv.body.find("\"\"quick\"\""), std::string::npos) << "quotes are doubled inside a quoted field";
  EXPECT_NE(csv.body.find(",'=bob,"), std::string::npos)
      << "a formula-looking cell is neutralised: " << csv.body;
  bool attachment = false;
  for (const auto& [k, v] : csv.headers)
    if (k == "Content-Disposition")
      attachment = v.find("brigade-summary-2026-11-01-2026-11-30.csv") != std::string::npos;
  EXPECT_TRUE(attachment);
  auto by_accept = get(a, "/api/v1/summary?since=2026-11-01", "", "text/csv");
  EXPECT_EQ(by_accept.content_type, "text/csv; charset=utf-8");
  auto one = json::parse(get(a, "/api/v1/summary?since=2026-11-01&user=console:%3Dbob").body);
  ASSERT_EQ(one["people"].size(), 1u) << one.dump();
}

// Only GET and HEAD, on every route, decided before authentication: a probe or a scanner that
// sends POST /healthz learns nothing about the token and changes nothing.
TEST_F(WebApiTest, EveryRouteAnswersOnlyGetAndHead) {
  auto a = api("s3cret-token");
  for (const char* path :
       {"/", "/healthz", "/metrics", "/api/v1/leaderboard", "/api/v1/summary", "/api/v1/summary.csv",
        "/api/v1/audit", "/?period=week", "/?kudos=K1", "/api/v1/leaderboard?period=month"}) {
    for (const char* method : {"POST", "PUT", "DELETE", "PATCH", "OPTIONS", "FOO", "TRACE", "CONNECT"}) {
      for (const char* auth : {"", "Bearer s3cret-token"}) {
        Request r;
        r.method = method;
        r.target = path;
        r.authorization = auth;
        auto res = a.handle(r);
        EXPECT_EQ(res.status, 405) << method << " " << path << " (" << auth << "): " << res.body;
        bool allow = false;
        for (const auto& [k, v] : res.headers) allow |= k == "Allow" && v == "GET, HEAD";
        EXPECT_TRUE(allow) << method << " " << path;
        EXPECT_EQ(json::parse(res.body)["error"], "method not allowed: only GET and HEAD") << res.body;
      }
    }
    for (const char* method : {"GET", "HEAD"}) {
      Request r;
      r.method = method;
      r.target = path;
      r.authorization = "Bearer s3cret-token";
      EXPECT_EQ(a.handle(r).status, 200) << method << " " << path;
    }
  }
  Request unknown;
  unknown.method = "POST";
  unknown.target = "/nothing/here";
  EXPECT_EQ(a.handle(unknown).status, 404) << "no such resource, whatever the method";
}

TEST_F(WebApiTest, LargeResultSets) {
  {
    bot::Committer c(*store_, rules_, clock_, metrics_);
    for (int i = 0; i < 3000; ++i)
      c.submit(thanks("bulk" + std::to_string(i), "giver" + std::to_string(i % 50),
                      "person" + std::to_string(i % 700), "for item " + std::to_string(i)),
               [](const commands::Result&) {});
  }
  auto a = api();
  auto j = json::parse(get(a, "/api/v1/summary?since=2026-11-01&until=2026-11-30").body);
  EXPECT_EQ(j["total"], 3003);
  auto csv = get(a, "/api/v1/summary.csv?since=2026-11-01&until=2026-11-30").body;
  EXPECT_GE(std::count(csv.begin(), csv.end(), '\n'), 700);
  auto top = json::parse(get(a, "/api/v1/leaderboard?period=month&limit=100").body);
  // 100, plus everyone tied with the 100th (3,000 kudos over 700 people: many have 5).
  ASSERT_GE(top["entries"].size(), 100u);
  for (std::size_t i = 100; i < top["entries"].size(); ++i)
    EXPECT_EQ(top["entries"][i]["count"], top["entries"][99]["count"]) << i;
}

// Paging walks every person exactly once, in the order of the unpaged summary.
TEST_F(WebApiTest, SummaryPagesReturnEveryPersonExactlyOnce) {
  {
    bot::Committer c(*store_, rules_, clock_, metrics_);
    for (int i = 0; i < 3000; ++i)
      c.submit(thanks("page" + std::to_string(i), "giver" + std::to_string(i % 37),
                      "person" + std::to_string((i * 7) % 1234), "for item " + std::to_string(i)),
               [](const commands::Result&) {});
  }
  auto a = api();
  const std::string range = "since=2026-11-01&until=2026-11-30";
  auto first = json::parse(get(a, "/api/v1/summary?" + range).body);
  EXPECT_EQ(first["people"].size(), 500u) << "the default page is 500 people";
  EXPECT_EQ(first["offset"], 0);
  EXPECT_EQ(first["limit"], 500);
  const std::size_t everyone = first["people_total"];
  EXPECT_GT(everyone, 1234u);  // the recipients, and the givers beside them
  EXPECT_EQ(first["next"], 500);
  std::vector<std::string> walked;
  std::set<std::string> once;
  json next = 0;
  int pages = 0;
  while (!next.is_null() && pages < 100) {
    auto r = get(a, "/api/v1/summary?" + range + "&limit=97&offset=" + std::to_string(next.get<int>()));
    ASSERT_EQ(r.status, 200) << r.body;
    auto j = json::parse(r.body);
    EXPECT_EQ(j["total"], 3003) << "totals are for the whole range on every page";
    EXPECT_EQ(j["people_total"], everyone);
    for (const auto& p : j["people"]) {
      walked.push_back(p["user"]);
      EXPECT_TRUE(once.insert(p["user"]).second) << p["user"] << " appears twice";
    }
    next = j["next"];
    ++pages;
  }
  EXPECT_EQ(walked.size(), everyone);
  EXPECT_EQ(pages, static_cast<int>((everyone + 96) / 97));
  for (std::size_t i = 0; i < 500; ++i) EXPECT_EQ(walked[i], first["people"][i]["user"]) << i;
  auto past = json::parse(get(a, "/api/v1/summary?" + range + "&offset=100000").body);
  EXPECT_TRUE(past["people"].empty());
  EXPECT_TRUE(past["next"].is_null());
  for (const char* bad : {"limit=0", "limit=501", "limit=x", "offset=-1", "offset=1e3"}) {
    auto r = get(a, "/api/v1/summary?" + range + "&" + bad);
    EXPECT_EQ(r.status, 400) << bad;
    EXPECT_EQ(json::parse(r.body)["parameter"], std::string(bad).substr(0, std::string(bad).find('=')));
  }
  auto csv = get(a, "/api/v1/summary.csv?" + range).body;
  EXPECT_EQ(static_cast<std::size_t>(std::count(csv.begin(), csv.end(), '\n')), everyone + 1)
      << "the CSV is not paged: everyone, and the header";
}

TEST_F(WebApiTest, HealthAndMetrics) {
  std::optional<std::string> problem;
  Api a(ApiContext{*store_, clock_, metrics_, "", [&] { return problem; },
                   [] { return std::string("brigade_test_metric 7\n"); }});
  auto ok = get(a, "/healthz");
  EXPECT_EQ(ok.status, 200);
  EXPECT_EQ(ok.body, "ok\n");
  problem = "matrix failed: M_UNKNOWN_TOKEN";
  auto bad = get(a, "/healthz");
  EXPECT_EQ(bad.status, 503);
  EXPECT_NE(bad.body.find("M_UNKNOWN_TOKEN"), std::string::npos);
  get(a, "/api/v1/leaderboard?period=nope");
  auto m = get(a, "/metrics");
  EXPECT_EQ(m.content_type.rfind("text/plain; version=0.0.4", 0), 0u);
  EXPECT_NE(m.body.find("brigade_kudos 3\n"), std::string::npos) << m.body;
  EXPECT_NE(m.body.find("brigade_test_metric 7\n"), std::string::npos);
  EXPECT_NE(m.body.find("brigade_http_requests_total{route=\"leaderboard\",status=\"400\"} 1"),
            std::string::npos)
      << m.body;
  EXPECT_NE(m.body.find("brigade_http_requests_total{route=\"healthz\",status=\"503\"} 1"),
            std::string::npos);
}

}  // namespace
}  // namespace brigade::web
