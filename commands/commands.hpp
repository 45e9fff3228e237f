// The recognition domain's entry point: one call per command invocation, inside the writer's
// transaction. Handlers are plain functions of (event, store, context) that return replies as
// data; they never touch the network and never include Asio, Beast or nlohmann headers.
#pragma once

#include <cstdint>
#include <map>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "core/calendar.hpp"
#include "core/types.hpp"
#include "store/store.hpp"

namespace brigade::commands {

// The configurable rules (config/ fills these from TOML + environment).
struct Rules {
  std::uint32_t allowance = 5;  // kudos a giver may give per allowance period; 0 = unlimited
  core::Period allowance_period = core::Period::day;  // day, week or month, in the organisation's zone
  std::uint32_t max_per_recipient = 0;  // kudos from one giver to one person per period; 0 = no cap
  std::uint32_t undo_minutes = 15;      // how long a giver may take a kudos back (/kudos undo); 0 = never
  std::size_t max_recipients = 10;      // per /thanks or /praise
  std::size_t max_reason_length = 500;  // code points
  std::vector<std::string> values;      // allowed #values, lower-case without '#'; empty = any
  bool values_required = false;         // /thanks must carry at least one allowed #value
  std::map<std::string, std::string> wins_channel;  // platform -> raw channel id/name for /praise cross-posts
  std::vector<std::string> managers;                // qualified user ids allowed to see others' summaries
  std::vector<std::string> admins;                  // managers' rights + closing/cancelling anyone's /ask
  // Platforms whose "private" replies are in fact seen by the room (Matrix threads them to the
  // command unless matrix.private_replies = "direct"); help texts must not promise privacy there.
  std::set<std::string> replies_seen_by_room = {"matrix"};
  // /leaderboard answers only the asker (with a way to share it) unless this is set.
  bool leaderboard_public = false;
  // The people thanked or praised also hear it directly (Slack DM, Matrix direct room), with the
  // reason and a link to the celebration.
  bool recipient_dm = false;
};

struct Context {
  const Rules& rules;
  const core::Calendar& calendar;
  core::Millis now = 0;  // when the command is applied (Event::ts_ms if set, else the clock)
};

enum class Outcome : std::uint8_t {
  ok,         // did what was asked (including read-only answers)
  refused,    // a rule said no; a private reply says why; nothing recorded
  usage,      // malformed arguments; usage text sent privately
  duplicate,  // source id already applied (set by the caller, not by handlers)
  error,      // the store failed; nothing was recorded (set by the caller, not by handlers)
};
std::string_view to_string(Outcome o);

// Which part of a command a refusal is about, for forms that show it next to that field.
enum class Field : std::uint8_t { none, recipients, reason, values, channel };

struct Result {
  Outcome outcome = Outcome::ok;
  std::vector<core::Reply> replies;
  std::vector<std::uint64_t> kudos_ids;  // recorded by this command (for idempotency and take-backs)
  // Replies that go out through another adapter than the command's (adapter name, reply): an admin
  // on Slack revoking a kudos given on Matrix tells its recipient there.
  std::vector<std::pair<std::string, core::Reply>> routed;
  Field field = Field::none;  // refused or usage: what to fix (none: the command as a whole)
};

// Dispatches on event.command ("thanks", "praise", "ask", "leaderboard", "kudos").
// Unknown commands get a private usage reply. Never throws for bad user input; a store
// failure propagates as store::StoreError so the caller can abort this command only.
Result handle(const core::Event& event, store::Writer& store, const Context& ctx);

// The commands a platform should register / recognise (without prefix).
const std::vector<std::string>& command_names();

}  // namespace brigade::commands
