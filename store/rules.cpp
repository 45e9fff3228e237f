// Ledger rules shared by the LMDB and PostgreSQL backends.
#include "store/rules.hpp"

#include <set>
#include <string>

#include "store/store.hpp"

namespace brigade::store::rules {

void need_allowance_period(Period p) {
  if (p != Period::day && p != Period::week && p != Period::month)
    throw StoreError("allowances are kept per day, week or month", StoreError::Code::invalid);
}

std::int32_t allowance_buckets_kept(Period p) {
  switch (p) {
    case Period::day:
      return 31;
    case Period::week:
      return 5;
    default:
      return 2;
  }
}

codec::AuditRec audit_record(const AuditEntry& e,
                             const std::function<std::uint32_t(std::string_view)>& person_number) {
  codec::AuditRec a;
  a.ts = e.ts;
  a.actor = e.actor.empty() ? 0 : person_number(e.actor);
  a.action = e.action;
  if (!e.subject.empty()) {
    const bool person = e.subject.find(':') != std::string::npos;
    a.subject_kind = person ? 1 : 2;
    if (person)
      a.subject = person_number(e.subject);
    else
      a.subject_text = e.subject;
  }
  a.detail = e.detail;
  return a;
}

void add_person_audit(PersonRecord& out, std::vector<AuditEntry> all) {
  std::set<std::string> theirs;
  for (const auto* list : {&out.given, &out.received})
    for (const auto& k : *list) theirs.insert(kudos_label(k.number));
  for (auto& e : all)
    if (e.actor == out.user || e.subject == out.user || theirs.count(e.subject))
      out.audit.push_back(std::move(e));
}

}  // namespace brigade::store::rules
