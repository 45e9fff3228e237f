// What a /thanks or /praise says once recorded: the public celebration (laid out, with the link
// it is about), the wins-channel cross-post, the K numbers, and the notes to the people thanked.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "commands/commands.hpp"
#include "commands/parse.hpp"
#include "core/types.hpp"
#include "store/store.hpp"

namespace brigade::commands {

// The reason as the giver wrote it: "for the review" reads on directly, anything else after a
// colon. Values stripped from the end of the reason come back as tags.
void reason_phrase(core::BodyBuilder& b, const std::string& reason, const std::vector<std::string>& values);

// The public celebration of the kudos `ids` (one per recipient, in order), tagged
// celebration_tag(ids.front()); a thanks says how many each recipient has this week.
core::Reply celebration_reply(const core::Event& e, store::Writer& store, const Context& ctx,
                              const ThanksArgs& args, bool praise, const std::vector<std::uint64_t>& ids);

// A praise shared in the platform's wins channel, unless it was given there (or there is none).
std::optional<core::Reply> wins_crosspost(const core::Event& e, const Rules& rules, const ThanksArgs& args);

// "K41" or "K41–K43": the numbers a giver can undo or an admin revoke.
std::string numbers_text(store::Writer& store, const std::vector<std::uint64_t>& ids);

// With Rules::recipient_dm: each person thanked (no bots, nobody who turned Brigade off) hears it
// directly, with who, where and why, linking to the celebration.
std::vector<core::Reply> recipient_notes(const core::Event& e, store::Writer& store, const ThanksArgs& args,
                                         bool praise, const std::vector<std::uint64_t>& ids);

}  // namespace brigade::commands
