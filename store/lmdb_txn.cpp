// The Reader and Writer objects on one LMDB transaction each: a read snapshot, or a write
// transaction with nested children whose queued tally changes move up on commit and back on abort.
#include "store/lmdb_txn.hpp"

namespace brigade::store {

void SharedEnv::acquire_writer() {
  std::unique_lock lock(mu);
  if (writing && writer == std::this_thread::get_id())
    throw StoreError("this thread already has a write transaction open; commit or destroy it first",
                     StoreError::Code::misuse);
  cv.wait(lock, [&] { return !writing; });
  writing = true;
  writer = std::this_thread::get_id();
}

void SharedEnv::release_writer() noexcept {
  {
    std::lock_guard lock(mu);
    writing = false;
    writer = {};
  }
  cv.notify_one();
}

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

template <class Base>
class Facade : public Base {
 public:
  std::vector<LeaderEntry> leaderboard(std::string_view channel, Period p, std::int32_t bucket,
                                       std::size_t limit) override {
    return tallies().leaderboard(channel, p, bucket, limit);
  }
  PersonCounts counts(std::string_view user, std::string_view channel, Period p,
                      std::int32_t bucket) override {
    return tallies().counts(user, channel, p, bucket);
  }
  Summary summary(const SummaryQuery& q) override { return ledger().summary(q); }
  std::uint32_t allowance_used(std::string_view giver, AllowanceSlot slot,
                               std::string_view recipient) override {
    return ledger().allowance_used(giver, slot, recipient);
  }
  std::optional<Kudos> kudos(std::uint64_t id) override { return ledger().kudos(id); }
  std::vector<Kudos> kudos_between(Millis from, Millis until, std::size_t limit, bool newest_first) override {
    return ledger().kudos_between(from, until, limit, newest_first);
  }
  std::uint64_t kudos_count() override { return ledger().kudos_count(); }
  std::optional<Kudos> kudos_numbered(std::uint32_t number) override {
    return ledger().kudos_numbered(number);
  }
  std::vector<Kudos> kudos_of(std::string_view user, Millis from, Millis until, std::size_t limit,
                              bool newest_first) override {
    return ledger().kudos_of(user, from, until, limit, newest_first);
  }
  std::optional<Ask> ask(std::uint64_t id) override { return ledger().ask(id); }
  std::vector<Ask> open_asks(std::string_view channel, std::size_t limit) override {
    return ledger().open_asks(channel, limit);
  }
  bool seen(std::string_view source) override { return ledger().seen(source); }
  std::vector<std::uint64_t> seen_kudos(std::string_view source) override {
    return ledger().seen_kudos(source);
  }
  std::vector<OutboxItem> outbox(std::size_t limit) override { return ledger().outbox(limit); }
  std::vector<OutboxItem> outbox_from(std::uint64_t first_seq, std::size_t limit) override {
    return ledger().outbox_from(first_seq, limit);
  }
  std::size_t outbox_depth() override { return ledger().outbox_depth(); }
  std::optional<std::string> cursor(std::string_view adapter) override { return ledger().cursor(adapter); }
  std::optional<std::string> meta(std::string_view key) override { return ledger().meta(key); }
  std::string name_of(std::string_view id) override { return ledger().name_of(id); }
  std::vector<std::string> ids_named(std::string_view name) override { return ledger().ids_named(name); }
  VerifyReport verify() override { return tallies().verify(); }
  PersonState person(std::string_view user) override { return ledger().person(user); }
  std::optional<PersonRecord> export_person(std::string_view user) override {
    return ledger().export_person(user);
  }
  std::vector<AuditEntry> audit(Millis since, std::size_t limit) override {
    return ledger().audit(since, limit);
  }
  AuditCheck verify_audit() override { return ledger().verify_audit(); }
  std::optional<std::string> message_ref(std::string_view tag) override { return ledger().message_ref(tag); }
  std::optional<std::string> message_tag(std::string_view ref) override { return ledger().message_tag(ref); }

 protected:
  virtual Ledger& ledger() = 0;
  // The ledger with every queued tally change written, for queries that read tallies.
  virtual Ledger& tallies() { return ledger(); }
};

class ReaderImpl final : public Facade<Reader> {
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

class WriterImpl final : public Facade<Writer> {
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

  std::uint64_t add_kudos(Kudos& k) override { return ledger().add_kudos(k); }
  bool revoke_kudos(std::uint64_t id, const Revocation& why, Period allowance) override {
    return ledger().revoke_kudos(id, why, allowance);
  }
  bool debit_allowance(std::string_view giver, AllowanceSlot slot, std::uint32_t n, std::uint32_t limit,
                       std::string_view recipient) override {
    return ledger().debit_allowance(giver, slot, n, limit, recipient);
  }
  void set_privacy(std::string_view user, Privacy p) override { ledger().set_privacy(user, p); }
  void set_gone(std::string_view user, bool gone) override { ledger().set_gone(user, gone); }
  std::string forget(std::string_view user) override { return tallies().forget(user); }
  std::size_t drop_reasons_before(Millis cutoff) override { return ledger().drop_reasons_before(cutoff); }
  std::uint64_t append_audit(AuditEntry& e) override { return ledger().append_audit(e); }
  void set_message_ref(std::string_view tag, std::string_view ref, Millis ts) override {
    ledger().set_message_ref(tag, ref, ts);
  }
  std::uint64_t add_ask(Ask& a) override { return ledger().add_ask(a); }
  void put_ask(const Ask& a) override { ledger().put_ask(a); }
  void mark_seen(std::string_view source, Millis ts, const std::vector<std::uint64_t>& kudos_ids) override {
    ledger().mark_seen(source, ts, kudos_ids);
  }
  std::size_t prune_seen(Millis older_than) override { return ledger().prune_seen(older_than); }
  std::uint64_t enqueue(std::string_view adapter, const core::Reply& r) override {
    return ledger().enqueue(adapter, r);
  }
  void outbox_done(std::uint64_t seq) override { ledger().outbox_done(seq); }
  void outbox_retry(std::uint64_t seq, std::uint32_t attempts, Millis not_before) override {
    ledger().outbox_retry(seq, attempts, not_before);
  }
  void set_cursor(std::string_view adapter, std::string_view token) override {
    ledger().set_cursor(adapter, token);
  }
  void set_meta(std::string_view key, std::string_view value) override { ledger().set_meta(key, value); }
  void set_name(std::string_view id, std::string_view name) override { ledger().set_name(id, name); }

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
      parent_->pending_.insert(parent_->pending_.end(), pending_.begin(), pending_.end());
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
      pending_.insert(pending_.end(), a->pending_.begin(), a->pending_.end());
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
    for (auto& [owner, deltas] : absorbed_)
      owner->pending_.insert(owner->pending_.end(), deltas.begin(), deltas.end());
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
