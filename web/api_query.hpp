// Web-internal: what the route files (api.cpp, api_audit.cpp) share for reading a request's query.
#pragma once

#include <initializer_list>
#include <map>
#include <optional>
#include <string>
#include <vector>

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

}  // namespace brigade::web
