// Backups of the data file and restoring one: a hot, compacted copy (Store::backup) that is opened
// and verified — tallies and audit chain — before it takes its name, and a verified backup swapped
// into a data directory that no other process is using. `brigade backup` and `brigade restore`
// (app/backup.cpp) are the command-line side.
#pragma once

#include <sys/types.h>

#include <cstdint>
#include <filesystem>
#include <memory>
#include <optional>
#include <string>

#include "core/calendar.hpp"
#include "store/store.hpp"

namespace brigade::store {

// What a verified ledger holds: the facts `brigade backup` and `restore` print.
struct LedgerFacts {
  std::uintmax_t bytes = 0;  // size of the data file
  std::uint64_t kudos = 0;   // Reader::kudos_count()
  std::uint64_t audit_entries = 0;
  std::string audit_head;  // hex SHA-256 of the last audit entry; "" when the log is empty
};

// A scratch directory made with mkdtemp as `<parent>/<prefix>XXXXXX`, removed with its contents
// when this ends. Beside its destination, so what is made in it moves into place with rename(2).
class ScratchDir {
 public:
  ScratchDir(const std::filesystem::path& parent, const std::string& prefix);
  ~ScratchDir();
  ScratchDir(const ScratchDir&) = delete;
  ScratchDir& operator=(const ScratchDir&) = delete;
  const std::filesystem::path& path() const { return path_; }

 private:
  std::filesystem::path path_;
};

// fsync(2) on a directory, so the renames and links made in it survive a crash (best effort).
void sync_dir(const std::filesystem::path& dir);

// Opens the ledger in `dir` read-only under the calendar its tallies were built with, not the
// configured one: a backup or a restore must not depend on settings changed since. `likely` is
// tried first (one page walk); only when the file was built otherwise is its calendar read from it
// and the store opened again. Not for a directory this process already has open.
std::unique_ptr<Store> open_as_built(const std::filesystem::path& dir, const core::Calendar& likely);

// Opens the data file `dir`/data.mdb read-only as a store and checks every tally against the kudos
// log (Reader::verify) and the audit hash chain (Reader::verify_audit). Throws StoreError (code
// damaged, or not_ready for a ledger this build cannot read) whose message names `shown_as`, the
// file the user knows, never the scratch directory.
// `likely`: as for open_as_built.
LedgerFacts verify_ledger(const std::filesystem::path& dir, const std::filesystem::path& shown_as,
                          const core::Calendar& likely);

// `brigade backup`: copies `live` into a scratch directory beside `file`, verifies the copy there,
// and only then renames it to `file` — replacing an existing one only when `replace`. On any
// failure nothing new is left beside `file`, and an existing `file` is untouched.
LedgerFacts write_backup(Store& live, const std::filesystem::path& file, bool replace);

// Thrown by DataDirLock when another process holds the data directory.
class DataDirBusy : public StoreError {
 public:
  using StoreError::StoreError;
};

// The data directory's owner lock: an exclusive flock(2) on `<dir>/brigade.lock`, held by
// `brigade run` and `brigade console` for their lifetime and by `brigade restore` while it works,
// released by the kernel however the process ends. Readers (report, health, backup) never take it.
class DataDirLock {
 public:
  // Takes the lock without waiting, creating the directory and the lock file when missing.
  // Throws DataDirBusy (one line naming the directory) when another process holds it.
  explicit DataDirLock(const std::filesystem::path& dir);
  ~DataDirLock();
  DataDirLock(const DataDirLock&) = delete;
  DataDirLock& operator=(const DataDirLock&) = delete;

 private:
  int fd_ = -1;
};

// A process that has the LMDB environment in `dir` open (any reader or writer holds a lock on
// lock.mdb), or nullopt when none has. The lock file is only tested, never locked.
std::optional<pid_t> ledger_user(const std::filesystem::path& dir);

// `brigade restore`, in two steps around the question to the user: a backup file copied into a
// scratch directory inside the data directory and verified there (constructor), then swapped in.
class StagedRestore {
 public:
  StagedRestore(const std::filesystem::path& file, const std::filesystem::path& data_dir,
                const core::Calendar& likely);
  const LedgerFacts& facts() const { return facts_; }
  // Puts the verified copy in place as data.mdb. The previous data file, if any, stays as
  // `data.mdb.before-restore-<stamp>` (returned; empty when there was none) — data.mdb itself is
  // never missing, even for a moment. Removes lock.mdb, which described the previous file.
  std::filesystem::path swap_in(const std::string& stamp);

 private:
  std::filesystem::path dir_;
  ScratchDir scratch_;
  LedgerFacts facts_;
};

// Run as root on a directory someone else owns (a systemd DynamicUser's state directory): gives
// data.mdb, lock.mdb and brigade.lock the directory's owner, so the bot can open them. No-op otherwise.
void adopt_dir_owner(const std::filesystem::path& dir);

}  // namespace brigade::store
