// The Matrix adapter's reaction buttons without I/O: which reactions a notice gets and their txnIds,
// reactions on a help request's notice read as `ask take|done`, links to other messages, and
// replies Matrix drops (Home views).
#include <gtest/gtest.h>

#include "adapters/matrix/api.hpp"
#include "adapters/matrix/buttons.hpp"
#include "adapters/matrix/events.hpp"

namespace brigade::matrix {
namespace {

using nlohmann::json;

const std::string kRoom = "!TeamRoomOpaqueId:example.org";
const std::string kHand = "\xE2\x9C\x8B";              // ✋
const std::string kCheck = "\xE2\x9C\x85";             // ✅
const std::string kVs16 = "\xEF\xB8\x8F";              // U+FE0F
const std::string kMediumSkin = "\xF0\x9F\x8F\xBD";    // 🏽

Identity bot() {
  Identity me;
  me.user_id = "@brigade:example.org";
  return me;
}

json reaction(const std::string& key, const std::string& sender = "@bob:example.org",
              const std::string& target = "$notice", const std::string& id = "$r1") {
  json ev = json::object();
  ev["type"] = "m.reaction";
  ev["event_id"] = id;
  ev["sender"] = sender;
  ev["origin_server_ts"] = 1767268860000;
  ev["content"]["m.relates_to"]["rel_type"] = "m.annotation";
  ev["content"]["m.relates_to"]["event_id"] = target;
  ev["content"]["m.relates_to"]["key"] = key;
  return ev;
}

core::Button button(const std::string& action, const std::string& reaction) {
  core::Button b;
  b.action = action;
  b.label = action;
  b.value = "7";
  b.reaction = reaction;
  return b;
}

// ---- the bot's own reactions -------------------------------------------------------------------------

TEST(MatrixButtons, EachButtonWithAReactionBecomesOneReactionWithATxnIdOfItsOwn) {
  core::Reply r;
  r.buttons = {button("ask.take", kHand), button("ask.cancel", ""), button("ask.done", kCheck)};
  auto rs = reaction_buttons(r, "brigade.abc.42");
  ASSERT_EQ(rs.size(), 2u) << "a button without a reaction is Slack's only";
  EXPECT_EQ(rs[0].key, kHand);
  EXPECT_EQ(rs[0].txn, "brigade.abc.42.r0");
  EXPECT_EQ(rs[1].key, kCheck);
  EXPECT_EQ(rs[1].txn, "brigade.abc.42.r2") << "named by the button's index: the same after a restart";
  EXPECT_EQ(reaction_buttons(r, "brigade.abc.42.new")[0].txn, "brigade.abc.42.new.r0");

  r.buttons.push_back(button("ask.done", kCheck + kVs16));  // the same key once more: the server takes one
  EXPECT_EQ(reaction_buttons(r, "t").size(), 2u);
  EXPECT_TRUE(reaction_buttons(core::Reply{}, "t").empty());
}

TEST(MatrixButtons, AReactionIsAnAnnotationOfTheNotice) {
  json c = reaction_content("$notice", kHand);
  EXPECT_EQ(c["m.relates_to"]["rel_type"], "m.annotation");
  EXPECT_EQ(c["m.relates_to"]["event_id"], "$notice");
  EXPECT_EQ(c["m.relates_to"]["key"], kHand);
  EXPECT_EQ(c.size(), 1u) << c.dump();
}

// ---- clicks ------------------------------------------------------------------------------------------

TEST(MatrixButtons, AHandOnAHelpRequestTakesIt) {
  Directory dir;
  dir.set(kRoom, "@bob:example.org", "Bob");
  Parsed p = parse_event(reaction(kHand), kRoom, bot(), dir);
  ASSERT_EQ(p.kind, Parsed::Kind::reaction) << p.why;
  EXPECT_TRUE(is_button_reaction(p.key));
  read_reaction_button(p, "ask:7");
  ASSERT_EQ(p.kind, Parsed::Kind::command);
  EXPECT_EQ(p.event.command, "ask");
  EXPECT_EQ(p.event.text, "take 7");
  EXPECT_TRUE(p.event.mentions.empty());
  EXPECT_EQ(p.event.user.id, "matrix:@bob:example.org") << "the reactor's own command";
  EXPECT_EQ(p.event.user.name, "Bob");
  EXPECT_EQ(p.event.channel.id, "matrix:" + kRoom);
  EXPECT_EQ(p.event.source_id, "matrix:$r1") << "a redelivered reaction is the same command";
  EXPECT_EQ(p.event.reply_to, "$notice") << "a refusal is threaded to the notice";
  EXPECT_EQ(p.event.ts_ms, 1767268860000);
}

TEST(MatrixButtons, ACheckMarksItDoneWithOrWithoutTheVariationSelector) {
  for (const std::string& key : {kCheck, kCheck + kVs16}) {
    Parsed p = parse_event(reaction(key), kRoom, bot(), Directory{});
    ASSERT_EQ(p.kind, Parsed::Kind::reaction) << p.why;
    read_reaction_button(p, "ask:12");
    ASSERT_EQ(p.kind, Parsed::Kind::command);
    EXPECT_EQ(p.event.text, "done 12");
  }
  Parsed hand = parse_event(reaction(kHand + kVs16), kRoom, bot(), Directory{});
  read_reaction_button(hand, "ask:3");
  EXPECT_EQ(hand.event.text, "take 3");
  Parsed toned = parse_event(reaction(kHand + kMediumSkin), kRoom, bot(), Directory{});
  read_reaction_button(toned, "ask:3");
  EXPECT_EQ(toned.event.text, "take 3") << "a skin tone is still the hand";
}

TEST(MatrixButtons, OtherReactionsOnAHelpRequestDoNothing) {
  Identity me = bot();
  Parsed pray = parse_event(reaction("🙏"), kRoom, me, Directory{});
  ASSERT_EQ(pray.kind, Parsed::Kind::reaction) << "the kudos reaction, as anywhere";
  read_reaction_button(pray, "ask:7");
  EXPECT_EQ(pray.kind, Parsed::Kind::ignore);
  EXPECT_FALSE(pray.why.empty());
  EXPECT_EQ(parse_event(reaction("👍"), kRoom, me, Directory{}).kind, Parsed::Kind::ignore);
  // The bot's own reactions (its buttons, echoed back by /sync) are never commands.
  EXPECT_EQ(parse_event(reaction(kHand, me.user_id), kRoom, me, Directory{}).kind, Parsed::Kind::ignore);
}

TEST(MatrixButtons, AButtonReactionElsewhereIsNoKudos) {
  Identity me = bot();
  Directory dir;
  for (const std::string tag : {"", "kudos:5", "ask:", "ask:x7", "digest:1"}) {
    Parsed p = parse_event(reaction(kHand), kRoom, me, dir);
    read_reaction_button(p, tag);
    ASSERT_EQ(p.kind, Parsed::Kind::reaction) << tag;
    EXPECT_FALSE(complete_reaction(p, "@alice:example.org", me, dir)) << tag;
    EXPECT_FALSE(p.why.empty());
  }
  // The kudos reaction keeps working on anyone's message.
  Parsed kudos = parse_event(reaction("🙏"), kRoom, me, dir);
  read_reaction_button(kudos, "");
  ASSERT_TRUE(complete_reaction(kudos, "@alice:example.org", me, dir)) << kudos.why;
  EXPECT_EQ(kudos.event.command, "thanks");
}

// When the kudos reaction is configured as ✋, a hand on a help request is still a click.
TEST(MatrixButtons, AClickWinsOverAKudosReactionWithTheSameKey) {
  Identity me = bot();
  me.reaction = kHand;
  Parsed p = parse_event(reaction(kHand), kRoom, me, Directory{});
  ASSERT_EQ(p.event.command, "thanks");
  read_reaction_button(p, "ask:4");
  EXPECT_EQ(p.event.command, "ask");
  EXPECT_EQ(p.event.text, "take 4");
}

// ---- links and what Matrix cannot show -------------------------------------------------------------

TEST(MatrixButtons, LinksToAnEventInARoom) {
  EXPECT_EQ(permalink("!r:example.org", "$abc"), "https://matrix.to/#/!r:example.org/$abc");
  EXPECT_EQ(permalink("!r:example.org", "$a/b+c?d#e f"), "https://matrix.to/#/!r:example.org/$a%2Fb+c%3Fd%23e%20f");
  core::Reply r;
  r.channel = "matrix:!r:example.org";
  EXPECT_EQ(link_for(r, "$abc"), "https://matrix.to/#/!r:example.org/$abc");
  EXPECT_EQ(link_for(r, ""), "");
  r.channel = "slack:T1:C1";
  EXPECT_EQ(link_for(r, "$abc"), "") << "not a Matrix room";
}

TEST(MatrixButtons, TheLinkEndsTheNoticeOnALineOfItsOwn) {
  core::Reply r;
  r.audience = core::Audience::direct;
  r.user = "matrix:@alice:example.org";
  r.body = core::BodyBuilder().text("Carol thanked you <3").take();
  const std::string link = "https://matrix.to/#/!r:example.org/$abc";
  json c = notice_content(r, true, link);
  EXPECT_EQ(c["body"], "Carol thanked you <3\n↪ " + link);
  EXPECT_EQ(c["formatted_body"], "Carol thanked you &lt;3<br>↪ <a href=\"" + link + "\">" + link + "</a>");
  EXPECT_EQ(notice_content(r, true)["body"], "Carol thanked you <3");
}

TEST(MatrixButtons, HomeViewsAreNotForMatrix) {
  core::Reply r;
  r.audience = core::Audience::home;
  EXPECT_FALSE(undeliverable(r).empty());
  for (auto a : {core::Audience::channel, core::Audience::private_, core::Audience::crosspost, core::Audience::direct}) {
    r.audience = a;
    EXPECT_EQ(undeliverable(r), "");
  }
}

}  // namespace
}  // namespace brigade::matrix
