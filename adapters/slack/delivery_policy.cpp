// Delivery classification and pacing.
#include "adapters/slack/delivery_policy.hpp"

#include <algorithm>
#include <array>
#include <charconv>

namespace brigade::slack {

// The longest Retry-After honoured (a day); more is capped, so now + wait never overflows.
constexpr long kMaxRetryAfterSecs = 24L * 3600;
constexpr std::int64_t kMaxRetryAfterMs = std::int64_t{kMaxRetryAfterSecs} * 1000;

std::int64_t retry_after_ms(std::string_view header) {
  long secs = 1;
  if (!header.empty()) {
    long v = 0;
    auto [p, ec] = std::from_chars(header.data(), header.data() + header.size(), v);
    if (ec == std::errc{} && v >= 0) secs = std::clamp(v, 1L, kMaxRetryAfterSecs);
    if (ec == std::errc::result_out_of_range && header.front() != '-') secs = kMaxRetryAfterSecs;
  }
  return std::int64_t{secs} * 1000;
}

ApiAnswer api_answer(int status, bool ok, std::string error, std::string_view retry_after_header) {
  ApiAnswer a;
  a.status = status;
  a.ok = ok;
  (status == 0 ? a.message : a.code) = std::move(error);
  if (status != 0 && (!retry_after_header.empty() || status == 429))
    a.retry_after_ms = retry_after_ms(retry_after_header);
  return a;
}

bot::Delivery classify(const ApiAnswer& a) {
  if (a.status == 0) return bot::Delivery::retry(a.message.empty() ? "no answer" : a.message);
  if (a.status == 429)
    return bot::Delivery::retry("ratelimited",
                                a.retry_after_ms > 0 ? std::min(a.retry_after_ms, kMaxRetryAfterMs) : 1000);
  if (a.status >= 500) return bot::Delivery::retry("HTTP " + std::to_string(a.status));
  if (a.ok) return bot::Delivery::sent();
  static constexpr std::array<std::string_view, 8> kTransient = {
      "ratelimited",         "rate_limited",    "internal_error",         "fatal_error",
      "service_unavailable", "request_timeout", "message_limit_exceeded", "team_added_to_org"};
  for (auto t : kTransient)
    if (a.code == t) return bot::Delivery::retry(a.code);
  if (a.status != 200 && a.code.empty()) return bot::Delivery::drop("HTTP " + std::to_string(a.status));
  return bot::Delivery::drop(a.code.empty() ? "unknown error" : a.code);
}

bool wants_response_url(std::string_view error) {
  return error == "not_in_channel" || error == "channel_not_found" || error == "user_not_in_channel";
}

std::string format_message_ref(const MessageRef& m) {
  return m.channel + "|" + m.ts;
}

std::optional<MessageRef> parse_message_ref(std::string_view ref) {
  auto bar = ref.find('|');
  if (bar == std::string_view::npos || bar == 0 || bar + 1 == ref.size()) return std::nullopt;
  MessageRef m;
  m.channel = std::string(ref.substr(0, bar));
  m.ts = std::string(ref.substr(bar + 1));
  return m;
}

bool edit_target_gone(std::string_view error) {
  return error == "message_not_found" || error == "cant_update_message" || error == "channel_not_found";
}

ChannelPacer::Clock::time_point ChannelPacer::reserve(const std::string& channel, Clock::time_point now) {
  auto& next = next_[channel];
  Clock::time_point at = std::max(now, next);
  next = at + interval_;
  return at;
}

void ChannelPacer::hold(const std::string& channel, Clock::time_point until) {
  auto& next = next_[channel];
  next = std::max(next, until);
}

}  // namespace brigade::slack
