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
std::string summary_json(const store::Summary& s, const core::Calendar& cal, const NameOf& name_of);
std::string summary_table(const store::Summary& s, const core::Calendar& cal, const NameOf& name_of);
// RFC 4180 quoting, and a leading ' before = + - @ so spreadsheets never run a cell as a formula.
std::string csv_field(std::string_view v);

}  // namespace brigade::bot
