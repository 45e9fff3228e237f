// The recognition summary's renderings, shared by `brigade report` and the web API, so every
// surface shows the same numbers the same way (the query itself is store::Reader::summary).
#pragma once

#include <functional>
#include <string>
#include <string_view>

#include "core/calendar.hpp"
#include "store/store.hpp"

namespace brigade::bot {

// Display name for a qualified id ("" when unknown); reasons name their givers with it.
using NameOf = std::function<std::string(std::string_view id)>;

std::string summary_csv(const store::Summary& s, const core::Calendar& cal, const NameOf& name_of);
// The CSV in pieces, for answers sent while they are written: the header line, then one line a person.
std::string summary_csv_header();
std::string summary_csv_row(const store::PersonSummary& p, const core::Calendar& cal, const NameOf& name_of);

// Which part of the people a JSON summary holds (`s.people` is already that part).
struct SummaryPage {
  std::size_t offset = 0, limit = 0;
  std::size_t people_total = 0;  // people in the whole summary
};
// Rendered one person at a time, so memory follows the text rather than a whole JSON tree. With a
// page: "offset", "limit", "people_total" and "next" (the next page's offset, or null) are added.
std::string summary_json(const store::Summary& s, const core::Calendar& cal, const NameOf& name_of,
                         const SummaryPage* page = nullptr);
std::string summary_table(const store::Summary& s, const core::Calendar& cal, const NameOf& name_of);
// RFC 4180 quoting, and a leading ' before = + - @ so spreadsheets never run a cell as a formula.
std::string csv_field(std::string_view v);

}  // namespace brigade::bot
