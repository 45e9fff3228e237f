// The network adapters' shared runtime (see adapter_runtime.hpp).
#include "adapters/net/adapter_runtime.hpp"
#include "core/thread_name.hpp"

#include <spdlog/spdlog.h>

#include <future>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/executor_work_guard.hpp>

#include "adapters/net/redact.hpp"

namespace brigade::net {

namespace asio = boost::asio;

struct AdapterRuntime::Once {
  std::atomic<bool> called{false};
  bot::DeliveryDone fn;
  void call(bot::Delivery d) {
    if (!called.exchange(true)) fn(std::move(d));
  }
};

AdapterRuntime::AdapterRuntime(std::string name) : name_(std::move(name)), life_(std::make_shared<Life>()) {
  life_->ioc = &ioc_;
}

AdapterRuntime::~AdapterRuntime() {
  {
    std::lock_guard lk(life_->mu);
    life_->ioc = nullptr;
  }
  std::lock_guard lk(life_mu_);
  if (thread_.joinable()) {
    ioc_.stop();
    thread_.join();
  }
}

void AdapterRuntime::start(asio::awaitable<void> main, std::function<void(const std::string&)> on_crash) {
  std::lock_guard lk(life_mu_);
  if (thread_.joinable()) return;
  set_state(bot::LinkState::starting, "");
  asio::co_spawn(ioc_, std::move(main), [this, on_crash = std::move(on_crash)](std::exception_ptr e) {
    if (!e) return;
    try {
      std::rethrow_exception(e);
    } catch (const std::exception& x) {
      on_crash(redact(x.what()));
    }
  });
  running_ = true;
  thread_ = std::thread([this] {
    core::name_this_thread(name_);  // "slack", "matrix"
    auto guard = asio::make_work_guard(ioc_);
    ioc_.run();
  });
}

void AdapterRuntime::stop(std::chrono::milliseconds grace,
                          std::function<asio::awaitable<void>(std::chrono::milliseconds)> shutdown) {
  std::lock_guard lk(life_mu_);
  if (!thread_.joinable()) return;
  auto deadline = std::chrono::steady_clock::now() + grace;
  std::promise<void> done;
  auto fut = done.get_future();
  asio::co_spawn(ioc_, shutdown(grace * 3 / 4), [&done](std::exception_ptr) { done.set_value(); });
  fut.wait_until(deadline);
  running_ = false;
  ioc_.stop();
  thread_.join();
  // Replies still waiting go back to the outbox for the next start.
  std::map<std::uint64_t, std::shared_ptr<Once>> left;
  {
    std::lock_guard plk(pending_mu_);
    left.swap(pending_);
  }
  for (auto& [key, once] : left) once->call(bot::Delivery::unsent(name_ + " adapter stopped"));
  if (state() != bot::LinkState::failed) set_state(bot::LinkState::stopped, reason());
}

void AdapterRuntime::set_state(bot::LinkState s, std::string why) {
  {
    std::lock_guard lk(state_mu_);
    reason_ = std::move(why);
  }
  state_.store(s);
}

std::string AdapterRuntime::reason() const {
  std::lock_guard lk(state_mu_);
  return reason_;
}

bot::DeliveryDone AdapterRuntime::track(bot::DeliveryDone done) {
  auto once = std::make_shared<Once>();
  // Complete before it is published: stop() may answer every pending delivery from another thread
  // the moment it is in pending_ (ThreadSanitizer saw fn read there while still being written).
  std::lock_guard lk(pending_mu_);
  const std::uint64_t key = ++pending_seq_;
  once->fn = [this, key, done = std::move(done)](bot::Delivery d) {
    {
      std::lock_guard lk(pending_mu_);
      pending_.erase(key);
    }
    done(std::move(d));
  };
  pending_[key] = once;
  return [once](bot::Delivery d) { once->call(std::move(d)); };
}

std::function<void(std::exception_ptr)> log_errors(std::string adapter, std::string what) {
  return [adapter = std::move(adapter), what = std::move(what)](std::exception_ptr e) {
    if (!e) return;
    try {
      std::rethrow_exception(e);
    } catch (const std::exception& x) {
      spdlog::error("{}: {} failed: {}", adapter, what, redact(x.what()));
    }
  };
}

}  // namespace brigade::net
