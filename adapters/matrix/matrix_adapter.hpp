// The Matrix adapter's public face: a NetworkAdapter speaking the Client-Server API (no Asio here).
#pragma once

#include <memory>

#include "bot/adapter_state.hpp"
#include "bot/committer.hpp"
#include "bot/metrics.hpp"
#include "bot/network_adapter.hpp"
#include "config/config.hpp"

namespace brigade::matrix {

// Runs its own io_context on its own thread once started. Throws std::runtime_error when the
// configuration cannot work at all (bad MATRIX_HOMESERVER, unreadable BRIGADE_CA_FILE).
// `state` gives the sync cursor and the adapter's matrix.* meta (device, session, txn instance,
// direct rooms, encrypted rooms); every change goes through `committer` as AdapterEffects.
// `metrics` counts its reconnects and ack latency; it must outlive the adapter.
std::unique_ptr<bot::NetworkAdapter> make_adapter(const config::Config& cfg, bot::AdapterState state,
                                                  bot::Committer& committer, bot::Metrics& metrics);

}  // namespace brigade::matrix
