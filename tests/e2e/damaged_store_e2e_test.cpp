// End-to-end: a damaged data.mdb (cut short, emptied, overwritten) must give every command a
// one-line error that names the file and says to restore a backup, exit 1 — never a crash, never
// a silent new ledger in its place.
#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <random>

#include "tests/support/process.hpp"
#include "tests/support/temp_dir.hpp"

namespace brigade::testing {
namespace {

namespace fs = std::filesystem;
using namespace std::chrono_literals;

class DamagedStoreE2E : public ::testing::Test {
 protected:
  void SetUp() override {
    // A ledger with some history: a few hundred kudos over several people and channels.
    std::string input;
    for (int i = 0; i < 60; ++i)
      input += "/as giver" + std::to_string(i) + "\n/thanks @bob @carol @dave for round " +
               std::to_string(i) + " #teamwork\n/ask can someone look at " + std::to_string(i) + "?\n";
    Child c({brigade_binary(), "console", "--as", "alice"}, env());
    c.write(input);
    c.close_stdin();
    ASSERT_EQ(c.wait(60s), 0) << c.err();
    ASSERT_TRUE(fs::exists(file()));
    original_size_ = fs::file_size(file());
  }
  std::map<std::string, std::string> env() const {
    return {{"BRIGADE_DATA_DIR", data_.path().string()},
            {"BRIGADE_CONFIG", ""},
            {"SLACK_APP_TOKEN", ""},
            {"SLACK_BOT_TOKEN", ""},
            {"MATRIX_HOMESERVER", ""},
            {"BRIGADE_HTTP_ADDR", "127.0.0.1:0"},
            {"BRIGADE_TZ", "UTC"}};
  }
  fs::path file() const { return data_.path() / "data.mdb"; }

  struct Ran {
    int status;
    std::string out, err;
  };
  Ran run(const std::vector<std::string>& args) {
    std::vector<std::string> argv{brigade_binary()};
    argv.insert(argv.end(), args.begin(), args.end());
    Child c(argv, env());
    c.close_stdin();  // `run` without credentials is the console: end of input ends it
    int rc = c.wait(60s);
    return {rc, c.out(), c.err()};
  }

  // Every way in — the bot, the report, the health check — refuses the same way.
  void expect_refused_everywhere(const std::string& damage) {
    for (const auto& args : std::vector<std::vector<std::string>>{
             {"report"}, {"report", "--verify"}, {"health"}, {"run"}, {"console"}}) {
      auto r = run(args);
      std::string what = damage + ", brigade " + args[0] + (args.size() > 1 ? " " + args[1] : "");
      EXPECT_LT(r.status, 128) << what << " crashed: " << r.err;
      EXPECT_EQ(r.status, 1) << what << "\n" << r.out << r.err;
      EXPECT_NE(r.err.find("data.mdb is damaged"), std::string::npos) << what << "\n" << r.err;
      EXPECT_NE(r.err.find(file().string()), std::string::npos) << what << ": name the file\n" << r.err;
      EXPECT_NE(r.err.find("restore it from a backup"), std::string::npos) << what << "\n" << r.err;
    }
  }

  void truncate_to(std::uintmax_t size) { fs::resize_file(file(), size); }

  TempDir data_{"brigade-damaged"};
  std::uintmax_t original_size_ = 0;
};

TEST_F(DamagedStoreE2E, CutTo8KiBIsReportedNotACrash) {
  truncate_to(8192);
  expect_refused_everywhere("cut to 8 KiB");
  EXPECT_EQ(fs::file_size(file()), 8192u) << "the damaged file is left as it is";
}

TEST_F(DamagedStoreE2E, CutInHalfIsReportedNotACrash) {
  truncate_to(original_size_ / 2);
  expect_refused_everywhere("cut in half");
}

TEST_F(DamagedStoreE2E, EmptiedFileIsNotReplacedByANewLedger) {
  truncate_to(0);
  expect_refused_everywhere("emptied");
  EXPECT_EQ(fs::file_size(file()), 0u) << "no new ledger was written over it";
}

TEST_F(DamagedStoreE2E, OverwrittenBytesAreReportedOrHarmlessButNeverACrash) {
  // 1,000 random bytes at the start of each page in turn: a damaged meta page, branch or leaf
  // page is reported; bytes in a free page harm nothing. Nothing may crash, in any case.
  const auto pages = original_size_ / 4096;
  std::mt19937 rng(20261201);
  std::vector<char> noise(1000);
  for (auto& c : noise) c = static_cast<char>(rng());
  const auto pristine = data_.path().parent_path() / (data_.path().filename().string() + "-pristine.mdb");
  fs::copy_file(file(), pristine, fs::copy_options::overwrite_existing);
  int reported = 0;
  for (std::uintmax_t page = 0; page < pages; ++page) {
    fs::copy_file(pristine, file(), fs::copy_options::overwrite_existing);
    {
      std::fstream f(file(), std::ios::in | std::ios::out | std::ios::binary);
      f.seekp(static_cast<std::streamoff>(page * 4096 + 16));
      f.write(noise.data(), static_cast<std::streamsize>(noise.size()));
    }
    // The bot writes on start (its first transaction takes pages from the free list), report and
    // health only read: each meets the damage differently.
    for (const auto& args :
         std::vector<std::vector<std::string>>{{"report", "--verify"}, {"health"}, {"run"}}) {
      auto r = run(args);
      EXPECT_LT(r.status, 128) << "page " << page << ", brigade " << args[0] << " crashed: " << r.err;
      if (r.status == 1 && r.err.find("is damaged") != std::string::npos) ++reported;
      if (!r.err.empty()) {
        EXPECT_EQ(std::count(r.err.begin(), r.err.end(), '\n'), 1)
            << "one line, page " << page << ": " << r.err;
      }
    }
  }
  fs::remove(pristine);
  EXPECT_GT(reported, 0) << "no overwritten page was recognised as damage";
}

// The free list is read only by writers: a damaged one passed every read-only check and then sent
// the bot's first write past the end of the file (SIGBUS). Its root page is found from the meta
// page (LMDB's MDB_meta: the free database's md_root at byte 80 of a meta page, its txnid at 136).
TEST_F(DamagedStoreE2E, DamagedFreeListIsReportedBeforeTheBotWritesOnIt) {
  std::uint64_t root = 0;
  {
    std::ifstream f(file(), std::ios::binary);
    std::uint64_t best_txn = 0;
    for (int meta = 0; meta < 2; ++meta) {
      std::uint64_t free_root = 0, txnid = 0;
      f.seekg(meta * 4096 + 80);
      f.read(reinterpret_cast<char*>(&free_root), 8);
      f.seekg(meta * 4096 + 136);
      f.read(reinterpret_cast<char*>(&txnid), 8);
      if (txnid >= best_txn) best_txn = txnid, root = free_root;
    }
  }
  // ~0 (P_INVALID) is an empty free list: this ledger's history of writes always leaves one.
  ASSERT_NE(root, ~std::uint64_t{0}) << "the ledger has no free list to damage";
  ASSERT_LT(root * 4096, original_size_);
  {
    std::fstream f(file(), std::ios::in | std::ios::out | std::ios::binary);
    f.seekp(static_cast<std::streamoff>(root * 4096 + 16));
    std::vector<char> high(2000, '\x7f');  // page numbers far past the end of the file
    f.write(high.data(), static_cast<std::streamsize>(high.size()));
  }
  auto r = run({"run"});
  EXPECT_LT(r.status, 128) << "crashed: " << r.err;
  EXPECT_EQ(r.status, 1) << r.err;
  EXPECT_NE(r.err.find("is damaged"), std::string::npos) << r.err;
}

}  // namespace
}  // namespace brigade::testing
