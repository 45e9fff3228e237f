// Matrix identifiers: Brigade's qualified ids, percent-encoded path segments, source ids, txn ids.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace brigade::matrix {

// "@alice:example.org" → "matrix:@alice:example.org"; rooms likewise ("matrix:!r:example.org").
std::string qualify(std::string_view matrix_id);
// The Matrix id inside a qualified id; empty when it is not a Matrix one.
std::string_view raw_id(std::string_view qualified);

// A user id per the spec's grammar, accepting historical localparts (anything but ':' and
// whitespace); the server part is a host name, IPv4, or [IPv6], with an optional port.
bool is_user_id(std::string_view s);
// "example.org" for "@alice:example.org" (split at the first ':'); empty when not a user id.
std::string_view server_of(std::string_view user_id);
// "alice" for "@alice:example.org".
std::string_view localpart(std::string_view user_id);

// One percent-encoded path segment (user ids, room ids, event ids, txn ids).
std::string path_segment(std::string_view s);
// Percent-decoding for matrix.to links; nullopt for a malformed escape.
std::optional<std::string> percent_decode(std::string_view s);

// The idempotency key of a Matrix event (message, reaction): "matrix:$event".
std::string source_of(std::string_view event_id);

// The transaction id of an outbox entry. `instance` is random per data file, so a store that
// was reset cannot reuse an id the homeserver still remembers (it would swallow the message).
std::string txn_id(std::string_view instance, std::uint64_t outbox_seq);

}  // namespace brigade::matrix
