// The per-command handlers behind commands::handle, one file each; dispatch is in commands.cpp.
#pragma once

#include "commands/commands.hpp"

namespace brigade::commands {

// Each expects valid UTF-8 (handle() refuses anything else first) and writes to the store only
// after every rule has said yes.
Result handle_thanks(const core::Event& e, store::Writer& store, const Context& ctx);
Result handle_praise(const core::Event& e, store::Writer& store, const Context& ctx);
Result handle_ask(const core::Event& e, store::Writer& store, const Context& ctx);
Result handle_leaderboard(const core::Event& e, store::Writer& store, const Context& ctx);
Result handle_kudos(const core::Event& e, store::Writer& store, const Context& ctx);
// The Slack App Home tab was opened (home.cpp): the view, and when it was opened (meta).
Result handle_home(const core::Event& e, store::Writer& store, const Context& ctx);

struct KudosArgs;
// /kudos undo, /kudos revoke, /kudos privacy (kudos_corrections.cpp).
Result handle_undo(const core::Event& e, store::Writer& store, const Context& ctx, const KudosArgs& args);
Result handle_revoke(const core::Event& e, store::Writer& store, const Context& ctx, const KudosArgs& args);
Result handle_privacy(const core::Event& e, store::Writer& store, const Context& ctx, const KudosArgs& args);

// Whether `user_id` is listed (managers, admins).
bool listed(const std::vector<std::string>& ids, std::string_view user_id);

}  // namespace brigade::commands
