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

// What a send's answer means for the outbox entry; a sent one carries the new event's id as
// Delivery::message_ref.
bot::Delivery send_outcome(const Answer& a);
// Whether a refused edit goes out as a new message instead: the server does not take the
// relation (400: Synapse's "Can't send relation to unknown event"; 404), so it is never lost.
bool edit_refused(const Answer& a);

// A reply as m.notice content: plain body, escaped HTML with pills for Matrix users, m.mentions
// listing who is pinged (thanks recipients when the reply pings; the asker of a private reply),
// and m.in_reply_to for private replies threaded to the command. A private reply in a room that is
// not threaded (a reaction's) starts with a pill of whom it is for. `direct_room`: it goes to a
// direct chat with that person instead, neither threaded nor addressed. `link` (a matrix.to link to
// the message the reply is about: buttons.hpp link_for) ends the notice on a line of its own ("↪ …").
nlohmann::json notice_content(const core::Reply& r, bool direct_room = false, std::string_view link = {});

// An m.replace edit of the bot's own message `event_id` to what `r` says now: "* " + body (and
// formatted_body) for clients without edits, the whole new notice in m.new_content (without a
// relation: edits of replies do not repeat m.in_reply_to), and an empty m.mentions, so the edit
// notifies nobody again.
nlohmann::json edit_content(const core::Reply& r, const std::string& event_id, bool direct_room = false);

}  // namespace brigade::matrix
