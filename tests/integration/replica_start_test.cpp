// A replica whose database is unreachable at start: exit 1 naming the host, or (store.wait_seconds)
// keep trying until the server is up (fixture: replica_process_test.hpp).
#include <signal.h>

#include <algorithm>
#include <fstream>

#include "tests/integration/replica_process_test.hpp"

namespace brigade::replica_test {
namespace {

// Nothing listens at 127.0.0.1:1: `brigade run` gives up at once (store.wait_seconds 0) with exit
// status 1 and one error line naming the host, having connected to nothing.
TEST_F(ReplicaTest, UnreachableDatabaseAtStartExitsOneWithOneLineNamingTheHost) {
  auto e = env(0, true, false);
  e["BRIGADE_STORE"] = "host=127.0.0.1 port=1 dbname=brigade connect_timeout=5";
  Child p({testing::brigade_binary(), "run"}, e);
  EXPECT_EQ(p.wait(30s), 1) << p.err();
  EXPECT_EQ(std::count(p.err().begin(), p.err().end(), '\n'), 1) << p.err();
  EXPECT_NE(p.err().find("error cannot connect to PostgreSQL at 127.0.0.1:1"), std::string::npos) << p.err();
  EXPECT_EQ(p.out(), "");
  EXPECT_EQ(slack_.connections(), 0u);
}

// With store.wait_seconds (a file key) the bot keeps trying a server that is down, saying so, and
// starts once it is up: the Slack connection opens only then, and commands work.
TEST_F(ReplicaTest, WaitSecondsKeepsTryingUntilTheServerIsUp) {
  const auto file = dir_.path() / "brigade.toml";
  std::ofstream(file) << "[store]\nurl = \"" << url_ << "\"\nwait_seconds = 60\n";
  auto e = env(0, true, false);
  e["BRIGADE_STORE"] = "";  // unset: the file's url
  e["BRIGADE_CONFIG"] = file.string();
  ServerBack server;
  ASSERT_TRUE(pg_ctl("stop -m fast"));
  server.down = true;
  Child p({testing::brigade_binary(), "run"}, e);
  ASSERT_TRUE(p.wait_for_log("trying again in", 15s)) << p.err();
  EXPECT_TRUE(alive(p)) << p.err();
  EXPECT_EQ(slack_.connections(), 0u) << "nothing starts before the ledger is open";
  ASSERT_TRUE(pg_ctl("start"));
  server.down = false;
  ASSERT_TRUE(slack_.wait([&] { return slack_.connections() >= 1; }, 30s)) << p.err();
  ASSERT_TRUE(p.wait_for_log(kPrimary, 10s)) << p.err();
  slack_.send(0, thanks("late-000"));
  ASSERT_TRUE(all_acked({"late-000"}, 20s)) << p.err();
  EXPECT_EQ(ledger()->seen_kudos(slash_source("late-000")).size(), 1u);
  p.signal(SIGTERM);
  EXPECT_EQ(p.wait(15s), 0) << p.err();
}

}  // namespace
}  // namespace brigade::replica_test
