// Counters and histograms for /metrics (Prometheus text format). Cheap enough for hot paths: one
// mutex, no allocation once a label set has been seen. There is no global instance: the composition
// root (app/app.cpp) owns one and hands it by reference to the Committer, the web API and the
// adapters; a test owns its own.
#pragma once

#include <array>
#include <cstdint>
#include <map>
#include <mutex>
#include <string>
#include <string_view>
#include <tuple>

#include "commands/commands.hpp"

namespace brigade::bot {

// A Prometheus label value, escaped (backslash, double quote, line feed).
std::string prometheus_label(std::string_view v);

class Metrics {
 public:
  void command(std::string_view command, std::string_view platform, commands::Outcome outcome);
  void kudos_recorded(std::size_t n);
  void commit_seconds(double seconds);                         // one group commit, writes included
  void ack_seconds(std::string_view adapter, double seconds);  // received → acked/committed
  void reconnect(std::string_view adapter);

  std::string prometheus() const;

  // Upper bounds of the histogram buckets, in seconds (+Inf is implied).
  static constexpr std::array<double, 13> kBuckets = {0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05,
                                                      0.1,    0.25,  0.5,    1,     2.5,  5};

 private:
  struct Histogram {
    std::array<std::uint64_t, kBuckets.size()> counts{};  // not cumulative; summed when rendered
    std::uint64_t count = 0;
    double sum = 0;
    void observe(double v);
  };
  mutable std::mutex mu_;
  std::map<std::tuple<std::string, std::string, std::string>, std::uint64_t, std::less<>> commands_;
  std::uint64_t kudos_ = 0;
  Histogram commit_;
  std::map<std::string, Histogram, std::less<>> ack_;
  std::map<std::string, std::uint64_t, std::less<>> reconnects_;
};

}  // namespace brigade::bot
