// The LMDB side of `brigade store copy` (store/transfer.hpp): an environment of its own on a data
// directory, apart from Store::open's, and a Ledger seen through the Reader API. Store-internal:
// shared by transfer_lmdb.cpp (the source) and transfer_lmdb_load.cpp (the target).
#pragma once

#include <string>

#include "store/facade.hpp"
#include "store/ledger.hpp"
#include "store/transfer.hpp"

namespace brigade::store::transfer {

// An environment on `o.dir` with every named database open. LMDB must not have one directory open
// twice in a process: the caller makes sure no Store has it open while this lives.
struct RawEnv {
  RawEnv(const Options& o, bool read_only);
  // Opens the named databases in `txn` (never creating them); a missing one means no ledger here:
  // false, or for open_dbs StoreError(not_ready).
  bool try_open_dbs(MDB_txn* txn);
  void open_dbs(MDB_txn* txn);
  lmdb::Env env;
  Dbis dbis{};
  std::string where;  // the directory, for messages
};

// Throws StoreError(not_ready) unless the ledger has this build's schema.
void check_schema(Ledger& l, const std::string& where);

// A Ledger (on a raw transaction) answering through the Reader API.
class LedgerView final : public ReadFacade<Reader, Ledger> {
 public:
  explicit LedgerView(Ledger& l) : l_(l) {}

 private:
  Ledger& ledger() override { return l_; }
  Ledger& l_;
};

}  // namespace brigade::store::transfer
