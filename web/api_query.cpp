// The query parameters the routes share: how each is read, and the 400 that names it.
#include "web/api_query.hpp"

#include <charconv>
#include <set>

#include "core/text.hpp"

namespace brigade::web {

std::optional<Response> unknown_parameters(const Query& q, std::initializer_list<const char*> known) {
  std::set<std::string> ok(known.begin(), known.end());
  for (const auto& [k, v] : q)
    if (!ok.count(k)) return error(400, "unknown parameter", k);
  return std::nullopt;
}

std::optional<std::string> single(const Query& q, const std::string& name) {
  auto it = q.find(name);
  if (it == q.end() || it->second.empty()) return std::nullopt;
  return it->second.back();
}

std::optional<Response> read_number(const Query& q, const std::string& name, std::size_t lo, std::size_t hi,
                                    std::size_t& out) {
  auto v = single(q, name);
  if (!v) return std::nullopt;
  std::size_t n = 0;
  auto [ptr, ec] = std::from_chars(v->data(), v->data() + v->size(), n);
  if (ec != std::errc() || ptr != v->data() + v->size() || v->empty() || n < lo || n > hi)
    return error(400, name + " must be a number from " + std::to_string(lo) + " to " + std::to_string(hi),
                 name);
  out = n;
  return std::nullopt;
}

std::optional<Response> read_period(const Query& q, std::string_view fallback, core::Period& out) {
  std::string name = single(q, "period").value_or(std::string(fallback));
  auto p = core::parse_period(name);
  if (!p || *p == core::Period::day || core::to_string(*p) != name)
    return error(400, "period must be week, month, quarter, year or all", "period");
  out = *p;
  return std::nullopt;
}

std::optional<Response> read_days(const Query& q, const core::Calendar& cal, core::Millis now,
                                  bool empty_is_default, std::int32_t& from_day, std::int32_t& until_day) {
  from_day = cal.day(cal.range(core::Period::month, cal.bucket(core::Period::month, now)).from);
  until_day = cal.day(now);
  for (const char* name : {"since", "until"}) {
    auto v = single(q, name);
    if (!v || (empty_is_default && v->empty())) continue;
    auto d = cal.parse_day(*v);
    if (!d) return error(400, std::string(name) + " must be YYYY-MM-DD", name);
    (std::string_view(name) == "since" ? from_day : until_day) = *d;
  }
  if (from_day > until_day) return error(400, "since is after until", "since");
  return std::nullopt;
}

// As `brigade report --channel` resolves a name; an empty board for a name nobody has would look
// like a quiet channel.
std::optional<Response> read_channel(const Query& q, const char* parameter, store::Reader& r,
                                     std::string& out) {
  std::string given(core::trim(single(q, parameter).value_or("")));
  out.clear();
  if (given.empty()) return std::nullopt;
  auto ids = store::ids_given(r, given, '#');
  if (ids.empty())
    return error(400,
                 "no channel called '" + given +
                     "' is in the ledger; give its name or its qualified id (slack:T…:C…, "
                     "matrix:!room:server, console:name)",
                 parameter);
  if (ids.size() > 1) return error(400, store::names_several(given, ids), parameter);
  out = ids.front();
  return std::nullopt;
}

}  // namespace brigade::web
