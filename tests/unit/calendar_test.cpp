// Calendar buckets and ranges in several zones, week starts and across DST changes.
#include "core/calendar.hpp"

#include <gtest/gtest.h>

#include <limits>
#include <stdexcept>

namespace brigade::core {
namespace {

// 2026-11-22 (a Sunday) 12:00:00 UTC
constexpr Millis kSunNoonUtc = 1795348800000;

TEST(Calendar, RejectsUnknownZone) {
  EXPECT_THROW(Calendar("Mars/Olympus_Mons"), std::invalid_argument);
}

TEST(Calendar, RejectsBadWeekStart) {
  EXPECT_THROW(Calendar("UTC", 7), std::invalid_argument);
}

// Found by tests/fuzz/commands_fuzz.cpp: a command stamped near INT64_MAX (a Matrix
// origin_server_ts is whatever the sending server says) overflowed ts + zone offset.
TEST(Calendar, InstantsNearTheInt64LimitsAreClamped) {
  Calendar c("Europe/Berlin", 1);
  constexpr Millis kLimit = Millis{1} << 50;
  constexpr Millis kMax = std::numeric_limits<Millis>::max(), kMin = std::numeric_limits<Millis>::min();
  for (auto p : kAllPeriods) {
    EXPECT_EQ(c.bucket(p, kMax), c.bucket(p, kLimit)) << to_string(p);
    EXPECT_EQ(c.bucket(p, kMin), c.bucket(p, -kLimit)) << to_string(p);
  }
  EXPECT_EQ(c.date_string(kMax), c.date_string(kLimit));
  EXPECT_EQ(c.datetime_string(kMin), c.datetime_string(-kLimit));
  EXPECT_LT(c.day(kMin), c.day(0));
  EXPECT_GT(c.day(kMax), c.day(kSunNoonUtc));
}

TEST(Calendar, DayLabelAndRangeInUtc) {
  Calendar c("UTC");
  auto d = c.day(kSunNoonUtc);
  EXPECT_EQ(c.label(Period::day, d), "2026-11-22");
  auto r = c.range(Period::day, d);
  EXPECT_EQ(r.until - r.from, 24 * 3600 * 1000);
  EXPECT_LE(r.from, kSunNoonUtc);
  EXPECT_GT(r.until, kSunNoonUtc);
}

TEST(Calendar, WeekStartsMondayByDefault) {
  Calendar c("UTC");
  auto w = c.bucket(Period::week, kSunNoonUtc);
  EXPECT_EQ(c.label(Period::week, w), "week of 2026-11-16");
}

TEST(Calendar, WeekStartingSundayBeginsThatDay) {
  Calendar c("UTC", 0);
  auto w = c.bucket(Period::week, kSunNoonUtc);
  EXPECT_EQ(c.label(Period::week, w), "week of 2026-11-22");
}

TEST(Calendar, LocalZoneMovesTheDay) {
  // 2026-11-22 23:30 UTC is already Monday 2026-11-23 in Berlin (UTC+1).
  Calendar utc("UTC"), berlin("Europe/Berlin");
  Millis late = kSunNoonUtc + (11 * 3600 + 30 * 60) * 1000LL;
  EXPECT_EQ(utc.date_string(late), "2026-11-22");
  EXPECT_EQ(berlin.date_string(late), "2026-11-23");
  EXPECT_NE(utc.bucket(Period::week, late), berlin.bucket(Period::week, late));
}

TEST(Calendar, DstDaysHave23And25Hours) {
  Calendar ny("America/New_York");
  auto spring = *ny.parse_day("2026-03-08");
  auto fall = *ny.parse_day("2026-11-01");
  auto rs = ny.range(Period::day, spring);
  auto rf = ny.range(Period::day, fall);
  EXPECT_EQ(rs.until - rs.from, 23 * 3600 * 1000LL);
  EXPECT_EQ(rf.until - rf.from, 25 * 3600 * 1000LL);
}

TEST(Calendar, MonthQuarterYearBuckets) {
  Calendar c("UTC");
  EXPECT_EQ(c.label(Period::month, c.bucket(Period::month, kSunNoonUtc)), "November 2026");
  EXPECT_EQ(c.label(Period::quarter, c.bucket(Period::quarter, kSunNoonUtc)), "2026 Q4");
  EXPECT_EQ(c.label(Period::year, c.bucket(Period::year, kSunNoonUtc)), "2026");
  EXPECT_EQ(c.bucket(Period::all, kSunNoonUtc), 0);
  auto q = c.range(Period::quarter, c.bucket(Period::quarter, kSunNoonUtc));
  EXPECT_EQ(c.date_string(q.from), "2026-10-01");
  EXPECT_EQ(c.date_string(q.until), "2027-01-01");
}

TEST(Calendar, ShiftMovesToPreviousBucket) {
  Calendar c("UTC");
  auto m = c.bucket(Period::month, kSunNoonUtc);
  EXPECT_EQ(c.label(Period::month, c.shift(Period::month, m, -1)), "October 2026");
  auto jan = *c.parse_day("2026-01-15");
  auto mj = c.bucket(Period::month, c.start_of_day(jan));
  EXPECT_EQ(c.label(Period::month, c.shift(Period::month, mj, -1)), "December 2025");
  auto w = c.bucket(Period::week, kSunNoonUtc);
  EXPECT_EQ(c.label(Period::week, c.shift(Period::week, w, -1)), "week of 2026-11-09");
}

TEST(Calendar, ParseDayRejectsNonsense) {
  Calendar c("UTC");
  EXPECT_FALSE(c.parse_day("2026-02-30"));
  EXPECT_FALSE(c.parse_day("2026-13-01"));
  EXPECT_FALSE(c.parse_day("yesterday"));
  EXPECT_FALSE(c.parse_day("2026-1-01"));
  EXPECT_TRUE(c.parse_day("2024-02-29"));
}

TEST(Calendar, SignatureNamesZoneAndWeekStart) {
  EXPECT_NE(Calendar("UTC", 1).signature(), Calendar("UTC", 0).signature());
  EXPECT_NE(Calendar("UTC", 1).signature(), Calendar("Europe/Berlin", 1).signature());
}

TEST(Period, ParsesNamesCaseInsensitively) {
  EXPECT_EQ(parse_period("Week"), Period::week);
  EXPECT_EQ(parse_period("QUARTER"), Period::quarter);
  EXPECT_EQ(parse_period("all"), Period::all);
  EXPECT_FALSE(parse_period("fortnight"));
}

}  // namespace
}  // namespace brigade::core
