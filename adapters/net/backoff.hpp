// Jittered exponential backoff for reconnects and retries (capped at 30 s by default).
#pragma once

#include <chrono>
#include <cstdint>
#include <random>

namespace brigade::net {

// Each failure doubles the ceiling; the delay is drawn from [ceiling/2, ceiling] so a fleet
// of clients that lost the same server do not come back in lockstep.
// A seed for jitter, from a per-thread generator seeded once by std::random_device: opening the
// random device for every Backoff cost a twentieth of the Matrix thread's CPU when each reply
// made one.
std::uint64_t jitter_seed();

class Backoff {
 public:
  using ms = std::chrono::milliseconds;
  explicit Backoff(ms base = ms(500), ms cap = ms(30000), std::uint64_t seed = jitter_seed());

  ms next();  // the delay before the next attempt; grows until reset()
  void reset() { attempts_ = 0; }
  std::uint32_t attempts() const { return attempts_; }
  ms ceiling() const;  // the upper bound of the next delay

 private:
  ms base_, cap_;
  std::uint32_t attempts_ = 0;
  std::mt19937_64 rng_;
};

}  // namespace brigade::net
