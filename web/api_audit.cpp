// GET /api/v1/audit: the hash-chained audit log (corrections, privacy, erasure, …) as JSON or CSV,
// oldest first, with the chain check when asked (verify=1).
#include <nlohmann/json.hpp>

#include <chrono>
#include <cstdio>

#include "bot/summary_format.hpp"
#include "web/api.hpp"
#include "web/api_query.hpp"

namespace brigade::web {

namespace {

using nlohmann::json;
constexpr std::size_t kAuditDefault = 1000;  // entries per answer unless `limit` says otherwise
constexpr std::size_t kAuditMost = 10000;

// "2026-11-16T12:00:00.000Z": an audit time is an instant, so it is given in UTC, to the millisecond.
std::string iso_utc(core::Millis ts) {
  using namespace std::chrono;
  const sys_time<milliseconds> t{milliseconds(ts)};
  const auto day = floor<days>(t);
  const year_month_day ymd{day};
  const hh_mm_ss hms{t - day};
  char buf[40];
  std::snprintf(buf, sizeof buf, "%04d-%02u-%02uT%02d:%02d:%02d.%03dZ", static_cast<int>(ymd.year()),
                static_cast<unsigned>(ymd.month()), static_cast<unsigned>(ymd.day()),
                static_cast<int>(hms.hours().count()), static_cast<int>(hms.minutes().count()),
                static_cast<int>(hms.seconds().count()), static_cast<int>(hms.subseconds().count()));
  return buf;
}

struct AuditQuery {
  std::optional<std::int32_t> since_day;  // local day; none = from the first entry
  std::size_t limit = kAuditDefault;
  bool csv = false;
  bool verify = false;
};

std::optional<Response> read_audit_query(const Query& q, const core::Calendar& cal, bool accepts_csv,
                                         AuditQuery& out) {
  if (auto bad = unknown_parameters(q, {"since", "limit", "format", "verify"})) return *bad;
  if (auto since = single(q, "since")) {
    out.since_day = cal.parse_day(*since);
    if (!out.since_day) return error(400, "since must be YYYY-MM-DD", "since");
  }
  if (auto bad = read_number(q, "limit", 1, kAuditMost, out.limit)) return *bad;
  out.csv = accepts_csv;
  if (auto format = single(q, "format")) {
    if (*format != "json" && *format != "csv") return error(400, "format must be json or csv", "format");
    out.csv = *format == "csv";
  }
  if (auto verify = single(q, "verify")) {
    if (*verify != "0" && *verify != "1" && *verify != "true" && *verify != "false")
      return error(400, "verify must be 1 or 0", "verify");
    out.verify = *verify == "1" || *verify == "true";
  }
  if (out.csv && out.verify) return error(400, "the chain check is answered in JSON (format=json)", "verify");
  return std::nullopt;
}

json verify_json(const store::AuditCheck& c) {
  return json{{"ok", c.ok()},
              {"entries", c.entries},
              {"first_bad", c.first_bad == 0 ? json(nullptr) : json(c.first_bad)},
              {"problem", c.problem},
              {"head", c.head}};
}

std::string audit_csv(const std::vector<store::AuditEntry>& entries, store::Reader& r) {
  using bot::csv_field;
  std::string out = "seq,ts,actor,actor_name,action,subject,detail,prev_hash,hash\r\n";
  for (const auto& e : entries)
    out += std::to_string(e.seq) + "," + iso_utc(e.ts) + "," + csv_field(e.actor) + "," +
           csv_field(e.actor.empty() ? std::string() : r.name_of(e.actor)) + "," + csv_field(e.action) + "," +
           csv_field(e.subject) + "," + csv_field(e.detail) + "," + e.prev_hash + "," + e.hash + "\r\n";
  return out;
}

json audit_json(const std::vector<store::AuditEntry>& entries, store::Reader& r) {
  json list = json::array();
  for (const auto& e : entries) {
    const bool person = e.subject.find(':') != std::string::npos;  // a qualified id, not "K42"
    list.push_back({{"seq", e.seq},
                    {"ts", iso_utc(e.ts)},
                    {"actor", e.actor},
                    {"actor_name", e.actor.empty() ? std::string() : r.name_of(e.actor)},
                    {"action", e.action},
                    {"subject", e.subject},
                    {"subject_name", person ? r.name_of(e.subject) : std::string()},
                    {"detail", e.detail},
                    {"prev_hash", e.prev_hash},
                    {"hash", e.hash}});
  }
  return list;
}

}  // namespace

Response Api::audit(const Query& q, bool accepts_csv) {
  const auto& cal = ctx_.store.calendar();
  AuditQuery aq;
  if (auto bad = read_audit_query(q, cal, accepts_csv, aq)) return *bad;
  auto reader = ctx_.store.read();
  // One more than asked for says whether there are more (ask again with a later `since`).
  auto entries = reader->audit(aq.since_day ? cal.start_of_day(*aq.since_day) : 0, aq.limit + 1);
  const bool more = entries.size() > aq.limit;
  if (more) entries.pop_back();
  Response r;
  if (aq.csv) {
    r.content_type = "text/csv; charset=utf-8";
    r.headers.emplace_back(
        "Content-Disposition",
        "attachment; filename=\"brigade-audit" +
            (aq.since_day ? "-since-" + cal.date_string(cal.start_of_day(*aq.since_day)) : "") + ".csv\"");
    r.body = audit_csv(entries, *reader);
    return r;
  }
  json out{{"since", aq.since_day ? json(cal.date_string(cal.start_of_day(*aq.since_day))) : json(nullptr)},
           {"timezone", cal.tz_name()},
           {"limit", aq.limit},
           {"more", more},
           {"entries", audit_json(entries, *reader)}};
  if (aq.verify) out["verify"] = verify_json(reader->verify_audit());
  r.body = out.dump(-1, ' ', false, json::error_handler_t::replace) + "\n";
  return r;
}

}  // namespace brigade::web
