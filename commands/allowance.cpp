// Allowances per period and per recipient, in the organisation's time zone.
#include "commands/allowance.hpp"

#include "commands/format.hpp"

namespace brigade::commands {

store::AllowanceSlot allowance_slot(const Context& ctx) {
  const auto p = ctx.rules.allowance_period;
  return store::AllowanceSlot{p, ctx.calendar.bucket(p, ctx.now)};
}

std::string period_phrase(core::Period p) {
  switch (p) {
    case core::Period::week:
      return "this week";
    case core::Period::month:
      return "this month";
    default:
      return "today";
  }
}

std::string renewal_text(const Context& ctx) {
  const auto slot = allowance_slot(ctx);
  const auto next = ctx.calendar.range(slot.period, slot.bucket).until;
  std::string when =
      slot.period == core::Period::day ? "at midnight" : "on " + ctx.calendar.date_string(next);
  return "Your allowance renews " + when + " (" + ctx.calendar.tz_name() + "), in " +
         duration_text(next - ctx.now) + ".";
}

std::uint32_t allowance_left(store::Writer& store, const Context& ctx, const std::string& giver) {
  const auto limit = ctx.rules.allowance;
  const auto used = store.allowance_used(giver, allowance_slot(ctx));
  return used >= limit ? 0 : limit - used;
}

std::optional<std::string> debit_allowance(store::Writer& store, const Context& ctx, const std::string& giver,
                                           const std::vector<core::UserRef>& recipients) {
  const auto& rules = ctx.rules;
  const auto slot = allowance_slot(ctx);
  const auto n = static_cast<std::uint32_t>(recipients.size());
  const std::string when = period_phrase(slot.period);
  // Every limit is checked before anything is written: a refusal changes nothing.
  if (rules.allowance != 0 && store.allowance_used(giver, slot) + n > rules.allowance) {
    const auto left = allowance_left(store, ctx, giver);
    if (left == 0)
      return "You've given all " + count_of(rules.allowance, "kudos", "kudos") + " for " +
             (slot.period == core::Period::day ? std::string("today") : when) +
             " — thank you for being so generous! 🙏 " + renewal_text(ctx);
    return "That needs " + count_of(n, "kudos", "kudos") + " but you have " + std::to_string(left) +
           " left " + when + ". Nothing recorded — try fewer people? " + renewal_text(ctx);
  }
  if (rules.max_per_recipient != 0) {
    for (const auto& r : recipients) {
      if (store.allowance_used(giver, slot, r.id) + 1 <= rules.max_per_recipient) continue;
      return "You've already given " + display_name(r) + " " +
             count_of(rules.max_per_recipient, "kudos", "kudos") + " " + when +
             " — the most one person can get from you. Nothing recorded; why not thank someone else who "
             "helped? " +
             renewal_text(ctx);
    }
  }
  if (!store.debit_allowance(giver, slot, n, rules.allowance))
    throw store::StoreError("the allowance changed under a single writer", store::StoreError::Code::misuse);
  if (rules.max_per_recipient != 0)
    for (const auto& r : recipients) store.debit_allowance(giver, slot, 1, rules.max_per_recipient, r.id);
  else
    for (const auto& r : recipients) store.debit_allowance(giver, slot, 1, 0, r.id);
  return std::nullopt;
}

}  // namespace brigade::commands
