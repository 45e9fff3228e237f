// The dashboard page called directly: every panel, escaping, the channel and person filters, the
// chart over all time and when it is cut, the token kept in links.
#include "tests/integration/web_test.hpp"

#include "bot/committer.hpp"

namespace brigade::web {
namespace {

using nlohmann::json;

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

}  // namespace
}  // namespace brigade::web
