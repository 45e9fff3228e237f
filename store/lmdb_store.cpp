// The LMDB-backed Store: one environment per data directory per process, open-time migrations
// and calendar rebuilds, the single-writer slot, and the Reader/Writer transaction objects.
#include "store/lmdb_store.hpp"

#include <sys/stat.h>

#include <charconv>
#include <condition_variable>
#include <future>
#include <map>
#include <mutex>
#include <thread>

#include "store/ledger.hpp"
#include "store/lmdb_check.hpp"

namespace brigade::store {
namespace {

// LMDB must not open one environment twice in a process (the second open would re-initialise the
// lock file under the first), so every Store on the same directory shares this.
struct Shared {
  explicit Shared(const core::Calendar& c) : cal(c), write_buckets(cal) {}

  lmdb::Env env;
  Dbis dbis{};
  core::Calendar cal;
  Buckets write_buckets;  // used only under the writer slot; survives transactions
  bool read_only = false;
  std::filesystem::path dir;

  // The writer slot. A condition variable rather than a mutex held by the Writer: waiting threads
  // block here, not inside LMDB, and a thread that already holds the slot gets an error, not a hang.
  std::mutex mu;
  std::condition_variable cv;
  bool writing = false;
  std::thread::id writer;

  void acquire_writer() {
    std::unique_lock lock(mu);
    if (writing && writer == std::this_thread::get_id())
      throw StoreError("this thread already has a write transaction open; commit or destroy it first",
                       StoreError::Code::misuse);
    cv.wait(lock, [&] { return !writing; });
    writing = true;
    writer = std::this_thread::get_id();
  }
  void release_writer() noexcept {
    {
      std::lock_guard lock(mu);
      writing = false;
      writer = {};
    }
    cv.notify_one();
  }

  lmdb::Txn begin(MDB_txn* parent, unsigned flags) {
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
};

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
  std::uint32_t quota_used(std::string_view giver, std::int32_t day) override {
    return ledger().quota_used(giver, day);
  }
  std::optional<Kudos> kudos(std::uint64_t id) override { return ledger().kudos(id); }
  std::vector<Kudos> kudos_between(Millis from, Millis until, std::size_t limit, bool newest_first) override {
    return ledger().kudos_between(from, until, limit, newest_first);
  }
  std::uint64_t kudos_count() override { return ledger().kudos_count(); }
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

 protected:
  virtual Ledger& ledger() = 0;
  // The ledger with every queued tally change written, for queries that read tallies.
  virtual Ledger& tallies() { return ledger(); }
};

class ReaderImpl final : public Facade<Reader> {
 public:
  explicit ReaderImpl(std::shared_ptr<Shared> sh)
      : sh_(std::move(sh)),
        txn_(sh_->begin(nullptr, MDB_RDONLY)),
        ledger_(txn_.get(), sh_->dbis, sh_->cal, false) {}

 private:
  Ledger& ledger() override { return ledger_; }

  // Destroyed bottom-up: cursors, then the snapshot, then (maybe) the environment.
  std::shared_ptr<Shared> sh_;
  lmdb::Txn txn_;
  Ledger ledger_;
};

class WriterImpl final : public Facade<Writer> {
 public:
  // Top level (parent == nullptr): the caller has taken the writer slot; this gives it back when it ends.
  WriterImpl(std::shared_ptr<Shared> sh, WriterImpl* parent) : sh_(std::move(sh)), parent_(parent) {
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
  bool revoke_kudos(std::uint64_t id) override { return ledger().revoke_kudos(id); }
  bool debit_quota(std::string_view giver, std::int32_t day, std::uint32_t n, std::uint32_t limit) override {
    return ledger().debit_quota(giver, day, n, limit);
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

  std::shared_ptr<Shared> sh_;
  WriterImpl* parent_;
  WriterImpl* child_ = nullptr;
  bool holds_slot_ = false;
  bool broken_ = false;
  lmdb::Txn txn_;
  TallyDeltas pending_;  // tally changes made at this level and not yet written
  std::vector<std::pair<WriterImpl*, TallyDeltas>> absorbed_;  // ancestors' changes written in our txn
  std::optional<Ledger> ledger_;
};

std::uint32_t parse_version(const std::optional<std::string>& v) {
  if (!v) return 0;
  std::uint32_t n = 0;
  auto [p, ec] = std::from_chars(v->data(), v->data() + v->size(), n);
  if (ec != std::errc() || p != v->data() + v->size()) codec::corrupt("schema version", "not a number");
  return n;
}

class LmdbStore final : public Store {
 public:
  LmdbStore(std::shared_ptr<Shared> sh, bool read_only) : sh_(std::move(sh)), read_only_(read_only) {}

  std::unique_ptr<Reader> read() override { return std::make_unique<ReaderImpl>(sh_); }
  std::unique_ptr<Writer> write() override {
    if (read_only_) throw StoreError("the store was opened read-only", StoreError::Code::not_ready);
    sh_->acquire_writer();
    try {
      return std::make_unique<WriterImpl>(sh_, nullptr);
    } catch (...) {
      sh_->release_writer();
      throw;
    }
  }
  const core::Calendar& calendar() const override { return sh_->cal; }
  std::uint32_t schema_version() override { return parse_version(read()->meta(kMetaSchema)); }

 private:
  std::shared_ptr<Shared> sh_;
  bool read_only_;
};

// Opens the databases and brings the schema and the tallies up to date, in one transaction.
void prepare(Shared& sh) {
  const std::string where = sh.dir.string();
  lmdb::Txn txn = sh.begin(nullptr, sh.read_only ? MDB_RDONLY : 0);
  for (unsigned i = 0; i < kDbCount; ++i) {
    const unsigned flags = kDbSpecs[i].flags | (sh.read_only ? 0u : MDB_CREATE);
    if (!lmdb::Dbi::open(txn.get(), kDbSpecs[i].name, flags, sh.dbis[i]))
      throw StoreError("no brigade data in " + where + " yet (database '" + kDbSpecs[i].name +
                           "' is missing); start the bot once to create it",
                       StoreError::Code::not_ready);
  }
  {
    Ledger l(txn.get(), sh.dbis, sh.cal, !sh.read_only);
    std::uint32_t version = parse_version(l.meta(kMetaSchema));
    if (version == 0) {
      // Only a store that holds nothing is new; records without a schema version mean the meta
      // table was lost, and stamping one (or asking for an upgrade) would build on damage.
      for (unsigned i = 0; i < kDbCount; ++i)
        if (i != kMeta && sh.dbis[i].entries(txn.get()) > 0)
          damaged(sh.dir / "data.mdb",
                  std::string("it holds '") + kDbSpecs[i].name + "' records but no schema version");
    }
    if (version > kSchemaVersion)
      throw StoreError("data file is from a newer brigade: " + where + " has schema " +
                           std::to_string(version) + ", this build understands up to " +
                           std::to_string(kSchemaVersion),
                       StoreError::Code::not_ready);
    const auto stored_sig = l.meta(kMetaCalendar);
    const std::string sig = sh.cal.signature();
    if (sh.read_only) {
      if (version < kSchemaVersion)
        throw StoreError("the data in " + where + " needs a schema upgrade (" + std::to_string(version) +
                             " → " + std::to_string(kSchemaVersion) + "); start the bot once to migrate it",
                         StoreError::Code::not_ready);
      if (stored_sig != sig)
        throw StoreError("tallies in " + where + " were built for calendar '" + stored_sig.value_or("?") +
                             "', not '" + sig + "'; start the bot once with these settings to rebuild them",
                         StoreError::Code::not_ready);
    } else {
      if (version == 0) {
        l.put_meta(kMetaSchema,
                   std::to_string(kSchemaVersion));  // a fresh store starts at the current schema
        version = kSchemaVersion;
      }
      // Future migrations go here, one step each: if (version == 1) { ...; version = 2; }
      l.put_meta(kMetaSchema, std::to_string(version));
      if (stored_sig != sig) {
        if (l.kudos_count() > 0) {
          const auto n = l.rebuild_tallies();
          l.put_meta(kMetaRebuilt, "calendar '" + stored_sig.value_or("") + "' → '" + sig +
                                       "': rebuilt tallies from " + std::to_string(n) + " kudos");
        }
        l.put_meta(kMetaCalendar, sig);
      }
    }
  }
  txn.commit();  // also publishes the database handles (a read-only commit does too)
}

// Every Store on one directory in this process shares one Shared. g_open_mu is held only to look
// up or publish the entry, never while LMDB is called: prepare() takes LMDB's writer lock, and a
// thread that holds that lock (a write transaction) may be the next to call Store::open.
std::mutex g_open_mu;
std::map<std::pair<dev_t, ino_t>, std::pair<std::weak_ptr<Shared>, std::shared_future<void>>> g_open;

// Opens the environment and brings it up to date. Damage is reported as such (see lmdb_check).
void open_env(Shared& sh, const Options& opt) {
  check_before_open(opt.dir);
  check_pages(opt.dir);
  sh.env.set_max_dbs(kDbCount + 8);
  sh.env.set_max_readers(256);
  if (opt.map_size > 0) sh.env.set_map_size(opt.map_size);
  // NOTLS: read transactions belong to Reader objects, not threads (a web handler may hop threads).
  unsigned flags = MDB_NOTLS;
  if (opt.read_only) flags |= MDB_RDONLY;
  if (!opt.durable) flags |= MDB_NOSYNC;
  if (int rc = sh.env.open(opt.dir, flags); rc != MDB_SUCCESS) {
    if (is_damage(rc)) damaged(opt.dir / "data.mdb", mdb_strerror(rc));
    lmdb::fail(rc, "cannot open the store in " + opt.dir.string());
  }
  check_after_open(sh.env.get(), opt.dir);
  if (!opt.read_only) sh.env.clear_stale_readers();
  try {
    prepare(sh);
  } catch (const StoreError&) {
    throw;
  } catch (const std::exception& e) {
    throw StoreError(e.what());
  }
}

}  // namespace

std::unique_ptr<Store> open_lmdb_store(const Options& opt, const core::Calendar& cal) {
  namespace fs = std::filesystem;
  if (opt.dir.empty()) throw StoreError("no data directory given");
  std::error_code ec;
  if (!opt.read_only) {
    fs::create_directories(opt.dir, ec);
    if (ec) throw StoreError("cannot create the data directory " + opt.dir.string() + ": " + ec.message());
  }
  struct stat st {};
  if (::stat(opt.dir.c_str(), &st) != 0 || !S_ISDIR(st.st_mode))
    throw StoreError("no data directory at " + opt.dir.string());
  if (opt.read_only && !fs::exists(opt.dir / "data.mdb", ec))
    throw StoreError("no brigade data in " + opt.dir.string() + " yet; start the bot once to create it",
                     StoreError::Code::not_ready);

  const auto key = std::make_pair(st.st_dev, st.st_ino);
  std::shared_ptr<Shared> sh;
  std::shared_future<void> ready;
  std::promise<void> opened;
  bool opener = false;
  {
    std::lock_guard lock(g_open_mu);
    for (auto it = g_open.begin(); it != g_open.end();)
      it = it->second.first.expired() ? g_open.erase(it) : std::next(it);
    if (auto it = g_open.find(key); it != g_open.end()) {
      sh = it->second.first.lock();
      ready = it->second.second;
    }
    if (!sh) {
      sh = std::make_shared<Shared>(cal);
      sh->read_only = opt.read_only;
      sh->dir = opt.dir;
      ready = opened.get_future().share();
      g_open[key] = {sh, ready};
      opener = true;
    }
  }
  if (opener) {
    try {
      open_env(*sh, opt);
      opened.set_value();
    } catch (...) {
      opened.set_exception(std::current_exception());
      std::lock_guard lock(g_open_mu);
      if (auto it = g_open.find(key); it != g_open.end() && it->second.first.lock() == sh) g_open.erase(it);
      throw;
    }
  } else {
    ready.get();  // another thread is opening it: wait, and fail as it failed
    if (sh->read_only && !opt.read_only)
      throw StoreError("the store in " + opt.dir.string() + " is already open read-only in this process",
                       StoreError::Code::misuse);
    if (sh->cal.signature() != cal.signature())
      throw StoreError("the store in " + opt.dir.string() +
                       " is already open in this process with calendar '" + sh->cal.signature() + "'");
  }
  return std::make_unique<LmdbStore>(std::move(sh), opt.read_only);
}

}  // namespace brigade::store
