// The LMDB environment a process shares per data directory, and the Reader/Writer transaction
// objects on it (nested writers, queued tally changes). Store-internal: lmdb_store.cpp opens it.
#pragma once

#include <condition_variable>
#include <filesystem>
#include <memory>
#include <mutex>
#include <thread>

#include "store/ledger.hpp"
#include "store/writer_slot.hpp"

namespace brigade::store {

// LMDB must not open one environment twice in a process (the second open would re-initialise the
// lock file under the first), so every Store on the same directory shares this.
struct SharedEnv {
  explicit SharedEnv(const core::Calendar& c) : cal(c), write_buckets(cal) {}

  lmdb::Env env;
  Dbis dbis{};
  core::Calendar cal;
  Buckets write_buckets;  // used only under the writer slot; survives transactions
  bool read_only = false;
  std::filesystem::path dir;

  WriterSlot slot;  // one Writer at a time (store/writer_slot.hpp)

  void acquire_writer() { slot.acquire(); }
  void release_writer() noexcept { slot.release(); }
  // Begins a transaction; adopts a map another process grew.
  lmdb::Txn begin(MDB_txn* parent, unsigned flags);
};

// A read transaction (a snapshot) on `sh`.
std::unique_ptr<Reader> open_reader(std::shared_ptr<SharedEnv> sh);
// The top-level write transaction: takes the writer slot, and gives it back when the Writer ends.
std::unique_ptr<Writer> open_writer(std::shared_ptr<SharedEnv> sh);

}  // namespace brigade::store
