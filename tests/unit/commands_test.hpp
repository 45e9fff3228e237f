// Shared fixture for the command tests: a real store in a scratch directory (on PostgreSQL under
// BRIGADE_TEST_STORE=postgresql), rules, a calendar, and checks that a refusal is one private
// reply and leaves the store untouched.
#pragma once

#include <gtest/gtest.h>

#include <memory>
#include <string>
#include <vector>

#include "commands/commands.hpp"
#include "core/calendar.hpp"
#include "store/store.hpp"
#include "tests/support/event_builder.hpp"
#include "tests/support/pg_test.hpp"
#include "tests/support/temp_dir.hpp"

namespace brigade::commands::testing {

using brigade::testing::make_event;
using core::Millis;

inline constexpr Millis kMinute = 60'000;
inline constexpr Millis kHour = 60 * kMinute;
inline constexpr Millis kDay = 24 * kHour;
inline constexpr Millis kNov18Ten = 1794996000000;   // 2026-11-18 10:00 UTC, a Wednesday
inline constexpr Millis kNov22Noon = 1795348800000;  // 2026-11-22 12:00 UTC, a Sunday
inline constexpr Millis kNov23Noon = 1795435200000;  // 2026-11-23 12:00 UTC, a Monday

inline const core::UserRef kAlice{"console:alice", "alice", false};
inline const core::UserRef kBob{"console:bob", "bob", false};
inline const core::UserRef kCarol{"console:carol", "carol", false};
inline const core::UserRef kDave{"console:dave", "dave", false};
inline const core::UserRef kBot{"console:brigade", "brigade", true};
inline const core::UserRef kGone{"console:erin", "erin", false, true};  // a deactivated account
inline const core::ChannelRef kOps{"console:ops", "ops"};

class CommandsTest : public ::testing::Test {
 protected:
  void SetUp() override { reopen("UTC", 1); }

  // A fresh calendar (zone, week start) over the same directory.
  void reopen(const std::string& tz, int week_start) {
    store_.reset();
    cal_ = std::make_unique<core::Calendar>(tz, week_start);
    store::Options o;
    if (brigade::testing::testing_postgres()) o.url = brigade::testing::test_store_url(dir_.path());
    o.dir = dir_.path();
    o.durable = false;
    o.map_size = std::size_t{1} << 30;
    store_ = store::Store::open(o, *cal_);
  }

  // Applies one command the way the committer does: its own transaction, committed whatever
  // the outcome, so a refusal that wrote anything would show.
  Result run(const core::Event& e, Millis now = kNov18Ten) {
    auto w = store_->write();
    Context ctx{rules_, *cal_, now};
    auto r = handle(e, *w, ctx);
    w->commit();
    return r;
  }

  // From alice in #general unless changed afterwards.
  Result cmd(const std::string& command, const std::string& text, Millis now = kNov18Ten,
             const core::UserRef& from = kAlice) {
    auto e = make_event(command, text, {kAlice, kBob, kCarol, kDave, kBot, kGone}, {kOps});
    e.user = from;
    return run(e, now);
  }

  std::uint64_t kudos_count() { return store_->read()->kudos_count(); }
  std::uint32_t quota_used(const std::string& user, Millis now = kNov18Ten) {
    return store_->read()->quota_used(user, cal_->day(now));
  }
  std::uint32_t received_this_week(const std::string& user, Millis now = kNov18Ten) {
    return store_->read()
        ->counts(user, "", core::Period::week, cal_->bucket(core::Period::week, now))
        .received;
  }

  // Every refusal: one private reply to the giver, in the channel, and nothing recorded.
  // Returns the reply's text for wording checks.
  std::string expect_refused(const std::string& command, const std::string& text, Millis now = kNov18Ten,
                             const core::UserRef& from = kAlice, Outcome expected = Outcome::refused) {
    const auto kudos_before = kudos_count();
    const auto quota_before = quota_used(from.id, now);
    const auto asks_before = store_->read()->open_asks("", 1000).size();
    auto r = cmd(command, text, now, from);
    EXPECT_EQ(r.outcome, expected) << command << " " << text;
    EXPECT_EQ(kudos_count(), kudos_before) << command << " " << text;
    EXPECT_EQ(quota_used(from.id, now), quota_before) << command << " " << text;
    EXPECT_EQ(store_->read()->open_asks("", 1000).size(), asks_before) << command << " " << text;
    EXPECT_TRUE(r.kudos_ids.empty());
    if (r.replies.size() != 1) {
      ADD_FAILURE() << "expected one reply to " << command << " " << text << ", got " << r.replies.size();
      return {};
    }
    const auto& reply = r.replies[0];
    EXPECT_EQ(reply.audience, core::Audience::private_);
    EXPECT_EQ(reply.user, from.id);
    EXPECT_EQ(reply.channel, "console:general");
    EXPECT_FALSE(reply.plain().empty());
    return reply.plain();
  }

  static const core::Reply* find(const Result& r, core::Audience a) {
    for (const auto& reply : r.replies)
      if (reply.audience == a) return &reply;
    return nullptr;
  }
  static std::string text(const Result& r, core::Audience a) {
    const auto* reply = find(r, a);
    return reply ? reply->plain() : std::string("<no such reply>");
  }
  static bool mentions(const core::Reply& r, const std::string& user_id) {
    for (const auto& s : r.body)
      if (s.user_id == user_id) return true;
    return false;
  }

  brigade::testing::TempDir dir_{"brigade-commands"};
  Rules rules_;
  std::unique_ptr<core::Calendar> cal_;
  std::unique_ptr<store::Store> store_;
};

}  // namespace brigade::commands::testing
