// The web server with no file descriptors left. The server runs in a child process (this binary,
// one test) whose every file descriptor is taken: accept fails with EMFILE for as long as that lasts.
// The parent counts failed accepts and CPU time over a window (a spin detector, not a speed test),
// then frees a few descriptors and expects /healthz to get through the backlog of idle clients.
#include <gtest/gtest.h>

#include <fcntl.h>
#include <sys/resource.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <thread>
#include <vector>

#include <boost/asio.hpp>

#include "tests/integration/web_hostile_test.hpp"
#include "testkit/net/http_client.hpp"
#include "tests/support/process.hpp"

namespace brigade::web {
namespace {

namespace asio = boost::asio;
using namespace std::chrono_literals;
using testing::http_get;

// CPU time (user + system) of the whole process, in ms.
long cpu_ms() {
  rusage u{};
  getrusage(RUSAGE_SELF, &u);
  return (u.ru_utime.tv_sec + u.ru_stime.tv_sec) * 1000L + (u.ru_utime.tv_usec + u.ru_stime.tv_usec) / 1000L;
}

TEST(FdLimitedServer, Serve) {
  if (!std::getenv("BRIGADE_WEB_FD_CHILD"))
    GTEST_SKIP() << "runs as the child of AcceptBacksOffWhenOutOfDescriptors";
  testing::EngineHarness<core::ManualClock> engine("brigade-fd", core::ManualClock(kHostileNow));
  engine.apply_all(seed_events());
  Api api(ApiContext{*engine.store_, engine.clock_, engine.metrics_, "", {}, {}});
  rlimit lim{};
  getrlimit(RLIMIT_NOFILE, &lim);
  lim.rlim_cur = 256;
  ASSERT_EQ(setrlimit(RLIMIT_NOFILE, &lim), 0);
  ServerOptions so;
  so.addr = "127.0.0.1:0";
  so.head_timeout = 60s;
  auto server = start_server(so, api);
  std::vector<int> filler;
  for (int fd; (fd = ::open("/dev/null", O_RDONLY | O_CLOEXEC)) >= 0;) filler.push_back(fd);
  std::printf("port %u\n", server->port());
  std::fflush(stdout);
  char line[64];
  while (std::fgets(line, sizeof line, stdin)) {
    std::string cmd(line);
    if (cmd.rfind("stats", 0) == 0) {
      auto st = server->stats();
      std::printf("stats %llu %llu %ld\n", static_cast<unsigned long long>(st.accept_errors),
                  static_cast<unsigned long long>(st.accepted), cpu_ms());
    } else if (cmd.rfind("free", 0) == 0) {
      for (int i = 0; i < 8 && !filler.empty(); ++i) {
        ::close(filler.back());
        filler.pop_back();
      }
      std::printf("freed\n");
    }
    std::fflush(stdout);
  }
  server->stop();
}

struct ChildStats {
  unsigned long long errors = 0, accepted = 0;
  long cpu = 0;
};

// Asks the child for its counters and reads the n-th "stats" line it printed.
ChildStats ask_stats(testing::Child& child, int n) {
  child.write("stats\n");
  auto nth = [&]() -> std::size_t {
    std::size_t p = std::string::npos;
    for (int i = 0; i < n; ++i) {
      p = child.out().find("stats ", p == std::string::npos ? 0 : p + 1);
      if (p == std::string::npos) return p;
    }
    return child.out().find('\n', p) == std::string::npos ? std::string::npos : p;
  };
  auto until = std::chrono::steady_clock::now() + 10s;
  while (nth() == std::string::npos && std::chrono::steady_clock::now() < until)
    child.wait_for_output("\x01 (reads for a while)", 20ms);
  ChildStats s;
  if (auto at = nth(); at != std::string::npos)
    std::sscanf(child.out().c_str() + at, "stats %llu %llu %ld", &s.errors, &s.accepted, &s.cpu);
  else
    ADD_FAILURE() << "the child printed no stats: " << child.err();
  return s;
}

TEST(FdLimitedServer, AcceptBacksOffWhenOutOfDescriptors) {
#ifdef __SANITIZE_ADDRESS__
  // UBSan's vptr check opens a pipe to probe memory; with no descriptor left it reports false errors.
  GTEST_SKIP() << "not under the sanitizers: the child has no descriptor left for their own checks";
#endif
  testing::Child child({"/proc/self/exe", "--gtest_filter=FdLimitedServer.Serve"},
                       {{"BRIGADE_WEB_FD_CHILD", "1"}});
  ASSERT_TRUE(child.wait_for_output("port ", 20s)) << child.err();
  ASSERT_TRUE(child.wait_for_output("\n", 5s));
  const auto port = static_cast<std::uint16_t>(std::stoi(child.out().substr(child.out().find("port ") + 5)));
  asio::io_context ioc;
  std::vector<asio::ip::tcp::socket> idle;  // they wait in the backlog: the child cannot accept them
  for (int i = 0; i < 100; ++i) {
    idle.emplace_back(ioc);
    idle.back().connect({asio::ip::make_address("127.0.0.1"), port});
  }
  std::this_thread::sleep_for(500ms);
  auto before = ask_stats(child, 1);
  std::this_thread::sleep_for(3s);  // the measurement window
  auto after = ask_stats(child, 2);
  EXPECT_LT(after.errors - before.errors, 50u) << "failed accepts in 3 s: the accept loop spins";
  EXPECT_LT(after.cpu - before.cpu, 1000) << "CPU ms in 3 s while out of descriptors";
  EXPECT_GT(after.errors, 0u) << "the child did run out of descriptors";
  child.write("free\n");
  ASSERT_TRUE(child.wait_for_output("freed", 10s));
  auto h = http_get(port, "/healthz", 20s);
  EXPECT_EQ(h.status, 200) << "healthz behind 100 idle clients and 8 free descriptors: " << h.error;
  auto m = http_get(port, "/metrics", 20s);
  EXPECT_NE(m.body.find("brigade_http_accept_errors_total "), std::string::npos) << m.body;
  child.close_stdin();
  EXPECT_EQ(child.wait(30s), 0) << child.err();
  // One warning for the whole episode, not one per failed accept; no secret to leak here, but no
  // flood either.
  const std::string log = child.out() + child.err();  // spdlog's default logger writes to stdout
  std::size_t warnings = 0;
  for (auto at = log.find("cannot accept"); at != std::string::npos; at = log.find("cannot accept", at + 1))
    ++warnings;
  EXPECT_EQ(warnings, 1u) << log;
}

}  // namespace
}  // namespace brigade::web
