// Ledger rules both backends keep the same way, whatever their storage: which periods an
// allowance is counted in and how long its history is kept, what an audit entry's record holds,
// and which audit entries belong to a person's export.
#pragma once

#include <cstdint>
#include <functional>
#include <string_view>
#include <vector>

#include "store/codec.hpp"
#include "store/records.hpp"

namespace brigade::store::rules {

// Throws StoreError (invalid) unless allowances can be kept per `p` (day, week or month).
void need_allowance_period(Period p);
// Allowance history is kept for about a month, in buckets of the slot's own period: nothing reads
// older slots, and the table would grow forever.
std::int32_t allowance_buckets_kept(Period p);

// The stored record of `e`: the actor, and a subject that is a person's qualified id
// ("slack:T1:U1"), by their number (`person_number`); any other subject ("K42") as text.
codec::AuditRec audit_record(const AuditEntry& e, const std::function<std::uint32_t(std::string_view)>& person_number);

// Adds to out.audit the entries of `all` by the person, about them, or about a kudos they gave
// or received ("K42"); out.user, out.given and out.received must be filled in.
void add_person_audit(PersonRecord& out, std::vector<AuditEntry> all);

}  // namespace brigade::store::rules
