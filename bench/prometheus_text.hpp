// Reading one value out of /metrics' Prometheus text, for the benchmarks that report the bot's own
// counters (matrix_batch's in-bot time, slack_load's database round trips).
#pragma once

#include <cstdlib>
#include <optional>
#include <string>
#include <string_view>

namespace brigade::bench {

// The value of `series` ("name" or "name{labels}" exactly as printed) in `text`; nullopt when no
// line carries it.
inline std::optional<double> prometheus_value(std::string_view text, std::string_view series) {
  while (!text.empty()) {
    const auto nl = text.find('\n');
    const auto line = text.substr(0, nl);
    if (line.size() > series.size() && line.starts_with(series) && line[series.size()] == ' ')
      return std::strtod(std::string(line.substr(series.size() + 1)).c_str(), nullptr);
    text = nl == std::string_view::npos ? std::string_view() : text.substr(nl + 1);
  }
  return std::nullopt;
}

}  // namespace brigade::bench
