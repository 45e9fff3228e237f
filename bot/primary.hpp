// Which replica does the work that must happen once when several `brigade run` processes share
// a PostgreSQL ledger: sending the outbox (so replies in a channel keep their order and none is
// sent twice), syncing Matrix, the weekly digest and retention. The replica holding the store's
// "primary" lease does it; the others take Slack envelopes and serve the API, and one of them
// takes over within ttl when the primary dies (its lease expires). On LMDB the lease is always
// this process's, so the primary role is had at start.
#pragma once

#include <atomic>
#include <chrono>
#include <functional>
#include <string>

#include "bot/periodic.hpp"
#include "core/calendar.hpp"
#include "store/store.hpp"

namespace brigade::bot {

class Primary {
 public:
  struct Options {
    std::chrono::milliseconds ttl{10'000};   // a dead primary is replaced after at most this
    std::chrono::milliseconds renew{2'000};  // how often the lease is renewed or tried for
  };
  // on_gain: this replica became the primary (called on the lease thread, or in start()).
  // on_loss: it stopped being the primary while running (the lease could not be renewed in
  // time, or another replica holds it); the caller should stop the primary's work at once. The
  // loss is final: this object does not try for the lease again (the process restarts as a
  // standby). A renewal that hangs cannot call on_loss until it returns: held() turns false on
  // time regardless, so the owner polls it too.
  Primary(store::Store& store, Options opt, std::function<void()> on_gain, std::function<void()> on_loss);
  ~Primary();
  Primary(const Primary&) = delete;
  Primary& operator=(const Primary&) = delete;

  // Tries for the lease once now (so a single process is primary when this returns), then
  // keeps renewing or trying on a thread.
  void start();
  // Stops the thread and gives the lease up, so another replica takes over without waiting.
  void stop();

  // Held and renewed within ttl minus one renewal (counted from when the renewal was sent).
  bool held() const;
  // Whether the last attempt to reach the database worked (for /healthz).
  bool store_reachable() const { return reachable_; }
  const std::string& holder() const { return holder_; }
  // "host:pid:random": who holds a lease, readable in the leases table.
  static std::string make_holder();

 private:
  void tick();
  store::Store& store_;
  Options opt_;
  std::function<void()> on_gain_;
  std::function<void()> on_loss_;
  std::string holder_;
  std::atomic<bool> held_{false};
  std::atomic<bool> reachable_{true};
  std::atomic<bool> lost_{false};
  // When the last granted renewal was sent (steady clock ticks): the lease runs from no earlier.
  std::atomic<std::chrono::steady_clock::rep> renewed_{0};
  PeriodicThread thread_;
};

}  // namespace brigade::bot
