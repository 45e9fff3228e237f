// The Matrix adapter's public face: a NetworkAdapter speaking the Client-Server API (no Asio here).
#pragma once

#include <memory>

#include "bot/committer.hpp"
#include "bot/network_adapter.hpp"
#include "config/config.hpp"
#include "store/store.hpp"

namespace brigade::matrix {

// Runs its own io_context on its own thread once started. Throws std::runtime_error when the
// configuration cannot work at all (bad MATRIX_HOMESERVER, unreadable BRIGADE_CA_FILE).
// `store` is read for the sync cursor and the device id; every write goes through `committer`.
std::unique_ptr<bot::NetworkAdapter> make_adapter(const config::Config& cfg, store::Store& store,
                                                  bot::Committer& committer);

}  // namespace brigade::matrix
