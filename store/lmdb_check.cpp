// Damage checks for an LMDB data file: its size before and after opening, and a crash-isolated
// walk of every page (see lmdb_check.hpp).
#include "store/lmdb_check.hpp"

#include <dirent.h>
#include <poll.h>
#include <signal.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstring>

namespace brigade::store {

namespace {

constexpr std::size_t kMinFile = 2 * 4096;  // two meta pages at LMDB's smallest page size
volatile unsigned long g_sink;              // keeps the walk's reads from being optimised away

std::filesystem::path data_file(const std::filesystem::path& dir) {
  return dir / "data.mdb";
}

// The child's walk over one environment. Each step returns 0 when everything it read was
// intact, or 1 once it has written why not to `out`.
struct Walk {
  int out;
  unsigned long sum = 0;  // every byte is read: a page past the end faults here, in the child

  int say(const std::string& what, int rc) {
    std::string m = what + ": " + mdb_strerror(rc);
    (void)!::write(out, m.data(), m.size());
    return 1;
  }
  void touch(const MDB_val& v) {
    const auto* p = static_cast<const unsigned char*>(v.mv_data);
    for (std::size_t i = 0; i < v.mv_size; i += 4096) sum += p[i];  // a byte of every page it spans
    if (v.mv_size > 0) sum += p[v.mv_size - 1];
  }

  // Every entry of the named database `name` (a plain key in the main database is skipped).
  int database(MDB_txn* txn, const std::string& name) {
    MDB_dbi dbi = 0;
    int orc = mdb_dbi_open(txn, name.c_str(), 0, &dbi);
    if (orc == MDB_INCOMPATIBLE) return 0;  // a plain key in the main database, not a named one
    if (orc != MDB_SUCCESS) return say("database " + name, orc);
    MDB_cursor* c = nullptr;
    if ((orc = mdb_cursor_open(txn, dbi, &c)) != MDB_SUCCESS) return say("cursor " + name, orc);
    unsigned flags = 0;
    mdb_dbi_flags(txn, dbi, &flags);
    const bool dups = (flags & MDB_DUPSORT) != 0;
    // LMDB trusts a page's node offsets: a damaged page can read as entries out of order (often
    // the same one again and again), which no intact B-tree holds.
    MDB_val ik, id, pk{}, pd{};
    bool first = true;
    int wrc = mdb_cursor_get(c, &ik, &id, MDB_FIRST);
    for (; wrc == MDB_SUCCESS; wrc = mdb_cursor_get(c, &ik, &id, MDB_NEXT)) {
      touch(ik);
      touch(id);
      if (!first) {
        const int kc = mdb_cmp(txn, dbi, &pk, &ik);
        if (kc > 0 || (kc == 0 && (!dups || mdb_dcmp(txn, dbi, &pd, &id) >= 0)))
          return say("database " + name + ": entries out of order", MDB_CORRUPTED);
      }
      first = false;
      pk = ik;
      pd = id;
    }
    if (wrc != MDB_NOTFOUND) return say("reading " + name, wrc);
    mdb_cursor_close(c);
    return 0;
  }

  // The free list (database 0, readable in a read-only transaction, as mdb_stat -f does): the
  // next write reuses the pages it names, so a damaged one sends the writer past the file's end.
  int free_list(MDB_env* env, MDB_txn* txn) {
    MDB_envinfo info{};
    mdb_env_info(env, &info);
    MDB_cursor* free_pages = nullptr;
    int rc = mdb_cursor_open(txn, 0, &free_pages);
    if (rc != MDB_SUCCESS) return say("free list", rc);
    std::size_t last_txn = 0;
    MDB_val k, d;
    for (rc = mdb_cursor_get(free_pages, &k, &d, MDB_FIRST); rc == MDB_SUCCESS;
         rc = mdb_cursor_get(free_pages, &k, &d, MDB_NEXT)) {
      // key: a transaction id, strictly rising; value: a count, then that many page numbers (MDB_IDL).
      if (k.mv_size != sizeof(std::size_t) || d.mv_size < sizeof(std::size_t) ||
          d.mv_size % sizeof(std::size_t))
        return say("free list", MDB_CORRUPTED);
      std::size_t txn_id = 0;
      std::memcpy(&txn_id, k.mv_data, sizeof txn_id);
      if (txn_id <= last_txn) return say("free list: entries out of order", MDB_CORRUPTED);
      last_txn = txn_id;
      const auto* ids = static_cast<const std::size_t*>(d.mv_data);
      const std::size_t n = d.mv_size / sizeof(std::size_t) - 1;
      if (ids[0] != n) return say("free list", MDB_CORRUPTED);
      for (std::size_t i = 1; i <= n; ++i)
        if (ids[i] < 2 || ids[i] > info.me_last_pgno) return say("free list", MDB_PAGE_NOTFOUND);
    }
    if (rc != MDB_NOTFOUND) return say("reading the free list", rc);
    return 0;
  }
};

// Child side of check_pages: 0 when every page reads, 1 with the LMDB error on `out` when one
// does not, 2 when the check itself could not run (the parent's own open reports that).
int walk(const std::filesystem::path& dir, int out) {
  Walk w{out};
  MDB_env* env = nullptr;
  int rc = mdb_env_create(&env);
  if (rc == MDB_SUCCESS) rc = mdb_env_set_maxdbs(env, 64);
  // Read-only, as a registered reader (a running bot then keeps this snapshot's pages intact).
  if (rc == MDB_SUCCESS) rc = mdb_env_open(env, dir.c_str(), MDB_RDONLY | MDB_NOTLS, 0600);
  if (rc != MDB_SUCCESS) return is_damage(rc) ? w.say("open", rc) : 2;
  MDB_txn* txn = nullptr;
  if ((rc = mdb_txn_begin(env, nullptr, MDB_RDONLY, &txn)) != MDB_SUCCESS) return w.say("begin", rc);
  MDB_dbi main = 0;
  if ((rc = mdb_dbi_open(txn, nullptr, 0, &main)) != MDB_SUCCESS) return w.say("main database", rc);
  MDB_cursor* names = nullptr;
  if ((rc = mdb_cursor_open(txn, main, &names)) != MDB_SUCCESS) return w.say("main cursor", rc);
  MDB_val k, d;
  for (rc = mdb_cursor_get(names, &k, &d, MDB_FIRST); rc == MDB_SUCCESS;
       rc = mdb_cursor_get(names, &k, &d, MDB_NEXT))
    if (w.database(txn, std::string(static_cast<const char*>(k.mv_data), k.mv_size)) != 0) return 1;
  if (rc != MDB_NOTFOUND) return w.say("reading the database list", rc);
  if (w.free_list(env, txn) != 0) return 1;
  mdb_txn_abort(txn);
  mdb_env_close(env);
  g_sink = w.sum;
  return 0;
}

// fork() copies only the calling thread: with others running, one of them may hold a lock
// (malloc's, a sanitizer's) that the child then waits on forever. Only a single-threaded process
// (the bot, report and health open the store before they start any thread) checks its pages.
bool single_threaded() {
  DIR* d = ::opendir("/proc/self/task");
  if (d == nullptr) return false;
  int n = 0;
  while (const dirent* e = ::readdir(d))
    if (e->d_name[0] != '.') ++n;
  ::closedir(d);
  return n == 1;
}

}  // namespace

[[noreturn]] void damaged(const std::filesystem::path& file, const std::string& why) {
  throw StoreError("the data file " + file.string() + " is damaged (" + why +
                       "); restore it from a backup, or move it away to start an empty ledger",
                   StoreError::Code::damaged);
}

bool is_damage(int rc) {
  return rc == MDB_INVALID || rc == MDB_CORRUPTED || rc == MDB_PAGE_NOTFOUND || rc == MDB_VERSION_MISMATCH ||
         rc == MDB_BAD_TXN || rc == MDB_BAD_VALSIZE || rc == MDB_INCOMPATIBLE;
}

void check_before_open(const std::filesystem::path& dir) {
  struct stat st {};
  const auto file = data_file(dir);
  if (::stat(file.c_str(), &st) != 0) return;  // no file yet: the first start creates one
  if (static_cast<std::size_t>(st.st_size) < kMinFile)
    damaged(file, "it is " + std::to_string(st.st_size) + " bytes, too short for any ledger");
}

void check_after_open(MDB_env* env, const std::filesystem::path& dir) {
  const auto file = data_file(dir);
  struct stat st {};
  if (::stat(file.c_str(), &st) != 0) return;
  MDB_envinfo info{};
  MDB_stat ms{};
  if (mdb_env_info(env, &info) != MDB_SUCCESS || mdb_env_stat(env, &ms) != MDB_SUCCESS) return;
  const auto needed = (static_cast<std::uint64_t>(info.me_last_pgno) + 1) * ms.ms_psize;
  if (static_cast<std::uint64_t>(st.st_size) < needed)
    damaged(file, "it is " + std::to_string(st.st_size) + " bytes, but its pages reach " +
                      std::to_string(needed) + ": it was cut short");
}

void check_pages(const std::filesystem::path& dir) {
  const auto file = data_file(dir);
  if (::access(file.c_str(), F_OK) != 0 || !single_threaded()) return;
  int out[2];
  if (::pipe(out) != 0) return;  // cannot check: carry on as LMDB would
  pid_t pid = ::fork();
  if (pid < 0) {
    ::close(out[0]);
    ::close(out[1]);
    return;
  }
  if (pid == 0) {
    ::close(out[0]);
    ::dup2(out[1], STDERR_FILENO);  // LMDB's assertion text becomes part of the one-line reason
    // The walk keeps none of its parent's descriptors: one killed mid-walk must not leave its
    // flock on the data directory's brigade.lock (backup.hpp) with this child while it finishes.
    // It reports on stderr, which is the pipe.
    ::close_range(3, ~0u, 0);
    ::_exit(walk(dir, STDERR_FILENO));
  }
  ::close(out[1]);
  // A walk reads about a gigabyte a second; one that takes far longer is stuck, not checking. It is
  // stopped and the open goes on unchecked rather than hang the bot's start.
  struct stat st {};
  ::stat(file.c_str(), &st);
  const int budget_ms = 60'000 + static_cast<int>(std::min<off_t>(st.st_size >> 20, 3'000'000) * 20);
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(budget_ms);
  std::string what;
  char buf[256];
  bool stuck = false;
  for (;;) {
    auto left =
        std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
    pollfd p{out[0], POLLIN, 0};
    int rc = left.count() > 0 ? ::poll(&p, 1, static_cast<int>(left.count())) : 0;
    if (rc < 0 && errno == EINTR) continue;
    if (rc <= 0) {
      stuck = true;
      break;
    }
    ssize_t n = ::read(out[0], buf, sizeof buf);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) break;
    what.append(buf, static_cast<std::size_t>(n));
  }
  ::close(out[0]);
  if (stuck) ::kill(pid, SIGKILL);
  int status = 0;
  while (::waitpid(pid, &status, 0) < 0 && errno == EINTR) {
  }
  if (stuck) return;
  for (auto& c : what)
    if (c == '\n' || c == '\r') c = ' ';
  while (!what.empty() && what.back() == ' ') what.pop_back();
  if (WIFSIGNALED(status))
    damaged(file, std::string("reading its pages crashed a check: ") + ::strsignal(WTERMSIG(status)) +
                      (what.empty() ? "" : ", " + what));
  if (WIFEXITED(status) && WEXITSTATUS(status) == 1)
    damaged(file, what.empty() ? "a page could not be read" : what);
}

}  // namespace brigade::store
