// The Socket Mode supervisor step by step, with no sockets: each event and the actions it answers.
#include "adapters/slack/supervisor.hpp"

#include <gtest/gtest.h>

namespace brigade::slack {
namespace {

using namespace std::chrono_literals;
using Ev = SupervisorEvent::Kind;
using Act = SupervisorAction::Kind;
using Actions = std::vector<SupervisorAction>;
using std::chrono::milliseconds;

Supervisor::Options options() {
  Supervisor::Options o;
  o.backoff_base = 1000ms;
  o.backoff_cap = 30000ms;
  o.too_many_delay = 10000ms;
  o.hello_timeout = 30000ms;
  o.seed = 7;
  return o;
}

SupervisorEvent ev(Ev k, ConnId conn = 0, std::string reason = {}) {
  return {.kind = k, .conn = conn, .reason = std::move(reason)};
}

std::vector<Act> kinds(const Actions& a) {
  std::vector<Act> k;
  for (const auto& x : a) k.push_back(x.kind);
  return k;
}

const SupervisorAction* first(const Actions& a, Act k) {
  for (const auto& x : a)
    if (x.kind == k) return &x;
  return nullptr;
}

// Start, authenticate, open socket `conn` and take its hello.
Supervisor connected(ConnId conn = 1) {
  Supervisor s(options());
  s.resume(ev(Ev::start));
  s.resume(ev(Ev::authenticated));
  s.resume(ev(Ev::socket_up, conn));
  s.resume(ev(Ev::hello, conn));
  return s;
}

TEST(SlackSupervisor, StartsByAuthenticatingThenOpensOneSocket) {
  Supervisor s(options());
  auto a = s.resume(ev(Ev::start));
  ASSERT_EQ(kinds(a), std::vector{Act::authenticate});
  EXPECT_EQ(a[0].delay, 0ms);
  a = s.resume(ev(Ev::authenticated));
  ASSERT_EQ(kinds(a), std::vector{Act::connect});
  EXPECT_EQ(a[0].delay, 0ms);
  EXPECT_TRUE(s.connecting());
}

TEST(SlackSupervisor, AuthFailuresBackOffAndFatalOnesFail) {
  Supervisor s(options());
  s.resume(ev(Ev::start));
  auto a = s.resume({.kind = Ev::auth_failed, .reason = "ratelimited"});
  ASSERT_EQ(kinds(a), std::vector{Act::authenticate});
  EXPECT_GE(a[0].delay, 500ms);
  EXPECT_LE(a[0].delay, 1000ms);
  EXPECT_EQ(a[0].reason, "ratelimited");
  a = s.resume({.kind = Ev::auth_failed, .reason = "invalid_auth", .fatal = true});
  ASSERT_EQ(kinds(a), std::vector{Act::fail});
  EXPECT_EQ(a[0].reason, "invalid_auth");
  EXPECT_TRUE(s.resume(ev(Ev::authenticated)).empty()) << "nothing happens after a failure";
}

TEST(SlackSupervisor, TheHelloDeadlineIsArmedWhenTheSocketIsUp) {
  Supervisor s(options());
  s.resume(ev(Ev::start));
  s.resume(ev(Ev::authenticated));
  auto a = s.resume(ev(Ev::socket_up, 1));
  ASSERT_EQ(kinds(a), std::vector{Act::await_hello});
  EXPECT_EQ(a[0].conn, 1u);
  EXPECT_EQ(a[0].delay, 30000ms);
  EXPECT_FALSE(s.active());
  a = s.resume(ev(Ev::hello, 1));
  ASSERT_EQ(kinds(a), std::vector{Act::link});
  EXPECT_EQ(a[0].state, bot::LinkState::connected);
  EXPECT_EQ(s.active(), 1u);
  EXPECT_FALSE(s.connecting());
}

TEST(SlackSupervisor, NoHelloInTimeDropsTheSocketAndTriesAgainWithBackoff) {
  Supervisor s(options());
  s.resume(ev(Ev::start));
  s.resume(ev(Ev::authenticated));
  s.resume(ev(Ev::socket_up, 1));
  auto a = s.resume(ev(Ev::hello_timeout, 1));
  ASSERT_EQ(kinds(a), (std::vector{Act::abort, Act::connect}));
  EXPECT_EQ(a[0].conn, 1u);
  EXPECT_GE(a[1].delay, 500ms);
  EXPECT_EQ(s.sockets(), 0u);
  EXPECT_TRUE(s.resume(ev(Ev::lost, 1)).empty()) << "the dropped socket's end asks for nothing more";
  EXPECT_TRUE(s.resume(ev(Ev::hello_timeout, 1)).empty()) << "a late deadline for a gone socket is ignored";
}

TEST(SlackSupervisor, SomethingElseBeforeHelloClosesAndRetries) {
  Supervisor s(options());
  s.resume(ev(Ev::start));
  s.resume(ev(Ev::authenticated));
  s.resume(ev(Ev::socket_up, 1));
  auto a = s.resume(ev(Ev::bad_first_frame, 1));
  EXPECT_EQ(kinds(a), (std::vector{Act::close, Act::connect}));
  // A socket that ends before its hello is a failed open too.
  s.resume(ev(Ev::socket_up, 2));
  a = s.resume(ev(Ev::lost, 2, "eof"));
  EXPECT_EQ(kinds(a), std::vector{Act::connect});
}

TEST(SlackSupervisor, LinkDisabledFailsForGoodEvenBeforeHello) {
  Supervisor s(options());
  s.resume(ev(Ev::start));
  s.resume(ev(Ev::authenticated));
  s.resume(ev(Ev::socket_up, 1));
  auto a = s.resume(ev(Ev::disconnect, 1, "link_disabled"));
  ASSERT_EQ(kinds(a), std::vector{Act::fail});
  EXPECT_EQ(a[0].reason, "link_disabled");
  EXPECT_TRUE(s.stopping());
  EXPECT_TRUE(s.resume(ev(Ev::lost, 1)).empty()) << "no reconnect after link_disabled";

  Supervisor live = connected();
  EXPECT_EQ(kinds(live.resume(ev(Ev::disconnect, 1, "link_disabled"))), std::vector{Act::fail});
}

TEST(SlackSupervisor, OpenFailuresBackOffAndHonourRetryAfter) {
  Supervisor s(options());
  s.resume(ev(Ev::start));
  s.resume(ev(Ev::authenticated));
  auto a = s.resume({.kind = Ev::open_failed, .reason = "ratelimited", .retry_after = 20000ms});
  ASSERT_EQ(kinds(a), std::vector{Act::connect}) << "no link change while starting";
  EXPECT_EQ(a[0].delay, 20000ms);
  a = s.resume({.kind = Ev::open_failed, .reason = "timeout"});
  ASSERT_EQ(kinds(a), std::vector{Act::connect});
  EXPECT_GE(a[0].delay, 1000ms) << "the second failure's ceiling is twice the base";
  EXPECT_LE(a[0].delay, 2000ms);
  a = s.resume({.kind = Ev::open_failed, .reason = "invalid_auth", .fatal = true});
  EXPECT_EQ(kinds(a), std::vector{Act::fail});
}

TEST(SlackSupervisor, ALostLinkReconnectsAfterBackoffAndIsCounted) {
  Supervisor s = connected();
  auto a = s.resume(ev(Ev::lost, 1, "closed by Slack"));
  ASSERT_EQ(kinds(a), (std::vector{Act::link, Act::reconnect, Act::connect}));
  EXPECT_EQ(a[0].state, bot::LinkState::reconnecting);
  EXPECT_EQ(a[0].reason, "closed by Slack");
  EXPECT_GE(a[2].delay, 500ms);
  EXPECT_LE(a[2].delay, 1000ms);
  EXPECT_FALSE(s.active());
  // A failed attempt while the link is down keeps it "reconnecting", with the newest reason.
  a = s.resume({.kind = Ev::open_failed, .reason = "timeout"});
  EXPECT_EQ(kinds(a), (std::vector{Act::link, Act::connect}));
  s.resume(ev(Ev::socket_up, 2));
  a = s.resume(ev(Ev::hello, 2));
  ASSERT_EQ(kinds(a), std::vector{Act::link});
  EXPECT_EQ(a[0].state, bot::LinkState::connected);
  // The backoff starts over after a good connection.
  a = s.resume(ev(Ev::lost, 2));
  EXPECT_LE(first(a, Act::connect)->delay, 1000ms);
}

TEST(SlackSupervisor, RefreshRequestedOpensTheReplacementFirstThenDrainsTheOld) {
  Supervisor s = connected();
  auto a = s.resume(ev(Ev::disconnect, 1, "refresh_requested"));
  ASSERT_EQ(kinds(a), std::vector{Act::connect});
  EXPECT_EQ(a[0].delay, 0ms);
  EXPECT_TRUE(s.resume(ev(Ev::disconnect, 1, "refresh_requested")).empty()) << "one replacement per socket";
  s.resume(ev(Ev::socket_up, 2));
  a = s.resume(ev(Ev::hello, 2));
  ASSERT_EQ(kinds(a), std::vector{Act::drain}) << "the link never stopped being connected";
  EXPECT_EQ(a[0].conn, 1u);
  EXPECT_EQ(s.active(), 2u);
  EXPECT_TRUE(s.resume(ev(Ev::lost, 1)).empty()) << "the drained socket's end is no outage";
  EXPECT_EQ(s.sockets(), 1u);
}

TEST(SlackSupervisor, WarningKeepsReadingTheOldSocketUntilSlackClosesIt) {
  Supervisor s = connected();
  auto a = s.resume(ev(Ev::disconnect, 1, "warning"));
  ASSERT_EQ(kinds(a), std::vector{Act::connect});
  s.resume(ev(Ev::socket_up, 2));
  a = s.resume(ev(Ev::hello, 2));
  EXPECT_TRUE(a.empty()) << "no drain: Slack closes it";
  EXPECT_EQ(s.active(), 2u);
  EXPECT_TRUE(s.resume(ev(Ev::lost, 1)).empty());
}

TEST(SlackSupervisor, AnOldSocketAskedToRefreshAfterItWasReplacedDrainsAtOnce) {
  Supervisor s = connected();
  s.resume(ev(Ev::disconnect, 1, "warning"));
  s.resume(ev(Ev::socket_up, 2));
  s.resume(ev(Ev::hello, 2));
  auto a = s.resume(ev(Ev::disconnect, 1, "refresh_requested"));
  ASSERT_EQ(kinds(a), std::vector{Act::drain});
  EXPECT_EQ(a[0].conn, 1u);
}

TEST(SlackSupervisor, TheActiveSocketLostDuringItsReplacementWaitsForTheNewOne) {
  Supervisor s = connected();
  s.resume(ev(Ev::disconnect, 1, "refresh_requested"));
  EXPECT_TRUE(s.resume(ev(Ev::lost, 1)).empty()) << "the socket being opened takes over";
  s.resume(ev(Ev::socket_up, 2));
  EXPECT_TRUE(s.resume(ev(Ev::hello, 2)).empty()) << "no outage was reported, so none ends";
  EXPECT_EQ(s.active(), 2u);
}

TEST(SlackSupervisor, TooManyWebsocketsClosesAndWaitsAtLeastTheFloor) {
  Supervisor s = connected();
  auto a = s.resume(ev(Ev::disconnect, 1, "too_many_websockets"));
  ASSERT_EQ(kinds(a), std::vector{Act::close});
  a = s.resume(ev(Ev::lost, 1));
  ASSERT_NE(first(a, Act::connect), nullptr);
  EXPECT_GE(first(a, Act::connect)->delay, 10000ms);
}

TEST(SlackSupervisor, StopEndsReconnectsButSocketsMayStillEnd) {
  Supervisor s = connected();
  EXPECT_TRUE(s.resume(ev(Ev::stop)).empty());
  EXPECT_TRUE(s.stopping());
  EXPECT_TRUE(s.resume(ev(Ev::lost, 1)).empty());
  EXPECT_EQ(s.sockets(), 0u);
  EXPECT_TRUE(s.resume(ev(Ev::disconnect, 1, "refresh_requested")).empty());
}

TEST(SlackSupervisor, OnlyOneConnectIsEverOutstanding) {
  Supervisor s = connected();
  s.resume(ev(Ev::disconnect, 1, "warning"));  // a connect is outstanding
  EXPECT_TRUE(s.connecting());
  EXPECT_TRUE(s.resume(ev(Ev::disconnect, 1, "refresh_requested")).empty());
  s.resume(ev(Ev::socket_up, 2));
  s.resume(ev(Ev::hello, 2));
  EXPECT_FALSE(s.connecting());
}

TEST(SlackSupervisor, EventsForUnknownSocketsAreIgnored) {
  Supervisor s = connected();
  EXPECT_TRUE(s.resume(ev(Ev::hello, 9)).empty());
  EXPECT_TRUE(s.resume(ev(Ev::disconnect, 9, "refresh_requested")).empty());
  EXPECT_TRUE(s.resume(ev(Ev::lost, 9)).empty());
  EXPECT_TRUE(s.resume(ev(Ev::hello, 1)).empty()) << "a second hello changes nothing";
  EXPECT_EQ(s.active(), 1u);
}

TEST(SlackDrain, ClosesWhenNothingIsUnackedAndSlackWentQuiet) {
  using Clock = std::chrono::steady_clock;
  Clock::time_point t0{};
  auto deadline = t0 + 5000ms;
  auto step = drain_step(0, t0, deadline, 1000ms, t0 + 200ms);
  EXPECT_FALSE(step.close);
  EXPECT_EQ(step.wake, t0 + 1000ms) << "looks again when the quiet time is over";
  EXPECT_TRUE(drain_step(0, t0, deadline, 1000ms, t0 + 1000ms).close);
  step = drain_step(2, t0, deadline, 1000ms, t0 + 1500ms);
  EXPECT_FALSE(step.close) << "envelopes taken on it still ack on it";
  EXPECT_EQ(step.wake, deadline);
  EXPECT_TRUE(drain_step(2, t0, deadline, 1000ms, deadline).close) << "the deadline ends it whatever is left";
  EXPECT_EQ(drain_step(0, t0 + 4500ms, deadline, 1000ms, t0 + 4600ms).wake, deadline);
}

}  // namespace
}  // namespace brigade::slack
