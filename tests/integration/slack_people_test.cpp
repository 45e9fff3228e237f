// The real Slack adapter against the fake Slack: a user_change saying an account was deactivated
// hides that person from the rankings (history kept) before the envelope is acked; reactivated, or
// a team_join, shows them again.
#include <algorithm>

#include "tests/integration/slack_adapter_test.hpp"

namespace brigade::slack {
namespace {

using testing::event_envelope;
using testing::slash_envelope;

const std::string kDave = "slack:T000TEST:U00000DAVE";

nlohmann::json dave(bool deleted) {
  nlohmann::json u = {
      {"id", "U00000DAVE"}, {"team_id", "T000TEST"},
      {"name", "dave"},     {"deleted", deleted},
      {"is_bot", false},    {"profile", {{"display_name", "dave"}, {"real_name", "Dave Old"}}}};
  return u;
}

class SlackPeopleTest : public SlackAdapterTest {
 protected:
  bool gone(const std::string& user) { return store_->read()->person(user).gone; }
  bool on_board(const std::string& user) {
    auto r = store_->read();
    auto b = r->leaderboard("", core::Period::all, calendar_.bucket(core::Period::all, clock_.now_ms()), 10);
    return std::any_of(b.begin(), b.end(), [&](const auto& e) { return e.user == user; });
  }
};

TEST_F(SlackPeopleTest, ADeactivatedAccountLeavesTheRankingsAndComesBack) {
  start();
  ASSERT_TRUE(connected());
  fake_.send(0, slash_envelope("env-1", "thanks", "<@U00000DAVE|dave> <@U0000ALICE|alice> for the move"));
  ASSERT_TRUE(acked("env-1"));
  ASSERT_TRUE(on_board(kDave));

  nlohmann::json ev = {{"type", "user_change"}, {"user", dave(true)}, {"event_ts", "1767268900.000400"}};
  fake_.send(0, event_envelope("env-2", "EvGone1", ev));
  bool gone_at_ack = false;
  ASSERT_TRUE(fake_.wait([&] {
    if (count_acks("env-2") == 0) return false;
    gone_at_ack = gone(kDave);
    return true;
  }));
  EXPECT_TRUE(gone_at_ack) << "the ack must not leave before the change is durable";
  EXPECT_FALSE(on_board(kDave));
  EXPECT_TRUE(on_board(kAlice));
  EXPECT_EQ(received(kDave), 1u) << "his history stays";

  // Slack now reports him deactivated: thanking him is refused by name.
  fake_.send(0, slash_envelope("env-3", "thanks", "<@U00000DAVE|dave> for the notes"));
  ASSERT_TRUE(acked("env-3"));
  EXPECT_EQ(received(kDave), 1u);

  ev["user"] = dave(false);
  fake_.send(0, event_envelope("env-4", "EvBack1", ev));
  ASSERT_TRUE(acked("env-4"));
  EXPECT_FALSE(gone(kDave));
  EXPECT_TRUE(on_board(kDave));

  fake_.send(0, event_envelope("env-5", "EvGone2", {{"type", "user_change"}, {"user", dave(true)}}));
  ASSERT_TRUE(acked("env-5"));
  ASSERT_TRUE(gone(kDave));
  fake_.send(0, event_envelope("env-6", "EvJoin1", {{"type", "team_join"}, {"user", dave(false)}}));
  ASSERT_TRUE(acked("env-6"));
  EXPECT_FALSE(gone(kDave));
}

// A bot account's change, or one without the `deleted` flag, says nothing about a person: the
// envelope is acked all the same.
TEST_F(SlackPeopleTest, BotsAndUnclearChangesSayNothing) {
  start();
  ASSERT_TRUE(connected());
  fake_.send(0, slash_envelope("env-7", "thanks", "<@U00000DAVE|dave> for the move"));
  ASSERT_TRUE(acked("env-7"));
  auto bot = dave(true);
  bot["is_bot"] = true;
  fake_.send(0, event_envelope("env-8", "EvBot1", {{"type", "user_change"}, {"user", bot}}));
  auto unclear = dave(true);
  unclear.erase("deleted");
  fake_.send(0, event_envelope("env-9", "EvUnclear1", {{"type", "user_change"}, {"user", unclear}}));
  ASSERT_TRUE(acked("env-8"));
  ASSERT_TRUE(acked("env-9"));
  EXPECT_FALSE(gone(kDave));
  EXPECT_TRUE(on_board(kDave));
}

}  // namespace
}  // namespace brigade::slack
