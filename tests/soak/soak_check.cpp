// The soak's checks: the ledger read back, duplicates and missing replies, the bot's logs, and
// `brigade report --verify`.
#include <algorithm>
#include <cstdio>
#include <fstream>
#include <limits>
#include <sstream>

#include "core/calendar.hpp"
#include "tests/soak/soak.hpp"
#include "tests/support/process.hpp"

namespace brigade::soak {

std::vector<std::size_t> soak_ids(const std::string& s) {
  std::vector<std::size_t> out;
  for (auto at = s.find("soak-"); at != std::string::npos; at = s.find("soak-", at + 5)) {
    std::size_t p = at + 5, n = 0;
    if (p >= s.size() || s[p] < '0' || s[p] > '9') continue;
    while (p < s.size() && s[p] >= '0' && s[p] <= '9') n = n * 10 + static_cast<std::size_t>(s[p++] - '0');
    out.push_back(n);
  }
  return out;
}

std::optional<Ledger> read_ledger(const fs::path& data, std::string* error) {
  try {
    core::Calendar cal("UTC");
    store::Options o;
    o.dir = data;
    o.read_only = true;
    auto st = store::Store::open(o, cal);
    auto r = st->read();
    Ledger l;
    for (auto& k : r->kudos_between(0, std::numeric_limits<core::Millis>::max(), 0)) {
      auto ids = soak_ids(k.reason);
      if (ids.size() != 1 || k.revoked)
        ++l.other;
      else
        l.by_id[ids[0]].push_back(std::move(k));
    }
    l.outbox = r->outbox_depth();
    l.matrix_cursor = r->cursor("matrix");
    return l;
  } catch (const std::exception& e) {
    if (error) *error = e.what();
    return std::nullopt;
  }
}

Verify report_verify(const Options& o, const fs::path& data) {
  testing::Child c({o.brigade, "report", "--verify"},
                   {{"BRIGADE_DATA_DIR", data.string()}, {"BRIGADE_CONFIG", ""}, {"BRIGADE_TZ", "UTC"}});
  Verify v;
  v.status = c.wait(std::chrono::seconds(60));
  v.out = c.out() + c.err();
  while (!v.out.empty() && v.out.back() == '\n') v.out.pop_back();
  return v;
}

void tally_duplicates(Result& res, const Copies& copies, bool is_public, const std::string& what) {
  for (const auto& [n, list] : copies) {
    if (list.size() < 2) continue;
    auto sorted = list;
    std::sort(sorted.begin(), sorted.end(), [](const Copy& a, const Copy& b) { return a.at < b.at; });
    int first_run = run_at(res.runs, sorted.front().at);
    for (std::size_t i = 1; i < sorted.size(); ++i) {
      int later_run = run_at(res.runs, sorted[i].at);
      (is_public ? res.dup_public : res.dup_private) += 1;
      if (first_run >= 0) (is_public ? res.runs[first_run].dup_public : res.runs[first_run].dup_private) += 1;
      std::ostringstream line;
      line << what << " for soak-" << n << " twice: first in run " << first_run;
      if (first_run >= 0) {
        const Run& fr = res.runs[first_run];
        char gap[32];
        std::snprintf(gap, sizeof gap, "%.1f", ms_between(sorted.front().at, fr.signalled));
        line << " (" << stop_name(fr.stop) << " " << fr.planned_ms << " ms after its start), " << gap
             << " ms before the " << stop_name(fr.stop);
      }
      line << "; " << sorted.front().detail << "; again in run " << later_run << " (" << sorted[i].detail
           << ")";
      if (first_run >= 0 && first_run == later_run) {
        ++res.dup_in_one_run;
        res.failures.push_back("duplicate without a restart in between: " + line.str());
      } else if (first_run >= 0 && res.runs[first_run].stop != Stop::kill) {
        ++res.dup_after_term;
        res.failures.push_back("duplicate after a graceful stop: " + line.str());
      } else {
        res.notes.push_back(line.str());
      }
    }
  }
}

void missing_replies(Result& res, const std::vector<std::size_t>& counted, const Copies& pub,
                     const Copies& prv) {
  std::string which;
  for (std::size_t n = 1; n < counted.size(); ++n) {
    if (counted[n] != 1) continue;
    bool no_pub = !pub.count(n), no_prv = !prv.count(n);
    res.missing_public += no_pub;
    res.missing_private += no_prv;
    if ((no_pub || no_prv) && res.missing_public + res.missing_private <= 10)
      which += std::string(which.empty() ? "" : ", ") + "soak-" + std::to_string(n) +
               (no_pub && no_prv ? " (both)"
                : no_pub         ? " (public)"
                                 : " (private)");
  }
  if (res.missing_public + res.missing_private > 0)
    res.failures.push_back(std::to_string(res.missing_public) + " public and " +
                           std::to_string(res.missing_private) + " private replies never arrived: " + which);
}

void scan_logs(Result& res, const fs::path& dir) {
  std::size_t dropped = 0;
  for (const auto& f : fs::directory_iterator(dir)) {
    if (f.path().extension() != ".log") continue;
    std::ifstream in(f.path());
    for (std::string line; std::getline(in, line);) {
      if (line.find("more new events than one sync returns") != std::string::npos) ++res.limited_syncs;
      if (line.find("dropping reply") != std::string::npos && ++dropped <= 10)
        res.notes.push_back(f.path().filename().string() + ": " + line);
    }
  }
  if (dropped > 10) res.notes.push_back(std::to_string(dropped) + " 'dropping reply' lines in all");
}

void verify_ledger(Result& res, const Options& o, const fs::path& data) {
  res.verify = report_verify(o, data);
  if (res.verify.status != 0)
    res.failures.push_back("brigade report --verify exited " + std::to_string(res.verify.status) + ": " +
                           res.verify.out);
}

void print_runs(const Result& r) {
  std::printf(
      "\n%s runs (duplicates are charged to the run whose reply went out first; * stopped from outside):\n",
      r.platform.c_str());
  std::printf("  %3s %-8s %7s %8s %7s %7s %6s %8s %7s %7s\n", "run", "stop", "at ms", "ready ms", "new",
              "envel.", "acks", "redeliv.", "dup pub", "dup prv");
  for (std::size_t i = 0; i < r.runs.size(); ++i) {
    const Run& x = r.runs[i];
    char planned[16], ready[16];
    std::snprintf(planned, sizeof planned, "%d", x.planned_ms);
    std::snprintf(ready, sizeof ready, "%.0f", x.ready_ms);
    std::string stop = std::string(stop_name(x.stop)) + (x.outside ? "*" : "");
    std::printf("  %3zu %-8s %7s %8s %7zu %7zu %6zu %8zu %7zu %7zu\n", i, stop.c_str(),
                x.stop == Stop::final ? "-" : planned, x.ready_ms < 0 ? "-" : ready, x.new_commands,
                x.envelopes, x.acks, x.redelivered, x.dup_public, x.dup_private);
  }
}

}  // namespace brigade::soak
