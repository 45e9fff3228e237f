// Backend-neutral rules about ids, shared by the LMDB and PostgreSQL ledgers: how a name filter
// matches an id, the size limit of keys, the seen key of an over-long source id, tombstones, and
// whether a queued reply names a person.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "core/types.hpp"

namespace brigade::store {

// Longest qualified id, meta key, cursor name (LMDB keys stop at 511 bytes). Longer source ids in
// `seen` are shortened with a hash instead, so an odd platform id never fails a command.
inline constexpr std::size_t kMaxIdBytes = 480;
// A forgotten person's id: "forgotten:<number>".
inline constexpr std::string_view kTombstone = "forgotten:";

// The number a tombstone ("forgotten:7") names; nullopt for any other id. Throws StoreError
// (invalid) for a malformed tombstone.
std::optional<std::uint32_t> tombstone_number(std::string_view id);

// ASCII case-insensitive equality.
bool iequal(std::string_view a, std::string_view b);
// "console:alice" is "alice"; "matrix:@alice:example.org" is "alice" too (its localpart).
bool id_is_named(std::string_view id, std::string_view name);
// Throws StoreError(invalid) for an empty key or one over kMaxIdBytes; `what` names it.
void check_key(std::string_view key, const char* what);
// The key `source` is kept under in `seen`: itself, or when longer than kMaxIdBytes its first 440
// bytes, a NUL, an FNV-1a hash of the whole and its length.
std::string seen_key(std::string_view source);
// Does this queued reply name `id` anywhere: as its private recipient or in a mention?
bool reply_names(const core::Reply& r, std::string_view id);

// What an id names, by the shape its adapter gives it. Channels: Slack conversations
// "slack:T…:C…" (G private, D direct), Matrix rooms "matrix:!room:server". People: "slack:T…:U…"
// (W), "matrix:@user:server", tombstones. Console ids ("console:name") are both: a console
// channel and a person of one name share an id, so their kind is unknown.
enum class IdKind { person, channel, unknown };
IdKind id_kind(std::string_view id);

}  // namespace brigade::store
