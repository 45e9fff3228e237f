// The weekly digest: when it is due (time zone, week start, DST), what it says, and that each
// channel gets it exactly once a week, across restarts too.
#include <gtest/gtest.h>

#include "bot/digest.hpp"
#include "tests/support/engine_harness.hpp"
#include "tests/support/event_builder.hpp"

namespace brigade::bot {
namespace {

core::Event thanks(const std::string& source, const std::string& giver, const std::string& recipient,
                   const std::string& reason, const std::string& channel = "general") {
  return testing::console_thanks(source, giver, recipient, reason, channel);
}

config::DigestConfig friday_4pm() {
  config::DigestConfig d;
  d.enabled = true;
  d.day = "friday";
  d.time = "16:00";
  d.channels = {"console:general", "console:ops"};
  return d;
}

TEST(DigestDue, FridayAtFourInTheOrganisationsZone) {
  core::Calendar berlin("Europe/Berlin", 1);
  // Monday 2026-11-16 09:00 Berlin (08:00 UTC): due Friday 2026-11-20 16:00 Berlin = 15:00 UTC.
  core::Millis monday = berlin.at(*berlin.parse_day("2026-11-16"), 9 * 60);
  EXPECT_EQ(berlin.datetime_string(monday), "2026-11-16 09:00");
  auto due = digest_due(berlin, friday_4pm(), monday);
  EXPECT_EQ(berlin.datetime_string(due), "2026-11-20 16:00");
  // A week starting on Sunday still puts Friday in the same week.
  core::Calendar sunday_weeks("UTC", 0);
  EXPECT_EQ(sunday_weeks.datetime_string(digest_due(sunday_weeks, friday_4pm(), monday)), "2026-11-20 16:00");
}

TEST(DigestDue, AcrossADstChange) {
  core::Calendar berlin("Europe/Berlin", 1);
  config::DigestConfig d = friday_4pm();
  d.day = "sunday";
  d.time = "09:30";
  // Week of Monday 2026-10-19: Sunday 2026-10-25 is the day clocks go back (CEST → CET).
  auto monday = berlin.at(*berlin.parse_day("2026-10-19"), 12 * 60);
  auto due = digest_due(berlin, d, monday);
  EXPECT_EQ(berlin.datetime_string(due), "2026-10-25 09:30") << "09:30 local, not shifted by the DST change";
}

class DigestTest : public ::testing::Test, protected testing::EngineHarness<core::ManualClock> {
 protected:
  DigestTest() : EngineHarness("brigade-digest") {
    // Tuesday 2026-11-17 10:00 UTC.
    clock_.set(calendar_.at(*calendar_.parse_day("2026-11-17"), 10 * 60));
    apply_all({thanks("s1", "carol", "alice", "for the release review"),
               thanks("s2", "dave", "alice", "for fixing the build"),
               thanks("s3", "carol", "bob", "for the coffee"),
               thanks("s4", "carol", "erin", "in another channel", "ops")});
  }
  std::size_t digests_in_outbox() {
    std::size_t n = 0;
    for (const auto& it : store_->read()->outbox(0))
      if (it.reply.plain().find("This week in recognition") != std::string::npos) ++n;
    return n;
  }
};

TEST_F(DigestTest, SaysWhoWasRecognisedAndWhatFor) {
  auto reply = digest_reply(*store_->read(), calendar_, "console:general",
                            calendar_.bucket(core::Period::week, clock_.now_ms()));
  auto text = reply.plain();
  EXPECT_NE(text.find("3 kudos"), std::string::npos) << text;
  EXPECT_NE(text.find("Most recognised: @alice (2), @bob (1)"), std::string::npos) << text;
  EXPECT_NE(text.find("“for fixing the build” — @dave to @alice"), std::string::npos) << text;
  EXPECT_EQ(text.find("erin"), std::string::npos) << "another channel's kudos stay there";
  EXPECT_FALSE(reply.ping);
  EXPECT_EQ(reply.channel, "console:general");
  bool mentions_alice = false;
  for (const auto& s : reply.body) mentions_alice |= s.user_id == "console:alice";
  EXPECT_TRUE(mentions_alice) << "names render as mentions (without a ping)";
}

TEST_F(DigestTest, LeavesOutHiddenPeopleAndWithdrawnKudos) {
  {
    auto w = store_->write();
    w->set_privacy("console:alice", store::Privacy::hidden);
    w->revoke_kudos(w->seen_kudos("s3").at(0));  // carol's thanks to bob, taken back
    w->commit();
  }
  auto text = digest_reply(*store_->read(), calendar_, "console:general",
                           calendar_.bucket(core::Period::week, clock_.now_ms()))
                  .plain();
  EXPECT_NE(text.find("2 kudos"), std::string::npos) << "the withdrawn one is not counted: " << text;
  EXPECT_EQ(text.find("alice"), std::string::npos) << "a hidden person is never named: " << text;
  EXPECT_EQ(text.find("coffee"), std::string::npos) << "a withdrawn kudos is not quoted: " << text;
}

TEST_F(DigestTest, PostsOncePerWeekAndChannelAcrossRestarts) {
  auto due = digest_due(calendar_, friday_4pm(), clock_.now_ms());
  {
    Committer c(*store_, rules_, clock_, metrics_);
    DigestScheduler d(friday_4pm(), *store_, c, clock_);
    EXPECT_EQ(d.tick(), 0u) << "Tuesday: not yet";
    clock_.set(due - 1);
    EXPECT_EQ(d.tick(), 0u);
    clock_.set(due);
    EXPECT_EQ(d.tick(), 2u) << "both channels at the scheduled minute";
    EXPECT_EQ(d.tick(), 0u);
  }
  {  // a restart within the same minute
    Committer c(*store_, rules_, clock_, metrics_);
    DigestScheduler d(friday_4pm(), *store_, c, clock_);
    clock_.set(due + 30'000);
    EXPECT_EQ(d.tick(), 0u);
    clock_.set(due + 2 * 86400000LL);  // Sunday, same week
    EXPECT_EQ(d.tick(), 0u);
  }
  EXPECT_EQ(digests_in_outbox(), 2u);
  {  // the next week's Friday
    Committer c(*store_, rules_, clock_, metrics_);
    DigestScheduler d(friday_4pm(), *store_, c, clock_);
    clock_.set(due + 7 * 86400000LL);
    EXPECT_EQ(d.tick(), 2u);
  }
  EXPECT_EQ(digests_in_outbox(), 4u);
}

TEST_F(DigestTest, TwoSchedulersRacingPostOnce) {
  Committer c(*store_, rules_, clock_, metrics_);
  DigestScheduler a(friday_4pm(), *store_, c, clock_), b(friday_4pm(), *store_, c, clock_);
  clock_.set(digest_due(calendar_, friday_4pm(), clock_.now_ms()));
  std::size_t n = 0;
  std::thread t([&] { n += a.tick(); });
  std::size_t m = b.tick();
  t.join();
  EXPECT_EQ(n + m, 2u);
  EXPECT_EQ(digests_in_outbox(), 2u);
}

TEST_F(DigestTest, DisabledDoesNothing) {
  auto cfg = friday_4pm();
  cfg.enabled = false;
  Committer c(*store_, rules_, clock_, metrics_);
  DigestScheduler d(cfg, *store_, c, clock_);
  clock_.set(digest_due(calendar_, cfg, clock_.now_ms()) + 1000);
  EXPECT_EQ(d.tick(), 0u);
}

}  // namespace
}  // namespace brigade::bot
