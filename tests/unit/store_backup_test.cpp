// Backups and restores (store/backup.hpp): a hot copy taken while another thread writes restores
// to a ledger that verifies and holds everything committed before it began; a tampered or cut
// copy is refused; the swap keeps the previous file; the directory lock and the LMDB user probe.
#include <signal.h>

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <fstream>
#include <thread>

#include "store/backup.hpp"
#include "tests/support/process.hpp"
#include "tests/unit/store_test_util.hpp"

namespace brigade::store {
namespace {

namespace fs = std::filesystem;
using namespace testing;
using namespace std::chrono_literals;

// `n` kudos and an audit entry every tenth, in one transaction.
void seed(Store& s, int n, Millis ts = kNov18Ten) {
  auto w = s.write();
  for (int i = 0; i < n; ++i) {
    auto k =
        make("giver" + std::to_string(i % 7), "taker" + std::to_string(i % 5), "c" + std::to_string(i % 3),
             ts + i, Kind::thanks, "reason " + std::to_string(i), {"teamwork"});
    w->add_kudos(k);
    if (i % 10 == 0) {
      AuditEntry e{0,
                   ts + i,
                   user("admin"),
                   "revoke",
                   "K" + std::to_string(i + 1),
                   "audit detail " + std::to_string(i)};
      w->append_audit(e);
    }
  }
  w->commit();
}

std::vector<std::uint64_t> all_ids(Reader& r) {
  std::vector<std::uint64_t> ids;
  for (const auto& k : r.kudos_between(0, kDec01 * 2, 0)) ids.push_back(k.id);
  return ids;
}

// Names in `dir` that start with `prefix`: scratch directories left behind.
int leftovers(const fs::path& dir, const std::string& prefix) {
  int n = 0;
  for (const auto& e : fs::directory_iterator(dir)) n += e.path().filename().string().rfind(prefix, 0) == 0;
  return n;
}

TEST(StoreBackup, HotCopyWhileWritingRestoresEverythingCommittedBefore) {
  BRIGADE_LMDB_ONLY("backups and restores are LMDB data files");
  TempDir live_dir, out_dir, restored_dir;
  auto s = open_store(live_dir);
  seed(*s, 2000);
  std::atomic<bool> stop{false};
  std::atomic<int> commits{0};
  std::thread writer([&] {
    for (int i = 0; !stop; ++i) {
      auto w = s->write();
      auto k = make("streamer", "taker" + std::to_string(i % 5), "c1", kNov23Noon + i);
      w->add_kudos(k);
      if (i % 4 == 0) {
        AuditEntry e{0,         kNov23Noon + i, user("admin"),
                     "privacy", user("taker1"), "stream " + std::to_string(i)};
        w->append_audit(e);
      }
      w->commit();
      ++commits;
    }
  });
  const auto deadline = std::chrono::steady_clock::now() + 20s;
  while (commits < 50 && std::chrono::steady_clock::now() < deadline) std::this_thread::yield();
  ASSERT_GE(commits.load(), 50) << "the writer thread did not get going";
  std::vector<std::uint64_t> before;
  std::uint64_t audit_before = 0;
  {
    auto r = s->read();
    before = all_ids(*r);
    audit_before = r->verify_audit().entries;
  }
  const int commits_at_start = commits;
  const auto file = out_dir.path() / "nightly.mdb";
  const auto facts = write_backup(*s, file, false);
  const int during = commits - commits_at_start;
  stop = true;
  writer.join();
  RecordProperty("commits_during_backup", during);

  EXPECT_GE(facts.kudos, before.size());
  EXPECT_GE(facts.audit_entries, audit_before);
  EXPECT_EQ(facts.bytes, fs::file_size(file));
  EXPECT_EQ(leftovers(out_dir.path(), ".nightly.mdb.partial-"), 0);

  StagedRestore staged(file, restored_dir.path(), core::Calendar());
  EXPECT_EQ(staged.swap_in("20261123T120000Z"), fs::path()) << "there was no previous file";
  auto back = open_store(restored_dir);
  auto r = back->read();
  EXPECT_TRUE(r->verify().ok());
  const auto chain = r->verify_audit();
  EXPECT_TRUE(chain.ok()) << chain.problem;
  EXPECT_EQ(chain.entries, facts.audit_entries);
  EXPECT_EQ(chain.head, facts.audit_head);
  EXPECT_EQ(r->kudos_count(), facts.kudos);
  for (auto id : before) ASSERT_TRUE(r->kudos(id)) << "kudos " << id << " was committed before the backup";
}

// A copy of the backup in a directory of its own, so raw LMDB can change it, then as a file again.
template <class Change>
fs::path tampered(const fs::path& backup, const fs::path& work, Change&& change) {
  fs::create_directories(work / "raw");
  fs::copy_file(backup, work / "raw" / "data.mdb");
  raw_write(work / "raw", change);
  fs::copy_file(work / "raw" / "data.mdb", work / "tampered.mdb");
  return work / "tampered.mdb";
}

// A backup of a small ledger with five audit entries, and a data directory holding another ledger.
struct Fixture {
  TempDir live, out, data;
  fs::path file;
  Fixture() {
    {
      auto s = open_store(live);
      seed(*s, 45);
      file = out.path() / "b.mdb";
      write_backup(*s, file, false);
    }
    auto d = open_store(data);
    seed(*d, 3, kNov01);
  }
  std::uint64_t data_kudos() { return open_store(data)->read()->kudos_count(); }
};

TEST(StoreBackup, RestoreRefusesAChangedAuditEntry) {
  BRIGADE_LMDB_ONLY("backups and restores are LMDB data files");
  Fixture f;
  const auto bad = tampered(f.file, f.out.path(), [](MDB_txn* txn) {
    auto audit = raw_dbi(txn, "audit");
    const auto key = codec::key64(2);
    MDB_val v;
    ASSERT_TRUE(audit.get(txn, lmdb::val(key), v));
    std::string bytes(lmdb::view(v));
    const auto at = bytes.find("audit detail 10");
    ASSERT_NE(at, std::string::npos) << "the entry's detail is stored as text";
    bytes[at] ^= 0x01;  // "`udit detail 10": one bit
    audit.put(txn, lmdb::val(key), lmdb::val(bytes));
  });
  try {
    StagedRestore staged(bad, f.data.path(), core::Calendar());
    FAIL() << "a changed audit entry was accepted";
  } catch (const StoreError& e) {
    const std::string what = e.what();
    EXPECT_NE(what.find(bad.string() + " failed verification"), std::string::npos) << what;
    EXPECT_NE(what.find("audit log does not verify at entry 3"), std::string::npos) << what;
    EXPECT_EQ(what.find(".restore-"), std::string::npos) << "names the file, not the scratch copy: " << what;
  }
  EXPECT_EQ(f.data_kudos(), 3u) << "the data file is untouched";
  EXPECT_EQ(leftovers(f.data.path(), ".restore-"), 0);
}

TEST(StoreBackup, RestoreRefusesACutCopy) {
  BRIGADE_LMDB_ONLY("backups and restores are LMDB data files");
  Fixture f;
  const auto cut = f.out.path() / "cut.mdb";
  fs::copy_file(f.file, cut);
  fs::resize_file(cut, fs::file_size(cut) / 2);
  try {
    StagedRestore staged(cut, f.data.path(), core::Calendar());
    FAIL() << "a cut copy was accepted";
  } catch (const StoreError& e) {
    const std::string what = e.what();
    EXPECT_EQ(e.code(), StoreError::Code::damaged) << what;
    EXPECT_NE(what.find(cut.string() + " failed verification: the data file " + cut.string() + " is damaged"),
              std::string::npos)
        << what;
    EXPECT_EQ(what.find("restore it from a backup"), std::string::npos) << what;
  }
  EXPECT_EQ(f.data_kudos(), 3u);
  EXPECT_EQ(leftovers(f.data.path(), ".restore-"), 0);
}

TEST(StoreBackup, RestoreRefusesAChangedTally) {
  BRIGADE_LMDB_ONLY("backups and restores are LMDB data files");
  Fixture f;
  const auto bad = tampered(f.file, f.out.path(), [](MDB_txn* txn) {
    // Drop every counter: the leaderboards no longer match the kudos log.
    raw_dbi(txn, "tally", MDB_DUPSORT | MDB_DUPFIXED).clear(txn);
  });
  try {
    StagedRestore staged(bad, f.data.path(), core::Calendar());
    FAIL() << "drifted tallies were accepted";
  } catch (const StoreError& e) {
    EXPECT_NE(std::string(e.what()).find("do not match the kudos log"), std::string::npos) << e.what();
  }
  EXPECT_EQ(f.data_kudos(), 3u);
}

TEST(StoreBackup, SwapKeepsThePreviousFileAndDropsTheStaleLock) {
  BRIGADE_LMDB_ONLY("backups and restores are LMDB data files");
  Fixture f;
  ASSERT_TRUE(fs::exists(f.data.path() / "lock.mdb"));
  fs::path previous;
  {
    StagedRestore staged(f.file, f.data.path(), core::Calendar());
    EXPECT_EQ(staged.facts().kudos, 45u);
    EXPECT_EQ(staged.facts().audit_entries, 5u);
    previous = staged.swap_in("20261123T031500Z");
    EXPECT_EQ(leftovers(f.data.path(), ".restore-"), 1) << "until the staged restore ends";
  }
  EXPECT_EQ(leftovers(f.data.path(), ".restore-"), 0);
  EXPECT_EQ(previous, f.data.path() / "data.mdb.before-restore-20261123T031500Z");
  EXPECT_FALSE(fs::exists(f.data.path() / "lock.mdb"));
  EXPECT_EQ(f.data_kudos(), 45u);
  {
    // The previous ledger is intact under its new name.
    TempDir look;
    fs::copy_file(previous, look.path() / "data.mdb");
    EXPECT_EQ(open_store(look)->read()->kudos_count(), 3u);
  }
  StagedRestore again(f.file, f.data.path(), core::Calendar());
  EXPECT_EQ(again.swap_in("20261123T031500Z"), fs::path(previous.string() + "-2")) << "never overwrites one";
  EXPECT_TRUE(fs::exists(previous));
}

// A backup is checked under the calendar its tallies were built with, whatever is configured now.
TEST(StoreBackup, ABackupFromAnotherTimeZoneVerifiesUnderItsOwn) {
  BRIGADE_LMDB_ONLY("backups and restores are LMDB data files");
  TempDir live, out, data;
  const core::Calendar berlin("Europe/Berlin", 0);
  {
    auto s = open_store(live, berlin);
    seed(*s, 30, kNov30Late);  // already December in Berlin
    write_backup(*s, out.path() / "b.mdb", false);
  }
  StagedRestore staged(out.path() / "b.mdb", data.path(), core::Calendar("UTC", 1));
  EXPECT_EQ(staged.facts().kudos, 30u);
  staged.swap_in("20261201T000000Z");
  auto s = open_store(data);  // as the bot opens it, configured for UTC: tallies are rebuilt
  EXPECT_TRUE(s->read()->verify().ok());
}

TEST(StoreBackup, ALedgerOfAnotherSchemaIsNamedNotVerified) {
  BRIGADE_LMDB_ONLY("backups and restores are LMDB data files");
  Fixture f;
  const auto old = tampered(f.file, f.out.path(), [](MDB_txn* txn) {
    raw_dbi(txn, "meta")
        .put(txn, lmdb::val(std::string_view("store.schema_version")), lmdb::val(std::string_view("1")));
  });
  try {
    StagedRestore staged(old, f.data.path(), core::Calendar());
    FAIL() << "a schema-1 file was accepted";
  } catch (const StoreError& e) {
    EXPECT_EQ(e.code(), StoreError::Code::not_ready);
    EXPECT_NE(std::string(e.what()).find(old.string() + " holds a schema-1 ledger"), std::string::npos)
        << e.what();
  }
}

TEST(StoreBackup, AnExistingFileIsReplacedOnlyWhenAsked) {
  BRIGADE_LMDB_ONLY("backups and restores are LMDB data files");
  TempDir live, out;
  auto s = open_store(live);
  seed(*s, 10);
  const auto file = out.path() / "b.mdb";
  { std::ofstream(file) << "keep me"; }
  try {
    write_backup(*s, file, false);
    FAIL() << "an existing file was replaced";
  } catch (const StoreError& e) {
    EXPECT_EQ(e.code(), StoreError::Code::invalid);
    EXPECT_NE(std::string(e.what()).find("already exists"), std::string::npos) << e.what();
  }
  EXPECT_EQ(fs::file_size(file), 7u);
  EXPECT_EQ(write_backup(*s, file, true).kudos, 10u);
  EXPECT_GT(fs::file_size(file), 7u);
  EXPECT_EQ(leftovers(out.path(), ".b.mdb.partial-"), 0);
  EXPECT_THROW(write_backup(*s, out.path(), true), StoreError) << "a directory is no backup file";
  EXPECT_THROW(write_backup(*s, out.path() / "missing" / "b.mdb", false), StoreError);
}

TEST(StoreBackup, ABackupIsAPlainLmdbFileAtMode0600) {
  BRIGADE_LMDB_ONLY("backups and restores are LMDB data files");
  TempDir live, out;
  auto s = open_store(live);
  seed(*s, 10);
  const auto file = out.path() / "b.mdb";
  write_backup(*s, file, false);
  EXPECT_EQ(fs::status(file).permissions() & fs::perms::all, fs::perms::owner_read | fs::perms::owner_write);
  // Read with plain LMDB as mdb_stat -n would: MDB_NOSUBDIR, read-only.
  MDB_env* env = nullptr;
  ASSERT_EQ(mdb_env_create(&env), MDB_SUCCESS);
  mdb_env_set_maxdbs(env, 32);
  EXPECT_EQ(mdb_env_open(env, file.c_str(), MDB_NOSUBDIR | MDB_RDONLY, 0600), MDB_SUCCESS);
  mdb_env_close(env);
}

TEST(StoreBackup, TheDataDirectoryLockIsExclusive) {
  BRIGADE_LMDB_ONLY("backups and restores are LMDB data files");
  TempDir dir;
  const auto sub = dir.path() / "not-yet";
  {
    DataDirLock first(sub);
    EXPECT_TRUE(fs::exists(sub / "brigade.lock"));
    try {
      DataDirLock second(sub);
      FAIL() << "two holders";
    } catch (const DataDirBusy& e) {
      EXPECT_NE(std::string(e.what()).find((sub / "brigade.lock").string()), std::string::npos) << e.what();
    }
  }
  EXPECT_NO_THROW(DataDirLock again(sub)) << "released when its holder ends";
}

TEST(StoreBackup, LedgerUserNamesAnotherProcessWithTheLedgerOpen) {
  BRIGADE_LMDB_ONLY("backups and restores are LMDB data files");
  TempDir dir;
  { open_store(dir); }
  EXPECT_EQ(ledger_user(dir.path()), std::nullopt);
  brigade::testing::Child writer({BRIGADE_STORE_CRASH_WRITER, dir.path().string(), "1"});
  ASSERT_TRUE(writer.wait_for_output("committed", 20s)) << writer.err();
  EXPECT_EQ(ledger_user(dir.path()), writer.pid());
  writer.signal(SIGKILL);
  writer.wait(10s);
  EXPECT_EQ(ledger_user(dir.path()), std::nullopt) << "a killed process holds nothing";
}

}  // namespace
}  // namespace brigade::store
