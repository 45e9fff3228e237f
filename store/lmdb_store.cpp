// The LMDB-backed Store: one environment per data directory per process, the data-file checks,
// and the open-time migrations and calendar rebuilds (the transactions are in lmdb_txn.cpp).
#include "store/lmdb_store.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include <charconv>
#include <future>
#include <map>
#include <mutex>

#include "store/lmdb_check.hpp"
#include "store/lmdb_txn.hpp"

namespace brigade::store {
namespace {

std::uint32_t parse_version(const std::optional<std::string>& v) {
  if (!v) return 0;
  std::uint32_t n = 0;
  auto [p, ec] = std::from_chars(v->data(), v->data() + v->size(), n);
  if (ec != std::errc() || p != v->data() + v->size()) codec::corrupt("schema version", "not a number");
  return n;
}

// A compacted copy of the environment in `file` (created; must not exist), flushed to disk. LMDB
// copies from one read snapshot, so writers carry on while it runs.
void copy_compacted(SharedEnv& sh, const std::filesystem::path& file) {
  const int fd = ::open(file.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
  if (fd < 0) throw StoreError("cannot create " + file.string() + ": " + std::strerror(errno));
  int rc = mdb_env_copyfd2(sh.env.get(), fd, MDB_CP_COMPACT);
  if (rc == MDB_SUCCESS && ::fsync(fd) != 0) rc = errno;
  ::close(fd);
  if (rc != MDB_SUCCESS) {
    std::error_code ignored;
    std::filesystem::remove(file, ignored);
    lmdb::fail(rc, "cannot copy the store to " + file.string());
  }
}

class LmdbStore final : public Store {
 public:
  LmdbStore(std::shared_ptr<SharedEnv> sh, bool read_only) : sh_(std::move(sh)), read_only_(read_only) {}

  std::unique_ptr<Reader> read() override { return open_reader(sh_); }
  std::unique_ptr<Writer> write() override {
    if (read_only_) throw StoreError("the store was opened read-only", StoreError::Code::not_ready);
    return open_writer(sh_);
  }
  const core::Calendar& calendar() const override { return sh_->cal; }
  std::uint32_t schema_version() override { return parse_version(read()->meta(kMetaSchema)); }
  void backup(const std::filesystem::path& file) override { copy_compacted(*sh_, file); }

 private:
  std::shared_ptr<SharedEnv> sh_;
  bool read_only_;
};

// Schema migrations, one step each, up to kSchemaVersion; returns the version reached.
std::uint32_t migrate(Ledger& l, std::uint32_t version) {
  if (version == 1) {
    l.migrate_1_to_2();
    version = 2;
  }
  if (version == 2) {
    l.migrate_2_to_3();
    version = 3;
  }
  if (version == 3) {
    l.migrate_3_to_4();
    version = 4;
  }
  return version;
}

// Opens the databases and brings the schema and the tallies up to date, in one transaction.
void prepare(SharedEnv& sh) {
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
      version = migrate(l, version);
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

// Every Store on one directory in this process shares one SharedEnv. g_open_mu is held only to look
// up or publish the entry, never while LMDB is called: prepare() takes LMDB's writer lock, and a
// thread that holds that lock (a write transaction) may be the next to call Store::open.
std::mutex g_open_mu;
std::map<std::pair<dev_t, ino_t>, std::pair<std::weak_ptr<SharedEnv>, std::shared_future<void>>> g_open;

// Opens the environment and brings it up to date. Damage is reported as such (see lmdb_check).
void open_env(SharedEnv& sh, const Options& opt) {
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
  std::shared_ptr<SharedEnv> sh;
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
      sh = std::make_shared<SharedEnv>(cal);
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