// What the Matrix adapter keeps and filters: its data-file keys, the sync filter, and the store changes
// of a login or a /sync answer. Built here, outside coroutines: g++ 12 miscompiles braced json initialisers
// inside coroutine bodies and destroys temporaries inside a co_await expression twice.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "adapters/matrix/events.hpp"
#include "bot/adapter_effects.hpp"

namespace brigade::matrix {

// What the adapter keeps in the data file (its cursor and its own meta keys).
inline constexpr std::string_view kCursor = "matrix";
inline constexpr std::string_view kMetaDevice = "matrix.device_id";
// The access token a password login gave, kept with its device: Synapse before 1.70 (and servers
// on the pre-1.7 spec) scope txnIds to the access token, so a reply re-sent after a restart is
// recognised only when it goes out on the same token. It also spares the server a login per start.
inline constexpr std::string_view kMetaToken = "matrix.access_token";
inline constexpr std::string_view kMetaInstance = "matrix.txn_instance";
inline constexpr std::string_view kMetaEncrypted = "matrix.encrypted:";  // + room id: announced once
inline constexpr std::string_view kMetaDirect = "matrix.dm:";            // + user id: the direct room

// Only what Brigade reads: room messages, members, reactions, redactions, room names and the
// encryption markers; no presence, typing, receipts or account data.
nlohmann::json sync_filter();

// The session a login gave: device and token commit together (empty token: none to reuse).
bot::AdapterEffects session_effects(std::string device, std::string token);

// One /sync answer's store changes besides its commands: redactions take back kudos, a room
// found encrypted is announced once, people who left every shared room are hidden from rankings
// (and shown again once they join one), and the cursor moves on, all with the commands: a crash
// before the commit replays the whole answer.
bot::AdapterEffects batch_effects(std::vector<std::string> revokes,
                                  const std::vector<std::string>& newly_encrypted, PeopleChanges people,
                                  std::string next);

}  // namespace brigade::matrix
