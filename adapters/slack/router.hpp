// Envelope → what to do with it (a command to commit, a kudos to revoke, a person gone or back, a
// modal to open, or nothing): no I/O. Interactive payloads (buttons, shortcuts, modal submissions)
// are read in interactive.cpp and modal.cpp.
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
  bool form = false;       // a modal's submission (core::Event::form): refusals go back into it
  std::string link;        // core::Event::link: the message "Thank the author" was used on
  std::string view_hash;   // app_home_opened: the hash of the Home view Slack shows now
};

// A thanks modal to open with views.open (before anything slow: the trigger lives 3 s).
struct ModalRequest {
  std::string trigger_id;    // a secret of sorts: never logged
  std::string team, user;    // raw ids of who asked for it
  std::string channel;       // raw: where to celebrate by default (empty: not known)
  std::string author;        // raw: the person preselected (the message shortcut's author)
  std::string message_ts;    // the message shortcut's message: its permalink goes into the modal
  std::string command = "thanks";  // or "praise": what the submission becomes
  bool from_slash = false;   // a slash command: a failed open is acked with how to type it
};

struct Action {
  // open_modal: views.open, then a plain ack. answer: ack with `answer` as the payload, nothing
  // committed (a modal submission that cannot become a command says so in the modal).
  enum class Kind { ignore, command, revoke, open_modal, answer };
  Kind kind = Kind::ignore;
  std::string why;            // for the debug log when ignored
  Inbound command;            // Kind::command
  std::string revoke_source;  // Kind::revoke: the source id whose kudos are taken back
  ModalRequest modal;         // Kind::open_modal
  nlohmann::json answer;      // Kind::answer: the ack's payload
};

Action route(const Frame& envelope, const Identity& me);

// Shared by router.cpp and actions.cpp: a Slack ts ("1767268800.000100") in milliseconds (0 when
// empty or malformed), and an Action that does nothing, saying why (for the debug log).
std::int64_t ts_to_ms(const std::string& ts);
Action ignore(std::string why);
// The `interactive` envelopes' payloads (actions.cpp): ask.* and leaderboard.share clicks →
// commands (source id "slack:action:<trigger_id>"), kudos.give and the shortcuts → open_modal,
// the thanks modal's view_submission → a form command (modal.hpp).
Action route_interactive(const nlohmann::json& payload, const Identity& me);

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
