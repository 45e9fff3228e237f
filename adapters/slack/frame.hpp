// One Socket Mode text frame, parsed: hello, disconnect, an envelope, or something to log and skip.
#pragma once

#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

namespace brigade::slack {

struct Frame {
  enum class Kind { hello, disconnect, envelope, other, invalid };
  Kind kind = Kind::invalid;
  std::string type;         // "events_api", "slash_commands", "interactive", …
  std::string envelope_id;  // set for envelopes (and for unknown types that carry one)
  std::string reason;       // disconnect reason
  std::string error;        // why it is invalid
  bool accepts_response_payload = false;
  int retry_attempt = 0;
  nlohmann::json payload;  // object or null
};

// Never throws: bad JSON and non-objects become Kind::invalid.
Frame parse_frame(std::string_view text);

// {"envelope_id": id}: Slack accepts a plain ack for every envelope type.
std::string ack_json(std::string_view envelope_id);
// {"envelope_id": id, "payload": payload}: an answer in the ack (a slash command's reply, a
// view_submission's response_action); a null payload makes the plain ack.
std::string ack_json(std::string_view envelope_id, const nlohmann::json& payload);

}  // namespace brigade::slack
