// The Reader and Writer objects on one LMDB transaction each: a read snapshot, or a write
// transaction with nested children whose queued tally changes move up on commit and back on abort.
#include "store/lmdb_txn.hpp"

#include "store/facade.hpp"

namespace brigade::store {

lmdb::Txn SharedEnv::begin(MDB_txn* parent, unsigned flags) {
  MDB_txn* t = nullptr;
  int rc = mdb_txn_begin(env.get(), parent, flags, &t);
  if (rc == MDB_MAP_RESIZED) {
    // Another process grew the map: adopt its size and try once more.
    rc = mdb_env_set_mapsize(env.get(), 0);
    if (rc == MDB_SUCCESS) rc = mdb_txn_begin(env.get(), parent, flags, &t);
  }
  lmdb::check(rc, "cannot begin a transaction");
  return lmdb::Txn(t);
}

namespace {

class ReaderImpl final : public ReadFacade<Reader, Ledger> {
 public:
  explicit ReaderImpl(std::shared_ptr<SharedEnv> sh)
      : sh_(std::move(sh)),
        txn_(sh_->begin(nullptr, MDB_RDONLY)),
        ledger_(txn_.get(), sh_->dbis, sh_->cal, false) {}

 private:
  Ledger& ledger() override { return ledger_; }

  // Destroyed bottom-up: cursors, then the snapshot, then (maybe) the environment.
  std::shared_ptr<SharedEnv> sh_;
  lmdb::Txn txn_;
  Ledger ledger_;
};

class WriterImpl final : public WriteFacade<Ledger> {
 public:
  // Top level (parent == nullptr): the caller has taken the writer slot; this gives it back when it ends.
  WriterImpl(std::shared_ptr<SharedEnv> sh, WriterImpl* parent) : sh_(std::move(sh)), parent_(parent) {
    txn_ = sh_->begin(parent_ != nullptr ? parent_->txn_.get() : nullptr, 0);
    ledger_.emplace(txn_.get(), sh_->dbis, sh_->cal, true, &pending_, &sh_->write_buckets);
    if (parent_ != nullptr)
      parent_->child_ = this;
    else
      holds_slot_ = true;
  }
  ~WriterImpl() override { end(); }
  WriterImpl(const WriterImpl&) = delete;
  WriterImpl& operator=(const WriterImpl&) = delete;

  // Counts with the queued tally changes added rather than written first: a celebration reads the
  // recipient's count in every command, and writing the group's changes each time undid the
  // batching (every command's ~20 counters written one command at a time).
  PersonCounts counts(std::string_view user, std::string_view channel, Period p, std::int32_t bucket) override {
    Ledger& l = ledger();
    std::vector<const TallyDeltas*> queued;
    for (const WriterImpl* w = this; w != nullptr; w = w->parent_) queued.push_back(&w->pending_);
    return l.counts(user, channel, p, bucket, queued);
  }

  std::unique_ptr<Writer> child() override {
    ledger();  // refuses when this transaction has ended or already has a child
    return std::make_unique<WriterImpl>(sh_, this);
  }

  void commit() override {
    Ledger& l = ledger();  // refuses when ended, broken, or while a child is open
    try {
      if (parent_ == nullptr) l.write_tallies(pending_);
      ledger_.reset();  // cursors go before the transaction
      txn_.commit();
    } catch (...) {
      end();
      throw;
    }
    if (parent_ != nullptr) {
      // Our queued changes become the parent's; ancestors' changes we wrote now live in its
      // transaction, so if it aborts they must go back to their owners.
      parent_->pending_.add(pending_);
      for (auto& a : absorbed_)
        if (a.first != parent_) parent_->absorbed_.push_back(std::move(a));
    }
    pending_.clear();
    absorbed_.clear();
    finish();
  }

 private:
  Ledger& ledger() override {
    if (!txn_) throw StoreError("the write transaction has already ended", StoreError::Code::misuse);
    if (child_ != nullptr)
      throw StoreError("a transaction cannot be used while its child is open", StoreError::Code::misuse);
    if (broken_)
      throw StoreError("an earlier failure left this transaction half-written; abandon it",
                       StoreError::Code::misuse);
    return *ledger_;
  }

  // Writes everything queued here and in the ancestors (whose transactions are off limits while
  // we are open). Ancestors' changes are remembered, to be handed back if we abort.
  Ledger& tallies() override {
    Ledger& l = ledger();
    for (WriterImpl* a = parent_; a != nullptr; a = a->parent_) {
      if (a->pending_.empty()) continue;
      pending_.add(a->pending_);
      absorbed_.emplace_back(a, std::move(a->pending_));
      a->pending_.clear();
    }
    try {
      l.write_tallies(pending_);
    } catch (...) {
      broken_ = true;  // some counters written, some not: committing would be wrong
      throw;
    }
    return l;
  }

  // Aborts. LMDB would abort an open child with us; ending it first keeps its object from
  // holding a dangling handle.
  void end() noexcept {
    if (child_ != nullptr) child_->end();
    ledger_.reset();
    txn_.abort();
    for (auto& [owner, deltas] : absorbed_) owner->pending_.add(deltas);
    absorbed_.clear();
    pending_.clear();
    finish();
  }
  void finish() noexcept {
    if (parent_ != nullptr) {
      parent_->child_ = nullptr;
      parent_ = nullptr;
    }
    if (holds_slot_) {
      holds_slot_ = false;
      sh_->release_writer();
    }
  }

  std::shared_ptr<SharedEnv> sh_;
  WriterImpl* parent_;
  WriterImpl* child_ = nullptr;
  bool holds_slot_ = false;
  bool broken_ = false;
  lmdb::Txn txn_;
  TallyDeltas pending_;  // tally changes made at this level and not yet written
  std::vector<std::pair<WriterImpl*, TallyDeltas>> absorbed_;  // ancestors' changes written in our txn
  std::optional<Ledger> ledger_;
};

}  // namespace

std::unique_ptr<Reader> open_reader(std::shared_ptr<SharedEnv> sh) {
  return std::make_unique<ReaderImpl>(std::move(sh));
}

std::unique_ptr<Writer> open_writer(std::shared_ptr<SharedEnv> sh) {
  sh->acquire_writer();
  try {
    return std::make_unique<WriterImpl>(sh, nullptr);
  } catch (...) {
    sh->release_writer();
    throw;
  }
}

}  // namespace brigade::store
