// Summaries against hand-computed expectations: range, users, channel and both filters.
#include <gtest/gtest.h>

#include "store/store.hpp"
#include "tests/unit/store_test_util.hpp"

namespace brigade::store {
namespace {

using namespace testing;

class StoreSummary : public ::testing::Test {
 protected:
  void SetUp() override {
    s_ = open_store(dir_);
    auto w = s_->write();
    w->set_name(user("bob"), "Bob B.");
    auto put = [&](Kudos k) { return w->add_kudos(k); };
    k1_ = put(make("alice", "bob", "eng", kNov01 + 1 * kDay, Kind::thanks, "fixed the build", {"teamwork"}));
    k2_ = put(make("carol", "bob", "ops", kNov01 + 2 * kDay, Kind::praise, "", {"teamwork", "speed"}));
    k3_ = put(make("bob", "alice", "eng", kNov01 + 3 * kDay, Kind::help, "debugged the VPN"));
    k4_ = put(make("dave", "carol", "eng", kNov01 + 4 * kDay, Kind::thanks, "", {"speed"}));
    k5_ = put(make("alice", "carol", "ops", kNov01 + 5 * kDay));
    put(make("alice", "bob", "eng", kNov01 - 2 * kDay));  // October: outside
    put(make("bob", "dave", "eng", kDec01));              // December: outside (until is exclusive)
    w->revoke_kudos(k5_);
    w->commit();
  }

  Summary run(std::vector<std::string> users = {}, std::string channel = "", Millis from = kNov01,
              Millis until = kDec01, std::size_t max_reasons = 50) {
    SummaryQuery q;
    q.from = from;
    q.until = until;
    q.users = std::move(users);
    q.channel = std::move(channel);
    q.max_reasons = max_reasons;
    return s_->read()->summary(q);
  }

  static std::vector<std::string> order(const Summary& s) {
    std::vector<std::string> v;
    for (const auto& p : s.people) v.push_back(p.user);
    return v;
  }

  TempDir dir_;
  std::unique_ptr<Store> s_;
  std::uint64_t k1_ = 0, k2_ = 0, k3_ = 0, k4_ = 0, k5_ = 0;
};

TEST_F(StoreSummary, WholeWorkspaceForAMonth) {
  auto s = run();
  EXPECT_EQ(s.from, kNov01);
  EXPECT_EQ(s.until, kDec01);
  EXPECT_EQ(s.total, 4u);  // the revoked one and the ones outside the range do not count
  EXPECT_EQ(order(s), (std::vector<std::string>{user("bob"), user("alice"), user("carol"), user("dave")}));

  const auto& bob = s.people[0];
  EXPECT_EQ(bob.name, "Bob B.");
  EXPECT_EQ(bob.received, 2u);
  EXPECT_EQ(bob.given, 1u);
  EXPECT_EQ(bob.received_by_kind[static_cast<std::size_t>(Kind::thanks)], 1u);
  EXPECT_EQ(bob.received_by_kind[static_cast<std::size_t>(Kind::praise)], 1u);
  EXPECT_EQ(bob.given_by_kind[static_cast<std::size_t>(Kind::help)], 1u);
  EXPECT_EQ(bob.helps_resolved, 0u);
  EXPECT_EQ(bob.values, (std::vector<std::pair<std::string, std::uint32_t>>{{"teamwork", 2}, {"speed", 1}}));
  ASSERT_EQ(bob.reasons.size(), 2u);
  EXPECT_EQ(bob.reasons[0].id, k2_);  // newest first, including kudos without a reason
  EXPECT_EQ(bob.reasons[0].giver, user("carol"));
  EXPECT_EQ(bob.reasons[1].id, k1_);
  EXPECT_EQ(bob.reasons[1].reason, "fixed the build");

  const auto& alice = s.people[1];
  EXPECT_EQ(alice.received, 1u);
  EXPECT_EQ(alice.given, 1u);  // the revoked kudos to carol is gone
  EXPECT_EQ(alice.helps_resolved, 1u);
  EXPECT_EQ(alice.name, "");

  const auto& carol = s.people[2];
  EXPECT_EQ(carol.received, 1u);
  EXPECT_EQ(carol.given, 1u);
  EXPECT_EQ(carol.values, (std::vector<std::pair<std::string, std::uint32_t>>{{"speed", 1}}));

  const auto& dave = s.people[3];
  EXPECT_EQ(dave.received, 0u);
  EXPECT_EQ(dave.given, 1u);
  EXPECT_TRUE(dave.reasons.empty());
}

TEST_F(StoreSummary, ChannelFilter) {
  auto s = run({}, chan("eng"));
  EXPECT_EQ(s.total, 3u);
  EXPECT_EQ(order(s), (std::vector<std::string>{user("alice"), user("bob"), user("carol"), user("dave")}));
  EXPECT_EQ(s.people[1].received, 1u);
  EXPECT_EQ(s.people[1].given, 1u);
  EXPECT_EQ(s.people[2].received, 1u);
  EXPECT_EQ(s.people[2].given, 0u);
  EXPECT_EQ(run({}, chan("ops")).total, 1u);
  EXPECT_EQ(run({}, chan("nowhere")).total, 0u);
}

TEST_F(StoreSummary, UsersFilterKeepsOnlyThosePeople) {
  auto s = run({user("bob")});
  EXPECT_EQ(s.total, 3u);  // k1, k2 received, k3 given
  ASSERT_EQ(order(s), std::vector<std::string>{user("bob")});
  EXPECT_EQ(s.people[0].received, 2u);
  EXPECT_EQ(s.people[0].given, 1u);

  auto two = run({user("alice"), user("bob"), user("bob")});
  EXPECT_EQ(two.total, 3u);  // k1 counted once although both are in it
  EXPECT_EQ(order(two), (std::vector<std::string>{user("bob"), user("alice")}));
  EXPECT_EQ(two.people[1].given, 1u);

  auto ghosts = run({user("nobody")});
  EXPECT_EQ(ghosts.total, 0u);
  EXPECT_TRUE(ghosts.people.empty());
}

TEST_F(StoreSummary, UsersAndChannelTogether) {
  auto s = run({user("bob")}, chan("eng"));
  EXPECT_EQ(s.total, 2u);
  ASSERT_EQ(s.people.size(), 1u);
  EXPECT_EQ(s.people[0].received, 1u);
  EXPECT_EQ(s.people[0].given, 1u);
  EXPECT_EQ(s.people[0].reasons.at(0).id, k1_);
}

TEST_F(StoreSummary, RangeAndReasonCap) {
  auto s = run({}, "", kNov01 + 2 * kDay, kNov01 + 4 * kDay);  // k2 and k3
  EXPECT_EQ(s.total, 2u);
  // bob received 1 and gave 1, alice received 1, carol gave 1
  EXPECT_EQ(order(s), (std::vector<std::string>{user("bob"), user("alice"), user("carol")}));
  auto capped = run({user("bob")}, "", kNov01, kDec01, 1);
  ASSERT_EQ(capped.people.at(0).reasons.size(), 1u);
  EXPECT_EQ(capped.people[0].reasons[0].id, k2_);
  EXPECT_TRUE(run({}, "", kDec01, kNov01).people.empty());
  auto none = run({user("bob")}, "", kNov01, kDec01, 0);
  EXPECT_TRUE(none.people.at(0).reasons.empty());
}

TEST_F(StoreSummary, InsideTheWriteTransactionToo) {
  auto w = s_->write();
  auto k = make("erin", "bob", "eng", kNov01 + 10 * kDay);
  w->add_kudos(k);
  SummaryQuery q;
  q.from = kNov01;
  q.until = kDec01;
  q.users = {user("bob")};
  EXPECT_EQ(w->summary(q).people.at(0).received, 3u);
  EXPECT_EQ(run({user("bob")}).people.at(0).received, 2u);  // readers do not see it before commit
}

}  // namespace
}  // namespace brigade::store
