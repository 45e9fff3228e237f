// bot::Primary, the lease loop that decides which replica sends, syncs Matrix and runs the
// scheduled work: on a store whose lease answers the test scripts (granted, refused, unreachable).
#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <mutex>
#include <thread>

#include "bot/primary.hpp"

namespace brigade::bot {
namespace {

using namespace std::chrono_literals;

// Only the lease calls matter; a transaction is a programming error here.
class LeaseStore final : public store::Store {
 public:
  enum class Answer { grant, refuse, unreachable, hang };  // hang: until the answer changes
  std::atomic<Answer> answer{Answer::grant};
  std::atomic<int> tries{0};
  std::atomic<int> drops{0};
  std::string last_holder;
  std::mutex mu;

  std::unique_ptr<store::Reader> read() override { throw std::logic_error("no reads here"); }
  std::unique_ptr<store::Writer> write() override { throw std::logic_error("no writes here"); }
  const core::Calendar& calendar() const override { return cal_; }
  std::uint32_t schema_version() override { return store::kSchemaVersion; }
  void backup(const std::filesystem::path&) override {}
  bool hold_lease(std::string_view name, std::string_view holder, core::Millis ttl_ms) override {
    EXPECT_EQ(name, "primary");
    EXPECT_GT(ttl_ms, 0);
    {
      std::lock_guard lock(mu);
      last_holder = std::string(holder);
    }
    ++tries;
    while (answer == Answer::hang) std::this_thread::sleep_for(1ms);  // a server gone silent
    if (answer == Answer::unreachable) throw store::StoreError("connection refused", store::StoreError::Code::failed);
    return answer == Answer::grant;
  }
  void drop_lease(std::string_view, std::string_view) override { ++drops; }

 private:
  core::Calendar cal_{"UTC", 1};
};

bool eventually(const std::function<bool()>& f, std::chrono::milliseconds deadline = 5s) {
  const auto until = std::chrono::steady_clock::now() + deadline;
  while (std::chrono::steady_clock::now() < until) {
    if (f()) return true;
    std::this_thread::sleep_for(5ms);
  }
  return f();
}

struct Counters {
  std::atomic<int> gained{0};
  std::atomic<int> lost{0};
};

Primary make(LeaseStore& s, Counters& c, std::chrono::milliseconds ttl = 400ms,
             std::chrono::milliseconds renew = 20ms) {
  return Primary(s, Primary::Options{ttl, renew}, [&c] { ++c.gained; }, [&c] { ++c.lost; });
}

TEST(Primary, AGrantedLeaseMakesThisProcessPrimaryBeforeStartReturns) {
  LeaseStore s;
  Counters c;
  Primary p(s, {}, [&c] { ++c.gained; }, [&c] { ++c.lost; });
  p.start();
  EXPECT_TRUE(p.held());
  EXPECT_EQ(c.gained, 1);
  EXPECT_TRUE(p.store_reachable());
  p.stop();
  EXPECT_EQ(s.drops, 1) << "a graceful stop gives the lease up for the next replica";
  EXPECT_EQ(c.lost, 0) << "stopping is not losing";
}

TEST(Primary, AStandbyBecomesPrimaryWhenTheLeaseFreesUp) {
  LeaseStore s;
  s.answer = LeaseStore::Answer::refuse;
  Counters c;
  auto p = make(s, c);
  p.start();
  EXPECT_FALSE(p.held());
  ASSERT_TRUE(eventually([&] { return s.tries >= 3; })) << "a standby keeps trying";
  EXPECT_EQ(c.gained, 0);
  s.answer = LeaseStore::Answer::grant;
  ASSERT_TRUE(eventually([&] { return c.gained == 1; }));
  EXPECT_TRUE(p.held());
  p.stop();
  EXPECT_EQ(s.drops, 1);
}

TEST(Primary, AShortOutageKeepsTheRoleALongOneEndsIt) {
  LeaseStore s;
  Counters c;
  auto p = make(s, c, 2000ms, 20ms);
  p.start();
  ASSERT_TRUE(p.held());
  s.answer = LeaseStore::Answer::unreachable;
  ASSERT_TRUE(eventually([&] { return !p.store_reachable(); }));
  EXPECT_TRUE(p.held()) << "the lease is still ours until ttl minus one renewal";
  s.answer = LeaseStore::Answer::grant;
  ASSERT_TRUE(eventually([&] { return p.store_reachable(); }));
  EXPECT_TRUE(p.held());
  EXPECT_EQ(c.lost, 0);

  auto q = make(s, c, 200ms, 20ms);  // a second primary object, with a short lease
  s.answer = LeaseStore::Answer::unreachable;
  q.start();  // not granted: unreachable from the first try
  EXPECT_FALSE(q.held());
  p.stop();
  q.stop();
}

TEST(Primary, UnreachableForLongerThanTheLeaseEndsTheRoleBeforeAnotherCanTakeIt) {
  LeaseStore s;
  Counters c;
  auto p = make(s, c, 300ms, 20ms);
  p.start();
  ASSERT_TRUE(p.held());
  s.answer = LeaseStore::Answer::unreachable;
  ASSERT_TRUE(eventually([&] { return c.lost == 1; }));
  EXPECT_FALSE(p.held());
  EXPECT_FALSE(p.store_reachable());
  p.stop();
  EXPECT_EQ(s.drops, 0) << "a lease it no longer holds is not dropped";
}

// A renewal that never returns (the database host went silent; TCP has not given up yet) must not
// keep the role past the lease: held() turns false on time, and the loss is told once the call
// ends, with no second try.
TEST(Primary, ARenewalThatHangsEndsTheRoleOnTime) {
  LeaseStore s;
  Counters c;
  auto p = make(s, c, 300ms, 20ms);
  p.start();
  ASSERT_TRUE(p.held());
  s.answer = LeaseStore::Answer::hang;
  ASSERT_TRUE(eventually([&] { return !p.held(); })) << "the role ends while the renewal still hangs";
  EXPECT_EQ(c.lost, 0) << "nothing is called from a thread that is stuck";
  const int tries = s.tries;
  s.answer = LeaseStore::Answer::grant;  // the call returns, granted (too late to count)
  ASSERT_TRUE(eventually([&] { return c.lost == 1; }));
  EXPECT_FALSE(p.held());
  std::this_thread::sleep_for(100ms);  // a few renewal periods, to see that none is tried
  EXPECT_LE(s.tries, tries + 1) << "a replica that lost the role does not take it again";
  EXPECT_EQ(c.gained, 1);
  p.stop();
}

TEST(Primary, AnotherHolderTakingTheLeaseEndsTheRole) {
  LeaseStore s;
  Counters c;
  auto p = make(s, c);
  p.start();
  ASSERT_TRUE(p.held());
  s.answer = LeaseStore::Answer::refuse;  // someone else's now (ours expired while we stalled)
  ASSERT_TRUE(eventually([&] { return c.lost == 1; }));
  EXPECT_FALSE(p.held());
  p.stop();
}

TEST(Primary, HoldersAreDistinctPerObject) {
  EXPECT_NE(Primary::make_holder(), Primary::make_holder());
  EXPECT_NE(Primary::make_holder().find(':'), std::string::npos);
}

}  // namespace
}  // namespace brigade::bot
