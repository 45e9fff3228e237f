// What every network adapter needs around its protocol (adapter-internal: includes Asio): its
// io_context on its own thread, its link state for health, and deliveries that are answered
// exactly once even when the adapter stops in the middle of a send.
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <thread>

#include <boost/asio/awaitable.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>

#include "bot/adapter.hpp"
#include "bot/network_adapter.hpp"

namespace brigade::net {

class AdapterRuntime {
  struct Life {
    std::mutex mu;
    boost::asio::io_context* ioc = nullptr;  // cleared when the runtime goes away
  };

 public:
  // Posts work to the I/O thread from other threads (committer callbacks), and does nothing
  // once the runtime is gone, so a late callback can never reach a destroyed adapter.
  class Poster {
   public:
    template <class F>
    void operator()(F&& f) const {
      std::lock_guard lk(life_->mu);
      if (life_->ioc) boost::asio::post(*life_->ioc, std::forward<F>(f));
    }

   private:
    friend class AdapterRuntime;
    explicit Poster(std::shared_ptr<Life> life) : life_(std::move(life)) {}
    std::shared_ptr<Life> life_;
  };

  explicit AdapterRuntime(std::string name);  // "slack", "matrix": for log lines
  ~AdapterRuntime();
  AdapterRuntime(const AdapterRuntime&) = delete;
  AdapterRuntime& operator=(const AdapterRuntime&) = delete;

  boost::asio::io_context& ioc() { return ioc_; }
  Poster poster() const { return Poster(life_); }

  // Spawns `main` and runs the io_context on a new thread; `on_crash(what)` runs on that thread
  // if `main` throws. Does nothing when already started.
  void start(boost::asio::awaitable<void> main, std::function<void(const std::string&)> on_crash);
  // Runs `shutdown(3/4 of grace)` on the I/O thread, waits at most `grace` for it, stops the
  // thread, and answers every delivery still open as `unsent`. State becomes `stopped` unless
  // it is `failed`.
  void stop(std::chrono::milliseconds grace,
            std::function<boost::asio::awaitable<void>(std::chrono::milliseconds)> shutdown);
  bool running() const { return running_.load(); }

  void set_state(bot::LinkState s, std::string why);
  bot::LinkState state() const { return state_.load(); }
  std::string reason() const;

  // Wraps a delivery's callback so it runs exactly once: from whichever of the send and stop()
  // gets there first. Safe from any thread.
  bot::DeliveryDone track(bot::DeliveryDone done);

 private:
  struct Once;
  std::string name_;
  boost::asio::io_context ioc_{1};
  std::shared_ptr<Life> life_;
  std::mutex life_mu_;
  std::thread thread_;
  std::atomic<bool> running_{false};
  std::mutex pending_mu_;
  std::uint64_t pending_seq_ = 0;
  std::map<std::uint64_t, std::shared_ptr<Once>> pending_;
  mutable std::mutex state_mu_;
  std::string reason_;
  std::atomic<bot::LinkState> state_{bot::LinkState::starting};
};

// A completion handler for co_spawn that logs what escaped the coroutine (detached would
// swallow it): "slack: a Socket Mode reader failed: …".
std::function<void(std::exception_ptr)> log_errors(std::string adapter, std::string what);

}  // namespace brigade::net
