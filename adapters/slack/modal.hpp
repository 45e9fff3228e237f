// The thanks modal (callback_id "brigade_thanks"): building it, reading its submission into a
// command in Slack syntax, and the ack that shows a refusal next to the field it is about. No I/O.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "adapters/slack/router.hpp"
#include "commands/commands.hpp"

namespace brigade::slack {

inline constexpr std::string_view kModalCallback = "brigade_thanks";
// Block ids (each input's action_id is the same word).
inline constexpr std::string_view kRecipientsBlock = "recipients";
inline constexpr std::string_view kReasonBlock = "reason";
inline constexpr std::string_view kValuesBlock = "values";
inline constexpr std::string_view kChannelBlock = "channel";

// What the modal offers, from the configured rules.
struct ModalSettings {
  std::vector<std::string> values;  // the configured company values (lower-case, without '#')
  bool values_required = false;
  std::size_t max_recipients = 10;
  std::size_t max_reason_length = 500;
  static ModalSettings from(const commands::Rules& rules);
};

// What the modal carries from its opening to its submission (private_metadata, JSON, ≤ 3000).
struct ModalMeta {
  std::string command = "thanks";  // or "praise"
  std::string channel;             // raw: where it was opened (fallback for the celebration)
  std::string link;                // the permalink of the message it thanks for
};
std::string encode_meta(const ModalMeta& m);
ModalMeta decode_meta(std::string_view text);  // never throws: junk reads as the defaults

// The modal view for views.open / views.update.
nlohmann::json thanks_modal(const ModalRequest& req, const ModalSettings& s, const ModalMeta& meta);

// A view_submission payload of the thanks modal → the command (form = true, source id
// "slack:view:<view id>", text "<@U1> <@U2> for <reason escaped> #value", channel = the chosen
// conversation), or Kind::answer with the errors when a field cannot be read.
Action read_submission(const nlohmann::json& payload);

// The block a refusal is about (recipients when the result names none).
std::string_view field_block(commands::Field f);
// The ack payload showing `text` (shortened to a readable length) under the field's block.
nlohmann::json errors_payload(commands::Field f, std::string_view text);
nlohmann::json errors_payload(std::string_view block, std::string_view text);

// The ack of a submission once its command's commit is decided: null (a plain ack, which closes
// the modal) when it was done or was a duplicate; otherwise the refusal's words under its field
// (the values field only when the modal shows one), or a "try again" when the store failed.
nlohmann::json submission_ack(const commands::Result& r, bool values_shown);

// What a slash command's ack says when its modal could not be opened: how to type it instead.
nlohmann::json slash_hint(std::string_view command);

// How a command envelope is acked once its commit is decided; `send` false leaves it unacked.
struct CommandAck {
  bool send = true;
  nlohmann::json payload;  // null: a plain ack
};
// `envelope_type` is the Socket Mode type ("events_api", "slash_commands", "interactive"). A form's
// submission: submission_ack. An event whose commit failed (a mention, a reaction): unacked, so
// Slack redelivers it. A slash command whose commit failed: acked with a private "try again" —
// Slack does not resend slash commands, and the reply that would have followed never comes.
CommandAck command_ack(const commands::Result& r, std::string_view envelope_type, bool form, bool values_shown);

}  // namespace brigade::slack
