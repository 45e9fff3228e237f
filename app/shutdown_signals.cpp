// SIGINT and SIGTERM through boost::asio::signal_set (see shutdown_signals.hpp).
//
// Why this is safe beside the other threads (committer, outbox sender, adapters' I/O threads, the
// web server): the signal_set installs one process-wide handler with sigaction. That handler does
// only what is async-signal-safe: it writes the signal number into a pipe. The io_context whose
// signal_set waits reads the pipe like any socket and runs our completion handler as ordinary code
// on the thread that runs it, so shutdown (finishing the open commit, draining replies, joining
// threads) never runs inside a signal handler. The signals stay blocked in every thread but the one
// inside wait() (block_shutdown_signals() runs before any thread starts, and threads inherit the
// mask), so the kernel only ever interrupts that thread, which sits in epoll_wait and retries; no
// other thread's system call sees EINTR. No other io_context in the process has a signal_set, so
// no other thread reads the pipe.
#include "app/shutdown_signals.hpp"
#include "core/thread_name.hpp"

#include <signal.h>

#include <thread>

#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/signal_set.hpp>
#include <boost/asio/steady_timer.hpp>

namespace brigade::app {

namespace asio = boost::asio;

namespace {

sigset_t shutdown_signals() {
  sigset_t set;
  sigemptyset(&set);
  sigaddset(&set, SIGINT);
  sigaddset(&set, SIGTERM);
  return set;
}

// The calling thread takes SIGINT and SIGTERM while this lives (a pending one arrives at once).
class Unblocked {
 public:
  Unblocked() {
    sigset_t set = shutdown_signals();
    pthread_sigmask(SIG_UNBLOCK, &set, nullptr);
  }
  ~Unblocked() { block_shutdown_signals(); }
  Unblocked(const Unblocked&) = delete;
  Unblocked& operator=(const Unblocked&) = delete;
};

}  // namespace

void block_shutdown_signals() {
  sigset_t set = shutdown_signals();
  pthread_sigmask(SIG_BLOCK, &set, nullptr);
}

struct ShutdownSignals::Impl {
  asio::io_context ioc;
  asio::signal_set signals{ioc, SIGINT, SIGTERM};
  asio::steady_timer timer{ioc};
  std::chrono::milliseconds every{};
  std::function<bool()> tick;
  int got = 0;
  std::thread watcher;

  void next_tick() {
    if (!tick()) {
      ioc.stop();
      return;
    }
    timer.expires_after(every);
    timer.async_wait([this](const boost::system::error_code& ec) {
      if (!ec) next_tick();
    });
  }
};

ShutdownSignals::ShutdownSignals() : impl_(std::make_unique<Impl>()) {}

ShutdownSignals::~ShutdownSignals() {
  stop_watching();
}

int ShutdownSignals::wait(std::chrono::milliseconds every, std::function<bool()> tick) {
  Impl& im = *impl_;
  im.every = every;
  im.tick = std::move(tick);
  im.signals.async_wait([&im](const boost::system::error_code& ec, int sig) {
    if (!ec) im.got = sig;
    im.ioc.stop();
  });
  if (im.tick) asio::post(im.ioc, [&im] { im.next_tick(); });
  {
    Unblocked taking_signals;
    im.ioc.run();
  }
  // What is still queued (the timer, or the signal wait after a tick ended it) is dropped with the
  // io_context; nothing runs it again.
  im.timer.cancel();
  im.signals.cancel();
  return im.got;
}

void ShutdownSignals::watch(std::function<void(int sig)> on_signal) {
  impl_->watcher = std::thread([this, fn = std::move(on_signal)] {
    core::name_this_thread("signals");
    if (int sig = wait(); sig != 0) fn(sig);
  });
}

void ShutdownSignals::stop() {
  impl_->ioc.stop();
}

void ShutdownSignals::stop_watching() {
  stop();
  if (impl_->watcher.joinable()) impl_->watcher.join();
}

}  // namespace brigade::app
