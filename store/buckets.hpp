// The tally periods and a fast timestamp → buckets mapping that asks the time zone once per local day.
#pragma once

#include <array>
#include <cstdint>

#include "core/calendar.hpp"

namespace brigade::store {

// Periods with tallies (day is left out: no leaderboard asks for it, and it would add a fifth of the keys).
inline constexpr std::array<core::Period, 5> kTallyPeriods = {
    core::Period::week, core::Period::month, core::Period::quarter, core::Period::year, core::Period::all};
bool has_tally(core::Period p);

// Gives the same numbers as Calendar::bucket for every period in kTallyPeriods, but derives them
// from the local day number, and remembers the UTC range of the last day it looked up: replaying
// a log in time order costs one zone lookup per day instead of five per kudos.
class Buckets {
 public:
  explicit Buckets(const core::Calendar& cal) : cal_(cal) {}
  const std::array<std::int32_t, kTallyPeriods.size()>& of(core::Millis ts);

 private:
  const core::Calendar& cal_;
  core::Millis from_ = 1;  // cached day range, empty to start with
  core::Millis until_ = 0;
  std::array<std::int32_t, kTallyPeriods.size()> cur_{};
};

// Proleptic Gregorian date of a day number (days since 1970-01-01); Howard Hinnant's algorithm.
struct CivilDate {
  int year;
  unsigned month;  // 1..12
  unsigned day;    // 1..31
};
CivilDate civil_from_days(std::int64_t days);

}  // namespace brigade::store
