// net::Wakeup: the adapters' replacement for polling sleeps — woken at once by notify(), at the
// deadline otherwise, and never left waiting by a notify() that came before the wait.
#include <gtest/gtest.h>

#include <chrono>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>

#include "adapters/net/wakeup.hpp"

namespace brigade::net {
namespace {

namespace asio = boost::asio;
using namespace std::chrono_literals;
using Clock = std::chrono::steady_clock;

TEST(Wakeup, NotifyWakesEveryWaiterBeforeItsDeadline) {
  asio::io_context ioc;
  Wakeup w;
  int woken = 0;
  const auto deadline = Clock::now() + 30s;
  for (int i = 0; i < 3; ++i)
    asio::co_spawn(
        ioc,
        [&]() -> asio::awaitable<void> {
          co_await w.wait_until(deadline);
          ++woken;
        },
        asio::detached);
  asio::post(ioc, [&] { w.notify(); });
  const auto started = Clock::now();
  ioc.run_for(10s);
  EXPECT_EQ(woken, 3);
  EXPECT_LT(Clock::now() - started, 10s) << "the waiters slept to their deadline";
}

TEST(Wakeup, ADeadlineEndsTheWaitWithoutANotify) {
  asio::io_context ioc;
  Wakeup w;
  bool done = false;
  asio::co_spawn(
      ioc,
      [&]() -> asio::awaitable<void> {
        co_await w.wait_until(Clock::now() + 20ms);
        done = true;
      },
      asio::detached);
  ioc.run_for(10s);
  EXPECT_TRUE(done);
}

// A notify() with nobody waiting is not remembered: the caller re-checks its condition first.
TEST(Wakeup, ANotifyBeforeTheWaitDoesNotEndIt) {
  asio::io_context ioc;
  Wakeup w;
  w.notify();
  bool done = false;
  const auto started = Clock::now();
  asio::co_spawn(
      ioc,
      [&]() -> asio::awaitable<void> {
        co_await w.wait_until(Clock::now() + 50ms);
        done = true;
      },
      asio::detached);
  ioc.run_for(10s);
  EXPECT_TRUE(done);
  EXPECT_GE(Clock::now() - started, 50ms);
}

}  // namespace
}  // namespace brigade::net
