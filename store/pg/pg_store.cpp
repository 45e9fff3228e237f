// The PostgreSQL-backed Store: a pool of connections, read snapshots (REPEATABLE READ READ ONLY),
// write transactions whose children are savepoints, and the open-time migrations and calendar
// rebuild. Several processes (replicas) may open the same database; within one process, as with
// LMDB, one Writer exists at a time.
#include "store/pg/pg_store.hpp"

#include <condition_variable>
#include <mutex>
#include <thread>

#include "store/facade.hpp"
#include "store/writer_slot.hpp"
#include "store/pg/pg_ledger.hpp"
#include "store/pg/pg_migrate.hpp"
#include "store/pg/pg_replicas.hpp"

namespace brigade::store {
namespace {

using pg::Conn;
using pg::PgLedger;

// Connections kept open between transactions. A connection that broke, or that is still inside a
// transaction, is closed instead of being kept.
class Pool {
 public:
  Pool(std::string conninfo, std::string password, bool durable)
      : conninfo_(std::move(conninfo)), password_(std::move(password)), durable_(durable) {}

  std::unique_ptr<Conn> take() {
    {
      std::lock_guard lock(mu_);
      if (!idle_.empty()) {
        auto c = std::move(idle_.back());
        idle_.pop_back();
        return c;
      }
    }
    auto c = std::make_unique<Conn>(conninfo_, password_);
    if (!durable_) c->run("SET synchronous_commit = off");
    return c;
  }

  void give(std::unique_ptr<Conn> c) noexcept {
    if (!c || !c->ok() || PQtransactionStatus(c->get()) != PQTRANS_IDLE) return;
    std::lock_guard lock(mu_);
    if (idle_.size() < kKeep) idle_.push_back(std::move(c));
  }

 private:
  static constexpr std::size_t kKeep = 8;
  std::string conninfo_;
  std::string password_;
  bool durable_;
  std::mutex mu_;
  std::vector<std::unique_ptr<Conn>> idle_;
};

// What every transaction of one store shares: the pool, the calendar, the writer slot.
struct Shared {
  Shared(const Options& opt, const core::Calendar& c)
      : conninfo(opt.url), password(opt.password), pool(opt.url, opt.password, opt.durable), cal(c) {}
  std::string conninfo;
  std::string password;
  Pool pool;
  core::Calendar cal;
  bool read_only = false;

  WriterSlot slot;  // one Writer at a time in this process (store/writer_slot.hpp)
  void acquire_writer() { slot.acquire(); }
  void release_writer() noexcept { slot.release(); }
};

// A borrowed connection with an open transaction; rolled back and returned when it ends.
class Session {
 public:
  // `prepared`: the transaction's statements are prepared on the connection (Conn::prepare_statements).
  Session(Shared& sh, const char* begin, bool prepared) : sh_(sh), c_(sh.pool.take()) {
    c_->prepare_statements(prepared);
    c_->run(begin);
  }
  ~Session() { end(); }
  Session(const Session&) = delete;
  Session& operator=(const Session&) = delete;

  Conn& conn() { return *c_; }
  bool open() const { return c_ != nullptr; }
  void commit() {
    if (PQtransactionStatus(c_->get()) == PQTRANS_INERROR) {
      end();
      throw StoreError("a statement of this transaction failed; it was rolled back", StoreError::Code::failed);
    }
    try {
      c_->run("COMMIT");
    } catch (...) {
      c_.reset();  // the outcome is unknown to this connection: never reuse it
      throw;
    }
    sh_.pool.give(std::move(c_));
  }
  void end() noexcept {
    if (!c_) return;
    try {
      c_->drop_sent();  // rolled back with the rest
      if (c_->ok()) c_->run("ROLLBACK");
    } catch (const StoreError&) {
      c_.reset();
      return;
    }
    sh_.pool.give(std::move(c_));
  }

 private:
  Shared& sh_;
  std::unique_ptr<Conn> c_;
};

class PgReader final : public ReadFacade<Reader, PgLedger> {
 public:
  explicit PgReader(std::shared_ptr<Shared> sh)
      : sh_(std::move(sh)), s_(*sh_, "BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY", false), l_(s_.conn(), sh_->cal, false) {}

 private:
  PgLedger& ledger() override { return l_; }
  std::shared_ptr<Shared> sh_;
  Session s_;
  PgLedger l_;
};

// The top-level writer owns the session and the ledger; a child is a savepoint on them.
class PgWriter final : public WriteFacade<PgLedger> {
 public:
  explicit PgWriter(std::shared_ptr<Shared> sh) : sh_(std::move(sh)) {
    // Writers take the tally lock (the 'kudos' counter row) as they begin, in the same round trip:
    // replicas then write one at a time, as LMDB's single writer does, and can never deadlock on
    // the rows a group touches in different orders (allowances, tallies, interned ids).
    session_ = std::make_unique<Session>(*sh_, "BEGIN; SELECT 1 FROM counters WHERE name = 'kudos' FOR UPDATE", true);
    ledger_ = std::make_unique<PgLedger>(session_->conn(), sh_->cal, true);
    ledger_->note_tallies_locked();
    l_ = ledger_.get();
  }
  PgWriter(PgWriter* parent) : sh_(parent->sh_), parent_(parent), l_(parent->l_), depth_(parent->depth_ + 1) {
    l_->conn().run("SAVEPOINT " + name());
    parent_->child_ = this;
  }
  ~PgWriter() override { end(); }
  PgWriter(const PgWriter&) = delete;
  PgWriter& operator=(const PgWriter&) = delete;

  std::unique_ptr<Writer> child() override {
    ledger();  // refuses when ended or while a child is open
    return std::make_unique<PgWriter>(this);
  }

  void commit() override {
    ledger();
    try {
      if (parent_ == nullptr)
        session_->commit();
      else
        l_->conn().run("RELEASE SAVEPOINT " + name());
    } catch (...) {
      end();
      throw;
    }
    done_ = true;
    finish();
  }

 private:
  PgLedger& ledger() override {
    if (done_) throw StoreError("the write transaction has already ended", StoreError::Code::misuse);
    if (child_ != nullptr)
      throw StoreError("a transaction cannot be used while its child is open", StoreError::Code::misuse);
    return *l_;
  }

  std::string name() const { return "brigade_" + std::to_string(depth_); }

  void end() noexcept {
    if (done_) return;
    done_ = true;
    if (child_ != nullptr) child_->end();
    if (parent_ == nullptr) {
      session_->end();
    } else {
      try {
        l_->conn().drop_sent();  // an error among them is why we roll back, or undone anyway
        l_->conn().run("ROLLBACK TO SAVEPOINT " + name());
        l_->conn().run("RELEASE SAVEPOINT " + name());
      } catch (const StoreError&) {
        // The connection broke: the top-level commit will fail and say so.
      }
      l_->rolled_back();
    }
    finish();
  }

  void finish() noexcept {
    if (parent_ != nullptr) {
      parent_->child_ = nullptr;
      parent_ = nullptr;
    } else if (!released_) {
      released_ = true;
      sh_->release_writer();
    }
  }

  std::shared_ptr<Shared> sh_;
  PgWriter* parent_ = nullptr;
  PgWriter* child_ = nullptr;
  std::unique_ptr<Session> session_;   // top level only
  std::unique_ptr<PgLedger> ledger_;   // top level only
  PgLedger* l_ = nullptr;
  int depth_ = 0;
  bool done_ = false;
  bool released_ = false;
};

// A statement outside any transaction, on a pooled connection (autocommit).
template <class F>
auto with_conn(Shared& sh, F&& f) {
  auto c = sh.pool.take();
  auto result = f(*c);
  sh.pool.give(std::move(c));
  return result;
}

class PgStore final : public Store {
 public:
  explicit PgStore(std::shared_ptr<Shared> sh) : sh_(std::move(sh)) {}

  std::unique_ptr<Reader> read() override { return std::make_unique<PgReader>(sh_); }
  std::unique_ptr<Writer> write() override {
    if (sh_->read_only) throw StoreError("the store was opened read-only", StoreError::Code::not_ready);
    sh_->acquire_writer();
    try {
      return std::make_unique<PgWriter>(sh_);
    } catch (...) {
      sh_->release_writer();
      throw;
    }
  }
  const core::Calendar& calendar() const override { return sh_->cal; }
  // The ledger's record model (store::kSchemaVersion, the same on both backends); the SQL
  // migration level is brigade_migrations' (store/pg/pg_migrate.hpp).
  std::uint32_t schema_version() override {
    auto v = read()->meta(pg::kMetaSchema);
    return v ? static_cast<std::uint32_t>(std::stoul(*v)) : 0;
  }
  bool hold_lease(std::string_view name, std::string_view holder, Millis ttl_ms) override {
    return with_conn(*sh_, [&](Conn& c) { return pg::hold_lease(c, name, holder, ttl_ms); });
  }
  void drop_lease(std::string_view name, std::string_view holder) override {
    with_conn(*sh_, [&](Conn& c) {
      pg::drop_lease(c, name, holder);
      return true;
    });
  }
  void watch_outbox(std::function<void()> fn) override {
    watcher_.reset();
    if (fn) watcher_ = std::make_unique<pg::OutboxWatcher>(sh_->conninfo, sh_->password, std::move(fn));
  }
  bool reconnects() const override { return true; }
  void backup(const std::filesystem::path&) override {
    throw StoreError("a PostgreSQL ledger is backed up with pg_dump, not brigade backup (see README)",
                     StoreError::Code::not_ready);
  }

 private:
  std::shared_ptr<Shared> sh_;
  std::unique_ptr<pg::OutboxWatcher> watcher_;  // destroyed first: its callback may reach the bot
};

// The calendar check of an open, in one transaction: a new ledger is stamped, a changed calendar
// rebuilds every tally (a read-only open refuses instead).
void check_calendar(Conn& c, const core::Calendar& cal, bool read_only) {
  c.run("BEGIN");
  try {
    PgLedger l(c, cal, !read_only);
    if (!read_only && l.meta(pg::kMetaSchema) != std::to_string(kSchemaVersion))
      l.put_meta(pg::kMetaSchema, std::to_string(kSchemaVersion));
    const auto stored = l.meta(pg::kMetaCalendar);
    const auto sig = cal.signature();
    if (stored != sig) {
      if (read_only)
        throw StoreError("tallies in the PostgreSQL ledger were built for calendar '" + stored.value_or("?") +
                             "', not '" + sig + "'; start the bot once with these settings to rebuild them",
                         StoreError::Code::not_ready);
      if (l.kudos_count() > 0) {
        const auto n = l.rebuild_tallies();
        l.put_meta(pg::kMetaRebuilt, "calendar '" + stored.value_or("") + "' → '" + sig +
                                         "': rebuilt tallies from " + std::to_string(n) + " kudos");
      }
      l.put_meta(pg::kMetaCalendar, sig);
    }
    c.run("COMMIT");
  } catch (...) {
    try {
      c.run("ROLLBACK");
    } catch (const StoreError&) {
    }
    throw;
  }
}

}  // namespace

std::unique_ptr<Store> open_pg_store(const Options& opt, const core::Calendar& cal) {
  auto sh = std::make_shared<Shared>(opt, cal);
  sh->read_only = opt.read_only;
  {
    auto c = sh->pool.take();
    pg::MigrationLock lock(*c);
    pg::migrate(*c, opt.read_only);
    check_calendar(*c, sh->cal, opt.read_only);
  }
  return std::make_unique<PgStore>(std::move(sh));
}

}  // namespace brigade::store
