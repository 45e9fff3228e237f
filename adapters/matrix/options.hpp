// Timing knobs of the Matrix adapter; production uses the defaults, tests shrink them.
#pragma once

#include <chrono>

#include "adapters/matrix/matrix_adapter.hpp"

namespace brigade::matrix {

struct AdapterOptions {
  std::chrono::milliseconds sync_timeout{30000};           // the long-poll `timeout` sent to /sync
  std::chrono::milliseconds http_timeout{15000};           // every other request
  std::chrono::milliseconds sync_slack{15000};             // added to sync_timeout for the HTTP deadline
  std::chrono::milliseconds initial_sync_timeout{600000};  // the first sync of a big account is slow
  std::chrono::milliseconds backoff_base{1000};
  std::chrono::milliseconds backoff_cap{30000};
  std::chrono::milliseconds members_ttl{600000};  // how long a room's joined_members answer is trusted
};

std::unique_ptr<bot::NetworkAdapter> make_adapter(const config::Config& cfg, bot::AdapterState state,
                                                  bot::Committer& committer, bot::Metrics& metrics,
                                                  const AdapterOptions& options);

}  // namespace brigade::matrix
