// The primary lease's loop (bot/primary.hpp).
#include "bot/primary.hpp"

#include <spdlog/spdlog.h>
#include <unistd.h>

#include <random>

namespace brigade::bot {

namespace {
constexpr std::string_view kLease = "primary";
using Clock = std::chrono::steady_clock;
}

Primary::Primary(store::Store& store, Options opt, std::function<void()> on_gain, std::function<void()> on_loss)
    : store_(store),
      opt_(opt),
      on_gain_(std::move(on_gain)),
      on_loss_(std::move(on_loss)),
      holder_(make_holder()) {}

Primary::~Primary() {
  stop();
}

std::string Primary::make_holder() {
  char host[256] = {};
  if (::gethostname(host, sizeof host - 1) != 0) host[0] = '\0';
  std::random_device rd;
  return std::string(host[0] != '\0' ? host : "host") + ":" + std::to_string(::getpid()) + ":" +
         std::to_string(rd() % 100000);
}

bool Primary::held() const {
  return held_ && Clock::now() - Clock::time_point(Clock::duration(renewed_)) < opt_.ttl - opt_.renew;
}

void Primary::start() {
  tick();
  thread_.start("primary", opt_.renew, [this] { tick(); });
}

void Primary::stop() {
  thread_.stop();
  if (!held_) return;
  held_ = false;
  try {
    store_.drop_lease(kLease, holder_);
  } catch (const std::exception& e) {
    spdlog::warn("primary: could not give the lease up ({}); another replica takes over when it expires",
                 e.what());
  }
}

// One attempt: take or renew. Being unable to renew for longer than ttl minus one renewal means
// another replica may take over any moment, so the role ends before the lease does.
// A renewal that comes back later than that (it hung) ends the role too, granted or not: the
// owner has seen held() turn false meanwhile.
void Primary::tick() {
  if (lost_) return;
  bool got = false;
  const auto sent = Clock::now();
  try {
    got = store_.hold_lease(kLease, holder_, opt_.ttl.count());
    reachable_ = true;
  } catch (const std::exception& e) {
    if (reachable_) spdlog::warn("primary: cannot reach the store: {}", e.what());
    reachable_ = false;
    if (!held_ || held()) return;
  }
  if (held_ && !held()) got = false;  // too late: the role already ended
  if (got) renewed_ = sent.time_since_epoch().count();
  if (got && !held_) {
    held_ = true;
    spdlog::info("primary: this replica ({}) is the primary: it sends replies, syncs Matrix and runs the "
                 "scheduled work",
                 holder_);
    on_gain_();
  } else if (!got && held_) {
    held_ = false;
    lost_ = true;
    spdlog::error("primary: lost the lease (not renewed within {} ms); stopping the primary's work",
                  opt_.ttl.count());
    on_loss_();
  }
}

}  // namespace brigade::bot
