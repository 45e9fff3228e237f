// Corrections and privacy where admins and managers see kudos: K ids and the ranked flag in the
// summary (JSON, CSV, the report's table), revoked kudos struck through on the dashboard and looked
// up by K id, hidden people left out of the dashboard's rankings but kept, marked, in the summary.
#include "tests/integration/web_test.hpp"

#include "bot/summary_format.hpp"

namespace brigade::web {
namespace {

using nlohmann::json;
constexpr core::Millis kHour = 3600000;
const std::string kMonth = "since=2026-11-01&until=2026-11-30";

// The fixture's kudos are K1 (carol → alice, #general), K2 (carol → =bob) and K3 (dave → alice, #ops).
class WebTrustTest : public WebApiTest {
 protected:
  void revoke(std::uint32_t number, store::RevokeHow how, const std::string& by, const std::string& reason) {
    auto w = store_->write();
    auto k = w->kudos_numbered(number);
    ASSERT_TRUE(k);
    ASSERT_TRUE(
        w->revoke_kudos(k->id, store::Revocation{kNov16 + kHour, how, by, reason}, core::Period::day));
    if (how == store::RevokeHow::revoke) {
      store::AuditEntry e;
      e.ts = kNov16 + kHour;
      e.actor = by;
      e.action = "revoke";
      e.subject = store::kudos_label(number);
      e.detail = reason;
      w->append_audit(e);
    }
    w->commit();
  }
  void hide(const std::string& user) {
    auto w = store_->write();
    w->set_privacy(user, store::Privacy::hidden);
    w->commit();
  }
  const json* person(const json& summary, const std::string& user) {
    for (const auto& p : summary["people"])
      if (p["user"] == user) return &p;
    return nullptr;
  }
};

// The part of the page from <section id="ID" to its </section>.
std::string section(const std::string& page, const std::string& id) {
  auto from = page.find("<section id=\"" + id + "\"");
  if (from == std::string::npos) return "";
  return page.substr(from, page.find("</section>", from) - from);
}

// The <li> of one kudos in `html` (by its data-kudos attribute).
std::string item(const std::string& html, const std::string& label) {
  auto from = html.find("data-kudos=\"" + label + "\"");
  if (from == std::string::npos) return "";
  from = html.rfind("<li", from);
  return html.substr(from, html.find("</li>", from) - from);
}

TEST_F(WebTrustTest, SummaryJsonGivesEachReasonItsKIdAndEachPersonTheRankedFlag) {
  hide("console:=bob");
  auto a = api();
  auto j = json::parse(get(a, "/api/v1/summary?" + kMonth).body);
  auto alice = person(j, "console:alice");
  ASSERT_TRUE(alice) << j;
  EXPECT_EQ((*alice)["ranked"], true);
  ASSERT_EQ((*alice)["reasons"].size(), 2u);
  EXPECT_EQ((*alice)["reasons"][0]["id"], "K3") << "newest first";
  EXPECT_EQ((*alice)["reasons"][1]["id"], "K1");
  EXPECT_EQ((*alice)["reasons"][1]["from"], "console:carol") << "the existing fields stay";
  auto bob = person(j, "console:=bob");
  ASSERT_TRUE(bob) << "a hidden person stays in the manager's summary";
  EXPECT_EQ((*bob)["ranked"], false);
  EXPECT_EQ((*bob)["received"], 1);
  auto own = json::parse(get(a, "/api/v1/summary?" + kMonth + "&user=console:%3Dbob").body);
  ASSERT_EQ(own["people"].size(), 1u) << "asked about by id, they are there";
  EXPECT_EQ(own["people"][0]["ranked"], false);
}

TEST_F(WebTrustTest, RevokedKudosLeaveTheSummary) {
  revoke(1, store::RevokeHow::revoke, "console:dave", "meant for bob");
  auto a = api();
  auto j = json::parse(get(a, "/api/v1/summary?" + kMonth).body);
  EXPECT_EQ(j["total"], 2);
  auto alice = person(j, "console:alice");
  ASSERT_TRUE(alice);
  EXPECT_EQ((*alice)["received"], 1);
  ASSERT_EQ((*alice)["reasons"].size(), 1u);
  EXPECT_EQ((*alice)["reasons"][0]["id"], "K3");
}

TEST_F(WebTrustTest, SummaryCsvAddsReasonIdsAndRankedColumnsAtTheEnd) {
  hide("console:=bob");
  auto a = api();
  auto csv = get(a, "/api/v1/summary.csv?" + kMonth).body;
  EXPECT_EQ(csv.rfind("user,name,received,given,received_thanks,received_praise,received_help,given_thanks,"
                      "given_praise,given_help,helps_resolved,top_values,reasons,reason_ids,ranked\r\n",
                      0),
            0u)
      << csv;
  EXPECT_NE(csv.find("\r\nconsole:alice,alice,2,0,"), std::string::npos) << csv;
  EXPECT_NE(csv.find(",K3 | K1,true\r\n"), std::string::npos)
      << "reason ids in the order of reasons: " << csv;
  EXPECT_NE(csv.find("\r\nconsole:=bob,'=bob,1,0,"), std::string::npos) << csv;
  EXPECT_NE(csv.find("formula,K2,false\r\n"), std::string::npos) << "hidden: kept and marked: " << csv;
  EXPECT_NE(csv.find("\r\nconsole:carol,carol,0,2,0,0,0,2,0,0,0,,,,true\r\n"), std::string::npos) << csv;
}

TEST_F(WebTrustTest, ReportTableShowsKIdsAndMarksWhoIsNotRanked) {
  hide("console:=bob");
  auto reader = store_->read();
  store::SummaryQuery q;
  q.from = calendar_.start_of_day(*calendar_.parse_day("2026-11-01"));
  q.until = calendar_.start_of_day(*calendar_.parse_day("2026-12-01"));
  bot::NameOf name_of = [&reader](std::string_view id) { return reader->name_of(id); };
  auto table = bot::summary_table(reader->summary(q), calendar_, name_of);
  EXPECT_NE(table.find("\n=bob *  "), std::string::npos) << table;
  EXPECT_NE(table.find("\nalice     "), std::string::npos) << table;
  EXPECT_NE(table.find("* not ranked: hidden by their own choice, left, or forgotten\n"), std::string::npos)
      << table;
  EXPECT_NE(table.find("  2026-11-16  K3  alice ← dave (thanks): for the deploy"), std::string::npos)
      << table;
  EXPECT_NE(table.find("  2026-11-16  K2  =bob ← carol (thanks): "), std::string::npos) << table;
  auto report_json = json::parse(bot::summary_json(reader->summary(q), calendar_, name_of));
  EXPECT_EQ((*person(report_json, "console:=bob"))["reasons"][0]["id"], "K2")
      << "brigade report --format json";
}

TEST_F(WebTrustTest, DashboardListsRevokedKudosStruckThroughWithWhoAndWhy) {
  revoke(1, store::RevokeHow::revoke, "console:dave", "meant for <bob>");
  revoke(2, store::RevokeHow::undo, "console:carol", "");
  auto a = api();
  auto recent = section(get(a, "/?period=week").body, "recent");
  auto k1 = item(recent, "K1");
  ASSERT_FALSE(k1.empty()) << "a revoked kudos stays in the list: " << recent;
  EXPECT_NE(k1.find("class=\"kudos revoked\""), std::string::npos) << k1;
  EXPECT_NE(k1.find("<del><b>carol</b> → <b>alice</b>"), std::string::npos) << k1;
  EXPECT_NE(k1.find(">K1</a>"), std::string::npos) << k1;
  EXPECT_NE(k1.find("revoked by dave: meant for &lt;bob&gt; · 2026-11-16 13:00"), std::string::npos) << k1;
  EXPECT_NE(item(recent, "K2").find("withdrawn by carol · "), std::string::npos) << item(recent, "K2");
  auto k3 = item(recent, "K3");
  EXPECT_NE(k3.find("class=\"kudos\""), std::string::npos) << k3;
  EXPECT_EQ(k3.find("<del>"), std::string::npos) << k3;
  EXPECT_NE(k3.find("href=\"/?period=week&amp;kudos=K3\""), std::string::npos)
      << "the K id looks it up: " << k3;
  auto page = get(a, "/?period=week").body;
  EXPECT_EQ(section(page, "leaderboard").find("=bob"), std::string::npos) << "a revoked kudos counts nowhere";
}

TEST_F(WebTrustTest, DashboardLooksAKudosUpByItsKId) {
  revoke(1, store::RevokeHow::revoke, "console:dave", "meant for bob");
  auto a = api("tv");
  auto found = section(get(a, "/?token=tv&kudos=k1").body, "kudos");
  EXPECT_NE(found.find("<h2>Kudos K1</h2>"), std::string::npos) << found;
  EXPECT_NE(found.find("Not counted: revoked by dave: meant for bob · 2026-11-16 13:00."), std::string::npos)
      << found;
  EXPECT_NE(found.find("dave · revoke · meant for bob"), std::string::npos) << "its audit entry: " << found;
  EXPECT_NE(found.find("&amp;token=tv"), std::string::npos) << "links keep the token";
  auto live = section(get(a, "/?token=tv&kudos=K3").body, "kudos");
  EXPECT_NE(live.find("Counted in every tally and summary."), std::string::npos) << live;
  EXPECT_NE(live.find("No audit entries about K3."), std::string::npos) << live;
  auto missing = section(get(a, "/?token=tv&kudos=K99").body, "kudos");
  EXPECT_NE(missing.find("There is no kudos K99."), std::string::npos) << missing;
  auto page = get(a, "/?token=tv&kudos=%3Cscript%3E");
  ASSERT_EQ(page.status, 200);
  EXPECT_EQ(page.body.find("<script>"), std::string::npos) << "what was typed is escaped";
  EXPECT_NE(section(page.body, "kudos").find("'&lt;script&gt;' is not a kudos id: they look like K42."),
            std::string::npos)
      << section(page.body, "kudos");
  EXPECT_EQ(section(get(a, "/?token=tv").body, "kudos"), "") << "no lookup, no section";
}

TEST_F(WebTrustTest, DashboardRankingsLeaveOutHiddenPeople) {
  hide("console:alice");
  auto a = api();
  auto page = get(a, "/?period=week&" + kMonth).body;
  auto board = section(page, "leaderboard");
  EXPECT_EQ(board.find(">alice<"), std::string::npos) << board;
  EXPECT_NE(board.find("=bob"), std::string::npos) << board;
  auto api_board = json::parse(get(a, "/api/v1/leaderboard?period=week").body)["entries"];
  ASSERT_EQ(api_board.size(), 1u) << api_board;
  EXPECT_EQ(api_board[0]["user"], "console:=bob") << "the API's leaderboard leaves them out too";
  auto summary = section(page, "summary");
  EXPECT_EQ(summary.find("<tr><td>alice"), std::string::npos) << "the summary ranks everyone: " << summary;
  EXPECT_NE(summary.find("<tr><td>=bob</td>"), std::string::npos) << summary;
  EXPECT_NE(summary.find("id=\"unranked\" class=\"dim\">1 person is not ranked here"), std::string::npos)
      << summary;
  EXPECT_NE(section(page, "recent").find("data-kudos=\"K3\""), std::string::npos)
      << "a hidden person is still celebrated";
  auto asked = section(get(a, "/?" + kMonth + "&user=alice").body, "summary");
  EXPECT_NE(
      asked.find("<tr><td>alice <span class=\"dim unranked\">(not ranked)</span></td><td class=\"n\">2<"),
      std::string::npos)
      << "asked for by name, they are shown, marked: " << asked;
  EXPECT_NE(asked.find("for the deploy <span class=\"dim\">— dave · K3</span>"), std::string::npos) << asked;
}

TEST_F(WebTrustTest, DashboardListsAPersonsKudosWithTheRevokedOnes) {
  revoke(1, store::RevokeHow::reaction, "console:carol", "");
  auto a = api();
  auto summary = section(get(a, "/?" + kMonth + "&user=%40alice").body, "summary");
  auto list = summary.substr(summary.find("id=\"person-kudos\""));
  EXPECT_LT(list.find("data-kudos=\"K3\""), list.find("data-kudos=\"K1\"")) << "newest first: " << list;
  EXPECT_EQ(list.find("data-kudos=\"K2\""), std::string::npos) << "only alice's: " << list;
  EXPECT_NE(item(list, "K1").find("withdrawn by carol (reaction removed)"), std::string::npos) << list;
  auto everyone = section(get(a, "/?" + kMonth).body, "summary");
  EXPECT_EQ(everyone.find("person-kudos"), std::string::npos) << "listed only for the people asked about";
}

}  // namespace
}  // namespace brigade::web
