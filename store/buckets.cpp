// Bucket numbers for the tally periods, computed from the local day.
#include "store/buckets.hpp"

#include <algorithm>
#include <stdexcept>

namespace brigade::store {

bool has_tally(core::Period p) {
  return std::find(kTallyPeriods.begin(), kTallyPeriods.end(), p) != kTallyPeriods.end();
}

MonthSpan months_of(core::Period p, std::int32_t bucket) {
  // Floor division, so a bucket before 1970 (negative) still maps to its own months.
  auto floor_div = [](std::int32_t a, std::int32_t b) { return a / b - ((a % b != 0) && ((a < 0) != (b < 0))); };
  switch (p) {
    case core::Period::month:
      return {bucket, 1};
    case core::Period::quarter: {
      const std::int32_t year = floor_div(bucket, 4);
      return {year * 12 + (bucket - year * 4) * 3, 3};
    }
    case core::Period::year:
      return {bucket * 12, 12};
    default:
      throw std::logic_error("months_of: not a month, quarter or year");
  }
}

CivilDate civil_from_days(std::int64_t z) {
  z += 719468;
  const std::int64_t era = (z >= 0 ? z : z - 146096) / 146097;
  const auto doe = static_cast<unsigned>(z - era * 146097);
  const unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
  const std::int64_t y = static_cast<std::int64_t>(yoe) + era * 400;
  const unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
  const unsigned mp = (5 * doy + 2) / 153;
  const unsigned d = doy - (153 * mp + 2) / 5 + 1;
  const unsigned m = mp < 10 ? mp + 3 : mp - 9;
  return CivilDate{static_cast<int>(y + (m <= 2)), m, d};
}

const std::array<std::int32_t, kTallyPeriods.size()>& Buckets::of(core::Millis ts) {
  if (ts >= from_ && ts < until_) return cur_;
  const std::int32_t day = cal_.day(ts);
  // 1970-01-01 was a Thursday (4 with 0 = Sunday).
  const int weekday = static_cast<int>(((static_cast<std::int64_t>(day) % 7) + 7 + 4) % 7);
  const std::int32_t week = day - (weekday - cal_.week_start() + 7) % 7;
  const CivilDate c = civil_from_days(day);
  const int m0 = static_cast<int>(c.month) - 1;
  cur_ = {week, c.year * 12 + m0, c.year * 4 + m0 / 3, c.year, 0};
  const core::Range r = cal_.range(core::Period::day, day);
  // Only trust the cache where the zone maps this instant back to the same day (DST oddities).
  if (ts >= r.from && ts < r.until) {
    from_ = r.from;
    until_ = r.until;
  } else {
    from_ = 1;
    until_ = 0;
  }
  return cur_;
}

}  // namespace brigade::store
