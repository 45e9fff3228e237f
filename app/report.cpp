// `brigade report`: the range and filter from the options, then one of the summary's renderings.
#include "app/report.hpp"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <iomanip>
#include <ostream>
#include <sstream>

#include "core/text.hpp"

namespace brigade::app {

// The renderings `brigade report` shares with the API.
using bot::csv_field;
using bot::NameOf;
using bot::summary_csv;
using bot::summary_json;
using bot::summary_table;

namespace {

// Resolves "alice" or "console:alice" to the ids the store knows.
std::vector<std::string> resolve(store::Reader& r, const std::string& who) {
  if (who.find(':') != std::string::npos) return {who};
  std::string bare = who;
  if (!bare.empty() && (bare.front() == '@' || bare.front() == '#')) bare.erase(0, 1);
  return r.ids_named(bare);
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
  if (opt.verify) {
    auto rep = reader->verify();
    if (opt.format == "json") {
      nlohmann::json j = {
          {"ok", rep.ok()}, {"kudos", rep.kudos}, {"tally_entries", rep.tally_keys}, {"drift", rep.drift}};
      out << j.dump(2) << '\n';
    } else if (opt.format == "csv") {
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
  store::SummaryQuery q;
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
  if (!day_option("--since", opt.since, from_day) || !day_option("--until", opt.until, until_day)) return 2;
  if (from_day > until_day) {
    err << "report: --since is after --until\n";
    return 2;
  }
  q.from = cal.start_of_day(from_day);
  q.until = cal.range(core::Period::day, until_day).until;
  if (!opt.user.empty()) {
    q.users = resolve(*reader, opt.user);
    if (q.users.empty()) {
      err << "report: --user: nobody called '" << opt.user << "' is in the ledger\n";
      return 2;
    }
  }
  if (!opt.channel.empty()) {
    auto ids = resolve(*reader, opt.channel);
    if (ids.empty()) {
      err << "report: --channel: no channel called '" << opt.channel << "' is in the ledger\n";
      return 2;
    }
    q.channel = ids.front();
  }
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
