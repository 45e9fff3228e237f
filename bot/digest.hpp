// The weekly digest: at the configured day and time (organisation time zone) each configured
// channel gets the week's highlights — exactly once per week and channel, even across restarts.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include "bot/committer.hpp"
#include "bot/periodic.hpp"
#include "config/config.hpp"
#include "core/calendar.hpp"
#include "core/types.hpp"
#include "store/store.hpp"

namespace brigade::bot {

// When the digest of the week containing `now` is due (an instant in that week).
core::Millis digest_due(const core::Calendar& cal, const config::DigestConfig& cfg, core::Millis now);

// The post for `channel` (qualified id) covering week bucket `week`: kudos count, the most
// recognised, help requests resolved and their helpers, a few reasons. Mentions do not ping.
core::Reply digest_reply(store::Reader& r, const core::Calendar& cal, const std::string& channel,
                         std::int32_t week);

// The store key that marks a channel's digest for a week as queued.
std::string digest_key(const std::string& channel, std::int32_t week);

class DigestScheduler {
 public:
  DigestScheduler(const config::DigestConfig& cfg, store::Store& store, Committer& committer,
                  const core::Clock& clock);
  ~DigestScheduler();  // stops
  DigestScheduler(const DigestScheduler&) = delete;
  DigestScheduler& operator=(const DigestScheduler&) = delete;

  // Queues every digest that is due and not yet queued; returns how many it queued now. The
  // check and the marker commit in the same transaction as the reply, so two runs (or a
  // restart at the scheduled minute) can never post twice.
  std::size_t tick();
  void start();  // a background thread that ticks every 20 s
  void stop();

 private:
  config::DigestConfig cfg_;
  store::Store& store_;
  Committer& committer_;
  const core::Clock& clock_;
  PeriodicThread thread_;
};

}  // namespace brigade::bot
