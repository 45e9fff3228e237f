// Golden JSON of every Slack view and message Brigade builds (tests/unit/fixtures/golden/*.json,
// reviewable in a diff), each checked against Slack's documented limits. After a deliberate
// change: BRIGADE_REWRITE_GOLDEN=1 ctest -R SlackGolden, then review the diff.
#include <gtest/gtest.h>

#include <cstdlib>
#include <fstream>

#include "adapters/slack/blocks.hpp"
#include "adapters/slack/modal.hpp"
#include "tests/unit/slack_test.hpp"

namespace brigade::slack {
namespace {

using nlohmann::json;
using K = core::Block::Kind;

const std::string kCarol = "slack:T000TEST:U0000CAROL", kAlice = "slack:T000TEST:U0000ALICE",
                  kBob = "slack:T000TEST:U000000BOB";

core::Block text_block(K kind, std::vector<core::Span> spans) {
  core::Block b;
  b.kind = kind;
  b.text = std::move(spans);
  return b;
}
core::Block text_block(K kind, const std::string& text) {
  return text_block(kind, core::BodyBuilder().text(text).take());
}

// What a message looks like on the wire: the text fallback and the blocks.
json message(const core::Reply& r, const std::string& permalink = "") {
  json m = json::object();
  m["text"] = message_text(r, permalink);
  m["blocks"] = message_blocks(r, permalink);
  return m;
}

core::Reply celebration() {
  core::Reply r;
  r.ping = true;
  r.body = core::BodyBuilder().text("🎉 ").mention(kCarol, "carol").text(" thanked ").mention(kAlice, "alice")
               .text(" and ").mention(kBob, "bob").text(" for the <release> review & the docs #teamwork").take();
  r.blocks = {text_block(K::section, r.body), text_block(K::context, "K12, K13 · #teamwork · via Brigade")};
  return r;
}

core::Reply leaderboard() {
  core::Reply r;
  r.audience = core::Audience::private_;
  r.body = core::BodyBuilder().text("Top 3 in #kudos this month: 1. ").mention(kAlice, "alice")
               .text(" 5 · 2. ").mention(kBob, "bob").text(" 3 · 3. ").mention(kCarol, "carol").text(" 1").take();
  r.blocks = {text_block(K::header, "Top this month in #kudos"),
              text_block(K::section, core::BodyBuilder().text("1. ").mention(kAlice, "alice").text(" — 5\n2. ")
                                         .mention(kBob, "bob").text(" — 3\n3. ").mention(kCarol, "carol")
                                         .text(" — 1").take())};
  r.buttons = {core::Button{"leaderboard.share", "Share in channel", "month", "", core::Button::Style::primary}};
  return r;
}

core::Reply ask_post() {
  core::Reply r;
  r.tag = "ask:7";
  r.body = core::BodyBuilder().text("🙋 ").mention(kCarol, "carol").text(" asks for help (#7): review the deploy script")
               .take();
  r.blocks = {text_block(K::section, r.body), text_block(K::context, "Open · asked 10:42")};
  r.buttons = {core::Button{"ask.take", "I'll take it", "7", "✋", core::Button::Style::primary},
               core::Button{"ask.done", "Mark done", "7", "✅", core::Button::Style::plain},
               core::Button{"ask.cancel", "Cancel", "7", "", core::Button::Style::danger}};
  return r;
}

core::Reply summary() {
  core::Reply r;
  r.body = core::BodyBuilder().text("This week: 14 kudos from 9 people to 11 people.").take();
  r.blocks = {text_block(K::header, "Weekly recognition digest"),
              text_block(K::section, "*14 kudos* from 9 people to 11 people"), text_block(K::divider, ""),
              text_block(K::section, core::BodyBuilder().text("Most thanked: ").mention(kAlice, "alice")
                                         .text(" (4)").take()),
              text_block(K::context, "Values: #teamwork 6 · #craft 4 · #customer 2")};
  return r;
}

core::Reply home() {
  core::Reply r;
  r.audience = core::Audience::home;
  r.user = kCarol;
  r.body = core::BodyBuilder().text("Your recognition").take();
  r.blocks = {text_block(K::header, "Your recognition"),
              text_block(K::section, "*Received* this week 3 · this month 9 · all time 41\n*Given* this week 2 · "
                                     "this month 7 · all time 30"),
              text_block(K::context, "Allowance: 3 of 5 left today, renews in 6 h"), text_block(K::divider, ""),
              text_block(K::section, core::BodyBuilder().text("*Latest kudos for you*\n").mention(kAlice, "alice")
                                         .text(": for the <on-call> handover").take()),
              text_block(K::section, core::BodyBuilder().text("*Top 5 in #kudos this week*\n1. ")
                                         .mention(kAlice, "alice").text(" — 5").take()),
              text_block(K::section, "*Your help requests*\n#7 review the deploy script — open")};
  r.buttons = {core::Button{"kudos.give", "Give kudos", "", "", core::Button::Style::primary}};
  return r;
}

json modal() {
  ModalRequest req;
  req.user = "U0000CAROL";
  req.author = "U0000ALICE";
  req.channel = "C0000KUDOS";
  ModalSettings s;
  s.values = {"teamwork", "craft", "customer"};
  ModalMeta meta;
  meta.channel = "C0000KUDOS";
  meta.link = "https://brigade-test.slack.com/archives/C0000KUDOS/p1767268860000200";
  return thanks_modal(req, s, meta);
}

// Every text object within Slack's limit, wherever it is.
void check_texts(const json& j, const std::string& name) {
  if (j.is_object()) {
    if (j.contains("type") && (j["type"] == "mrkdwn" || j["type"] == "plain_text") && j.contains("text")) {
      EXPECT_LE(j["text"].get<std::string>().size(), kMaxTextChars) << name;
    }
    for (const auto& [k, v] : j.items()) check_texts(v, name);
  } else if (j.is_array()) {
    for (const auto& v : j) check_texts(v, name);
  }
}

void golden(const std::string& name, const json& got, bool view) {
  std::size_t blocks = got.contains("blocks") ? got["blocks"].size() : 0;
  EXPECT_LE(blocks, view ? kMaxViewBlocks : kMaxMessageBlocks) << name;
  EXPECT_LE(got.dump().size(), kMaxViewBytes) << name;
  check_texts(got, name);
  std::string path = test::fixture_path("golden/" + name + ".json");
  const char* rewrite = std::getenv("BRIGADE_REWRITE_GOLDEN");
  if (rewrite && std::string(rewrite) == "1") {
    std::ofstream(path) << got.dump(2) << "\n";
    return;
  }
  json want = test::fixture_json("golden/" + name + ".json");
  EXPECT_EQ(got, want) << name << " differs from " << path << ":\n" << got.dump(2);
}

TEST(SlackGolden, Messages) {
  golden("celebration", message(celebration()), false);
  golden("leaderboard_private", message(leaderboard()), false);
  golden("ask_post", message(ask_post()), false);
  golden("summary", message(summary()), false);
  core::Reply dm;
  dm.audience = core::Audience::direct;
  dm.body = core::BodyBuilder().mention(kCarol, "carol").text(" thanked you for the release review").take();
  golden("recipient_dm", message(dm, "https://brigade-test.slack.com/archives/C0000KUDOS/p1767268860000200"), false);
}

TEST(SlackGolden, Views) {
  golden("home", home_view(home()), true);
  golden("thanks_modal", modal(), true);
  core::Reply why;
  why.audience = core::Audience::private_;
  why.user = kCarol;
  why.body = core::BodyBuilder().text("That reason is 612 characters long; keep it within 500.").take();
  golden("submission_refused",
         submission_ack(commands::Result{commands::Outcome::refused, {why}, {}, {}, commands::Field::reason}, true),
         true);
}

}  // namespace
}  // namespace brigade::slack
