// `brigade report`: the range and filter from the options, then one of the summary's renderings.
#include "app/report.hpp"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <iomanip>
#include <ostream>
#include <sstream>

namespace brigade::app {

// The renderings `brigade report` shares with the API.
using bot::csv_field;
using bot::NameOf;
using bot::summary_csv;
using bot::summary_json;
using bot::summary_table;

namespace {

// --verify: every tally recomputed from the log, in the chosen format. 0 when they match.
int print_verify(store::Reader& reader, const std::string& format, std::ostream& out) {
  auto rep = reader.verify();
  if (format == "json") {
    nlohmann::json j = {
        {"ok", rep.ok()}, {"kudos", rep.kudos}, {"tally_entries", rep.tally_keys}, {"drift", rep.drift}};
    out << j.dump(2) << '\n';
  } else if (format == "csv") {
    out << "kind,detail\r\n";
    out << "checked," << rep.kudos << " kudos and " << rep.tally_keys << " tally entries\r\n";
    for (const auto& d : rep.drift) out << "drift," << csv_field(d) << "\r\n";
    out << (rep.ok() ? "ok,tallies match the log\r\n" : "drift,tallies differ from the log\r\n");
  } else {
    out << "checked " << rep.kudos << " kudos and " << rep.tally_keys << " tally entries\n";
    for (const auto& d : rep.drift) out << "drift: " << d << '\n';
    out << (rep.ok() ? "ok: tallies match the log\n" : "DRIFT: tallies differ from the log\n");
  }
  return rep.ok() ? 0 : 1;
}

// The summary's range and filters from the options; false (with the reason on `err`) on a bad one.
bool summary_query(store::Reader& reader, const core::Calendar& cal, const ReportOptions& opt,
                   core::Millis now, store::SummaryQuery& q, std::ostream& err) {
  std::int32_t today = cal.day(now);
  std::int32_t from_day = cal.bucket(
      core::Period::day, cal.range(core::Period::month, cal.bucket(core::Period::month, now)).from);
  std::int32_t until_day = today;
  // An empty option keeps the default; a malformed one is a usage error naming the option.
  auto day_option = [&](const char* name, const std::string& value, std::int32_t& day) {
    if (value.empty()) return true;
    auto d = cal.parse_day(value);
    if (!d) {
      err << "report: " << name << ": '" << value << "' is not a date (YYYY-MM-DD)\n";
      return false;
    }
    day = *d;
    return true;
  };
  if (!day_option("--since", opt.since, from_day) || !day_option("--until", opt.until, until_day))
    return false;
  if (from_day > until_day) {
    err << "report: --since is after --until\n";
    return false;
  }
  q.from = cal.start_of_day(from_day);
  q.until = cal.range(core::Period::day, until_day).until;
  if (!opt.user.empty()) {
    q.users = store::ids_given(reader, opt.user, '@');
    if (q.users.empty()) {
      err << "report: --user: nobody called '" << opt.user << "' is in the ledger\n";
      return false;
    }
  }
  if (!opt.channel.empty()) {
    auto ids = store::ids_given(reader, opt.channel, '#');
    if (ids.empty()) {
      err << "report: --channel: no channel called '" << opt.channel << "' is in the ledger\n";
      return false;
    }
    // A summary of whichever came first would be another channel's, unannounced.
    if (ids.size() > 1) {
      err << "report: --channel: " << store::names_several(opt.channel, ids) << '\n';
      return false;
    }
    q.channel = ids.front();
  }
  return true;
}

}  // namespace

int run_report(store::Store& store, const ReportOptions& opt, core::Millis now, std::ostream& out,
               std::ostream& err) {
  const auto& cal = store.calendar();
  auto reader = store.read();
  if (opt.format != "table" && opt.format != "csv" && opt.format != "json") {
    err << "report: --format must be table, csv or json\n";
    return 2;
  }
  if (opt.verify) return print_verify(*reader, opt.format, out);
  store::SummaryQuery q;
  if (!summary_query(*reader, cal, opt, now, q, err)) return 2;
  auto summary = reader->summary(q);
  NameOf name_of = [&reader](std::string_view id) { return reader->name_of(id); };
  if (opt.format == "csv")
    out << summary_csv(summary, cal, name_of);
  else if (opt.format == "json")
    out << summary_json(summary, cal, name_of);
  else
    out << summary_table(summary, cal, name_of);
  return 0;
}

}  // namespace brigade::app
