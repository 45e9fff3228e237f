// The giver's allowance: kudos per day, week or month (kudos.allowance, kudos.allowance_period) and
// the cap per recipient (kudos.max_per_recipient), checked and debited in the command's transaction.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "commands/commands.hpp"
#include "core/types.hpp"
#include "store/store.hpp"

namespace brigade::commands {

// The allowance slot holding `ctx.now`.
store::AllowanceSlot allowance_slot(const Context& ctx);
// "today", "this week", "this month".
std::string period_phrase(core::Period p);
// "Your allowance renews at midnight (Europe/Berlin), in 5 h 20 min."
std::string renewal_text(const Context& ctx);
// Kudos `giver` has left in the current slot (meaningless when rules.allowance == 0).
std::uint32_t allowance_left(store::Writer& store, const Context& ctx, const std::string& giver);

// Debits one kudos per recipient from `giver`'s allowance and from each giver→recipient cap.
// nullopt when every limit allowed it (and it is debited); else the refusal text, nothing written.
std::optional<std::string> debit_allowance(store::Writer& store, const Context& ctx, const std::string& giver,
                                           const std::vector<core::UserRef>& recipients);

}  // namespace brigade::commands
