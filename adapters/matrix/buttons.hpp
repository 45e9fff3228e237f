// Reaction "buttons" on Brigade's own notices and clicks on them, links to other messages, and the
// replies Matrix cannot show: no I/O, unit-tested.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "adapters/matrix/events.hpp"
#include "core/types.hpp"

namespace brigade::matrix {

// The reactions that stand for a help request's buttons (core::Button::reaction): take it, mark it done.
inline constexpr std::string_view kTakeReaction = "\xE2\x9C\x8B";  // ✋ U+270B
inline constexpr std::string_view kDoneReaction = "\xE2\x9C\x85";  // ✅ U+2705

// One reaction Brigade puts on a notice it has just sent.
struct ReactionButton {
  std::string key;  // the emoji, as the button spells it
  std::string txn;  // its txnId
};
// The reactions for the buttons of `r` (those with a reaction; each key once, in button order) on the
// notice sent with txnId `notice_txn`. Each txnId is "<notice txn>.r<button index>": derived from the
// outbox entry like the notice's own, so a delivery tried again after a crash re-sends the same
// requests and the homeserver returns the reactions it already has instead of adding them twice.
std::vector<ReactionButton> reaction_buttons(const core::Reply& r, std::string_view notice_txn);

// m.reaction content: an m.annotation of `event_id` with `key`.
nlohmann::json reaction_content(const std::string& event_id, const std::string& key);

// Whether a reaction key is one of the buttons' (✋ or ✅, with or without U+FE0F): only those need the
// tag of the message they are on.
bool is_button_reaction(std::string_view key);

// A reaction (Parsed::Kind::reaction) once the tag of the message it is on is known ("" when the
// message has none). On a help request's notice ("ask:<id>"): ✋ becomes the reactor's `ask take <id>`,
// ✅ `ask done <id>` (Kind::command, threaded to the notice, so a refusal is answered there), any other
// key is ignored (Kind::ignore, `why` says so). Anything else is left as it is: maybe a kudos reaction
// (complete_reaction decides).
void read_reaction_button(Parsed& p, std::string_view tag);

// "https://matrix.to/#/<room>/<event>": the link to an event, each part percent-encoded where it must be.
std::string permalink(std::string_view room_id, std::string_view event_id);
// The link a reply adds to the message it links to (Reply::link_to, whose event id the outbox sender
// found: `link_ref`), in the reply's room (Reply::channel); "" when either is unknown.
std::string link_for(const core::Reply& r, std::string_view link_ref);

// Why a reply cannot be delivered on Matrix at all (it is dropped, never retried); "" when it can.
// A Home view (core::Audience::home) has no Matrix counterpart.
std::string undeliverable(const core::Reply& r);

}  // namespace brigade::matrix
