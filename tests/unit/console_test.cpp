// The console adapter without a terminal: how a line becomes a command event (mentions, channels,
// source ids, identity changes) and how replies are rendered.
#include <gtest/gtest.h>

#include <sstream>

#include "adapters/console/console_adapter.hpp"
#include "tests/unit/bot_test.hpp"  // note()

namespace brigade::bot {
namespace {

using testing::note;

TEST(ConsoleParse, MentionsBecomeSpansWithQualifiedIds) {
  std::ostringstream out;
  console::ConsoleAdapter a(out, {"alice", "general", {"brigade"}});
  auto line = a.parse_line("  /thanks @Bob, @zoë and @brigade for it.  ");
  ASSERT_EQ(line.kind, console::Line::Kind::command);
  const auto& e = line.event;
  EXPECT_EQ(e.command, "thanks");
  EXPECT_EQ(e.user.id, "console:alice");
  EXPECT_EQ(e.channel.id, "console:general");
  ASSERT_EQ(e.mentions.size(), 3u);
  EXPECT_EQ(e.mentions[0].user.id, "console:bob");
  EXPECT_EQ(e.mentions[0].user.name, "Bob");
  EXPECT_EQ(e.text.substr(e.mentions[0].pos, e.mentions[0].len), "@Bob");
  EXPECT_EQ(e.mentions[1].user.name, "zoë");
  EXPECT_TRUE(e.mentions[2].user.is_bot);
}

TEST(ConsoleParse, HashIsAChannelOnlyForKudos) {
  std::ostringstream out;
  console::ConsoleAdapter a(out, {});
  auto t = a.parse_line("/thanks @bob for it #teamwork");
  EXPECT_EQ(t.event.mentions.size(), 1u);
  auto k = a.parse_line("!kudos summary #ops");
  ASSERT_EQ(k.event.mentions.size(), 1u);
  EXPECT_EQ(k.event.mentions[0].channel.id, "console:ops");
}

TEST(ConsoleParse, SourceIdsAreUniquePerLine) {
  std::ostringstream out;
  console::ConsoleAdapter a(out, {});
  auto x = a.parse_line("/kudos");
  auto y = a.parse_line("/kudos");
  EXPECT_NE(x.event.source_id, y.event.source_id);
}

TEST(ConsoleParse, MetaCommandsChangeIdentity) {
  std::ostringstream out;
  console::ConsoleAdapter a(out, {"alice", "general", {}});
  EXPECT_EQ(a.parse_line("/as @carol").kind, console::Line::Kind::meta);
  EXPECT_EQ(a.parse_line("/channel #ops").kind, console::Line::Kind::meta);
  EXPECT_EQ(a.parse_line("/thanks @bob").event.user.id, "console:carol");
  EXPECT_EQ(a.prompt(), "carol in #ops> ");
  EXPECT_EQ(a.parse_line("/quit").kind, console::Line::Kind::quit);
  EXPECT_EQ(a.parse_line("   ").kind, console::Line::Kind::empty);
}

TEST(ConsoleRender, PrivateAndPublicAreDistinct) {
  std::ostringstream out;
  console::ConsoleAdapter a(out, {});
  store::OutboxItem pub;
  pub.reply = note("hi all");
  store::OutboxItem priv;
  priv.reply = note("just you\nsecond line");
  priv.reply.audience = core::Audience::private_;
  priv.reply.user = "console:alice";
  int sent = 0;
  a.deliver(pub, [&](Delivery d) { sent += d.status == Delivery::Status::sent; });
  a.deliver(priv, [&](Delivery d) { sent += d.status == Delivery::Status::sent; });
  EXPECT_EQ(sent, 2);
  EXPECT_EQ(out.str(), "[#general] hi all\n[private to alice] just you\n                   second line\n");
}

// A terminal has no Home page and no buttons: a Home view is answered as delivered and not shown;
// a reply's buttons are left out (its text says what to type).
TEST(ConsoleRender, HomeViewsAreNotShownAndButtonsAreLeftOut) {
  std::ostringstream out;
  console::ConsoleAdapter a(out, {});
  store::OutboxItem home;
  home.reply = note("📥 Received: 3 this week");
  home.reply.audience = core::Audience::home;
  home.reply.user = "console:alice";
  home.reply.buttons.push_back(
      core::Button{"kudos.give", "Give kudos", "", "", core::Button::Style::primary});
  store::OutboxItem post;
  post.reply = note("🙋 Help request #1 from @alice: help — reply with /ask take 1");
  post.reply.buttons.push_back(
      core::Button{"ask.take", "I'll take it", "1", "✋", core::Button::Style::primary});
  std::vector<Delivery::Status> answers;
  a.deliver(home, [&](Delivery d) { answers.push_back(d.status); });
  a.deliver(post, [&](Delivery d) { answers.push_back(d.status); });
  EXPECT_EQ(answers, (std::vector<Delivery::Status>{Delivery::Status::sent, Delivery::Status::sent}));
  EXPECT_EQ(out.str(), "[#general] 🙋 Help request #1 from @alice: help — reply with /ask take 1\n");
}

}  // namespace
}  // namespace brigade::bot
