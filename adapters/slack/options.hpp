// Timing knobs of the Slack adapter; production uses the defaults, tests shrink them.
#pragma once

#include <chrono>
#include <memory>

#include "adapters/slack/slack_adapter.hpp"
#include "core/calendar.hpp"

namespace brigade::slack {

struct AdapterOptions {
  std::chrono::milliseconds idle_timeout{30000};  // no frame or pong for this long: the link is dead
  std::chrono::milliseconds handshake_timeout{30000};
  std::chrono::milliseconds http_timeout{15000};
  std::chrono::milliseconds lookup_timeout{1500};  // users.info & co. on the ack path (3 s budget)
  std::chrono::milliseconds backoff_base{1000};
  std::chrono::milliseconds backoff_cap{30000};
  std::chrono::milliseconds too_many_delay{10000};  // after too_many_websockets
  std::chrono::milliseconds drain_deadline{5000};   // how long an old socket may keep unacked envelopes
  std::chrono::milliseconds drain_quiet{1000};      // an old socket is closed after this long without frames
  core::Millis post_interval = 1000;                // per-channel pacing of chat.post*
};

std::unique_ptr<bot::NetworkAdapter> make_adapter(const config::Config& cfg, bot::Committer& committer,
                                                  bot::Metrics& metrics, const AdapterOptions& options);

}  // namespace brigade::slack
