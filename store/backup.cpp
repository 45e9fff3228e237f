// Backups: the ledger opened under its own calendar, a copy verified (tallies and audit chain)
// in a scratch directory, and moved into place only once it has passed (see backup.hpp).
#include "store/backup.hpp"

#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include <cerrno>
#include <charconv>
#include <cstring>

#include "store/ledger.hpp"
#include "store/lmdb_check.hpp"

namespace brigade::store {

namespace fs = std::filesystem;

namespace {

std::string errno_text(int err) {
  return std::strerror(err);
}

// What a ledger says about itself: its schema version and the calendar its tallies were built with.
struct Stamp {
  std::optional<std::string> schema;
  std::optional<std::string> calendar;
};

// Read straight from the meta table of a file whose pages Store::open has just walked (it throws
// not_ready for another schema or calendar only after check_pages), so reading cannot crash.
Stamp read_stamp(const fs::path& dir) {
  lmdb::Env env;
  env.set_max_dbs(kDbCount + 8);
  if (const int rc = env.open(dir, MDB_RDONLY | MDB_NOTLS); rc != MDB_SUCCESS) {
    if (is_damage(rc)) damaged(dir / "data.mdb", mdb_strerror(rc));
    lmdb::fail(rc, "cannot open " + (dir / "data.mdb").string());
  }
  check_after_open(env.get(), dir);
  lmdb::Txn txn(env.get(), nullptr, MDB_RDONLY);
  Stamp s;
  lmdb::Dbi meta;
  if (!lmdb::Dbi::open(txn.get(), kDbSpecs[kMeta].name, 0, meta)) return s;
  MDB_val v;
  if (meta.get(txn.get(), lmdb::val(kMetaSchema), v)) s.schema = std::string(lmdb::view(v));
  if (meta.get(txn.get(), lmdb::val(kMetaCalendar), v)) s.calendar = std::string(lmdb::view(v));
  return s;
}

// The calendar a ledger's tallies were built with ("Europe/Berlin|1"), which verify() needs.
core::Calendar calendar_of(const Stamp& s, const fs::path& dir) {
  const std::string file = (dir / "data.mdb").string();
  const auto nr = StoreError::Code::not_ready;
  if (!s.schema) throw StoreError(file + " holds no Brigade ledger (it has no schema version)", nr);
  if (*s.schema != std::to_string(kSchemaVersion))
    throw StoreError(file + " holds a schema-" + *s.schema + " ledger and this Brigade reads schema " +
                         std::to_string(kSchemaVersion) +
                         " (an older ledger is upgraded by starting a bot on a copy of it)",
                     nr);
  if (!s.calendar) return core::Calendar();  // a ledger that never held a tally
  const std::string& sig = *s.calendar;
  const auto bar = sig.rfind('|');
  int week = -1;
  if (bar != std::string::npos) {
    auto [end, ec] = std::from_chars(sig.data() + bar + 1, sig.data() + sig.size(), week);
    if (ec != std::errc() || end != sig.data() + sig.size()) week = -1;
  }
  try {
    return core::Calendar(sig.substr(0, bar == std::string::npos ? sig.size() : bar), week);
  } catch (const std::exception& e) {
    throw StoreError(file + ": its tallies were built with calendar '" + sig +
                         "', which cannot be used here (" + e.what() + ")",
                     nr);
  }
}

void replace_all(std::string& text, const std::string& from, const std::string& to) {
  if (from.empty()) return;
  for (auto at = text.find(from); at != std::string::npos; at = text.find(from, at + to.size()))
    text.replace(at, from.size(), to);
}

// A store message about the scratch copy, told about the file the user named. A damage message
// ends with advice for a bot's own data file ("restore it from a backup"), which is not this case.
std::string as_shown(std::string what, const fs::path& dir, const fs::path& shown_as) {
  replace_all(what, (dir / "data.mdb").string(), shown_as.string());
  replace_all(what, dir.string(), shown_as.string());
  if (auto advice = what.find("; restore it from a backup"); advice != std::string::npos) what.erase(advice);
  return what;
}

// Checks a verified ledger's contents; throws (code damaged) with what does not hold.
LedgerFacts check_contents(Reader& r, const fs::path& file) {
  const auto tallies = r.verify();
  if (!tallies.ok())
    throw StoreError(std::to_string(tallies.drift.size()) +
                         " tally entries do not match the kudos log (the first: " + tallies.drift.front() +
                         ")",
                     StoreError::Code::damaged);
  const auto chain = r.verify_audit();
  if (!chain.ok())
    throw StoreError(
        "the audit log does not verify at entry " + std::to_string(chain.first_bad) + ": " + chain.problem,
        StoreError::Code::damaged);
  LedgerFacts f;
  f.bytes = fs::file_size(file);
  f.kudos = r.kudos_count();
  f.audit_entries = chain.entries;
  f.audit_head = chain.head;
  return f;
}

// rename(2) that never replaces an existing `to`: renameat2's RENAME_NOREPLACE, or link(2) on a
// file system without it (the scratch directory takes the source away afterwards).
void rename_no_replace(const fs::path& from, const fs::path& to) {
  int rc = ::renameat2(AT_FDCWD, from.c_str(), AT_FDCWD, to.c_str(), RENAME_NOREPLACE);
  if (rc != 0 && (errno == EINVAL || errno == ENOSYS)) rc = ::link(from.c_str(), to.c_str());
  if (rc == 0) return;
  if (errno == EEXIST) throw StoreError(to.string() + " already exists", StoreError::Code::invalid);
  throw StoreError("cannot move the backup into place as " + to.string() + ": " + errno_text(errno));
}

}  // namespace

ScratchDir::ScratchDir(const fs::path& parent, const std::string& prefix) {
  std::string pattern = (parent / (prefix + "XXXXXX")).string();
  if (::mkdtemp(pattern.data()) == nullptr)
    throw StoreError("cannot create a scratch directory in " + parent.string() + ": " + errno_text(errno));
  path_ = pattern;
}

ScratchDir::~ScratchDir() {
  std::error_code ignored;
  fs::remove_all(path_, ignored);
}

void sync_dir(const fs::path& dir) {
  const int fd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0) return;
  (void)::fsync(fd);
  ::close(fd);
}

std::unique_ptr<Store> open_as_built(const fs::path& dir, const core::Calendar& likely) {
  std::error_code ec;
  if (!fs::exists(dir / "data.mdb", ec))
    throw StoreError("no data file at " + (dir / "data.mdb").string(), StoreError::Code::not_ready);
  Options o;
  o.dir = dir;
  o.read_only = true;
  try {
    return Store::open(o, likely);
  } catch (const StoreError& e) {
    // A file that opened but holds another schema or calendar; damage and the rest are final.
    if (e.code() != StoreError::Code::not_ready) throw;
  }
  return Store::open(o, calendar_of(read_stamp(dir), dir));
}

LedgerFacts verify_ledger(const fs::path& dir, const fs::path& shown_as, const core::Calendar& likely) {
  const std::string prefix = shown_as.string() + " failed verification: ";
  try {
    auto st = open_as_built(dir, likely);
    auto reader = st->read();
    return check_contents(*reader, dir / "data.mdb");
  } catch (const StoreError& e) {
    throw StoreError(prefix + as_shown(e.what(), dir, shown_as), e.code());
  } catch (const std::exception& e) {
    throw StoreError(prefix + as_shown(e.what(), dir, shown_as), StoreError::Code::failed);
  }
}

LedgerFacts write_backup(Store& live, const fs::path& file, bool replace) {
  if (file.filename().empty() || fs::is_directory(file))
    throw StoreError(file.string() + " is a directory: name the backup file", StoreError::Code::invalid);
  std::error_code ec;
  if (!replace && fs::exists(file, ec))
    throw StoreError(file.string() + " already exists", StoreError::Code::invalid);
  const fs::path parent = file.has_parent_path() ? file.parent_path() : fs::path(".");
  ScratchDir scratch(parent, "." + file.filename().string() + ".partial-");
  const fs::path copy = scratch.path() / "data.mdb";
  live.backup(copy);  // one read snapshot, compacted, fsync'd
  LedgerFacts facts = verify_ledger(scratch.path(), file, live.calendar());
  if (replace) {
    if (::rename(copy.c_str(), file.c_str()) != 0)
      throw StoreError("cannot move the backup into place as " + file.string() + ": " + errno_text(errno));
  } else {
    rename_no_replace(copy, file);
  }
  sync_dir(parent);
  return facts;
}

}  // namespace brigade::store
