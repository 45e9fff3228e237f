// The HTTP API's routes (see api.hpp).
#include "web/api.hpp"

#include <nlohmann/json.hpp>

#include <charconv>
#include <cstdint>
#include <iterator>
#include <memory>
#include <set>
#include <sstream>
#include <tuple>

#include <boost/url/parse.hpp>
#include <boost/url/url_view.hpp>

#include "bot/metrics.hpp"
#include "bot/summary_format.hpp"
#include "core/text.hpp"
#include "web/api_query.hpp"
#include "web/dashboard.hpp"

namespace brigade::web {

namespace {

using nlohmann::json;
constexpr std::size_t kSummaryPage = 500;  // people per JSON summary page: the default and the most

Response json_response(int status, const json& body) {
  Response r;
  r.status = status;
  r.body = body.dump();
  r.body += '\n';
  return r;
}

// Compares in time independent of where the first difference is (the length may show).
bool same_secret(std::string_view given, std::string_view secret) {
  if (given.size() != secret.size() || secret.empty()) return false;
  unsigned char diff = 0;
  for (std::size_t i = 0; i < given.size(); ++i) diff |= static_cast<unsigned char>(given[i] ^ secret[i]);
  return diff == 0;
}

// With a token set, the request carries it as a bearer token or as ?token= (a TV browser).
bool authorized(std::string_view auth, std::string_view query_token, const std::string& token) {
  if (token.empty()) return true;
  return (auth.rfind("Bearer ", 0) == 0 && same_secret(auth.substr(7), token)) ||
         same_secret(query_token, token);
}

// The decoded query. Every name and value is text: a NUL or a byte that is not UTF-8 (%00, %ff)
// gets a 400 here rather than reaching a store key, a log line or the page.
std::optional<Response> read_query(const boost::urls::url_view& url, Query& q) {
  for (auto p : url.params()) {
    std::string key(p.key), value = p.has_value ? std::string(p.value) : "";
    for (const auto& text : {key, value})
      if (text.find('\0') != std::string::npos || !core::valid_utf8(text))
        return error(400, "query parameters must be UTF-8 text without NUL",
                     core::valid_utf8(key) ? key : "");
    q[key].push_back(std::move(value));
  }
  return std::nullopt;
}

// `limit` and `offset` of a JSON summary page, taken out of `q`. Sets them, or returns the 400.
std::optional<Response> read_page(Query& q, std::size_t& offset, std::size_t& limit) {
  for (auto [name, out, lo, hi] :
       {std::tuple<const char*, std::size_t*, std::size_t, std::size_t>{"limit", &limit, 1, kSummaryPage},
        {"offset", &offset, 0, SIZE_MAX}}) {
    auto v = single(q, name);
    if (!v) continue;
    std::size_t n = 0;
    auto [ptr, ec] = std::from_chars(v->data(), v->data() + v->size(), n);
    if (ec != std::errc() || ptr != v->data() + v->size() || v->empty() || n < lo || n > hi)
      return error(400,
                   std::string(name) + (hi == SIZE_MAX
                                            ? " must be a whole number"
                                            : " must be a number from 1 to " + std::to_string(kSummaryPage)),
                   name);
    *out = n;
    q.erase(name);
  }
  return std::nullopt;
}

// The summary as CSV: the givers' names are read now, while the transaction is open; the rows are
// made as they are sent.
Response summary_csv(store::Summary s, const core::Calendar& cal, store::Reader& reader,
                     const store::SummaryQuery& sq) {
  Response r;
  r.content_type = "text/csv; charset=utf-8";
  r.headers.emplace_back("Content-Disposition", "attachment; filename=\"brigade-summary-" +
                                                    cal.date_string(sq.from) + "-" +
                                                    cal.date_string(sq.until - 1) + ".csv\"");
  struct Csv {
    store::Summary s;
    std::map<std::string, std::string, std::less<>> names;
    const core::Calendar* cal;
    std::size_t next = 0;
  };
  auto st = std::make_shared<Csv>(Csv{std::move(s), {}, &cal});
  for (const auto& p : st->s.people)
    for (const auto& k : p.reasons)
      if (!k.reason.empty() && !st->names.count(k.giver)) st->names.emplace(k.giver, reader.name_of(k.giver));
  r.body = bot::summary_csv_header();
  r.stream = [st](std::string& out) {
    bot::NameOf name_of = [&st](std::string_view id) {
      auto it = st->names.find(id);
      return it == st->names.end() ? std::string() : it->second;
    };
    for (auto before = out.size(); st->next < st->s.people.size() && out.size() - before < 64 * 1024;)
      out += bot::summary_csv_row(st->s.people[st->next++], *st->cal, name_of);
    if (st->next < st->s.people.size()) return true;
    st->s.people = {};  // sent: give the memory back now, not when the connection closes
    return false;
  };
  return r;
}

}  // namespace

std::string Response::full_body() {
  std::string out = std::move(body);
  body.clear();
  if (stream)
    while (stream(out)) {
    }
  stream = nullptr;
  return out;
}

bool is_heavy(const Request& req) {
  if (req.method != "GET" && req.method != "HEAD") return false;  // refused at once
  std::string_view path(req.target);
  path = path.substr(0, path.find('?'));
  return path == "/" || path.rfind("/api/", 0) == 0;
}

Response error(int status, const std::string& message, const std::string& parameter) {
  json b = json::object();
  b["error"] = message;
  if (!parameter.empty()) b["parameter"] = parameter;
  return json_response(status, b);
}

Response Api::handle(const Request& req) {
  std::string route_name = "other";
  Response r;
  try {
    r = route(req, route_name);
  } catch (const std::exception& e) {
    r = error(500, std::string("internal error: ") + e.what());
  }
  std::lock_guard lk(mu_);
  ++requests_[{route_name, r.status}];
  return r;
}

Response Api::route(const Request& req, std::string& route_name) {
  auto parsed = boost::urls::parse_origin_form(req.target);
  if (!parsed) return error(400, "bad request target");
  std::string path = parsed->path();
  Query q;
  if (auto bad = read_query(*parsed, q)) return *bad;

  static const std::set<std::string> kRoutes = {"/",
                                                "/healthz",
                                                "/metrics",
                                                "/api/v1/leaderboard",
                                                "/api/v1/summary",
                                                "/api/v1/summary.csv",
                                                "/api/v1/audit"};
  bool api = path.rfind("/api/", 0) == 0;
  if (!kRoutes.count(path)) return error(404, api ? "no such API route" : "no such page");
  // Every route is read-only: anything but GET and HEAD is refused before authentication, so a
  // POST learns nothing about the token (and /healthz and /metrics stay GET-only too).
  if (req.method != "GET" && req.method != "HEAD") {
    route_name = "method_not_allowed";
    auto r = error(405, "method not allowed: only GET and HEAD");
    r.headers.emplace_back("Allow", "GET, HEAD");
    return r;
  }
  if (path == "/healthz") {
    route_name = "healthz";
    return healthz();
  }
  if (path == "/metrics") {
    route_name = "metrics";
    return metrics();
  }
  // A browser on a TV cannot send a header: `?token=` works too (prefer the header elsewhere).
  std::string query_token = single(q, "token").value_or("");
  q.erase("token");
  if (!authorized(req.authorization, query_token, ctx_.token)) {
    route_name = "unauthorized";
    auto r = error(401, "a bearer token is required (Authorization: Bearer …)");
    r.headers.emplace_back("WWW-Authenticate", "Bearer");
    return r;
  }
  if (path == "/") {
    route_name = "dashboard";
    return dashboard(q, query_token);
  }
  if (path == "/api/v1/leaderboard") {
    route_name = "leaderboard";
    return leaderboard(q);
  }
  const bool accepts_csv = req.accept.find("text/csv") != std::string::npos;
  if (path == "/api/v1/audit") {
    route_name = "audit";
    return audit(q, accepts_csv);
  }
  route_name = "summary";
  return summary(q, path == "/api/v1/summary.csv" || accepts_csv);
}

Response Api::leaderboard(const Query& q) {
  if (auto bad = unknown_parameters(q, {"period", "channel", "limit", "date"})) return *bad;
  const auto& cal = ctx_.store.calendar();
  core::Period period = core::Period::week;
  if (auto bad = read_period(q, "week", period)) return *bad;
  std::size_t limit = 10;
  if (auto bad = read_number(q, "limit", 1, 100, limit)) return *bad;
  core::Millis at = ctx_.clock.now_ms();
  if (auto d = single(q, "date")) {
    auto day = cal.parse_day(*d);
    if (!day) return error(400, "date must be YYYY-MM-DD", "date");
    at = cal.start_of_day(*day);
  }
  auto reader = ctx_.store.read();
  std::string channel;
  if (auto bad = read_channel(q, "channel", *reader, channel)) return *bad;
  auto bucket = cal.bucket(period, at);
  auto entries = reader->leaderboard(channel, period, bucket, limit);
  json out = json::object();
  out["period"] = core::to_string(period);
  if (period != core::Period::all) {
    auto range = cal.range(period, bucket);
    out["from"] = cal.date_string(range.from);
    out["until"] = cal.date_string(range.until - 1);  // inclusive, like --until
  } else {
    out["from"] = nullptr;
    out["until"] = nullptr;
  }
  out["channel"] = channel.empty() ? json(nullptr) : json(channel);
  json list = json::array();
  auto ranks = competition_ranks(entries);
  for (std::size_t i = 0; i < entries.size(); ++i) {
    const auto& e = entries[i];
    json j = json::object();
    j["rank"] = ranks[i];
    j["user"] = e.user;
    j["name"] = e.name;
    j["count"] = e.count;
    list.push_back(j);
  }
  out["entries"] = list;
  return json_response(200, out);
}

Response Api::summary(Query q, bool csv) {
  // The JSON comes in pages of people (the CSV, a download, has everyone, streamed).
  std::size_t offset = 0, limit = kSummaryPage;
  if (!csv)
    if (auto bad = read_page(q, offset, limit)) return *bad;
  if (auto bad = unknown_parameters(q, {"since", "until", "user", "channel"})) return *bad;
  const auto& cal = ctx_.store.calendar();
  auto now = ctx_.clock.now_ms();
  std::int32_t from_day = 0, until_day = 0;
  if (auto bad = read_days(q, cal, now, false, from_day, until_day)) return *bad;
  if (until_day - from_day > 3 * 366) return error(400, "at most three years at a time", "until");
  store::SummaryQuery sq;
  sq.from = cal.start_of_day(from_day);
  sq.until = cal.range(core::Period::day, until_day).until;
  if (auto it = q.find("user"); it != q.end())
    for (const auto& u : it->second) {
      if (u.find(':') == std::string::npos)
        return error(400, "user must be a qualified id (slack:T:U, matrix:@u:server, console:name)", "user");
      sq.users.push_back(u);
    }
  auto reader = ctx_.store.read();
  if (auto bad = read_channel(q, "channel", *reader, sq.channel)) return *bad;
  auto s = reader->summary(sq);
  if (!csv) {
    Response r;
    bot::SummaryPage page{offset, limit, s.people.size()};
    // Only the page's people are rendered; the others go before the text is made.
    auto first = s.people.begin() + static_cast<std::ptrdiff_t>(std::min(offset, s.people.size()));
    auto last = first + static_cast<std::ptrdiff_t>(std::min<std::size_t>(limit, s.people.end() - first));
    s.people =
        std::vector<store::PersonSummary>(std::make_move_iterator(first), std::make_move_iterator(last));
    bot::NameOf name_of = [&reader](std::string_view id) { return reader->name_of(id); };
    r.body = bot::summary_json(s, cal, name_of, &page);
    return r;
  }
  return summary_csv(std::move(s), cal, *reader, sq);
}

Response Api::dashboard(const Query& q, const std::string& token) {
  if (auto bad =
          unknown_parameters(q, {"period", "channel", "since", "until", "user", "summary_channel", "kudos"}))
    return *bad;
  const auto& cal = ctx_.store.calendar();
  auto now = ctx_.clock.now_ms();
  DashboardQuery d;
  d.token = token;
  if (auto bad = read_period(q, "month", d.period)) return *bad;
  if (auto bad = read_days(q, cal, now, true, d.since_day, d.until_day)) return *bad;
  if (auto it = q.find("user"); it != q.end())
    for (const auto& u : it->second)
      if (!u.empty()) d.users.push_back(u);
  d.kudos = single(q, "kudos").value_or("");
  auto reader = ctx_.store.read();
  if (auto bad = read_channel(q, "channel", *reader, d.channel)) return *bad;
  if (auto bad = read_channel(q, "summary_channel", *reader, d.summary_channel)) return *bad;
  Response r;
  r.content_type = "text/html; charset=utf-8";
  r.body = render_dashboard(*reader, cal, d, now);
  r.headers.emplace_back(
      "Content-Security-Policy",
      "default-src 'none'; style-src 'unsafe-inline'; img-src 'self' data:; form-action 'self'");
  return r;
}

}  // namespace brigade::web
