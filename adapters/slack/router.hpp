// Envelope → what to do with it (a command to commit, a kudos to revoke, a person gone or back,
// or nothing): no I/O.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include "adapters/slack/frame.hpp"

namespace brigade::slack {

struct Identity {
  std::string team_id;      // from auth.test
  std::string bot_user_id;  // U… of the bot itself
  std::string bot_id;       // B…
  std::string reaction = "raised_hands";
};

// A command still in Slack syntax: the adapter resolves names, rewrites mentions, then commits.
struct Inbound {
  std::string source_id;  // "slack:trigger:…", "slack:event:…", "slack:react:…"
  std::string team;
  std::string user;       // raw U…
  std::string user_name;  // as the payload says, may be empty
  std::string channel;    // raw C…
  std::string channel_name;
  std::string command;       // "thanks", … (no slash)
  std::string text;          // Slack-encoded
  std::string response_url;  // slash commands only; a secret, never logged
  std::int64_t ts_ms = 0;
};

struct Action {
  enum class Kind { ignore, command, revoke };
  Kind kind = Kind::ignore;
  std::string why;            // for the debug log when ignored
  Inbound command;            // Kind::command
  std::string revoke_source;  // Kind::revoke: the source id whose kudos are taken back
};

Action route(const Frame& envelope, const Identity& me);

// What `user_change` and `team_join` events say about a person: deactivated (gone: hidden from
// rankings, history kept), or active again or new to the workspace (back).
struct PersonChange {
  std::string user;  // qualified, "slack:<team>:<user>" (the payload's team, as for commands)
  bool gone = false;
  nlohmann::json profile;  // the event's user object, for the directory (names, deleted flag)
};
// nullopt for every other envelope (route() decides those) and for one that says nothing about a
// person: a bot, Brigade itself, a user without an id, a user_change without a `deleted` flag.
std::optional<PersonChange> person_change(const Frame& envelope, const Identity& me);

// The idempotency key of a reaction: the message, who reacted and with what.
std::string reaction_source(std::string_view channel, std::string_view ts, std::string_view reactor,
                            std::string_view emoji);

}  // namespace brigade::slack
