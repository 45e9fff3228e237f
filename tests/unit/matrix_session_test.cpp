// The Matrix session step by step, with no homeserver: each answer and the actions it leads to.
#include "adapters/matrix/session.hpp"

#include <gtest/gtest.h>

namespace brigade::matrix {
namespace {

using namespace std::chrono_literals;
using Ev = SessionEvent::Kind;
using Act = SessionAction::Kind;
using Actions = std::vector<SessionAction>;

Session::Options options(bool password = true, bool configured_token = false) {
  Session::Options o;
  o.user_id = "@brigade:example.org";
  o.password = password;
  o.configured_token = configured_token;
  o.backoff_base = 1000ms;
  o.backoff_cap = 30000ms;
  o.seed = 3;
  return o;
}

Answer answer(int status, nlohmann::json body = nlohmann::json::object(), std::string errcode = {}) {
  Answer a;
  a.status = status;
  a.body = std::move(body);
  a.code = std::move(errcode);
  return a;
}

Answer login_ok(std::string token, std::string device = "DEV1") {
  return answer(200, {{"access_token", token}, {"user_id", "@brigade:example.org"}, {"device_id", device}});
}

Answer whoami_ok(std::string user = "@brigade:example.org", std::string device = "DEV1") {
  return answer(200, {{"user_id", user}, {"device_id", device}});
}

SessionEvent ev(Ev k, Answer a = {}) {
  return {.kind = k, .answer = std::move(a)};
}

std::vector<Act> kinds(const Actions& a) {
  std::vector<Act> k;
  for (const auto& x : a) k.push_back(x.kind);
  return k;
}

// Started with a working token and set up: syncing.
Session syncing(std::string cursor = "s1") {
  auto o = options();
  o.cursor = std::move(cursor);
  Session s(o);
  s.resume({.kind = Ev::start, .token = "tok"});
  s.resume(ev(Ev::whoami, whoami_ok()));
  s.resume(ev(Ev::set_up));
  return s;
}

TEST(MatrixSession, WithoutATokenItLogsInThenSetsUp) {
  Session s(options());
  auto a = s.resume({.kind = Ev::start});
  ASSERT_EQ(kinds(a), std::vector{Act::login});
  EXPECT_TRUE(s.logging_in());
  a = s.resume(ev(Ev::login, login_ok("tok1")));
  EXPECT_EQ(kinds(a), (std::vector{Act::keep_session, Act::set_up}));
  EXPECT_EQ(s.token(), "tok1");
  EXPECT_EQ(s.device(), "DEV1");
  EXPECT_EQ(s.generation(), 1u);
  EXPECT_FALSE(s.logging_in());
  EXPECT_EQ(s.origin(), "a new login");
  a = s.resume(ev(Ev::set_up));
  ASSERT_EQ(kinds(a), std::vector{Act::sync});
  EXPECT_TRUE(s.cursor().empty()) << "the first sync skips the backlog";
  EXPECT_TRUE(s.running());
}

TEST(MatrixSession, AStoredTokenIsCheckedWithWhoamiAndReused) {
  auto o = options();
  o.device_id = "DEV1";
  Session s(o);
  auto a = s.resume({.kind = Ev::start, .token = "stored", .stored = true});
  ASSERT_EQ(kinds(a), std::vector{Act::whoami});
  EXPECT_EQ(s.origin(), "the stored session");
  a = s.resume(ev(Ev::whoami, whoami_ok()));
  EXPECT_EQ(kinds(a), std::vector{Act::set_up}) << "same device: nothing to keep";
  EXPECT_EQ(s.token(), "stored");
}

TEST(MatrixSession, WhoamiTellsTheDeviceAndTheAccountOfAConfiguredToken) {
  Session s(options(false, true));
  s.resume({.kind = Ev::start, .token = "configured"});
  EXPECT_EQ(s.origin(), "MATRIX_ACCESS_TOKEN");
  auto a = s.resume(ev(Ev::whoami, whoami_ok("@other:example.org", "DEV9")));
  EXPECT_EQ(kinds(a), (std::vector{Act::keep_device, Act::set_up}));
  EXPECT_EQ(s.device(), "DEV9");
  EXPECT_EQ(s.user_id(), "@other:example.org") << "the token's account is the one that acts";
}

TEST(MatrixSession, AStoredSessionOfAnotherAccountIsLoggedOutAndReplaced) {
  auto o = options();
  o.device_id = "OLD";
  Session s(o);
  s.resume({.kind = Ev::start, .token = "stored", .stored = true});
  auto a = s.resume(ev(Ev::whoami, whoami_ok("@old:example.org", "OLD")));
  ASSERT_EQ(kinds(a), std::vector{Act::logout});
  EXPECT_NE(a[0].reason.find("@old:example.org"), std::string::npos);
  a = s.resume(ev(Ev::logged_out));
  ASSERT_EQ(kinds(a), std::vector{Act::login});
  EXPECT_TRUE(s.token().empty());
  EXPECT_TRUE(s.device().empty()) << "a new device for the configured account";
  a = s.resume(ev(Ev::login, login_ok("fresh", "NEW")));
  EXPECT_EQ(kinds(a), (std::vector{Act::keep_session, Act::set_up}));
  EXPECT_EQ(s.user_id(), "@brigade:example.org");
}

TEST(MatrixSession, ARejectedStoredTokenMeansALoginOnTheSameDevice) {
  auto o = options();
  o.device_id = "DEV1";
  Session s(o);
  s.resume({.kind = Ev::start, .token = "stale", .stored = true});
  auto a = s.resume(ev(Ev::whoami, answer(401, {}, "M_UNKNOWN_TOKEN")));
  ASSERT_EQ(kinds(a), std::vector{Act::login});
  EXPECT_EQ(s.device(), "DEV1");
  a = s.resume(ev(Ev::login, login_ok("fresh")));
  EXPECT_EQ(kinds(a), (std::vector{Act::keep_session, Act::set_up}));
}

TEST(MatrixSession, ARejectedTokenWithoutAPasswordFailsForGood) {
  Session s(options(false, true));
  s.resume({.kind = Ev::start, .token = "configured"});
  auto a = s.resume(ev(Ev::whoami, answer(401, {}, "M_UNKNOWN_TOKEN")));
  ASSERT_EQ(kinds(a), std::vector{Act::fail});
  EXPECT_EQ(a[0].reason, "M_UNKNOWN_TOKEN: access token rejected");
  EXPECT_TRUE(s.stopped());
  EXPECT_TRUE(s.resume(ev(Ev::whoami, whoami_ok())).empty());
}

TEST(MatrixSession, AnUnreachableServerIsRetriedWithBackoffAndRateLimitsAsAsked) {
  Session s(options());
  s.resume({.kind = Ev::start, .token = "tok"});
  auto a = s.resume(ev(Ev::whoami, answer(0)));
  ASSERT_EQ(kinds(a), (std::vector{Act::link, Act::whoami}));
  EXPECT_EQ(a[0].state, bot::LinkState::reconnecting);
  EXPECT_GE(a[1].delay, 500ms);
  EXPECT_LE(a[1].delay, 1000ms);
  Answer limited = answer(429, {}, "M_LIMIT_EXCEEDED");
  limited.retry_after_ms = 7000;
  a = s.resume(ev(Ev::whoami, limited));
  EXPECT_EQ(a.back().delay, 7000ms);
  a = s.resume(ev(Ev::whoami, answer(403, {}, "M_FORBIDDEN")));
  ASSERT_EQ(kinds(a), std::vector{Act::fail});
  EXPECT_EQ(a[0].reason, "whoami: M_FORBIDDEN");
}

TEST(MatrixSession, LoginRetriesPassingFailuresAndStopsOnARefusal) {
  Session s(options());
  s.resume({.kind = Ev::start});
  Answer limited = answer(429, {}, "M_LIMIT_EXCEEDED");
  limited.retry_after_ms = 3000;
  auto a = s.resume(ev(Ev::login, limited));
  ASSERT_EQ(kinds(a), std::vector{Act::login});
  EXPECT_EQ(a[0].delay, 3000ms);
  a = s.resume(ev(Ev::login, answer(502)));
  EXPECT_EQ(kinds(a), (std::vector{Act::link, Act::login}));
  a = s.resume(ev(Ev::login, answer(403, {}, "M_FORBIDDEN")));
  ASSERT_EQ(kinds(a), std::vector{Act::fail});
  EXPECT_EQ(a[0].reason, "login refused: M_FORBIDDEN");
}

TEST(MatrixSession, TheCursorMovesOnlyWithACommittedBatch) {
  Session s = syncing("s1");
  auto a = s.resume({.kind = Ev::synced, .answer = answer(200), .next_batch = "s2"});
  ASSERT_EQ(kinds(a), (std::vector{Act::link, Act::apply}));
  EXPECT_EQ(a[0].state, bot::LinkState::connected);
  EXPECT_EQ(s.cursor(), "s1") << "not before the commit";
  a = s.resume({.kind = Ev::committed, .ok = false});
  ASSERT_EQ(kinds(a), std::vector{Act::sync});
  EXPECT_GT(a[0].delay, 0ms);
  EXPECT_EQ(s.cursor(), "s1") << "the same answer is fetched again";
  s.resume({.kind = Ev::synced, .answer = answer(200), .next_batch = "s2"});
  a = s.resume({.kind = Ev::committed, .ok = true});
  ASSERT_EQ(kinds(a), std::vector{Act::sync});
  EXPECT_EQ(a[0].delay, 0ms);
  EXPECT_EQ(s.cursor(), "s2");
}

TEST(MatrixSession, ALostSyncIsCountedOnceAndRetried) {
  Session s = syncing();
  s.resume({.kind = Ev::synced, .answer = answer(200), .next_batch = "s2"});
  s.resume({.kind = Ev::committed, .ok = true});
  auto a = s.resume(ev(Ev::synced, answer(0)));
  ASSERT_EQ(kinds(a), (std::vector{Act::reconnect, Act::link, Act::sync}));
  EXPECT_EQ(a[1].state, bot::LinkState::reconnecting);
  a = s.resume(ev(Ev::synced, answer(503)));
  EXPECT_EQ(kinds(a), (std::vector{Act::link, Act::sync})) << "still down: not counted again";
  Answer limited = answer(429, {}, "M_LIMIT_EXCEEDED");
  limited.retry_after_ms = 0;
  a = s.resume(ev(Ev::synced, limited));
  EXPECT_EQ(a.back().delay, 0ms) << "the server's wait, even zero";
}

TEST(MatrixSession, AnUnusableAnswerIsFetchedAgainAfterBackoff) {
  Session s = syncing();
  auto a = s.resume({.kind = Ev::synced, .answer = answer(200), .unusable = true});
  ASSERT_EQ(kinds(a), std::vector{Act::sync});
  EXPECT_GT(a[0].delay, 0ms);
  EXPECT_EQ(s.cursor(), "s1");
}

TEST(MatrixSession, ARenewalWhileSyncingLeavesTheSyncLoopWhereItWas) {
  Session s = syncing();
  auto a = s.resume(ev(Ev::token_rejected, answer(401, {}, "M_UNKNOWN_TOKEN")));
  ASSERT_EQ(kinds(a), std::vector{Act::login});
  EXPECT_TRUE(s.logging_in());
  EXPECT_TRUE(s.resume(ev(Ev::token_rejected, answer(401, {}, "M_UNKNOWN_TOKEN"))).empty())
      << "one login for every caller";
  // The long-poll that was already out answers while the login runs: the loop goes on.
  a = s.resume({.kind = Ev::synced, .answer = answer(200), .next_batch = "s2"});
  EXPECT_EQ(kinds(a), (std::vector{Act::link, Act::apply}));
  a = s.resume(ev(Ev::login, login_ok("fresh")));
  EXPECT_EQ(kinds(a), std::vector{Act::keep_session}) << "no second set-up";
  EXPECT_FALSE(s.logging_in());
  a = s.resume({.kind = Ev::committed, .ok = true});
  EXPECT_EQ(kinds(a), std::vector{Act::sync});
  EXPECT_EQ(s.cursor(), "s2");
}

TEST(MatrixSession, ASoftLogoutIsALoginOnTheSameDevice) {
  Session s = syncing();
  Answer soft = answer(401, {}, "M_UNKNOWN_TOKEN");
  soft.soft_logout = true;
  auto a = s.resume(ev(Ev::token_rejected, soft));
  ASSERT_EQ(kinds(a), std::vector{Act::login});
  EXPECT_EQ(s.device(), "DEV1");
}

TEST(MatrixSession, AFailedRenewalStopsEverything) {
  Session s = syncing();
  s.resume(ev(Ev::token_rejected, answer(401, {}, "M_UNKNOWN_TOKEN")));
  auto a = s.resume(ev(Ev::login, answer(403, {}, "M_USER_DEACTIVATED")));
  ASSERT_EQ(kinds(a), std::vector{Act::fail});
  EXPECT_TRUE(s.resume({.kind = Ev::synced, .answer = answer(200), .next_batch = "s2"}).empty());
}

TEST(MatrixSession, StopEndsTheLoop) {
  Session s = syncing();
  EXPECT_TRUE(s.resume(ev(Ev::stop)).empty());
  EXPECT_TRUE(s.stopped());
  EXPECT_TRUE(s.resume({.kind = Ev::synced, .answer = answer(200), .next_batch = "s2"}).empty());
}

}  // namespace
}  // namespace brigade::matrix
