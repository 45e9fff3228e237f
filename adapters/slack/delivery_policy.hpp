// Web API answer → outbox decision (sent / retry after / drop), and per-channel posting pace.
#pragma once

#include <chrono>
#include <cstdint>
#include <map>
#include <string>
#include <string_view>

#include "bot/adapter.hpp"

namespace brigade::slack {

struct ApiAnswer {
  int http_status = 0;      // 0: no answer (transport failure)
  bool ok = false;          // the body's "ok"
  std::string error;        // the body's "error", or the transport error
  std::string retry_after;  // the Retry-After header, seconds
};

// A Retry-After header (seconds) in milliseconds, for every caller: 1 s when missing, malformed,
// zero or negative; at most a day (so now + wait never overflows, whatever the header says).
std::int64_t retry_after_ms(std::string_view header);

// 429 → retry after Retry-After (1 s when missing, at most a day); transport failures, 5xx and transient
// Slack errors → retry with the outbox's backoff; everything else (channel_not_found, not_in_channel,
// invalid_auth, msg_too_long, …) → drop: retrying cannot fix it.
bot::Delivery classify(const ApiAnswer& a);

// Errors that say the bot cannot post privately there, so the slash command's response_url is tried.
bool wants_response_url(std::string_view error);

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
