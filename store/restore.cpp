// Restoring a backup: the data directory's owner lock, the test for processes that still have the
// ledger open, and the verified swap (see backup.hpp).
#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "store/backup.hpp"

namespace brigade::store {

namespace fs = std::filesystem;

namespace {

std::string errno_text(int err) {
  return std::strerror(err);
}

// The backup file must be a regular file other than the data file it would replace. Creates the
// data directory (a restore onto a fresh machine) and returns it.
fs::path checked(const fs::path& file, const fs::path& data_dir) {
  struct stat st {};
  if (::stat(file.c_str(), &st) != 0)
    throw StoreError("cannot read " + file.string() + ": " + errno_text(errno), StoreError::Code::invalid);
  if (!S_ISREG(st.st_mode))
    throw StoreError(file.string() + " is not a regular file", StoreError::Code::invalid);
  std::error_code ec;
  if (fs::equivalent(file, data_dir / "data.mdb", ec))
    throw StoreError(file.string() + " is the data file itself", StoreError::Code::invalid);
  fs::create_directories(data_dir, ec);
  if (ec) throw StoreError("cannot create the data directory " + data_dir.string() + ": " + ec.message());
  return data_dir;
}

// Copies `from` to `to` (created, mode 0600: a ledger holds the Matrix session) and flushes it.
void copy_synced(const fs::path& from, const fs::path& to) {
  const int in = ::open(from.c_str(), O_RDONLY | O_CLOEXEC);
  if (in < 0) throw StoreError("cannot read " + from.string() + ": " + errno_text(errno));
  const int out = ::open(to.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
  if (out < 0) {
    const int err = errno;
    ::close(in);
    throw StoreError("cannot create " + to.string() + ": " + errno_text(err));
  }
  std::string buf(1 << 20, '\0');
  int err = 0;
  for (;;) {
    const ssize_t n = ::read(in, buf.data(), buf.size());
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) {
      err = n < 0 ? errno : 0;
      break;
    }
    for (ssize_t off = 0; off < n && err == 0;) {
      const ssize_t w = ::write(out, buf.data() + off, static_cast<std::size_t>(n - off));
      if (w < 0 && errno != EINTR) err = errno;
      if (w > 0) off += w;
    }
    if (err != 0) break;
  }
  if (err == 0 && ::fsync(out) != 0) err = errno;
  ::close(in);
  ::close(out);
  if (err != 0)
    throw StoreError("cannot copy " + from.string() + " to " + to.string() + ": " + errno_text(err));
}

// `base`, or `base-2`, `base-3`… when that name is taken (two restores within one second).
fs::path free_name(const fs::path& base) {
  fs::path p = base;
  std::error_code ec;
  for (int i = 2; fs::exists(p, ec) || fs::is_symlink(p, ec); ++i)
    p = base.string() + "-" + std::to_string(i);
  return p;
}

}  // namespace

DataDirLock::DataDirLock(const fs::path& dir) {
  std::error_code ec;
  fs::create_directories(dir, ec);
  if (ec) throw StoreError("cannot create the data directory " + dir.string() + ": " + ec.message());
  const fs::path file = dir / "brigade.lock";
  // Read-only is enough for flock; 0644 so a bot under another user can still open one root made.
  fd_ = ::open(file.c_str(), O_RDONLY | O_CREAT | O_CLOEXEC, 0644);
  if (fd_ < 0) throw StoreError("cannot open " + file.string() + ": " + errno_text(errno));
  int rc;
  while ((rc = ::flock(fd_, LOCK_EX | LOCK_NB)) != 0 && errno == EINTR) {
  }
  if (rc == 0) return;
  const int err = errno;
  ::close(fd_);
  fd_ = -1;
  if (err == EWOULDBLOCK)
    throw DataDirBusy("another Brigade process (a bot, a console or a restore) is using " + dir.string() +
                      ": it holds " + file.string());
  throw StoreError("cannot lock " + file.string() + ": " + errno_text(err));
}

DataDirLock::~DataDirLock() {
  if (fd_ >= 0) ::close(fd_);
}

std::optional<pid_t> ledger_user(const fs::path& dir) {
  // Every process with the environment open holds a shared fcntl lock on byte 0 of lock.mdb
  // (LMDB's mdb_env_excl_lock); F_GETLK names one of them without taking anything.
  const int fd = ::open((dir / "lock.mdb").c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return std::nullopt;
  struct flock probe {};
  probe.l_type = F_WRLCK;
  probe.l_whence = SEEK_SET;
  probe.l_start = 0;
  probe.l_len = 1;
  const int rc = ::fcntl(fd, F_GETLK, &probe);
  ::close(fd);
  if (rc != 0 || probe.l_type == F_UNLCK) return std::nullopt;
  return probe.l_pid;
}

StagedRestore::StagedRestore(const fs::path& file, const fs::path& data_dir, const core::Calendar& likely)
    : dir_(checked(file, data_dir)), scratch_(dir_, ".restore-") {
  copy_synced(file, scratch_.path() / "data.mdb");
  facts_ = verify_ledger(scratch_.path(), file, likely);
}

fs::path StagedRestore::swap_in(const std::string& stamp) {
  const fs::path current = dir_ / "data.mdb";
  const fs::path staged = scratch_.path() / "data.mdb";
  fs::path previous;
  std::error_code ec;
  bool moved_away = false;
  if (fs::exists(current, ec)) {
    previous = free_name(dir_ / ("data.mdb.before-restore-" + stamp));
    // A second name for the previous file, so data.mdb is never missing: a bot started on a
    // directory without one would begin an empty ledger. Without hard links, a rename instead.
    if (::link(current.c_str(), previous.c_str()) != 0) {
      if (errno != EPERM && errno != EOPNOTSUPP && errno != EMLINK)
        throw StoreError("cannot keep the previous data file as " + previous.string() + ": " +
                         errno_text(errno));
      if (::rename(current.c_str(), previous.c_str()) != 0)
        throw StoreError("cannot keep the previous data file as " + previous.string() + ": " +
                         errno_text(errno));
      moved_away = true;
    }
  }
  if (::rename(staged.c_str(), current.c_str()) != 0) {
    const int err = errno;
    if (moved_away)
      (void)::rename(previous.c_str(), current.c_str());
    else if (!previous.empty())
      (void)::unlink(previous.c_str());
    throw StoreError("cannot move the restored file into place as " + current.string() + ": " +
                     errno_text(err));
  }
  // lock.mdb held the reader table and transaction ids of the previous file: stale now.
  fs::remove(dir_ / "lock.mdb", ec);
  sync_dir(dir_);
  return previous;
}

void adopt_dir_owner(const fs::path& dir) {
  if (::geteuid() != 0) return;
  struct stat d {};
  if (::stat(dir.c_str(), &d) != 0) return;
  for (const char* name : {"data.mdb", "lock.mdb", "brigade.lock"}) {
    const fs::path p = dir / name;
    struct stat f {};
    if (::lstat(p.c_str(), &f) != 0 || !S_ISREG(f.st_mode)) continue;
    if (f.st_uid == d.st_uid && f.st_gid == d.st_gid) continue;
    if (::chown(p.c_str(), d.st_uid, d.st_gid) != 0)
      throw StoreError("cannot give " + p.string() + " to the owner of " + dir.string() + ": " +
                       errno_text(errno));
  }
}

}  // namespace brigade::store
