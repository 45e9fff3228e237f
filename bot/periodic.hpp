// A background thread that runs one function now and then every `interval` until stopped: the
// loop the digest, the retention task and the Home refresher share.
#pragma once

#include "core/thread_name.hpp"

#include <chrono>
#include <condition_variable>
#include <functional>
#include <mutex>
#include <string>
#include <thread>

namespace brigade::bot {

class PeriodicThread {
 public:
  PeriodicThread() = default;
  ~PeriodicThread() { stop(); }
  PeriodicThread(const PeriodicThread&) = delete;
  PeriodicThread& operator=(const PeriodicThread&) = delete;

  // Starts the thread named `name` (once; later calls do nothing): `tick` at once, then after every
  // interval.
  void start(std::string name, std::chrono::milliseconds interval, std::function<void()> tick) {
    std::lock_guard lock(mu_);
    if (thread_.joinable() || stopping_) return;
    thread_ = std::thread([this, name = std::move(name), interval, tick = std::move(tick)] {
      core::name_this_thread(name);
      std::unique_lock lk(mu_);
      while (!stopping_) {
        lk.unlock();
        tick();
        lk.lock();
        cv_.wait_for(lk, interval, [this] { return stopping_ || nudged_; });
        nudged_ = false;
      }
    });
  }
  // Runs the next tick now rather than at the end of the interval.
  void nudge() {
    {
      std::lock_guard lock(mu_);
      nudged_ = true;
    }
    cv_.notify_all();
  }
  // Waits for a running tick to end; no tick starts after this returns.
  void stop() {
    {
      std::lock_guard lock(mu_);
      stopping_ = true;
    }
    cv_.notify_all();
    if (thread_.joinable()) thread_.join();
  }

 private:
  std::mutex mu_;
  std::condition_variable cv_;
  bool stopping_ = false;
  bool nudged_ = false;
  std::thread thread_;
};

}  // namespace brigade::bot
