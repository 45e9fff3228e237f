// Web API answer → outbox decision (sent / retry after / drop), and per-channel posting pace.
#pragma once

#include <chrono>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>

#include "adapters/net/client_error.hpp"
#include "bot/adapter.hpp"

namespace brigade::slack {

// One Web API answer: `code` is the body's "error", `message` the transport's words when no
// answer came, `retry_after_ms` the Retry-After header read by retry_after_ms() below.
struct ApiAnswer : net::ClientError {
  bool ok = false;  // the body's "ok"
  // The platform's error, else what kept the answer from coming (for logs and decisions).
  const std::string& error() const { return code.empty() ? message : code; }
};

// A Retry-After header (seconds) in milliseconds, for every caller: 1 s when missing, malformed,
// zero or negative; at most a day (so now + wait never overflows, whatever the header says).
std::int64_t retry_after_ms(std::string_view header);

// An answer as the Web API client reads it: `error` is the body's "error" when an answer came
// (status != 0), else the transport's words; Retry-After is read when present or on a 429.
ApiAnswer api_answer(int status, bool ok, std::string error, std::string_view retry_after_header);

// 429 → retry after Retry-After (1 s when missing, at most a day); transport failures, 5xx and transient
// Slack errors → retry with the outbox's backoff; everything else (channel_not_found, not_in_channel,
// invalid_auth, msg_too_long, …) → drop: retrying cannot fix it.
bot::Delivery classify(const ApiAnswer& a);

// Errors that say the bot cannot post privately there, so the slash command's response_url is tried.
bool wants_response_url(std::string_view error);

// A message Brigade posted, as the outbox keeps it (bot::Delivery::message_ref): "<channel id>|<ts>",
// the channel and ts from chat.postMessage's answer, which chat.update takes to change it.
struct MessageRef {
  std::string channel, ts;
};
std::string format_message_ref(const MessageRef& m);
// nullopt unless both parts are there.
std::optional<MessageRef> parse_message_ref(std::string_view ref);

// chat.update errors that say the message to change is gone or not Brigade's to change: the new
// text is posted as a new message instead, so it is never lost.
bool edit_target_gone(std::string_view error);

// Slack allows about one message per second per channel; bursts get 429s. Each send books the
// next free slot of its channel. Steady time: a wall-clock step must not hold or rush a channel.
class ChannelPacer {
 public:
  using Clock = std::chrono::steady_clock;
  explicit ChannelPacer(std::chrono::milliseconds interval = std::chrono::seconds(1)) : interval_(interval) {}
  // When a message to `channel` may go out (>= now); books that slot.
  Clock::time_point reserve(const std::string& channel, Clock::time_point now);
  // Pushes the channel's next slot to at least `until` (after a 429).
  void hold(const std::string& channel, Clock::time_point until);

 private:
  std::chrono::milliseconds interval_;
  std::map<std::string, Clock::time_point> next_;
};

}  // namespace brigade::slack
