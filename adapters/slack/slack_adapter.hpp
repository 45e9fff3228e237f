// The Slack adapter's public face: a NetworkAdapter speaking Socket Mode and the Web API (no Asio here).
#pragma once

#include <memory>

#include "bot/committer.hpp"
#include "bot/metrics.hpp"
#include "bot/network_adapter.hpp"
#include "config/config.hpp"

namespace brigade::slack {

// Runs its own io_context on its own thread once started. Throws std::runtime_error when the
// configuration cannot work at all (bad SLACK_API_URL, unreadable BRIGADE_CA_FILE). `metrics`
// counts its reconnects and ack latency; it must outlive the adapter.
std::unique_ptr<bot::NetworkAdapter> make_adapter(const config::Config& cfg, bot::Committer& committer,
                                                  bot::Metrics& metrics);

}  // namespace brigade::slack
