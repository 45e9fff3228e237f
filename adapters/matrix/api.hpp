// Client-Server API answers → decisions (retry, re-login, drop), and replies → m.notice content.
#pragma once

#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

#include "adapters/net/client_error.hpp"
#include "bot/adapter.hpp"
#include "core/calendar.hpp"
#include "core/types.hpp"

namespace brigade::matrix {

// One answer from the homeserver, read the way the spec says: decide on errcode, and on the
// HTTP status when errcode is missing or M_UNKNOWN.
struct Answer : net::ClientError {
  nlohmann::json body;  // the parsed body (null when it was not JSON)
  bool soft_logout = false;

  bool ok() const { return status >= 200 && status < 300; }
  bool rate_limited() const { return status == 429 || code == "M_LIMIT_EXCEEDED"; }
  bool token_invalid() const { return code == "M_UNKNOWN_TOKEN" || code == "M_MISSING_TOKEN"; }
  // Retrying the same request may work: transport failures, 5xx, rate limits.
  bool transient() const;
};

// `code` is the errcode (M_UNKNOWN when a failure names none), `message` the server's `error` text
// or the transport error, `retry_after_ms` the Retry-After header (seconds or HTTP date), else the
// body's retry_after_ms; at most a day.
Answer read_answer(int status, std::string_view body, std::string_view retry_after_header,
                   std::string_view transport_error, core::Millis now_ms);

// What a failed send means for the outbox entry.
bot::Delivery send_outcome(const Answer& a);

// A reply as m.notice content: plain body, escaped HTML with pills for Matrix users, m.mentions
// listing who is pinged (thanks recipients when the reply pings; the asker of a private reply),
// and m.in_reply_to for private replies threaded to the command. A private reply in a room that is
// not threaded (a reaction's) starts with a pill of whom it is for. `direct_room`: it goes to a
// direct chat with that person instead, neither threaded nor addressed.
nlohmann::json notice_content(const core::Reply& r, bool direct_room = false);

}  // namespace brigade::matrix
