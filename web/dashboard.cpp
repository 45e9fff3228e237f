// The dashboard page (see dashboard.hpp).
#include "web/dashboard.hpp"

#include <algorithm>
#include <map>
#include <set>
#include <sstream>

#include "core/text.hpp"
#include "web/dashboard_parts.hpp"

namespace brigade::web {

namespace {

using core::escape_html;
constexpr std::size_t kRecent = 12;  // recent recognition shown

const char* kStyle = R"css(
:root{--bg:#0f1522;--card:#182033;--ink:#e8ecf4;--dim:#9aa6bd;--acc:#ffb547;--acc2:#5ec2ff;--ok:#6fdc8c}
*{box-sizing:border-box}body{margin:0;background:var(--bg);color:var(--ink);
font:clamp(14px,1.1vw,22px)/1.45 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif}
header{display:flex;flex-wrap:wrap;gap:.6em 1.2em;align-items:baseline;padding:1em 1.4em .4em}
h1{font-size:1.6em;margin:0}h2{font-size:1.05em;margin:0 0 .6em;color:var(--acc)}
a{color:var(--acc2)}nav a{color:var(--dim);text-decoration:none;margin-right:.8em;padding:.15em .5em;border-radius:.4em}
nav a.on{color:var(--bg);background:var(--acc)}
main{display:grid;gap:1em;padding:1em 1.4em 2em;grid-template-columns:repeat(auto-fit,minmax(min(100%,24em),1fr))}
section{background:var(--card);border-radius:.8em;padding:1em 1.2em;overflow:hidden}
section.wide{grid-column:1/-1}
table{width:100%;border-collapse:collapse}td,th{padding:.25em .4em;text-align:left;vertical-align:top}
th{color:var(--dim);font-weight:500}td.n{text-align:right;font-variant-numeric:tabular-nums}
.bar{height:.7em;border-radius:.35em;background:var(--acc2);min-width:2px}
.dim{color:var(--dim)}.reason{color:var(--ink)}ul{margin:0;padding-left:1.1em}li{margin:.25em 0}
form{display:flex;flex-wrap:wrap;gap:.5em 1em;align-items:end;margin-bottom:.8em}
label{display:flex;flex-direction:column;font-size:.85em;color:var(--dim)}
input,select,button{font:inherit;background:#0c1220;color:var(--ink);border:1px solid #33405c;border-radius:.4em;padding:.25em .5em}
button,.button{background:var(--acc);color:var(--bg);border:0;border-radius:.4em;padding:.3em .8em;text-decoration:none;font-weight:600}
svg text{fill:var(--dim);font-size:11px}
a.kid{color:var(--dim);font-variant-numeric:tabular-nums;text-decoration:none}
li.revoked del{color:var(--dim)}.why{color:#ff8a80}
#find-kudos{float:right;margin:0}#find-kudos label{flex-direction:row;align-items:baseline;gap:.4em}
)css";

// A link back to this page with some parameters changed.
struct Link {
  const DashboardQuery& q;
  std::string operator()(const std::string& period, const std::string& channel) const {
    std::string s = "/?period=" + encode(period);
    if (!channel.empty()) s += "&channel=" + encode(channel);
    if (!q.token.empty()) s += "&token=" + encode(q.token);
    return escape_html(s);
  }
};

// What the page reads from the kudos log for the chart, the values and the resolved help requests:
// [from, until) in buckets of a day, a week or a month (by length), walked newest bucket first so
// that a range holding more than `budget` kudos is charted from its newest kudos back.
struct Scan {
  core::Period step = core::Period::day;
  std::vector<std::int32_t> buckets;  // the chart's buckets, oldest first (week numbers skip)
  std::vector<std::uint32_t> counts;  // per bucket: live kudos in the channel filter
  std::size_t charted_from = 0;       // the first bucket counted in full (not 0 when cut)
  bool cut = false;
  std::uint64_t total = 0;                      // kudos charted
  std::set<std::string> channels;               // every channel seen, for the filters
  std::map<std::string, std::uint32_t> values;  // values given, in the channel filter
  std::vector<std::uint64_t> resolved;          // help requests resolved, newest first
};

Scan scan(store::Reader& r, const core::Calendar& cal, core::Millis from, core::Millis until,
          const std::string& channel, std::size_t budget) {
  Scan s;
  const auto days = (until - from) / 86400000;
  s.step = days <= 120 ? core::Period::day : days <= 2 * 366 ? core::Period::week : core::Period::month;
  const auto last = cal.bucket(s.step, until - 1);
  for (auto b = cal.bucket(s.step, from); b <= last; b = cal.shift(s.step, b, 1)) s.buckets.push_back(b);
  s.counts.assign(s.buckets.size(), 0);
  std::set<std::uint64_t> resolved;
  for (std::size_t i = s.buckets.size(); i-- > 0;) {
    auto range = cal.range(s.step, s.buckets[i]);
    // One more than the budget left: a bucket that does not fit is left out whole, not half-counted.
    auto kudos = r.kudos_between(std::max(range.from, from), std::min(range.until, until), budget + 1, true);
    if (kudos.size() > budget) {
      s.cut = true;
      s.charted_from = i + 1;
      break;
    }
    budget -= kudos.size();
    for (const auto& k : kudos) {
      if (!k.channel.empty()) s.channels.insert(k.channel);
      if (k.revoked || (!channel.empty() && k.channel != channel)) continue;
      ++s.counts[i];
      ++s.total;
      for (const auto& v : k.values) ++s.values[v];
      if (k.kind == store::Kind::help && k.ask != 0 && resolved.size() < 10 && resolved.insert(k.ask).second)
        s.resolved.push_back(k.ask);
    }
  }
  return s;
}

// The newest `n` kudos (in `channel` unless empty), taken-back ones included, reading at most
// `budget` from the log.
std::vector<store::Kudos> recent_kudos(store::Reader& r, core::Millis now, const std::string& channel,
                                       std::size_t n, std::size_t budget) {
  std::vector<store::Kudos> out;
  std::set<std::uint64_t> seen;
  core::Millis until = now + 1;
  // Batches grow so that one always spans more than a millisecond (ids hold 4,096 per ms): the
  // next batch starts at the oldest millisecond seen, and ids already seen are skipped.
  for (std::size_t batch = 64, scanned = 0; out.size() < n && scanned < budget;
       batch = std::min<std::size_t>(batch * 2, 8192)) {
    auto kudos = r.kudos_between(0, until, batch, true);
    for (const auto& k : kudos) {
      if (!seen.insert(k.id).second) continue;
      ++scanned;
      if (!channel.empty() && k.channel != channel) continue;
      out.push_back(k);
      if (out.size() == n) break;
    }
    if (kudos.size() < batch) break;
    until = kudos.back().ts + 1;
  }
  return out;
}

std::string bucket_label(const core::Calendar& cal, core::Period step, std::int32_t b) {
  auto d = cal.date_string(cal.range(step, b).from);
  return step == core::Period::month ? d.substr(0, 7) : d;
}

// The scan's counts as an SVG bar chart, from the first bucket counted in full.
std::string chart(const Scan& s, const core::Calendar& cal) {
  const std::size_t n = s.buckets.size() - std::min(s.charted_from, s.buckets.size());
  std::uint32_t peak = 1;
  for (std::size_t i = s.charted_from; i < s.counts.size(); ++i) peak = std::max(peak, s.counts[i]);
  const double w = 600, h = 160, gap = n > 60 ? 0.5 : 2;
  const double bw = w / static_cast<double>(std::max<std::size_t>(n, 1));
  const char* unit = s.step == core::Period::day ? "day" : s.step == core::Period::week ? "week" : "month";
  std::ostringstream o;
  o << "<svg id=\"chart\" viewBox=\"0 0 " << w << ' ' << h + 18
    << "\" width=\"100%\" role=\"img\" aria-label=\"kudos per " << unit << "\">";
  for (std::size_t i = 0; i < n; ++i) {
    const auto c = s.counts[s.charted_from + i];
    double bh = h * c / peak;
    o << "<rect x=\"" << i * bw << "\" y=\"" << h - bh << "\" width=\"" << std::max(0.5, bw - gap)
      << "\" height=\"" << bh << "\" rx=\"1.5\" fill=\"#5ec2ff\"><title>"
      << bucket_label(cal, s.step, s.buckets[s.charted_from + i]) << ": " << c << "</title></rect>";
  }
  if (n > 0)
    o << "<text x=\"0\" y=\"" << h + 14 << "\">" << bucket_label(cal, s.step, s.buckets[s.charted_from])
      << "</text><text x=\"" << w << "\" y=\"" << h + 14 << "\" text-anchor=\"end\">"
      << bucket_label(cal, s.step, s.buckets.back()) << "</text>";
  o << "<text x=\"" << w << "\" y=\"12\" text-anchor=\"end\">max " << peak << "</text></svg>";
  return o.str();
}

std::string bar(std::uint32_t value, std::uint32_t peak) {
  double pct = peak == 0 ? 0 : 100.0 * value / peak;
  std::ostringstream o;
  o << "<div class=\"bar\" style=\"width:" << std::max(1.0, pct) << "%\"></div>";
  return o.str();
}

}  // namespace

std::vector<std::uint32_t> competition_ranks(const std::vector<store::LeaderEntry>& entries) {
  std::vector<std::uint32_t> ranks(entries.size());
  for (std::size_t i = 0; i < entries.size(); ++i)
    ranks[i] =
        i > 0 && entries[i].count == entries[i - 1].count ? ranks[i - 1] : static_cast<std::uint32_t>(i + 1);
  return ranks;
}

namespace {

// What every section of one page shares.
struct Page {
  std::ostringstream& o;
  store::Reader& r;
  const core::Calendar& cal;
  const DashboardQuery& q;
  Names& name;
  Link link;
  std::string period;        // q.period's name
  std::int32_t bucket;       // q.period's current bucket
  core::Millis from, until;  // what the chart covers
};

void header(Page& p) {
  auto& o = p.o;
  o << "<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\">"
       "<meta name=\"viewport\" content=\"width=device-width,initial-scale=1\">"
       "<meta http-equiv=\"refresh\" content=\"300\"><title>Brigade — recognition</title><style>"
    << kStyle << "</style></head><body><header><h1>🙌 Brigade</h1><nav>";
  for (const char* period : {"week", "month", "quarter", "year", "all"})
    o << "<a href=\"" << p.link(period, p.q.channel) << "\"" << (p.period == period ? " class=\"on\"" : "")
      << ">" << period << "</a>";
  o << "</nav><span class=\"dim\">"
    << (p.q.period == core::Period::all ? std::string("all time") : p.cal.label(p.q.period, p.bucket))
    << " · " << escape_html(p.q.channel.empty() ? std::string("whole workspace") : "#" + p.name(p.q.channel))
    << "</span></header><main>";
}

// Leaderboard, with the channels seen in the period as filters.
void leaderboard_section(Page& p, const std::set<std::string>& channels) {
  auto& o = p.o;
  auto top = p.r.leaderboard(p.q.channel, p.q.period, p.bucket, 10);
  o << "<section id=\"leaderboard\"><h2>Most recognised</h2>";
  if (top.empty()) {
    o << "<p class=\"dim\">No kudos yet in this period. Say thanks: <code>/thanks @colleague for "
         "…</code></p>";
  } else {
    std::uint32_t peak = top.front().count;
    auto ranks = competition_ranks(top);
    o << "<table>";
    for (std::size_t i = 0; i < top.size(); ++i)
      o << "<tr><td class=\"n dim\">" << ranks[i] << "</td><td>"
        << escape_html(top[i].name.empty() ? p.name(top[i].user) : top[i].name)
        << "</td><td style=\"width:45%\">" << bar(top[i].count, peak) << "</td><td class=\"n\">"
        << top[i].count << "</td></tr>";
    o << "</table>";
  }
  if (!channels.empty()) {
    o << "<p class=\"dim\">Channels: <a href=\"" << p.link(p.period, "") << "\">all</a>";
    for (const auto& c : channels)
      o << " · <a href=\"" << p.link(p.period, c) << "\">#" << escape_html(p.name(c)) << "</a>";
    o << "</p>";
  }
  o << "</section>";
}

// Kudos over time.
void over_time_section(Page& p, const Scan& seen) {
  const auto& cal = p.cal;
  const char* unit = seen.step == core::Period::day    ? "day"
                     : seen.step == core::Period::week ? "week"
                                                       : "month";
  p.o << "<section id=\"over-time\"><h2>Kudos over time</h2>" << chart(seen, cal) << "<p class=\"dim\">"
      << seen.total << " kudos, per " << unit << ", "
      << cal.date_string(seen.charted_from < seen.buckets.size()
                             ? std::max(p.from, cal.range(seen.step, seen.buckets[seen.charted_from]).from)
                             : p.until - 1)
      << " to " << cal.date_string(p.until - 1);
  if (seen.cut)
    p.o << " — older kudos are not charted (the page reads at most " << p.q.max_scanned << " kudos)";
  p.o << "</p></section>";
}

void values_section(Page& p, const Scan& seen) {
  auto& o = p.o;
  std::vector<std::pair<std::string, std::uint32_t>> vs(seen.values.begin(), seen.values.end());
  std::sort(vs.begin(), vs.end(), [](const auto& a, const auto& b) {
    return a.second > b.second || (a.second == b.second && a.first < b.first);
  });
  o << "<section id=\"values\"><h2>Values</h2>";
  if (vs.empty())
    o << "<p class=\"dim\">No #values yet — add one to a thank-you: <code>#teamwork</code></p>";
  else {
    o << "<table>";
    for (std::size_t i = 0; i < vs.size() && i < 8; ++i)
      o << "<tr><td>#" << escape_html(vs[i].first) << "</td><td style=\"width:55%\">"
        << bar(vs[i].second, vs[0].second) << "</td><td class=\"n\">" << vs[i].second << "</td></tr>";
    o << "</table>";
  }
  o << "</section>";
}

// The newest kudos, each with its K id; taken-back ones stay, struck through, so that an admin
// finds what to revoke and sees what was.
void recent_section(Page& p, const KudosList& list, core::Millis now) {
  auto& o = p.o;
  auto recent = recent_kudos(p.r, now, p.q.channel, kRecent, p.q.max_scanned);
  o << "<section id=\"recent\" class=\"wide\">";
  kudos_form(o, list);
  o << "<h2>Recent recognition</h2><ul>";
  for (const auto& k : recent) list.item(o, k);
  if (recent.empty()) o << "<li class=\"dim\">Nothing yet.</li>";
  o << "</ul></section>";
}

// Help requests: open ones, and those resolved in the period with who helped.
void help_section(Page& p, const Scan& seen) {
  auto& o = p.o;
  o << "<section id=\"help\"><h2>Help requests</h2>";
  auto open = p.r.open_asks(p.q.channel, 15);
  o << "<p class=\"dim\">Open</p><ul>";
  for (const auto& a : open) {
    o << "<li>#" << a.id << " " << escape_html(core::utf8_truncate(a.text, 160)) << " <span class=\"dim\">— "
      << escape_html(p.name(a.requester));
    if (!a.taker.empty()) o << ", taken by " << escape_html(p.name(a.taker));
    o << "</span></li>";
  }
  if (open.empty()) o << "<li class=\"dim\">None open.</li>";
  o << "</ul><p class=\"dim\">Resolved</p><ul>";
  for (auto id : seen.resolved) {
    auto a = p.r.ask(id);
    if (!a) continue;
    o << "<li>#" << a->id << " " << escape_html(core::utf8_truncate(a->text, 160))
      << " <span class=\"dim\">— helped by ";
    for (std::size_t i = 0; i < a->helpers.size(); ++i)
      o << (i ? ", " : "") << escape_html(p.name(a->helpers[i]));
    o << "</span></li>";
  }
  if (seen.resolved.empty()) o << "<li class=\"dim\">None in this period.</li>";
  o << "</ul></section>";
}

}  // namespace

std::string render_dashboard(store::Reader& r, const core::Calendar& cal, const DashboardQuery& q,
                             core::Millis now) {
  Names name{r, {}};
  std::ostringstream o;
  Page p{o, r, cal, q, name, Link{q}, std::string(core::to_string(q.period)), cal.bucket(q.period, now),
         0, 0};
  if (q.period == core::Period::all) {  // from the first kudos to today
    p.until = cal.range(core::Period::day, cal.day(now)).until;
    auto first = r.kudos_between(0, p.until, 1);
    p.from = cal.start_of_day(cal.day(first.empty() ? now : std::min(first.front().ts, now)));
  } else {
    auto range = cal.range(q.period, p.bucket);
    p.from = range.from;
    p.until = range.until;
  }
  const Scan seen = scan(r, cal, p.from, p.until, q.channel, q.max_scanned);
  const KudosList list{cal, q, name, p.period};
  header(p);
  kudos_section(o, r, list);
  leaderboard_section(p, seen.channels);
  over_time_section(p, seen);
  values_section(p, seen);
  recent_section(p, list, now);
  help_section(p, seen);
  summary_section(o, r, list, seen.channels);
  o << "</main></body></html>\n";
  return o.str();
}

}  // namespace brigade::web
