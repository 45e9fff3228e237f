// The person's own page of the app (Slack App Home): their numbers, allowance, latest kudos, the
// tops of their channel and of the workspace, their open help requests, and a Give kudos button.
#pragma once

#include <string>

#include "commands/commands.hpp"
#include "core/types.hpp"
#include "store/store.hpp"

namespace brigade::commands {

// The Home view of `user` (a qualified id) as it is now: one Reply{audience = home, user, blocks,
// buttons = {kudos.give}}; `channel` is left for the caller (the command sets the event's). Read
// inside the writer's transaction; writes nothing. Within Slack's limits: a few dozen blocks at
// most, every text under 3,000 characters (reasons are shortened, long lists cut).
core::Reply home_view(store::Writer& store, const Context& ctx, const std::string& user);

// The meta key that records when `user` last opened their Home (ms since the epoch, as text).
std::string home_opened_key(const std::string& user);

}  // namespace brigade::commands
