// Corrections, privacy changes and erasure: the one path every way of taking a kudos back goes
// through (/kudos undo, /kudos revoke, brigade admin revoke, a removed reaction, a deleted
// message), each leaving a correction entry, an audit entry and the replies people should see.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "commands/commands.hpp"
#include "core/types.hpp"
#include "store/store.hpp"

namespace brigade::commands {

// The tag of a command's public celebration: "kudos:<id of its first kudos>".
std::string celebration_tag(std::uint64_t first_kudos_id);

// Takes kudos back with `why` (ts, how, by, reason): the allowance comes back, an audit entry is
// appended, and the returned replies (to enqueue on each kudos' platform, see reply_adapter)
// update the celebration in place and, for an admin's revoke, tell the recipient privately.
// Kudos already taken back or unknown are skipped; `taken` lists those actually taken back.
struct TakeBack {
  std::vector<std::uint64_t> taken;
  std::vector<core::Reply> replies;
};
TakeBack take_back(store::Writer& store, const Rules& rules, const core::Calendar& cal,
                   const std::vector<std::uint64_t>& ids, const store::Revocation& why);

// The adapter a reply about a kudos goes out through: the platform of its channel.
std::string reply_adapter(const core::Reply& r);

// Appends one audit entry (ts, actor, action, subject, detail).
void audit(store::Writer& store, core::Millis ts, std::string actor, std::string action, std::string subject,
           std::string detail);

// The actor name of the command line: "cli:<login>".
std::string cli_actor();

}  // namespace brigade::commands
