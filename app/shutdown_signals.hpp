// SIGINT and SIGTERM as ordinary events on an io_context the composition root runs, so shutdown is
// ordinary code (no Asio in this header; shutdown_signals.cpp has it).
#pragma once

#include <chrono>
#include <functional>
#include <memory>

namespace brigade::app {

// Blocks SIGINT and SIGTERM in the calling thread. Call it first, before any thread starts: threads
// inherit the mask, so only the thread in ShutdownSignals::wait ever takes these signals, and one
// that arrives before then waits, pending, instead of killing the process.
void block_shutdown_signals();

// One per process (the composition root's). The constructor installs the handler (a
// boost::asio::signal_set); block_shutdown_signals() must have run.
class ShutdownSignals {
 public:
  ShutdownSignals();
  ~ShutdownSignals();  // stop(), then joins watch()'s thread
  ShutdownSignals(const ShutdownSignals&) = delete;
  ShutdownSignals& operator=(const ShutdownSignals&) = delete;

  // Runs the io_context on the calling thread until SIGINT or SIGTERM arrives (returns its number),
  // `tick` returns false or stop() is called (returns 0). `tick` runs at once, then every `every`.
  // Only while this runs does the calling thread take the signals: when it returns they are blocked
  // again, so one more (a second Ctrl-C during shutdown) stays pending and changes nothing.
  int wait(std::chrono::milliseconds every = {}, std::function<bool()> tick = {});
  // wait() on a thread of its own; `on_signal(sig)` runs there after it returns a signal.
  void watch(std::function<void(int sig)> on_signal);
  // Any thread: wait() returns 0 (at once if it has not begun).
  void stop();
  // stop(), and joins watch()'s thread. If that thread is inside on_signal, this waits for it.
  void stop_watching();

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace brigade::app
