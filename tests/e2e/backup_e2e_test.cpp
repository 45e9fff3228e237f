// End-to-end: `brigade backup` beside a bot that is writing, and `brigade restore`, which refuses
// while a bot holds the data directory (so does a second bot), refuses without --yes off a
// terminal, asks on one, and afterwards leaves the previous file and an audit entry.
#include <fcntl.h>
#include <poll.h>
#include <pty.h>
#include <pwd.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <regex>

#include "core/calendar.hpp"
#include "store/store.hpp"
#include "tests/support/process.hpp"
#include "tests/support/temp_dir.hpp"

namespace brigade::testing {
namespace {

namespace fs = std::filesystem;
using namespace std::chrono_literals;

// "/thanks @bob for rNx" for N in [from, to): each reason is unique, so its reply can be awaited.
std::string thanks(int from, int to) {
  std::string s;
  for (int i = from; i < to; ++i) s += "/thanks @bob for r" + std::to_string(i) + "x\n";
  return s;
}

class BackupE2E : public ::testing::Test {
 protected:
  std::map<std::string, std::string> env(const fs::path& data) const {
    return {{"BRIGADE_DATA_DIR", data.string()},
            {"BRIGADE_CONFIG", ""},
            {"SLACK_APP_TOKEN", ""},
            {"SLACK_BOT_TOKEN", ""},
            {"MATRIX_HOMESERVER", ""},
            {"BRIGADE_HTTP_ADDR", "127.0.0.1:0"},
            {"BRIGADE_TZ", "UTC"},
            {"BRIGADE_DAILY_QUOTA", "0"}};
  }
  fs::path data() const { return root_.path() / "data"; }
  fs::path file() const { return root_.path() / "nightly.mdb"; }

  struct Ran {
    int status;
    std::string out, err;
  };
  // brigade ARGS on the data directory `dir` (default: data()), stdin closed (not a terminal).
  Ran brigade(const std::vector<std::string>& args, const fs::path& dir = {}) {
    std::vector<std::string> argv{brigade_binary()};
    argv.insert(argv.end(), args.begin(), args.end());
    Child c(argv, env(dir.empty() ? data() : dir));
    c.close_stdin();
    const int rc = c.wait(60s);
    return {rc, c.out(), c.err()};
  }
  // A ledger with `n` kudos, made by a console session that has ended.
  void ledger(int n) {
    Child c({brigade_binary(), "console", "--as", "alice"}, env(data()));
    c.write(thanks(0, n));
    c.close_stdin();
    ASSERT_EQ(c.wait(60s), 0) << c.err();
  }
  // Live kudos in the ledger at `dir`, from `brigade report --verify`, which must find no drift.
  std::uint64_t verified_kudos(const fs::path& dir) {
    auto r = brigade({"report", "--verify", "--format", "json"}, dir);
    EXPECT_EQ(r.status, 0) << r.out << r.err;
    auto j = nlohmann::json::parse(r.out, nullptr, false);
    if (j.is_discarded() || !j.value("ok", false)) ADD_FAILURE() << "report --verify: " << r.out;
    return j.is_discarded() ? 0 : j.value("kudos", std::uint64_t{0});
  }
  int before_restore_files() const {
    int n = 0;
    for (const auto& e : fs::directory_iterator(data()))
      n += e.path().filename().string().rfind("data.mdb.before-restore-", 0) == 0;
    return n;
  }

  TempDir root_{"brigade-backup-e2e"};
};

std::uint64_t kudos_in(const std::string& line) {
  std::smatch m;
  if (!std::regex_search(line, m, std::regex(R"((\d+) kudos)"))) return 0;
  return std::stoull(m[1]);
}

TEST_F(BackupE2E, BackupWhileTheConsoleWritesRestoresToAVerifiedLedger) {
  Child bot({brigade_binary(), "console", "--as", "alice"}, env(data()));
  bot.write(thanks(0, 50));
  ASSERT_TRUE(bot.wait_for_output("r49x", 60s)) << bot.err();  // 50 committed and answered
  bot.write(thanks(50, 400));  // still being worked through while the backup runs
  auto b = brigade({"backup", file().string()});
  ASSERT_EQ(b.status, 0) << b.err;
  EXPECT_EQ(std::count(b.out.begin(), b.out.end(), '\n'), 1) << "one line: " << b.out;
  EXPECT_TRUE(
      std::regex_search(b.out, std::regex(R"(^backup .*nightly\.mdb: [0-9.]+ (KiB|MiB|bytes), \d+ kudos, )"
                                          R"(0 audit entries, audit head none\n$)")))
      << b.out;
  const auto backed_up = kudos_in(b.out);
  RecordProperty("kudos_in_backup", static_cast<int>(backed_up));
  EXPECT_GE(backed_up, 50u) << "everything committed before the backup began";
  EXPECT_LE(backed_up, 400u);
  bot.close_stdin();
  ASSERT_EQ(bot.wait(60s), 0) << bot.err();
  EXPECT_EQ(verified_kudos(data()), 400u);

  if (fs::exists("/usr/bin/mdb_stat")) {  // a plain LMDB data file (lmdb-utils)
    Child stat({"/usr/bin/mdb_stat", "-n", "-a", file().string()});
    EXPECT_EQ(stat.wait(30s), 0) << stat.err();
    EXPECT_NE(stat.out().find("Status of kudos"), std::string::npos) << stat.out();
  }

  const fs::path fresh = root_.path() / "fresh";
  auto r = brigade({"restore", file().string(), "--yes"}, fresh);
  ASSERT_EQ(r.status, 0) << r.err;
  EXPECT_NE(r.out.find("there was no previous data file"), std::string::npos) << r.out;
  EXPECT_EQ(verified_kudos(fresh), backed_up);
}

TEST_F(BackupE2E, RestoreRefusesWhileTheBotRunsAndWorksOnceItHasStopped) {
  ledger(10);
  ASSERT_EQ(brigade({"backup", file().string()}).status, 0);
  Child bot({brigade_binary(), "run"}, env(data()));
  bot.write("/thanks @carol for after-the-backup\n");
  ASSERT_TRUE(bot.wait_for_output("after-the-backup", 60s)) << bot.err();

  auto second = brigade({"run"});
  EXPECT_EQ(second.status, 1) << "a second bot on the same directory: " << second.err;
  EXPECT_NE(second.err.find("another Brigade process"), std::string::npos) << second.err;
  EXPECT_NE(second.err.find((data() / "brigade.lock").string()), std::string::npos) << second.err;

  auto refused = brigade({"restore", file().string(), "--yes"});
  EXPECT_EQ(refused.status, 1) << refused.out;
  EXPECT_NE(refused.err.find("cannot restore: another Brigade process"), std::string::npos) << refused.err;
  EXPECT_EQ(std::count(refused.err.begin(), refused.err.end(), '\n'), 1) << refused.err;
  EXPECT_EQ(before_restore_files(), 0) << "nothing was swapped";

  bot.close_stdin();
  ASSERT_EQ(bot.wait(60s), 0) << bot.err();
  EXPECT_EQ(verified_kudos(data()), 11u);

  auto r = brigade({"restore", file().string(), "--yes"});
  ASSERT_EQ(r.status, 0) << r.err;
  EXPECT_EQ(before_restore_files(), 1);
  EXPECT_NE(r.out.find((data() / "data.mdb.before-restore-").string()), std::string::npos)
      << "says where the previous file is: " << r.out;
  EXPECT_NE(r.out.find("audit entry 1 records the restore"), std::string::npos) << r.out;
  EXPECT_EQ(verified_kudos(data()), 10u) << "the ledger as it was backed up";

  // The audit entry, as `brigade admin audit` will show it.
  store::Options o;
  o.dir = data();
  o.read_only = true;
  auto st = store::Store::open(o, core::Calendar("UTC", 1));
  auto entries = st->read()->audit(0, 0);
  ASSERT_EQ(entries.size(), 1u);
  EXPECT_EQ(entries[0].action, "restore");
  EXPECT_EQ(entries[0].actor, std::string("cli:") + ::getpwuid(::geteuid())->pw_name);
  EXPECT_NE(entries[0].detail.find(fs::absolute(file()).string() + " (10 kudos)"), std::string::npos)
      << entries[0].detail;
  EXPECT_TRUE(st->read()->verify_audit().ok());

  // The bot starts on the restored ledger.
  Child again({brigade_binary(), "console", "--as", "alice"}, env(data()));
  again.write("/kudos @bob\n");
  again.close_stdin();
  EXPECT_EQ(again.wait(60s), 0) << again.err();
}

TEST_F(BackupE2E, RestoreWithoutYesOffATerminalRefusesAndChangesNothing) {
  ledger(3);
  ASSERT_EQ(brigade({"backup", file().string()}).status, 0);
  auto r = brigade({"restore", file().string()});
  EXPECT_EQ(r.status, 1);
  EXPECT_NE(r.err.find("pass --yes to confirm"), std::string::npos) << r.err;
  EXPECT_EQ(std::count(r.err.begin(), r.err.end(), '\n'), 1) << r.err;
  EXPECT_EQ(before_restore_files(), 0);
  for (const auto& e : fs::directory_iterator(data()))
    EXPECT_NE(e.path().filename().string().rfind(".restore-", 0), 0u) << "left behind: " << e.path();
}

// What the damage message sends people to do: restore works on a data file nothing can open.
TEST_F(BackupE2E, RestoreReplacesADamagedDataFile) {
  ledger(5);
  ASSERT_EQ(brigade({"backup", file().string()}).status, 0);
  fs::resize_file(data() / "data.mdb", 8192);
  auto damaged = brigade({"report"});
  ASSERT_EQ(damaged.status, 1);
  ASSERT_NE(damaged.err.find("restore it from a backup"), std::string::npos) << damaged.err;
  auto r = brigade({"restore", file().string(), "--yes"});
  ASSERT_EQ(r.status, 0) << r.err;
  EXPECT_EQ(verified_kudos(data()), 5u);
  for (const auto& e : fs::directory_iterator(data())) {
    if (e.path().filename().string().rfind("data.mdb.before-restore-", 0) == 0) {
      EXPECT_EQ(fs::file_size(e.path()), 8192u) << "the damaged file is kept as it was";
    }
  }
  EXPECT_EQ(before_restore_files(), 1);
}

TEST_F(BackupE2E, BackupRefusesAnExistingFileUnlessForcedAndRefusesTheDataFile) {
  ledger(2);
  ASSERT_EQ(brigade({"backup", file().string()}).status, 0);
  auto again = brigade({"backup", file().string()});
  EXPECT_EQ(again.status, 1);
  EXPECT_NE(again.err.find("already exists (pass --force to replace it)"), std::string::npos) << again.err;
  EXPECT_EQ(brigade({"backup", file().string(), "--force"}).status, 0);
  auto own = brigade({"backup", (data() / "data.mdb").string(), "--force"});
  EXPECT_EQ(own.status, 1);
  EXPECT_NE(own.err.find("one of the bot's own files"), std::string::npos) << own.err;
  auto none = brigade({"backup", file().string()}, root_.path() / "empty");
  EXPECT_EQ(none.status, 1);
  EXPECT_NE(none.err.find("no data file at"), std::string::npos) << none.err;
}

// `brigade ARGS` with a pseudo-terminal as stdin (so it asks), answering `answer` to its question.
struct TerminalRun {
  int status = -1;
  std::string said;  // stdout and stderr
};

TerminalRun on_a_terminal(const std::vector<std::string>& args, const std::map<std::string, std::string>& env,
                          const std::string& answer) {
  TerminalRun run;
  int master = -1, slave = -1, out[2];
  if (::openpty(&master, &slave, nullptr, nullptr, nullptr) != 0) return run;
  ::fcntl(master, F_SETFD, FD_CLOEXEC);
  ::fcntl(slave, F_SETFD, FD_CLOEXEC);
  if (::pipe2(out, O_CLOEXEC) != 0) return run;
  std::vector<std::string> words{"/usr/bin/env"};
  for (const auto& [k, v] : env) {
    if (v.empty()) words.insert(words.end(), {"-u", k});
  }
  for (const auto& [k, v] : env) {
    if (!v.empty()) words.push_back(k + "=" + v);
  }
  words.push_back(brigade_binary());
  words.insert(words.end(), args.begin(), args.end());
  std::vector<char*> argv;
  for (auto& w : words) argv.push_back(w.data());
  argv.push_back(nullptr);
  posix_spawn_file_actions_t fa;
  posix_spawn_file_actions_init(&fa);
  posix_spawn_file_actions_adddup2(&fa, slave, 0);
  posix_spawn_file_actions_adddup2(&fa, out[1], 1);
  posix_spawn_file_actions_adddup2(&fa, out[1], 2);
  pid_t pid = -1;
  const int spawned = ::posix_spawn(&pid, argv[0], &fa, nullptr, argv.data(), environ);
  posix_spawn_file_actions_destroy(&fa);
  ::close(slave);
  ::close(out[1]);
  const auto deadline = std::chrono::steady_clock::now() + 60s;
  bool ended = false;  // its stdout and stderr closed: it is exiting
  for (bool asked = false; spawned == 0;) {
    const auto left =
        std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
    pollfd p{out[0], POLLIN, 0};
    if (left.count() <= 0 || ::poll(&p, 1, static_cast<int>(left.count())) <= 0) break;
    char buf[4096];
    const ssize_t n = ::read(out[0], buf, sizeof buf);
    if (n <= 0) {
      ended = n == 0;
      break;
    }
    run.said.append(buf, static_cast<std::size_t>(n));
    if (!asked && run.said.find("[y/N]") != std::string::npos) {
      asked = true;
      const std::string line = answer + "\n";
      if (::write(master, line.data(), line.size()) != static_cast<ssize_t>(line.size())) break;
    }
  }
  if (spawned == 0) {
    if (!ended) ::kill(pid, SIGKILL);
    int st = 0;
    ::waitpid(pid, &st, 0);
    run.status = WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
  }
  ::close(master);
  ::close(out[0]);
  return run;
}

TEST_F(BackupE2E, RestoreOnATerminalAsksFirst) {
  ledger(4);
  ASSERT_EQ(brigade({"backup", file().string()}).status, 0);
  auto no = on_a_terminal({"restore", file().string()}, env(data()), "n");
  EXPECT_EQ(no.status, 1) << no.said;
  EXPECT_NE(no.said.find("Replace the ledger in " + data().string()), std::string::npos) << no.said;
  EXPECT_NE(no.said.find("restore cancelled; nothing changed"), std::string::npos) << no.said;
  EXPECT_EQ(before_restore_files(), 0);
  auto yes = on_a_terminal({"restore", file().string()}, env(data()), "yes");
  EXPECT_EQ(yes.status, 0) << yes.said;
  EXPECT_EQ(before_restore_files(), 1) << yes.said;
}

}  // namespace
}  // namespace brigade::testing
