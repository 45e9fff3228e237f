// Opening the configured ledger (app/store_open.hpp).
#include "app/store_open.hpp"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <chrono>
#include <filesystem>
#include <stdexcept>
#include <thread>

namespace brigade::app {

store::Options store_options(const config::Config& cfg, bool read_only) {
  store::Options o;
  o.dir = cfg.data_dir;
  o.url = cfg.store.url;
  o.password = cfg.store.password;
  o.read_only = read_only;
  return o;
}

namespace {

// Runs `open` until it succeeds, or, for an unreachable PostgreSQL server, until
// store.wait_seconds have passed (with backoff); the last error is thrown.
template <class F>
auto retry_unreachable(const config::Config& cfg, F&& open) {
  using clock = std::chrono::steady_clock;
  const auto give_up = clock::now() + std::chrono::seconds(cfg.store.wait_seconds);
  auto delay = std::chrono::milliseconds(250);
  for (;;) {
    try {
      return open();
    } catch (const store::StoreError& e) {
      // Only an unreachable or restarting server is worth waiting for; a refusal is final.
      if (!cfg.store.postgres() || e.code() != store::StoreError::Code::failed || clock::now() + delay > give_up)
        throw;
      spdlog::warn("store: {}; trying again in {} ms", e.what(), delay.count());
      std::this_thread::sleep_for(delay);
      delay = std::min(delay * 2, std::chrono::milliseconds(5000));
    }
  }
}

}  // namespace

std::unique_ptr<store::Store> open_configured_store(const config::Config& cfg, const core::Calendar& cal,
                                                   bool read_only) {
  const auto opt = store_options(cfg, read_only);
  if (!cfg.store.postgres() && read_only && !std::filesystem::exists(cfg.data_dir / "data.mdb"))
    throw std::runtime_error("no data file in " + cfg.data_dir.string() + " (set BRIGADE_DATA_DIR)");
  return retry_unreachable(cfg, [&] { return store::Store::open(opt, cal); });
}

BotLock::BotLock(const config::Config& cfg) {
  if (!cfg.store.postgres()) dir_.emplace(cfg.data_dir);
}

}  // namespace brigade::app
