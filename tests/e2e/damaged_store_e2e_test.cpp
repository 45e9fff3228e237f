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
// page (LMDB's MDB_meta after the 16-byte page header: the free database's md_root at byte 80 of
// the page, mm_last_pg at 136, mm_txnid at 144).
class DamagedFreeList : public DamagedStoreE2E {
 protected:
  static constexpr std::size_t kPage = 4096;
  // The free list's root page (a leaf in a ledger this small), as the newest meta page names it.
  std::vector<unsigned char> root_page(std::uint64_t& root) {
    std::ifstream f(file(), std::ios::binary);
    std::uint64_t best_txn = 0, txnids[2] = {};
    for (int meta = 0; meta < 2; ++meta) {
      std::uint32_t magic = 0;
      std::uint64_t free_root = 0;
      f.seekg(meta * kPage + 16);
      f.read(reinterpret_cast<char*>(&magic), 4);
      EXPECT_EQ(magic, 0xBEEFC0DEu) << "meta page " << meta << " is not where LMDB keeps it";
      f.seekg(meta * kPage + 80);
      f.read(reinterpret_cast<char*>(&free_root), 8);
      f.seekg(meta * kPage + 144);
      f.read(reinterpret_cast<char*>(&txnids[meta]), 8);
      if (txnids[meta] >= best_txn) best_txn = txnids[meta], root = free_root;
    }
    // The two meta pages are written by alternate transactions: equal ids mean a misread layout
    // (which once made this test damage a stale copy of the free list half the time).
    EXPECT_NE(txnids[0], txnids[1]) << "both meta pages read as transaction " << txnids[0];
    std::vector<unsigned char> page(kPage);
    if (root == ~std::uint64_t{0} || root * kPage >= original_size_) return {};
    f.seekg(static_cast<std::streamoff>(root * kPage));
    f.read(reinterpret_cast<char*>(page.data()), kPage);
    return page;
  }
  void write_page(std::uint64_t root, const std::vector<unsigned char>& page) {
    std::fstream f(file(), std::ios::in | std::ios::out | std::ios::binary);
    f.seekp(static_cast<std::streamoff>(root * kPage));
    f.write(reinterpret_cast<const char*>(page.data()), static_cast<std::streamsize>(page.size()));
  }
  void expect_reported() {
    auto r = run({"run"});
    EXPECT_LT(r.status, 128) << "crashed: " << r.err;
    EXPECT_EQ(r.status, 1) << r.err;
    EXPECT_NE(r.err.find("is damaged"), std::string::npos) << r.err;
  }
  static std::uint16_t u16(const std::vector<unsigned char>& p, std::size_t at) {
    return static_cast<std::uint16_t>(p[at] | p[at + 1] << 8);
  }
};

// The page numbers an entry lists, pushed far past the end of the file.
TEST_F(DamagedFreeList, PageNumbersPastTheEndAreReported) {
  std::uint64_t root = 0;
  auto page = root_page(root);
  // ~0 (P_INVALID) is an empty free list: this ledger's history of writes always leaves one.
  ASSERT_FALSE(page.empty()) << "the ledger has no free list to damage";
  ASSERT_EQ(u16(page, 10) & 0x02, 0x02) << "the free list's root is not a leaf (P_LEAF)";
  // A leaf: 16-byte header (mp_lower at 12), then 2-byte node offsets; a node is 8 bytes of header
  // (data size low/high, flags, key size), the key (a transaction id), then an MDB_IDL: a count
  // and the page numbers.
  const std::size_t nodes = (u16(page, 12) - 16u) / 2;
  ASSERT_GT(nodes, 0u);
  for (std::size_t i = 0; i < nodes; ++i) {
    const std::size_t node = u16(page, 16 + 2 * i);
    const std::size_t size = u16(page, node) | std::size_t{u16(page, node + 2)} << 16;
    const std::size_t data = node + 8 + u16(page, node + 6);
    ASSERT_LE(data + size, kPage);
    for (std::size_t b = data + 8; b < data + size; ++b) page[b] = 0x7f;  // keep the count
  }
  write_page(root, page);
  expect_reported();
}

// The node offsets overwritten: the entries then read as garbage, or as one entry again and again.
TEST_F(DamagedFreeList, OverwrittenNodeOffsetsAreReported) {
  std::uint64_t root = 0;
  auto page = root_page(root);
  ASSERT_FALSE(page.empty()) << "the ledger has no free list to damage";
  const std::size_t nodes = (u16(page, 12) - 16u) / 2;
  if (nodes < 2) GTEST_SKIP() << "one entry only: a wrong offset may read as a valid entry";
  for (std::size_t i = 0; i < nodes * 2; ++i) page[16 + i] = 0x7f;
  write_page(root, page);
  expect_reported();
}

}  // namespace
}  // namespace brigade::testing
