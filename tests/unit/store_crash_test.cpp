// Durability under kill -9: a writer process is killed mid-write, again and again; every commit
// it reported must be there afterwards, and the tallies must still match the log.
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <chrono>
#include <map>
#include <optional>
#include <random>
#include <string>

#include "store/store.hpp"
#include "tests/unit/store_test_util.hpp"

extern char** environ;

namespace brigade::store {
namespace {

using namespace testing;
using Clock = std::chrono::steady_clock;

struct Child {
  pid_t pid = -1;
  int out = -1;  // the child's stdout
};

Child spawn_writer(const std::filesystem::path& dir, int group) {
  int fds[2];
  if (pipe2(fds, O_CLOEXEC) != 0) throw std::runtime_error("pipe2 failed");
  posix_spawn_file_actions_t fa;
  posix_spawn_file_actions_init(&fa);
  posix_spawn_file_actions_adddup2(&fa, fds[1], STDOUT_FILENO);
  std::string path = BRIGADE_STORE_CRASH_WRITER, d = dir.string(), g = std::to_string(group);
  char* argv[] = {path.data(), d.data(), g.data(), nullptr};
  Child c;
  int rc = posix_spawn(&c.pid, path.c_str(), &fa, nullptr, argv, environ);
  posix_spawn_file_actions_destroy(&fa);
  close(fds[1]);
  if (rc != 0) {
    close(fds[0]);
    throw std::runtime_error("cannot start " + path);
  }
  c.out = fds[0];
  return c;
}

// Lines from a pipe, each read bounded by a deadline.
class LineReader {
 public:
  explicit LineReader(int fd) : fd_(fd) {}
  // nullopt on end of file or when the deadline passes first.
  std::optional<std::string> next(Clock::time_point deadline) {
    for (;;) {
      auto nl = buf_.find('\n');
      if (nl != std::string::npos) {
        std::string line = buf_.substr(0, nl);
        buf_.erase(0, nl + 1);
        return line;
      }
      auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now()).count();
      if (left <= 0) return std::nullopt;
      pollfd p{fd_, POLLIN, 0};
      int n = poll(&p, 1, static_cast<int>(left));
      if (n < 0 && errno == EINTR) continue;
      if (n <= 0) return std::nullopt;
      char chunk[4096];
      ssize_t got = read(fd_, chunk, sizeof chunk);
      if (got < 0 && errno == EINTR) continue;
      if (got <= 0) return std::nullopt;
      buf_.append(chunk, static_cast<std::size_t>(got));
    }
  }

 private:
  int fd_;
  std::string buf_;
};

std::uint64_t committed(const std::string& line) {
  EXPECT_EQ(line.rfind("committed ", 0), 0u) << line;
  return std::stoull(line.substr(10));
}

// Reads the writer's reports until one says `target` commits (`last` follows them); kills it and
// fails when it stops reporting first.
void read_until(Child& child, LineReader& lines, std::uint64_t target, Clock::time_point deadline,
                std::uint64_t& last) {
  while (last < target) {
    auto line = lines.next(deadline);
    if (!line) {
      kill(child.pid, SIGKILL);
      waitpid(child.pid, nullptr, 0);
      close(child.out);
      FAIL() << "the writer stopped reporting at " << last;
    }
    last = committed(*line);
  }
}

// SIGKILL at a random moment: after a few more commits and a random spin. Whatever the writer
// printed before dying was printed after a commit returned, so `last` ends at the last of those.
void kill_at_random_moment(Child& child, LineReader& lines, std::mt19937& rng, Clock::time_point deadline,
                           std::uint64_t& last) {
  for (unsigned extra = rng() % 4; extra > 0; --extra)
    if (auto line = lines.next(deadline)) last = committed(*line);
  const auto spin_until = Clock::now() + std::chrono::microseconds(rng() % 3000);
  while (Clock::now() < spin_until) {
  }
  kill(child.pid, SIGKILL);
  while (auto line = lines.next(Clock::now() + std::chrono::seconds(10))) last = committed(*line);
  int status = 0;
  waitpid(child.pid, &status, 0);
  close(child.out);
  EXPECT_TRUE(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL) << "status " << status;
}

// Every kudos reported committed is in the log, in order and seen, and the tallies match the log.
void expect_reported_kudos_survived(const std::filesystem::path& dir, const core::Calendar& cal,
                                    std::uint64_t reported) {
  Options o = options(dir);
  o.durable = true;
  auto s = Store::open(o, cal);
  auto r = s->read();
  ASSERT_GE(r->kudos_count(), reported);
  auto log = r->kudos_between(0, codec::kMaxTs, 0);
  ASSERT_GE(log.size(), reported);
  for (std::uint64_t i = 0; i < reported; ++i) ASSERT_EQ(log[i].reason, "k" + std::to_string(i));
  for (std::uint64_t i = 0; i < reported; ++i) ASSERT_TRUE(r->seen("crash:" + std::to_string(i))) << i;
  auto rep = r->verify();
  EXPECT_TRUE(rep.ok()) << ::testing::PrintToString(rep.drift);
  EXPECT_EQ(rep.kudos + std::count_if(log.begin(), log.end(), [](const Kudos& k) { return k.revoked; }),
            log.size());

  std::map<std::pair<std::string, std::string>, std::uint32_t> received;
  for (const auto& k : log) {
    if (k.revoked) continue;
    ++received[{k.recipient, ""}];
    ++received[{k.recipient, k.channel}];
  }
  for (const auto& [key, n] : received)
    EXPECT_EQ(r->counts(key.first, key.second, Period::all, 0).received, n) << key.first << " " << key.second;
}

TEST(StoreCrash, KillNineLosesNoCommittedKudos) {
  BRIGADE_LMDB_ONLY("kills the LMDB crash writer process mid-write");
  TempDir dir;
  const core::Calendar cal("UTC", 1);
  std::mt19937 rng(std::random_device{}());
  std::uint64_t reported = 0;
  const int groups[] = {1, 10, 50, 3, 100};
  for (int round = 0; round < 5; ++round) {
    SCOPED_TRACE("round " + std::to_string(round));
    Child child = spawn_writer(dir.path(), groups[round]);
    LineReader lines(child.out);
    const auto deadline = Clock::now() + std::chrono::seconds(60);
    std::uint64_t last = reported;
    ASSERT_NO_FATAL_FAILURE(read_until(child, lines, reported + 100 + rng() % 300, deadline, last));
    if (round == 0) {
      // `brigade report` beside a running bot: another process reads while this one writes.
      auto ro = Store::open(options(dir.path(), true), cal);
      auto r = ro->read();
      EXPECT_GE(r->kudos_count(), last);
      auto rep = r->verify();
      EXPECT_TRUE(rep.ok()) << ::testing::PrintToString(rep.drift);
    }
    kill_at_random_moment(child, lines, rng, deadline, last);
    reported = last;
    ASSERT_NO_FATAL_FAILURE(expect_reported_kudos_survived(dir.path(), cal, reported));
  }
  EXPECT_GT(reported, 500u);
}

}  // namespace
}  // namespace brigade::store
