// The Slack adapter's people events: a deactivated account (user_change with deleted: true) is
// gone, a reactivated one or a newcomer (team_join) is back, under the id commands give them.
#include <gtest/gtest.h>

#include <functional>

#include <nlohmann/json.hpp>

#include "adapters/slack/directory.hpp"
#include "adapters/slack/frame.hpp"
#include "adapters/slack/router.hpp"
#include "tests/unit/slack_test.hpp"

namespace brigade::slack {
namespace {

using nlohmann::json;

using test::me;

json fixture(const std::string& name) {
  return test::fixture_json(name);
}

// The fixture's user_change (dave deactivated), with `edit` applied to the envelope first.
Frame user_change(const std::function<void(json&)>& edit = {}) {
  json env = fixture("slack_envelope_events_api_user_change.json");
  if (edit) edit(env);
  return parse_frame(env.dump());
}

TEST(SlackPeople, DeactivatedAccountIsGone) {
  auto f = user_change();
  auto c = person_change(f, me());
  ASSERT_TRUE(c);
  EXPECT_TRUE(c->gone);
  EXPECT_EQ(c->user, "slack:T000TEST:U00000DAVE");  // as commands qualify people
  // The directory takes the new user object: mentions see the account as deactivated.
  Directory dir;
  ASSERT_TRUE(dir.add_user(c->profile));
  ASSERT_TRUE(dir.user("U00000DAVE"));
  EXPECT_TRUE(dir.user("U00000DAVE")->deleted);
  EXPECT_EQ(dir.user("U00000DAVE")->name, "dave");
}

TEST(SlackPeople, ReactivatedAccountAndNewcomerAreBack) {
  auto c =
      person_change(user_change([](json& e) { e["payload"]["event"]["user"]["deleted"] = false; }), me());
  ASSERT_TRUE(c);
  EXPECT_FALSE(c->gone);
  EXPECT_EQ(c->user, "slack:T000TEST:U00000DAVE");
  auto joined = person_change(user_change([](json& e) {
                                e["payload"]["event"]["type"] = "team_join";
                                e["payload"]["event"]["user"].erase("deleted");
                              }),
                              me());
  ASSERT_TRUE(joined);
  EXPECT_FALSE(joined->gone);
}

TEST(SlackPeople, TheTeamIsThePayloadsThenTheUsersThenBrigades) {
  auto c = person_change(user_change([](json& e) { e["payload"]["event"]["user"]["team_id"] = "T0000HOME"; }),
                         me());
  ASSERT_TRUE(c);
  EXPECT_EQ(c->user, "slack:T000TEST:U00000DAVE");
  c = person_change(user_change([](json& e) { e["payload"].erase("team_id"); }), me());
  ASSERT_TRUE(c);
  EXPECT_EQ(c->user, "slack:T000TEST:U00000DAVE");
  c = person_change(user_change([](json& e) {
                      e["payload"].erase("team_id");
                      e["payload"]["event"]["user"].erase("team_id");
                    }),
                    me());
  ASSERT_TRUE(c);
  EXPECT_EQ(c->user, "slack:T000TEST:U00000DAVE");
}

TEST(SlackPeople, BotsBrigadeAndUnclearChangesSayNothing) {
  auto set = [](const char* key, json value) {
    return [key, value](json& e) { e["payload"]["event"]["user"][key] = value; };
  };
  EXPECT_FALSE(person_change(user_change(set("is_bot", true)), me()));
  EXPECT_FALSE(person_change(user_change(set("is_app_user", true)), me()));
  EXPECT_FALSE(person_change(user_change(set("id", "U00BRIGADE")), me()));
  EXPECT_FALSE(person_change(user_change(set("id", "USLACKBOT")), me()));
  EXPECT_FALSE(person_change(user_change(set("id", "")), me()));
  EXPECT_FALSE(person_change(user_change(set("deleted", "yes")), me()));
  EXPECT_FALSE(
      person_change(user_change([](json& e) { e["payload"]["event"]["user"].erase("deleted"); }), me()))
      << "a user_change without the flag cannot tell";
  EXPECT_FALSE(
      person_change(user_change([](json& e) { e["payload"]["event"]["user"] = "U00000DAVE"; }), me()));
  EXPECT_FALSE(person_change(
      user_change([](json& e) { e["payload"]["event"]["type"] = "user_status_changed"; }), me()));
  EXPECT_FALSE(person_change(user_change([](json& e) { e["payload"]["type"] = "app_rate_limited"; }), me()));
  EXPECT_FALSE(person_change(user_change([](json& e) { e["type"] = "slash_commands"; }), me()));
}

TEST(SlackPeople, OtherEnvelopesAreLeftToTheRouter) {
  auto mention = parse_frame(fixture("slack_envelope_events_api_app_mention.json").dump());
  EXPECT_FALSE(person_change(mention, me()));
  EXPECT_EQ(route(mention, me()).kind, Action::Kind::command);
  // What person_change declines, the router acks without action.
  EXPECT_EQ(route(user_change(), me()).kind, Action::Kind::ignore);
}

}  // namespace
}  // namespace brigade::slack
