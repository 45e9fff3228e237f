// Calendar arithmetic on Howard Hinnant's date/tz (std::chrono zones are missing from g++ 12).
#include "core/calendar.hpp"

#include <date/date.h>
#include <date/tz.h>

#include <algorithm>
#include <cctype>
#include <chrono>
#include <limits>
#include <stdexcept>

namespace brigade::core {
namespace {

using namespace std::chrono;

const date::time_zone* zone(const void* z) {
  return static_cast<const date::time_zone*>(z);
}

// Instants beyond ±2^50 ms (about 35,000 years) count as that bound: adding a zone offset to
// one near the int64 limits, or turning it into a civil date, would overflow.
Millis in_range(Millis ts) {
  constexpr Millis kLimit = Millis{1} << 50;
  return std::clamp(ts, -kLimit, kLimit);
}

date::local_days local_day_of(const date::time_zone* z, Millis ts) {
  auto lt = z->to_local(date::sys_time<milliseconds>(milliseconds(in_range(ts))));
  return date::floor<date::days>(lt);
}

Millis to_utc_ms(const date::time_zone* z, date::local_days d) {
  // A local midnight that does not exist (DST jump at 00:00) maps to the transition instant;
  // an ambiguous one to its first occurrence.
  auto st = z->to_sys(date::local_time<milliseconds>(d), date::choose::earliest);
  return st.time_since_epoch().count();
}

int first_day_of_week(date::local_days d, int week_start) {
  int wd = static_cast<int>(date::weekday(d).c_encoding());  // 0 = Sunday
  int back = (wd - week_start + 7) % 7;
  return static_cast<int>((d - date::days(back)).time_since_epoch().count());
}

}  // namespace

std::string_view to_string(Period p) {
  switch (p) {
    case Period::day:
      return "day";
    case Period::week:
      return "week";
    case Period::month:
      return "month";
    case Period::quarter:
      return "quarter";
    case Period::year:
      return "year";
    case Period::all:
      return "all";
  }
  return "all";
}

std::optional<Period> parse_period(std::string_view s) {
  std::string l(s);
  std::transform(l.begin(), l.end(), l.begin(), [](unsigned char c) { return std::tolower(c); });
  if (l == "day" || l == "today") return Period::day;
  if (l == "week") return Period::week;
  if (l == "month") return Period::month;
  if (l == "quarter") return Period::quarter;
  if (l == "year") return Period::year;
  if (l == "all" || l == "alltime" || l == "all-time") return Period::all;
  return std::nullopt;
}

Calendar::Calendar(std::string_view tz_name, int week_start)
    : tz_name_(tz_name), week_start_(week_start), zone_(nullptr) {
  if (week_start < 0 || week_start > 6)
    throw std::invalid_argument("week start must be a weekday (0 = Sunday … 6 = Saturday)");
  try {
    zone_ = date::locate_zone(tz_name_);
  } catch (const std::exception&) {
    throw std::invalid_argument("unknown time zone '" + tz_name_ + "'");
  }
}

Calendar::~Calendar() = default;
Calendar::Calendar(const Calendar&) = default;
Calendar& Calendar::operator=(const Calendar&) = default;

std::int32_t Calendar::bucket(Period p, Millis ts) const {
  auto d = local_day_of(zone(zone_), ts);
  date::year_month_day ymd(d);
  int y = static_cast<int>(ymd.year());
  int m = static_cast<int>(static_cast<unsigned>(ymd.month()));
  switch (p) {
    case Period::day:
      return static_cast<std::int32_t>(d.time_since_epoch().count());
    case Period::week:
      return first_day_of_week(d, week_start_);
    case Period::month:
      return y * 12 + (m - 1);
    case Period::quarter:
      return y * 4 + (m - 1) / 3;
    case Period::year:
      return y;
    case Period::all:
      return 0;
  }
  return 0;
}

Range Calendar::range(Period p, std::int32_t b) const {
  auto z = zone(zone_);
  auto month_start = [](int y, int m0) {
    return date::local_days(date::year(y) / date::month(static_cast<unsigned>(m0 + 1)) / 1);
  };
  date::local_days from, until;
  switch (p) {
    case Period::day:
      from = date::local_days(date::days(b));
      until = from + date::days(1);
      break;
    case Period::week:
      from = date::local_days(date::days(b));
      until = from + date::days(7);
      break;
    case Period::month: {
      int y = b / 12, m0 = b % 12;
      from = month_start(y, m0);
      until = m0 == 11 ? month_start(y + 1, 0) : month_start(y, m0 + 1);
      break;
    }
    case Period::quarter: {
      int y = b / 4, q = b % 4;
      from = month_start(y, q * 3);
      until = q == 3 ? month_start(y + 1, 0) : month_start(y, q * 3 + 3);
      break;
    }
    case Period::year:
      from = month_start(b, 0);
      until = month_start(b + 1, 0);
      break;
    case Period::all:
      return Range{std::numeric_limits<Millis>::min(), std::numeric_limits<Millis>::max()};
  }
  return Range{to_utc_ms(z, from), to_utc_ms(z, until)};
}

std::int32_t Calendar::shift(Period p, std::int32_t b, int offset) const {
  switch (p) {
    case Period::day:
      return b + offset;
    case Period::week:
      return b + 7 * offset;
    default:
      return p == Period::all ? 0 : b + offset;
  }
}

std::string Calendar::label(Period p, std::int32_t b) const {
  static const char* const kMonths[] = {"January",   "February", "March",    "April",
                                        "May",       "June",     "July",     "August",
                                        "September", "October",  "November", "December"};
  switch (p) {
    case Period::day:
      return date::format("%F", date::local_days(date::days(b)));
    case Period::week:
      return "week of " + date::format("%F", date::local_days(date::days(b)));
    case Period::month:
      return std::string(kMonths[b % 12]) + " " + std::to_string(b / 12);
    case Period::quarter:
      return std::to_string(b / 4) + " Q" + std::to_string(b % 4 + 1);
    case Period::year:
      return std::to_string(b);
    case Period::all:
      return "all time";
  }
  return {};
}

std::string Calendar::date_string(Millis ts) const {
  return date::format("%F", local_day_of(zone(zone_), ts));
}

std::string Calendar::datetime_string(Millis ts) const {
  auto lt = zone(zone_)->to_local(date::sys_time<milliseconds>(milliseconds(in_range(ts))));
  return date::format("%F %H:%M", date::floor<minutes>(lt));
}

std::optional<std::int32_t> Calendar::parse_day(std::string_view s) const {
  if (s.size() != 10 || s[4] != '-' || s[7] != '-') return std::nullopt;
  for (std::size_t i : {0u, 1u, 2u, 3u, 5u, 6u, 8u, 9u})
    if (!std::isdigit(static_cast<unsigned char>(s[i]))) return std::nullopt;
  int y = std::stoi(std::string(s.substr(0, 4)));
  unsigned m = static_cast<unsigned>(std::stoi(std::string(s.substr(5, 2))));
  unsigned d = static_cast<unsigned>(std::stoi(std::string(s.substr(8, 2))));
  date::year_month_day ymd{date::year(y), date::month(m), date::day(d)};
  if (!ymd.ok()) return std::nullopt;
  return static_cast<std::int32_t>(date::local_days(ymd).time_since_epoch().count());
}

std::string Calendar::signature() const {
  return tz_name_ + "|" + std::to_string(week_start_);
}

Millis SystemClock::now_ms() const {
  return duration_cast<milliseconds>(system_clock::now().time_since_epoch()).count();
}

Millis Calendar::at(std::int32_t day, int minute_of_day) const {
  auto lt =
      date::local_time<milliseconds>(date::local_days(date::days(day))) + std::chrono::minutes(minute_of_day);
  return zone(zone_)->to_sys(lt, date::choose::earliest).time_since_epoch().count();
}

int Calendar::weekday(std::int32_t day) const {
  return static_cast<int>(date::weekday(date::local_days(date::days(day))).c_encoding());
}

}  // namespace brigade::core
