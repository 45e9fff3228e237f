// A condition that coroutines on one io_context wait for instead of polling (adapter-internal:
// includes Asio). wait_until() returns at the next notify() or at the deadline, whichever comes
// first; like std::condition_variable, the caller re-checks what it waits for. Used only from
// the io_context's own thread, so a check followed by a wait cannot miss a notify().
#pragma once

#include <chrono>
#include <list>

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/awaitable.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>

namespace brigade::net {

class Wakeup {
 public:
  using Clock = std::chrono::steady_clock;

  // Wakes every coroutine waiting now.
  void notify() {
    for (auto* t : waiters_) t->cancel();
  }

  boost::asio::awaitable<void> wait_until(Clock::time_point deadline) {
    boost::asio::steady_timer timer(co_await boost::asio::this_coro::executor, deadline);
    auto it = waiters_.insert(waiters_.end(), &timer);
    co_await timer.async_wait(boost::asio::as_tuple(boost::asio::use_awaitable));
    waiters_.erase(it);
  }

  boost::asio::awaitable<void> wait() { return wait_until(Clock::time_point::max()); }

 private:
  std::list<boost::asio::steady_timer*> waiters_;
};

}  // namespace brigade::net
