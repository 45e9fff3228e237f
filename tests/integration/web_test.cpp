// The web API: routes called directly (auth, parameters, JSON and CSV shapes, health, metrics),
// then the Beast server over loopback (keep-alive, limits, HEAD).
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include <condition_variable>
#include <future>
#include <set>

#include <boost/asio.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>

#include "bot/committer.hpp"
#include "bot/metrics.hpp"
#include "tests/support/event_builder.hpp"
#include "tests/support/http_client.hpp"
#include "tests/support/temp_dir.hpp"
#include "web/api.hpp"
#include "web/dashboard.hpp"
#include "web/server.hpp"

namespace brigade::web {
namespace {

using nlohmann::json;
using testing::TempDir;
constexpr core::Millis kNov16 = 1794830400000;  // 2026-11-16 12:00 UTC, a Monday

core::Event thanks(const std::string& source, const std::string& giver, const std::string& recipient,
                   const std::string& reason, const std::string& channel = "general") {
  return testing::console_thanks(source, giver, recipient, reason, channel);
}

class WebApiTest : public ::testing::Test {
 protected:
  WebApiTest() : calendar_("UTC"), clock_(kNov16) {
    store::Options o;
    o.dir = dir_.path();
    o.durable = false;
    store_ = store::Store::open(o, calendar_);
    rules_.daily_quota = 0;
    bot::Committer c(*store_, rules_, clock_, metrics_);
    c.apply(thanks("s1", "carol", "alice", "for the \"quick\" review, really"));
    c.apply(thanks("s2", "carol", "=bob", "for naming yourself like a formula"));
    c.apply(thanks("s3", "dave", "alice", "for the deploy #teamwork", "ops"));
  }
  Api api(std::string token = "") { return Api(ApiContext{*store_, clock_, metrics_, std::move(token), {}, {}}); }
  static Response get(Api& a, const std::string& target, const std::string& auth = "",
                      const std::string& accept = "") {
    Request r;
    r.target = target;
    r.authorization = auth;
    r.accept = accept;
    auto res = a.handle(r);
    res.body = res.full_body();  // the CSV comes in pieces
    return res;
  }

  TempDir dir_{"brigade-web"};
  core::Calendar calendar_;
  core::ManualClock clock_;
  commands::Rules rules_;
  bot::Metrics metrics_;
  std::unique_ptr<store::Store> store_;
};

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
  for (const char* path : {"/", "/healthz", "/metrics", "/api/v1/leaderboard", "/api/v1/summary",
                           "/api/v1/summary.csv", "/?period=week", "/api/v1/leaderboard?period=month"}) {
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

TEST_F(WebApiTest, DashboardShowsEveryPanelAndEscapesUserText) {
  {
    bot::Committer c(*store_, rules_, clock_, metrics_);
    c.apply(thanks("x1", "mallory", "alice", "<script>alert(1)</script> & more #craft"));
  }
  auto a = api();
  auto r = get(a, "/?period=week");
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(r.content_type, "text/html; charset=utf-8");
  for (const char* id : {"id=\"leaderboard\"", "id=\"chart\"", "id=\"values\"", "id=\"recent\"",
                         "id=\"help\"", "id=\"summary\"", "id=\"csv\""})
    EXPECT_NE(r.body.find(id), std::string::npos) << id;
  EXPECT_NE(r.body.find(">alice<"), std::string::npos);
  EXPECT_NE(r.body.find("#craft"), std::string::npos);
  EXPECT_EQ(r.body.find("<script>"), std::string::npos) << "user text is escaped";
  EXPECT_NE(r.body.find("&lt;script&gt;alert(1)&lt;/script&gt; &amp; more"), std::string::npos);
  EXPECT_EQ(r.body.find("http://"), std::string::npos) << "nothing is fetched from elsewhere";
  EXPECT_EQ(r.body.find("https://"), std::string::npos);
  auto filtered =
      get(a, "/?period=month&channel=console:ops&since=2026-11-01&until=2026-11-30&user=console:alice");
  ASSERT_EQ(filtered.status, 200);
  EXPECT_NE(filtered.body.find(
                "/api/v1/summary.csv?since=2026-11-01&amp;until=2026-11-30&amp;user=console%3Aalice"),
            std::string::npos);
  EXPECT_EQ(get(a, "/?period=decade").status, 400);
  EXPECT_EQ(get(a, "/?since=2026-11-30&until=2026-11-01").status, 400);
}

// The part of the page from <section id="ID" to its </section>.
std::string section(const std::string& page, const std::string& id) {
  auto from = page.find("<section id=\"" + id + "\"");
  if (from == std::string::npos) return "";
  return page.substr(from, page.find("</section>", from) - from);
}

// The sum of the chart's bars (each has a <title>LABEL: COUNT</title>).
int chart_total(const std::string& page) {
  auto svg = page.substr(page.find("<svg id=\"chart\""));
  svg = svg.substr(0, svg.find("</svg>"));
  int total = 0;
  for (auto at = svg.find("<title>"); at != std::string::npos; at = svg.find("<title>", at + 1)) {
    auto colon = svg.find(": ", at);
    total += std::stoi(svg.substr(colon + 2, svg.find('<', colon) - colon - 2));
  }
  return total;
}

TEST_F(WebApiTest, DashboardChannelFilterAppliesToTheChartAndRecentRecognition) {
  auto a = api();
  auto all = get(a, "/?period=week").body;
  EXPECT_EQ(chart_total(all), 3);
  auto ops = get(a, "/?period=week&channel=console:ops").body;
  EXPECT_EQ(chart_total(ops), 1) << section(ops, "over-time");
  auto recent = section(ops, "recent");
  EXPECT_NE(recent.find("for the deploy"), std::string::npos) << recent;
  EXPECT_EQ(recent.find("quick"), std::string::npos) << "a #general kudos in the #ops view: " << recent;
  EXPECT_EQ(recent.find("#general"), std::string::npos) << recent;
  auto quiet = get(a, "/?period=week&channel=console:nowhere").body;
  EXPECT_EQ(chart_total(quiet), 0);
  EXPECT_NE(section(quiet, "recent").find("Nothing yet"), std::string::npos);
}

TEST_F(WebApiTest, DashboardPersonFilterTakesANameAndSaysWhenNoOneMatches) {
  auto a = api();
  for (const char* who : {"alice", "%40alice", "ALICE", "console%3Aalice"}) {
    auto page = get(a, std::string("/?since=2026-11-01&until=2026-11-30&user=") + who).body;
    auto summary = section(page, "summary");
    EXPECT_NE(summary.find("<tr><td>alice</td>"), std::string::npos) << who << ": " << summary;
    EXPECT_EQ(summary.find("<tr><td>=bob</td>"), std::string::npos) << who << ": only alice";
    EXPECT_NE(summary.find("user=console%3Aalice"), std::string::npos) << "the CSV link names the id";
    EXPECT_EQ(summary.find("no one called"), std::string::npos);
  }
  auto page = get(a, "/?since=2026-11-01&until=2026-11-30&user=nobody").body;
  auto summary = section(page, "summary");
  EXPECT_NE(summary.find("no one called 'nobody'"), std::string::npos) << summary;
  EXPECT_EQ(summary.find("<tr><td>alice</td>"), std::string::npos) << "an unknown name is not everyone";
  EXPECT_NE(summary.find("value=\"nobody\""), std::string::npos) << "the field keeps what was typed";
}

TEST_F(WebApiTest, DashboardAllTimeChartCoversTheWholeHistory) {
  clock_.set(kNov16 + 260LL * 86400000);  // 2027-08-03: the fixture's kudos are 260 days old
  {
    bot::Committer c(*store_, rules_, clock_, metrics_);
    c.apply(thanks("new1", "erin", "alice", "for the summer release"));
  }
  auto a = api();
  auto page = get(a, "/?period=all").body;
  auto chart = section(page, "over-time");
  EXPECT_EQ(chart_total(page), 4) << chart;
  EXPECT_NE(chart.find("2026-11"), std::string::npos) << "the chart starts at the first kudos: " << chart;
}

// The page reads at most max_scanned kudos; when the range holds more it charts the newest ones
// and says from when, instead of a chart that silently stops.
TEST_F(WebApiTest, DashboardSaysWhenTheChartIsCut) {
  {
    bot::Committer c(*store_, rules_, clock_, metrics_);
    for (int i = 1; i <= 4; ++i) {  // one every 40 days after the fixture's three
      clock_.set(kNov16 + i * 40LL * 86400000);
      c.apply(thanks("cut" + std::to_string(i), "erin", "alice", "later " + std::to_string(i)));
    }
  }
  auto reader = store_->read();
  DashboardQuery q;
  q.period = core::Period::all;
  q.since_day = q.until_day = calendar_.day(clock_.now_ms());
  q.max_scanned = 5;
  auto page = render_dashboard(*reader, calendar_, q, clock_.now_ms());
  auto chart = section(page, "over-time");
  EXPECT_LE(chart_total(page), 5);
  EXPECT_GE(chart_total(page), 3);
  EXPECT_NE(chart.find("older kudos are not charted"), std::string::npos) << chart;
}

TEST_F(WebApiTest, DashboardTakesTheTokenFromTheQueryAndKeepsItInLinks) {
  auto a = api("tv-token");
  EXPECT_EQ(get(a, "/").status, 401);
  auto r = get(a, "/?token=tv-token");
  ASSERT_EQ(r.status, 200);
  EXPECT_NE(r.body.find("token=tv-token"), std::string::npos) << "the CSV link and the filters keep working";
  EXPECT_EQ(get(a, "/api/v1/summary.csv?token=tv-token").status, 200);
  EXPECT_EQ(get(a, "/api/v1/summary.csv?token=nope").status, 401);
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

// ---- over loopback ----------------------------------------------------------------------------------

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;

TEST_F(WebApiTest, ServerKeepsConnectionsAliveAndEnforcesLimits) {
  auto a = api("tok");
  ServerOptions so;
  so.addr = "127.0.0.1:0";
  auto server = start_server(so, a);
  ASSERT_NE(server->port(), 0);
  asio::io_context ioc;
  asio::ip::tcp::socket sock(ioc);
  sock.connect({asio::ip::make_address("127.0.0.1"), server->port()});
  beast::flat_buffer buf;
  for (int i = 0; i < 3; ++i) {  // one connection, several requests
    http::request<http::empty_body> req{http::verb::get, "/api/v1/leaderboard?period=week", 11};
    req.set(http::field::host, "127.0.0.1");
    req.set(http::field::authorization, "Bearer tok");
    http::write(sock, req);
    http::response<http::string_body> res;
    http::read(sock, buf, res);
    EXPECT_EQ(res.result_int(), 200);
    EXPECT_TRUE(res.keep_alive());
    EXPECT_EQ(json::parse(res.body())["entries"][0]["user"], "console:alice");
  }
  {  // the same connection without the token
    http::request<http::empty_body> req{http::verb::get, "/api/v1/summary.csv", 11};
    req.set(http::field::host, "127.0.0.1");
    http::write(sock, req);
    http::response<http::string_body> res;
    http::read(sock, buf, res);
    EXPECT_EQ(res.result_int(), 401);
    EXPECT_EQ(res[http::field::www_authenticate], "Bearer");
    EXPECT_EQ(res.body().find("alice"), std::string::npos);
  }
  {
    http::request<http::empty_body> head{http::verb::head, "/healthz", 11};
    head.set(http::field::host, "127.0.0.1");
    http::write(sock, head);
    http::response_parser<http::empty_body> p;
    p.skip(true);
    http::read(sock, buf, p);
    EXPECT_EQ(p.get().result_int(), 200);
  }
  {
    http::request<http::string_body> big{http::verb::post, "/api/v1/summary", 11};
    big.set(http::field::host, "127.0.0.1");
    big.body() = std::string(64 * 1024, 'x');
    big.prepare_payload();
    beast::error_code ec;
    http::write(sock, big, ec);
    http::response<http::string_body> res;
    http::read(sock, buf, res, ec);
    EXPECT_EQ(res.result_int(), 413);
  }
  server->stop();
}

TEST_F(WebApiTest, ProbeHealthzReadsARunningServer) {
  auto a = api("tok");
  ServerOptions so;
  so.addr = "127.0.0.1:0";
  auto server = start_server(so, a);
  auto [status, body] =
      probe_healthz("127.0.0.1:" + std::to_string(server->port()), std::chrono::seconds(10));
  EXPECT_EQ(status, 200);
  EXPECT_EQ(body, "ok\n");
  server->stop();
}

// An Api whose summary waits at a gate: a heavy request still running while others arrive.
class GatedApi : public Api {
 public:
  using Api::Api;
  ~GatedApi() override { open(); }
  Response handle(const Request& r) override {
    if (r.target.rfind("/api/v1/summary", 0) == 0) {
      std::unique_lock lk(mu_);
      ++entered_;
      cv_.notify_all();
      cv_.wait_for(lk, std::chrono::seconds(60), [&] { return open_; });
    }
    return Api::handle(r);
  }
  bool wait_entered(int n) {
    std::unique_lock lk(mu_);
    return cv_.wait_for(lk, std::chrono::seconds(10), [&] { return entered_ >= n; });
  }
  void open() {
    std::lock_guard lk(mu_);
    open_ = true;
    cv_.notify_all();
  }

 private:
  std::mutex mu_;
  std::condition_variable cv_;
  int entered_ = 0;
  bool open_ = false;
};

TEST_F(WebApiTest, HealthzAnswersWhileAHeavyRouteRuns) {
  GatedApi a(ApiContext{*store_, clock_, metrics_, "", {}, {}});
  ServerOptions so;
  so.addr = "127.0.0.1:0";
  auto server = start_server(so, a);
  const auto port = server->port();
  std::atomic<int> finished{0};
  int heavy_finished = 0;
  auto heavy = std::async(std::launch::async, [&] {
    auto r = testing::http_get(port, "/api/v1/summary?since=2026-11-01", std::chrono::seconds(60));
    heavy_finished = ++finished;
    return r;
  });
  ASSERT_TRUE(a.wait_entered(1)) << "the summary never reached the API";
  auto health = testing::http_get(port, "/healthz", std::chrono::seconds(10));
  const int health_finished = ++finished;
  auto metrics = testing::http_get(port, "/metrics", std::chrono::seconds(10));
  a.open();
  auto summary = heavy.get();
  EXPECT_EQ(health.status, 200) << health.error;
  EXPECT_EQ(metrics.status, 200) << metrics.error;
  EXPECT_EQ(summary.status, 200) << summary.error;
  EXPECT_LT(health_finished, heavy_finished) << "/healthz waited for the summary";
  server->stop();
}

TEST_F(WebApiTest, BusyWorkersAnswer503WithRetryAfter) {
  GatedApi a(ApiContext{*store_, clock_, metrics_, "", {}, {}});
  ServerOptions so;
  so.addr = "127.0.0.1:0";
  so.workers = 1;
  so.max_queued = 2;  // one running, one waiting
  auto server = start_server(so, a);
  const auto port = server->port();
  auto one = std::async(std::launch::async, [&] {
    return testing::http_get(port, "/api/v1/summary?since=2026-11-01", std::chrono::seconds(60));
  });
  ASSERT_TRUE(a.wait_entered(1));
  auto two = std::async(std::launch::async, [&] {
    return testing::http_get(port, "/api/v1/summary?since=2026-11-02", std::chrono::seconds(60));
  });
  auto until = std::chrono::steady_clock::now() + std::chrono::seconds(10);
  while (server->stats().heavy_in_flight < 2 && std::chrono::steady_clock::now() < until)
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  ASSERT_EQ(server->stats().heavy_in_flight, 2u);
  auto three = testing::http_get(port, "/api/v1/summary?since=2026-11-03", std::chrono::seconds(10));
  auto page = testing::http_get(port, "/", std::chrono::seconds(10));
  auto health = testing::http_get(port, "/healthz", std::chrono::seconds(10));
  a.open();
  EXPECT_EQ(three.status, 503) << three.error;
  EXPECT_EQ(three.headers["Retry-After"], "1");
  EXPECT_NE(three.body.find("\"error\""), std::string::npos) << three.body;
  EXPECT_EQ(page.status, 503) << "the dashboard shares the workers";
  EXPECT_EQ(health.status, 200) << health.error;
  EXPECT_EQ(one.get().status, 200);
  EXPECT_EQ(two.get().status, 200);
  EXPECT_EQ(testing::http_get(port, "/api/v1/summary?since=2026-11-03").status, 200) << "free again";
  server->stop();
}

TEST_F(WebApiTest, SummaryCsvIsStreamedInChunks) {
  {
    bot::Committer c(*store_, rules_, clock_, metrics_);
    for (int i = 0; i < 3000; ++i)
      c.submit(
          thanks("csv" + std::to_string(i), "giver" + std::to_string(i % 50),
                 "person" + std::to_string(i % 2000), "for a long enough reason, item " + std::to_string(i)),
          [](const commands::Result&) {});
  }
  auto a = api();
  ServerOptions so;
  so.addr = "127.0.0.1:0";
  auto server = start_server(so, a);
  auto csv = testing::http_get(server->port(), "/api/v1/summary.csv?since=2026-11-01&until=2026-11-30");
  ASSERT_EQ(csv.status, 200) << csv.error;
  EXPECT_TRUE(csv.chunked) << "sent in pieces, not built whole";
  EXPECT_EQ(csv.headers["Content-Type"], "text/csv; charset=utf-8");
  EXPECT_EQ(csv.body.rfind("user,name,received,given,", 0), 0u);
  // 2,000 recipients, 50 givers, the fixture's four people, the header
  EXPECT_EQ(std::count(csv.body.begin(), csv.body.end(), '\n'), 2000 + 50 + 4 + 1);
  EXPECT_EQ(csv.body, get(a, "/api/v1/summary.csv?since=2026-11-01&until=2026-11-30").body)
      << "the same bytes as the route gives directly";
  auto old =
      testing::http_raw(server->port(),
                        "GET /api/v1/summary.csv?since=2026-11-01&until=2026-11-30 HTTP/1.0\r\n\r\n", 1)
          .front();
  EXPECT_EQ(old.status, 200) << old.error;
  EXPECT_FALSE(old.chunked) << "HTTP/1.0 has no chunked encoding";
  EXPECT_EQ(old.body, csv.body);
  server->stop();
}

// A listener that completes the TCP handshake (the kernel does, from the backlog) but never answers:
// the probe gives up within its timeout and says why, instead of hanging the Docker HEALTHCHECK.
TEST(ProbeHealthz, GivesUpOnAServerThatNeverAnswers) {
  asio::io_context ioc;
  asio::ip::tcp::acceptor silent(ioc, {asio::ip::make_address("127.0.0.1"), 0});
  const auto port = silent.local_endpoint().port();
  auto probe = std::async(std::launch::async, [port] {
    return probe_healthz("127.0.0.1:" + std::to_string(port), std::chrono::milliseconds(1000));
  });
  // Generous: the point is that it returns at all. Closing the listener resets the queued
  // connection, so a probe that ignores its deadline still comes back and the test ends.
  bool returned = probe.wait_for(std::chrono::seconds(30)) == std::future_status::ready;
  silent.close();
  auto [status, message] = probe.get();
  EXPECT_TRUE(returned) << "probe_healthz ignored its 1 s timeout";
  EXPECT_EQ(status, 0);
  EXPECT_NE(message.find("no answer"), std::string::npos) << message;
  EXPECT_NE(message.find("1000 ms"), std::string::npos) << message;
}

TEST(ProbeHealthz, SaysWhenNothingListens) {
  asio::io_context ioc;
  std::uint16_t port = 0;
  {
    asio::ip::tcp::acceptor a(ioc, {asio::ip::make_address("127.0.0.1"), 0});
    port = a.local_endpoint().port();
  }  // closed: connecting is refused
  auto [status, message] =
      probe_healthz("127.0.0.1:" + std::to_string(port), std::chrono::milliseconds(1000));
  EXPECT_EQ(status, 0);
  EXPECT_NE(message.find("nothing answers on 127.0.0.1:" + std::to_string(port)), std::string::npos)
      << message;
}

}  // namespace
}  // namespace brigade::web
