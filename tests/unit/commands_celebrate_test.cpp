// What /thanks and /praise say once recorded (the celebration laid out, the link it is about, the
// recipients told directly) and which part of the command each refusal is about (Result::field).
#include "tests/unit/commands_test.hpp"

namespace brigade::commands::testing {
namespace {

using core::Audience;
using core::Block;

class CelebrateTest : public CommandsTest {
 protected:
  std::vector<const core::Reply*> directs(const Result& r) {
    std::vector<const core::Reply*> out;
    for (const auto& reply : r.replies)
      if (reply.audience == Audience::direct) out.push_back(&reply);
    return out;
  }
  // The field of a refusal (or usage answer) of `command text` from `from`; nothing recorded.
  Field field_of(const std::string& command, const std::string& text, const core::UserRef& from = kAlice) {
    const auto before = kudos_count();
    auto r = cmd(command, text, kNov18Ten, from);
    EXPECT_TRUE(r.outcome == Outcome::refused || r.outcome == Outcome::usage) << command << " " << text;
    EXPECT_EQ(kudos_count(), before);
    return r.field;
  }
};

TEST_F(CelebrateTest, TheCelebrationIsASectionWithItsNumbersInAContextLine) {
  auto r = cmd("thanks", "@bob and @carol for the review #teamwork");
  const auto* pub = find(r, Audience::channel);
  ASSERT_NE(pub, nullptr);
  EXPECT_EQ(pub->tag, "kudos:" + std::to_string(r.kudos_ids.at(0)));
  ASSERT_EQ(pub->blocks.size(), 2u);
  EXPECT_EQ(pub->blocks[0].kind, Block::Kind::section);
  core::Reply section;
  section.body = pub->blocks[0].text;
  EXPECT_EQ(section.plain(), pub->plain()) << "the section is the whole celebration";
  EXPECT_TRUE(mentions(section, "console:bob"));
  EXPECT_EQ(pub->blocks[1].kind, Block::Kind::context);
  ASSERT_EQ(pub->blocks[1].text.size(), 1u);
  EXPECT_EQ(pub->blocks[1].text[0].text, "K1–K2");
  EXPECT_TRUE(pub->buttons.empty());
}

// Without a reason limit a celebration may not fit one Slack block: then it is the message alone.
TEST_F(CelebrateTest, ACelebrationTooLongForABlockIsLeftPlain) {
  rules_.max_reason_length = 0;
  auto r = cmd("thanks", "@bob for " + std::string(3000, 'x'));
  ASSERT_EQ(r.outcome, Outcome::ok);
  const auto* pub = find(r, Audience::channel);
  ASSERT_NE(pub, nullptr);
  EXPECT_TRUE(pub->blocks.empty());
  EXPECT_NE(pub->plain().find(std::string(3000, 'x')), std::string::npos);
}

TEST_F(CelebrateTest, TheMessageThankedForIsLinked) {
  auto e = make_event("thanks", "@bob for this fix", {kBob});
  e.link = "https://example.slack.com/archives/C1/p1700000000000100";
  auto r = run(e);
  ASSERT_EQ(r.outcome, Outcome::ok);
  const auto* pub = find(r, Audience::channel);
  ASSERT_NE(pub, nullptr);
  EXPECT_EQ(pub->plain(),
            "🎉 @alice thanked @bob for this fix — bob's first this week\n"
            "↪ https://example.slack.com/archives/C1/p1700000000000100");
  EXPECT_EQ(pub->blocks.back().text.at(0).text,
            "K1 · ↪ https://example.slack.com/archives/C1/p1700000000000100");
  EXPECT_EQ(store_->read()->kudos(r.kudos_ids.at(0))->reason, "for this fix") << "the link is not stored";
}

TEST_F(CelebrateTest, RecipientsAreToldDirectlyOnlyWhenConfigured) {
  auto quiet = cmd("thanks", "@bob for the review");
  EXPECT_TRUE(directs(quiet).empty());

  rules_.recipient_dm = true;
  auto r = cmd("thanks", "@bob and @carol for the review #teamwork", kNov18Ten + kMinute);
  ASSERT_EQ(r.outcome, Outcome::ok);
  const auto notes = directs(r);
  ASSERT_EQ(notes.size(), 2u);
  const std::string tag = "kudos:" + std::to_string(r.kudos_ids.at(0));
  EXPECT_EQ(find(r, Audience::channel)->tag, tag);
  EXPECT_EQ(notes[0]->user, "console:bob");
  EXPECT_EQ(notes[1]->user, "console:carol");
  for (const auto* n : notes) {
    EXPECT_EQ(n->channel, "console:general");
    EXPECT_EQ(n->link_to, tag) << "links to the celebration";
    EXPECT_FALSE(n->ping);
    EXPECT_TRUE(mentions(*n, "console:alice"));
  }
  EXPECT_EQ(notes[0]->plain(), "🎉 @alice thanked you in #general for the review #teamwork (K2)");
  EXPECT_EQ(notes[1]->plain(), "🎉 @alice thanked you in #general for the review #teamwork (K3)");
  // The giver's own confirmation is unchanged and still the one private reply.
  EXPECT_NE(text(r, Audience::private_).find("Thanks recorded for @bob and @carol"), std::string::npos);
}

TEST_F(CelebrateTest, PraiseIsToldDirectlyTooWithTheLink) {
  rules_.recipient_dm = true;
  auto e = make_event("praise", "@bob shipped the migration early", {kBob});
  e.link = "https://example.slack.com/archives/C1/p1";
  auto r = run(e);
  const auto notes = directs(r);
  ASSERT_EQ(notes.size(), 1u);
  EXPECT_EQ(notes[0]->plain(),
            "📣 @alice praised you in #general: shipped the migration early (K1)\n"
            "↪ https://example.slack.com/archives/C1/p1");
}

// Someone hidden from rankings still hears it; nobody is told about a refused command.
TEST_F(CelebrateTest, HiddenPeopleAreToldAndRefusalsTellNobody) {
  rules_.recipient_dm = true;
  cmd("kudos", "privacy hidden", kNov18Ten, kBob);
  EXPECT_EQ(directs(cmd("thanks", "@bob for the docs")).size(), 1u);
  cmd("kudos", "privacy off", kNov18Ten, kCarol);
  EXPECT_TRUE(directs(cmd("thanks", "@carol for the docs")).empty());
  EXPECT_TRUE(directs(cmd("thanks", "@bob @brigade for the docs")).empty());
}

TEST_F(CelebrateTest, EveryRefusalSaysWhichFieldItIsAbout) {
  rules_.max_recipients = 2;
  rules_.max_reason_length = 20;
  rules_.values = {"teamwork", "craft"};
  EXPECT_EQ(field_of("thanks", "for nothing"), Field::recipients) << "nobody named";
  EXPECT_EQ(field_of("thanks", "@alice for me"), Field::recipients) << "self";
  EXPECT_EQ(field_of("thanks", "@brigade for the bot"), Field::recipients) << "bot";
  EXPECT_EQ(field_of("thanks", "@erin for the past"), Field::recipients) << "gone";
  EXPECT_EQ(field_of("thanks", "@bob @carol @dave for it"), Field::recipients) << "too many";
  EXPECT_EQ(field_of("thanks", "@bob for a reason far longer than twenty"), Field::reason);
  EXPECT_EQ(field_of("praise", "@bob"), Field::reason) << "praise needs a message";
  EXPECT_EQ(field_of("thanks", "@bob for it #speed"), Field::values) << "not one of ours";
  rules_.values_required = true;
  EXPECT_EQ(field_of("thanks", "@bob for it"), Field::values) << "a value is required";
  EXPECT_EQ(field_of("thanks", ""), Field::none) << "the usage is about the whole command";
  rules_.values_required = false;

  cmd("kudos", "privacy off", kNov18Ten, kDave);
  EXPECT_EQ(field_of("thanks", "@dave for it"), Field::recipients) << "turned Brigade off";
  EXPECT_EQ(field_of("thanks", "@bob for it", kDave), Field::none) << "the giver turned it off";

  rules_.allowance = 1;
  ASSERT_EQ(cmd("thanks", "@bob for it").outcome, Outcome::ok);
  EXPECT_EQ(field_of("thanks", "@carol for it"), Field::recipients) << "allowance spent";
  rules_.allowance = 5;
  rules_.max_per_recipient = 1;
  EXPECT_EQ(field_of("thanks", "@bob for more"), Field::recipients) << "most one person can get";

  auto e = make_event("thanks", "@carol for it", {kCarol});
  e.channel = core::ChannelRef{};  // a form whose conversation was left empty
  e.form = true;
  auto r = run(e);
  EXPECT_EQ(r.outcome, Outcome::refused);
  EXPECT_EQ(r.field, Field::channel);
}

}  // namespace
}  // namespace brigade::commands::testing
