// One write transaction at a time per store in this process, on every backend. A condition
// variable rather than a mutex held by the Writer: waiting threads block here, not inside the
// database, and a thread that already holds the slot gets an error, not a hang.
#pragma once

#include <condition_variable>
#include <mutex>
#include <thread>

#include "store/store.hpp"

namespace brigade::store {

class WriterSlot {
 public:
  void acquire() {
    std::unique_lock lock(mu_);
    if (writing_ && writer_ == std::this_thread::get_id())
      throw StoreError("this thread already has a write transaction open; commit or destroy it first",
                       StoreError::Code::misuse);
    cv_.wait(lock, [&] { return !writing_; });
    writing_ = true;
    writer_ = std::this_thread::get_id();
  }
  void release() noexcept {
    {
      std::lock_guard lock(mu_);
      writing_ = false;
      writer_ = {};
    }
    cv_.notify_one();
  }

 private:
  std::mutex mu_;
  std::condition_variable cv_;
  bool writing_ = false;
  std::thread::id writer_;
};

}  // namespace brigade::store
