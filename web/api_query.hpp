// Web-internal: what the route files (api.cpp, api_audit.cpp) share for reading a request's query
// (api_query.cpp).
#pragma once

#include <cstdint>
#include <initializer_list>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/calendar.hpp"
#include "store/store.hpp"
#include "web/api.hpp"

namespace brigade::web {

// The decoded query: every value of each name, in the order sent.
using Query = std::map<std::string, std::vector<std::string>>;

// A 400 naming the first parameter that is not one of `known`; nullopt when all are.
std::optional<Response> unknown_parameters(const Query& q, std::initializer_list<const char*> known);
// The last value of `name`, nullopt when it is absent.
std::optional<std::string> single(const Query& q, const std::string& name);
// `name` as a whole number from `lo` to `hi` into `out` (left alone when absent), or the 400.
std::optional<Response> read_number(const Query& q, const std::string& name, std::size_t lo, std::size_t hi,
                                    std::size_t& out);
// `period`: week, month, quarter, year or all (`fallback` when absent), spelled exactly so.
std::optional<Response> read_period(const Query& q, std::string_view fallback, core::Period& out);
// `since` and `until` as local days, inclusive; by default this month so far (as `brigade
// report`). `empty_is_default`: an empty value (a cleared form field) keeps the default.
std::optional<Response> read_days(const Query& q, const core::Calendar& cal, core::Millis now,
                                  bool empty_is_default, std::int32_t& from_day, std::int32_t& until_day);
// A channel filter (`parameter`): a qualified id as given, or a channel's name ("general",
// "#general") resolved to the one id `r` knows by it; empty or absent = the whole workspace. A
// name that matches nothing or several ids is a 400, not an empty board.
std::optional<Response> read_channel(const Query& q, const char* parameter, store::Reader& r,
                                     std::string& out);

}  // namespace brigade::web
