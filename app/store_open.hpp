// Opening the configured ledger: LMDB in the data directory, or PostgreSQL at store.url (with
// store.wait_seconds of retries while the database is unreachable), and the data-directory lock
// that only a single-process LMDB bot needs.
#pragma once

#include <memory>
#include <optional>

#include "config/config.hpp"
#include "store/backup.hpp"
#include "store/store.hpp"

namespace brigade::app {

store::Options store_options(const config::Config& cfg, bool read_only);

// Opens the ledger the configuration names. A read-only open of LMDB (report, health, admin)
// refuses a data directory without a data file; PostgreSQL waits up to store.wait_seconds for an
// unreachable server, retrying with backoff, then throws the last error (one line naming the host).
std::unique_ptr<store::Store> open_configured_store(const config::Config& cfg, const core::Calendar& cal,
                                                   bool read_only);

// What a bot holds for its lifetime so that it is the only one on an LMDB data directory;
// nothing on PostgreSQL, where replicas share the ledger (bot/primary.hpp decides who sends).
class BotLock {
 public:
  explicit BotLock(const config::Config& cfg);  // throws store::DataDirBusy / store::StoreError

 private:
  std::optional<store::DataDirLock> dir_;
};

}  // namespace brigade::app
