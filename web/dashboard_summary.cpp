// The dashboard's manager view: a recognition summary for any range, people and channel, with its
// form and a link to the same summary as CSV.
#include <boost/url/encode.hpp>
#include <boost/url/rfc/unreserved_chars.hpp>

#include "core/text.hpp"
#include "web/dashboard_parts.hpp"

namespace brigade::web {

namespace {

using core::escape_html;
constexpr std::size_t kMaxSummaryRows = 200;  // people in the page's summary table; the CSV has all

}  // namespace

std::string encode(std::string_view s) {
  return boost::urls::encode(s, boost::urls::unreserved_chars);
}

namespace {

// The summary the form asks for. "Person" takes an id, a display name or a bare name (as `brigade
// report --user`); a name that matches no one goes to `unknown`, and never widens the summary to
// everyone.
store::SummaryQuery summary_query(store::Reader& r, const core::Calendar& cal, const DashboardQuery& q,
                                  std::vector<std::string>& unknown) {
  store::SummaryQuery sq;
  sq.from = cal.start_of_day(q.since_day);
  sq.until = cal.range(core::Period::day, q.until_day).until;
  for (const auto& u : q.users) {
    auto ids = store::ids_given(r, u, '@');
    if (ids.empty()) unknown.push_back(u);
    sq.users.insert(sq.users.end(), ids.begin(), ids.end());
  }
  sq.channel = q.summary_channel;
  sq.max_reasons = 3;
  return sq;
}

// The filters, and the link to the same summary as CSV.
void summary_form(std::ostringstream& o, const core::Calendar& cal, const DashboardQuery& q,
                  const store::SummaryQuery& sq, Names& name, const std::string& period,
                  const std::set<std::string>& channels) {
  std::string csv =
      "/api/v1/summary.csv?since=" + cal.date_string(sq.from) + "&until=" + cal.date_string(sq.until - 1);
  for (const auto& u : sq.users) csv += "&user=" + encode(u);
  if (!q.summary_channel.empty()) csv += "&channel=" + encode(q.summary_channel);
  if (!q.token.empty()) csv += "&token=" + encode(q.token);
  o << "<form method=\"get\" action=\"/\">"
    << "<input type=\"hidden\" name=\"period\" value=\"" << period << "\">";
  if (!q.token.empty())
    o << "<input type=\"hidden\" name=\"token\" value=\"" << escape_html(q.token) << "\">";
  o << "<label>From<input type=\"date\" name=\"since\" value=\"" << cal.date_string(sq.from) << "\"></label>"
    << "<label>To<input type=\"date\" name=\"until\" value=\"" << cal.date_string(sq.until - 1)
    << "\"></label>"
    << "<label>Person<input name=\"user\" placeholder=\"name or id\" value=\""
    << escape_html(q.users.empty() ? std::string() : q.users.front()) << "\"></label>"
    << "<label>Channel<select name=\"summary_channel\"><option value=\"\">all</option>";
  for (const auto& c : channels)
    o << "<option value=\"" << escape_html(c) << "\"" << (c == q.summary_channel ? " selected" : "") << ">#"
      << escape_html(name(c)) << "</option>";
  o << "</select></label><button type=\"submit\">Show</button> <a id=\"csv\" class=\"button\" href=\""
    << escape_html(csv) << "\" download>Download CSV</a></form>";
}

// One row per person, the first kMaxSummaryRows of them. Without a person filter the table ranks
// everyone, so people who are not ranked (hidden by their own choice, gone, forgotten) are left out;
// asked for by name, they are shown and marked. The CSV has everyone, marked.
void summary_table(std::ostringstream& o, const store::Summary& s, const KudosList& list) {
  auto& name = list.name;
  const bool ranking = list.q.users.empty();
  std::vector<const store::PersonSummary*> rows;
  for (const auto& p : s.people)
    if (p.ranked || !ranking) rows.push_back(&p);
  o << "<table><tr><th>person</th><th class=\"n\">received</th><th class=\"n\">given</th><th "
       "class=\"n\">thanks</th>"
       "<th class=\"n\">praise</th><th class=\"n\">help</th><th "
       "class=\"n\">helped</th><th>values</th><th>what for</th></tr>";
  for (std::size_t row = 0; row < rows.size() && row < kMaxSummaryRows; ++row) {
    const auto& p = *rows[row];
    auto k = [](const auto& a, store::Kind kind) { return a[static_cast<std::size_t>(kind)]; };
    o << "<tr><td>" << escape_html(p.name.empty() ? name(p.user) : p.name)
      << (p.ranked ? "" : " <span class=\"dim unranked\">(not ranked)</span>") << "</td><td class=\"n\">"
      << p.received << "</td><td class=\"n\">" << p.given << "</td><td class=\"n\">"
      << k(p.received_by_kind, store::Kind::thanks) << "</td><td class=\"n\">"
      << k(p.received_by_kind, store::Kind::praise) << "</td><td class=\"n\">"
      << k(p.received_by_kind, store::Kind::help) << "</td><td class=\"n\">" << p.helps_resolved
      << "</td><td>";
    for (std::size_t i = 0; i < p.values.size() && i < 3; ++i)
      o << (i ? ", " : "") << "#" << escape_html(p.values[i].first) << " ×" << p.values[i].second;
    o << "</td><td>";
    for (const auto& why : p.reasons)
      if (!why.reason.empty())
        o << "<div>" << escape_html(why.reason) << " <span class=\"dim\">— " << escape_html(name(why.giver))
          << " · " << store::kudos_label(why.number) << "</span></div>";
    o << "</td></tr>";
  }
  if (rows.size() > kMaxSummaryRows)
    o << "<tr><td colspan=\"9\" class=\"dim\">and " << rows.size() - kMaxSummaryRows
      << " more people: the CSV has everyone.</td></tr>";
  if (s.people.empty()) o << "<tr><td colspan=\"9\" class=\"dim\">No kudos in this range.</td></tr>";
  o << "</table>";
  if (rows.size() < s.people.size())
    o << "<p id=\"unranked\" class=\"dim\">" << s.people.size() - rows.size()
      << (s.people.size() - rows.size() == 1 ? " person is" : " people are")
      << " not ranked here (hidden by their own choice, left, or forgotten): the CSV has them, marked, and "
         "so does this table when you ask for them by name.</p>";
}

}  // namespace

void summary_section(std::ostringstream& o, store::Reader& r, const KudosList& list,
                     const std::set<std::string>& channels) {
  const auto& cal = list.cal;
  const auto& q = list.q;
  std::vector<std::string> unknown;
  const store::SummaryQuery sq = summary_query(r, cal, q, unknown);
  store::Summary s;
  s.from = sq.from;
  s.until = sq.until;
  if (q.users.empty() || !sq.users.empty()) s = r.summary(sq);
  o << "<section id=\"summary\" class=\"wide\"><h2>Recognition summary</h2>";
  summary_form(o, cal, q, sq, list.name, list.period, channels);
  for (const auto& u : unknown) o << "<p id=\"no-match\">no one called '" << escape_html(u) << "'</p>";
  summary_table(o, s, list);
  person_kudos(o, r, list, sq);
  o << "<p class=\"dim\">" << s.total << " kudos from " << cal.date_string(sq.from) << " to "
    << cal.date_string(sq.until - 1) << " (" << escape_html(cal.tz_name()) << ")</p></section>";
}

}  // namespace brigade::web
