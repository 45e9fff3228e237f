// How `brigade admin` prints: the audit log (table, CSV, JSON) and a person's export (JSON).
#pragma once

#include <functional>
#include <iosfwd>
#include <nlohmann/json_fwd.hpp>
#include <string>
#include <vector>

#include "core/calendar.hpp"
#include "store/store.hpp"

namespace brigade::app {

// "2026-12-02T06:01:10Z"
std::string iso_utc(core::Millis ts);

void write_audit(std::ostream& out, const std::vector<store::AuditEntry>& entries, const core::Calendar& cal,
                 const std::string& format, const std::function<std::string(const std::string&)>& name_of);

// The GDPR access/portability document for one person.
nlohmann::json person_json(const store::PersonRecord& p, const core::Calendar& cal, core::Millis now);

}  // namespace brigade::app
