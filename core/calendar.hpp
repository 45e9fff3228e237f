// The organisation's calendar: which day, week, month, quarter or year a moment belongs to,
// in the configured time zone with the configured first day of the week.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>

namespace brigade::core {

enum class Period : std::uint8_t { day = 0, week = 1, month = 2, quarter = 3, year = 4, all = 5 };
inline constexpr Period kAllPeriods[] = {Period::day,     Period::week, Period::month,
                                         Period::quarter, Period::year, Period::all};

std::string_view to_string(Period p);
std::optional<Period> parse_period(std::string_view s);  // "week", "month", …, "all"; case-insensitive

// Milliseconds since the Unix epoch (UTC).
using Millis = std::int64_t;

struct Range {
  Millis from = 0;   // inclusive
  Millis until = 0;  // exclusive
};

class Calendar {
 public:
  // Throws std::invalid_argument naming the problem for an unknown zone or a weekday outside 0..6.
  // week_start: 0 = Sunday, 1 = Monday, … 6 = Saturday.
  explicit Calendar(std::string_view tz_name = "UTC", int week_start = 1);
  ~Calendar();
  Calendar(const Calendar&);
  Calendar& operator=(const Calendar&);

  // Instants beyond ±2^50 ms (about ±35,000 years) are taken as that bound.
  // Bucket numbers are dense and ordered: day = local days since 1970-01-01, week = the day
  // number of the week's first day, month = year*12 + month-1, quarter = year*4 + quarter-1,
  // year = the year, all = 0.
  std::int32_t bucket(Period p, Millis ts) const;
  Range range(Period p, std::int32_t bucket) const;
  // The bucket `offset` periods before/after `bucket` (offset -1 = the previous week, …).
  std::int32_t shift(Period p, std::int32_t bucket, int offset) const;

  std::int32_t day(Millis ts) const { return bucket(Period::day, ts); }
  // The instant of local wall-clock time `minute_of_day` on local day `day` (DST-correct; a time
  // skipped by a DST jump maps to the jump).
  Millis at(std::int32_t day, int minute_of_day) const;
  // 0 = Sunday … 6 = Saturday, the convention of week_start.
  int weekday(std::int32_t day) const;
  Millis start_of_day(std::int32_t day) const { return range(Period::day, day).from; }

  // "2026-11-22" (day), "week of 2026-11-16" (week), "November 2026", "2026 Q4", "2026", "all time".
  std::string label(Period p, std::int32_t bucket) const;
  std::string date_string(Millis ts) const;      // local "YYYY-MM-DD"
  std::string datetime_string(Millis ts) const;  // local "YYYY-MM-DD HH:MM"
  // "YYYY-MM-DD" → local day number; nullopt when malformed or not a real date.
  std::optional<std::int32_t> parse_day(std::string_view s) const;

  const std::string& tz_name() const { return tz_name_; }
  int week_start() const { return week_start_; }
  // Identifies the bucketing rules; tallies computed under another signature must be rebuilt.
  std::string signature() const;

 private:
  std::string tz_name_;
  int week_start_;
  const void* zone_;  // const date::time_zone*, kept out of this header
};

// Source of "now"; tests inject a manual clock.
class Clock {
 public:
  virtual ~Clock() = default;
  virtual Millis now_ms() const = 0;
};

class SystemClock final : public Clock {
 public:
  Millis now_ms() const override;
};

class ManualClock final : public Clock {
 public:
  explicit ManualClock(Millis t = 0) : t_(t) {}
  Millis now_ms() const override { return t_; }
  void set(Millis t) { t_ = t; }
  void advance(Millis d) { t_ += d; }

 private:
  Millis t_;
};

}  // namespace brigade::core
