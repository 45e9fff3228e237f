// `brigade report`: a recognition summary read straight from the data file.
#pragma once

#include <functional>
#include <iosfwd>
#include <string>
#include <string_view>

#include "bot/summary_format.hpp"
#include "core/calendar.hpp"
#include "store/store.hpp"

namespace brigade::app {

struct ReportOptions {
  std::string since;             // YYYY-MM-DD, default: first day of the current month
  std::string until;             // YYYY-MM-DD inclusive, default: today
  std::string channel;           // qualified id or a known channel name
  std::string user;              // qualified id or a known display name
  std::string format = "table";  // table, csv, json
  bool verify = false;           // recompute tallies from the log instead
};

// Exit status: 0 ok, 2 bad arguments (message on err), 1 drift found by --verify.
int run_report(store::Store& store, const ReportOptions& opt, core::Millis now, std::ostream& out,
               std::ostream& err);

}  // namespace brigade::app
