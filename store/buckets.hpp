// The tally periods and a fast timestamp → buckets mapping that asks the time zone once per local day.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>

#include "core/calendar.hpp"

namespace brigade::store {

// Periods with tallies (day is left out: no leaderboard asks for it, and it would add a fifth of the keys).
inline constexpr std::array<core::Period, 5> kTallyPeriods = {
    core::Period::week, core::Period::month, core::Period::quarter, core::Period::year, core::Period::all};
bool has_tally(core::Period p);
// Where a period's bucket sits in kTallyPeriods and in Buckets::of.
constexpr std::size_t tally_index(core::Period p) {
  for (std::size_t i = 0; i < kTallyPeriods.size(); ++i)
    if (kTallyPeriods[i] == p) return i;
  return kTallyPeriods.size();
}

// The periods the LMDB ledger keeps counters for. A quarter or a year is the sum of its months'
// counters, read when asked: 3 counters per kudos and period instead of 5 (PostgreSQL keeps all
// five in its tally table).
inline constexpr std::array<core::Period, 3> kCounterPeriods = {core::Period::week, core::Period::month,
                                                                core::Period::all};
// The month buckets (year * 12 + month - 1) a tally period's bucket spans: itself for a month,
// three for a quarter, twelve for a year. Not for week or all.
struct MonthSpan {
  std::int32_t first;
  std::int32_t count;
};
MonthSpan months_of(core::Period p, std::int32_t bucket);

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
