// The dashboard page: server-rendered HTML with inline CSS and SVG charts, nothing fetched from
// elsewhere (works offline, on a laptop and on a TV).
#pragma once

#include <string>
#include <vector>

#include "core/calendar.hpp"
#include "store/store.hpp"

namespace brigade::web {

struct DashboardQuery {
  core::Period period = core::Period::month;  // leaderboards and the chart
  std::string channel;                        // qualified id; empty = the whole workspace
  // The manager view: a date range and filters, as /api/v1/summary takes them.
  std::int32_t since_day = 0, until_day = 0;  // local days, inclusive
  std::vector<std::string> users;
  std::string summary_channel;
  std::string kudos;  // a kudos to look up, as typed ("K42"); empty: none
  std::string token;  // carried in links and forms when the page was opened with ?token=
  // The most kudos one page reads from the log (chart, values, recent): a busy workspace's
  // "all time" is charted from its newest kudos back, and the page says where it stopped.
  std::size_t max_scanned = 100000;
};

// Competition ranks ("1224") for a leaderboard sorted by count, highest first: people tied on a
// count share the rank of the first of them, and the next rank skips. The API and the page agree.
std::vector<std::uint32_t> competition_ranks(const std::vector<store::LeaderEntry>& entries);

std::string render_dashboard(store::Reader& r, const core::Calendar& cal, const DashboardQuery& q,
                             core::Millis now);

}  // namespace brigade::web
