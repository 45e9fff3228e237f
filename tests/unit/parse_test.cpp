// The command grammar without a store: tokens, recipients, reasons, #values, /ask, /leaderboard, /kudos.
#include <gtest/gtest.h>

#include <algorithm>
#include <random>

#include "core/text.hpp"

#include "commands/parse.hpp"
#include "tests/support/event_builder.hpp"

namespace brigade::commands {
namespace {

using brigade::testing::make_event;

const core::UserRef kBob{"console:bob", "bob", false};
const core::UserRef kCarol{"console:carol", "carol", false};
const core::UserRef kDave{"console:dave", "dave", false};
const core::UserRef kZoe{"console:zoë", "Zoë", false};

ThanksArgs thanks(const std::string& text, std::vector<core::UserRef> users = {kBob, kCarol, kDave}) {
  auto e = make_event("thanks", text, std::move(users));
  return parse_thanks(e.text, e.mentions);
}

std::vector<std::string> ids(const std::vector<core::UserRef>& users) {
  std::vector<std::string> v;
  for (const auto& u : users) v.push_back(u.id);
  return v;
}

using Ids = std::vector<std::string>;
using Values = std::vector<std::string>;

TEST(ParseTokens, MentionSpansAreAtomicEvenWithSpacesInside) {
  std::string text = "@Ana Lima, thanks";
  std::vector<core::Mention> m(1);
  m[0].pos = 0;
  m[0].len = 9;
  m[0].user = {"matrix:@ana:example.org", "Ana Lima", false};
  auto t = tokenize(text, m);
  ASSERT_EQ(t.size(), 3u);
  EXPECT_EQ(t[0].text, "@Ana Lima");
  EXPECT_TRUE(t[0].is_user());
  EXPECT_EQ(t[1].text, ",");
  EXPECT_EQ(t[2].text, "thanks");
}

TEST(ParseTokens, BrokenSpansDegradeToText) {
  std::string text = "@bob hi";
  std::vector<core::Mention> m(3);
  m[0] = {0, 4, kBob, {}};
  m[1] = {2, 4, kCarol, {}};  // overlaps the first
  m[2] = {5, 40, kDave, {}};  // runs past the end
  auto t = tokenize(text, m);
  ASSERT_EQ(t.size(), 2u);
  EXPECT_TRUE(t[0].is_user());
  EXPECT_EQ(t[1].text, "hi");
  EXPECT_FALSE(t[1].mention);
}

// Found by tests/fuzz/commands_fuzz.cpp: a span over white space only (a blank display name) made
// one token, so "/ask" with nothing else opened a help request with an empty text.
TEST(ParseTokens, BlankSpansAreIgnored) {
  std::string text = "\u00A0 \n";
  std::vector<core::Mention> m(1);
  m[0] = {0, 3, kBob, {}};
  EXPECT_TRUE(tokenize(text, m).empty());
  auto a = parse_ask(text, m);
  EXPECT_EQ(a.verb, AskArgs::Verb::usage);
  EXPECT_TRUE(a.text.empty());
  EXPECT_TRUE(parse_thanks(text, m).help);
}

TEST(ParseTokens, UnicodeSpacesSeparateWords) {
  auto t = tokenize("a\u00A0b\u2003c\u3000d\te", {});
  ASSERT_EQ(t.size(), 5u);
  EXPECT_EQ(t[4].text, "e");
  EXPECT_EQ(collapse_space("  a \u00A0\t b\n"), "a b");
}

TEST(ParseThanks, EmptyAndHelpAskForUsage) {
  EXPECT_TRUE(thanks("").help);
  EXPECT_TRUE(thanks("   \t\u00A0 ").help);
  EXPECT_TRUE(thanks("help").help);
  EXPECT_TRUE(thanks("HELP").help);
  EXPECT_FALSE(thanks("help @bob").help);
}

TEST(ParseThanks, OneRecipientAndReasonKeepsFor) {
  auto a = thanks("@bob for the review");
  EXPECT_EQ(ids(a.recipients), Ids{"console:bob"});
  EXPECT_EQ(a.reason, "for the review");
  EXPECT_TRUE(a.values.empty());
}

TEST(ParseThanks, ReasonWithoutFor) {
  auto a = thanks("@bob great review!");
  EXPECT_EQ(a.reason, "great review!");
}

TEST(ParseThanks, SeparatorsBetweenRecipients) {
  for (const char* text :
       {"@bob @carol @dave thanks", "@bob, @carol & @dave thanks", "@bob,@carol and @dave thanks",
        "@bob , @carol AND @dave thanks", "@bob, @carol, and @dave thanks"}) {
    auto a = thanks(text);
    EXPECT_EQ(ids(a.recipients), (Ids{"console:bob", "console:carol", "console:dave"})) << text;
    EXPECT_EQ(a.reason, "thanks") << text;
  }
}

TEST(ParseThanks, SeparatorNotFollowedByMentionStartsTheReason) {
  auto a = thanks("@bob and the whole team for the launch");
  EXPECT_EQ(ids(a.recipients), Ids{"console:bob"});
  EXPECT_EQ(a.reason, "and the whole team for the launch");
}

TEST(ParseThanks, LeadingPunctuationIsNotPartOfTheReason) {
  EXPECT_EQ(thanks("@bob: for the review").reason, "for the review");
  EXPECT_EQ(thanks("@bob, for the review").reason, "for the review");
  EXPECT_EQ(thanks("@bob — for the review").reason, "for the review");
}

TEST(ParseThanks, MentionsAfterTheReasonAreText) {
  auto a = thanks("@bob for pairing with @carol on the fix");
  EXPECT_EQ(ids(a.recipients), Ids{"console:bob"});
  EXPECT_EQ(a.reason, "for pairing with @carol on the fix");
}

TEST(ParseThanks, DuplicateRecipientsCountOnce) {
  auto a = thanks("@bob @bob, @carol & @bob for lunch");
  EXPECT_EQ(ids(a.recipients), (Ids{"console:bob", "console:carol"}));
}

TEST(ParseThanks, ValuesAreLowerCasedDedupedAndTrailingTagsLeaveTheReason) {
  auto a = thanks("@bob for the review #TeamWork #speed #teamwork");
  EXPECT_EQ(a.reason, "for the review");
  EXPECT_EQ(a.values, (Values{"teamwork", "speed"}));
}

TEST(ParseThanks, InlineTagsStayInTheReason) {
  auto a = thanks("@bob for real #ownership of the outage, #speed!");
  EXPECT_EQ(a.reason, "for real #ownership of the outage");
  EXPECT_EQ(a.values, (Values{"ownership", "speed"}));
}

TEST(ParseThanks, TagWordEndsAtPunctuation) {
  auto a = thanks("@bob (#care) for #kindness, #grit. #ops_team-1");
  EXPECT_EQ(a.values, (Values{"care", "kindness", "grit", "ops_team-1"}));
}

TEST(ParseThanks, NumbersAreNotValues) {
  auto a = thanks("@bob for fixing #123");
  EXPECT_TRUE(a.values.empty());
  EXPECT_EQ(a.reason, "for fixing #123");
}

TEST(ParseThanks, OnlyTagsMeansNoReason) {
  auto a = thanks("@bob #teamwork");
  EXPECT_EQ(a.reason, "");
  EXPECT_EQ(a.values, Values{"teamwork"});
}

TEST(ParseThanks, UnicodeValuesNamesAndReasons) {
  auto a = thanks("@Zoë for the Łódź offsite 👩‍💻 #zusammenarbeit #Équipe", {kZoe});
  EXPECT_EQ(ids(a.recipients), Ids{"console:zoë"});
  EXPECT_EQ(a.reason, "for the Łódź offsite 👩‍💻");
  EXPECT_EQ(a.values, (Values{"zusammenarbeit", "Équipe"}));  // ASCII lower-casing leaves É alone
}

TEST(ParseThanks, EdgeSpacingDoesNotMatter) {
  auto a = thanks("\t  @bob \u00A0\u00A0 for   the\treview \u00A0 #teamwork   ");
  EXPECT_EQ(ids(a.recipients), Ids{"console:bob"});
  EXPECT_EQ(a.reason, "for the review");
  EXPECT_EQ(a.values, Values{"teamwork"});
}

TEST(ParseThanks, NoLeadingMentionMeansNoRecipients) {
  auto a = thanks("for the review @bob");
  EXPECT_FALSE(a.help);
  EXPECT_TRUE(a.recipients.empty());
}

TEST(ParseThanks, MentionWithoutASpaceBeforeTheReason) {
  std::string text = "@bob,for lunch";
  std::vector<core::Mention> m{{0, 4, kBob, {}}};
  auto a = parse_thanks(text, m);
  EXPECT_EQ(ids(a.recipients), Ids{"console:bob"});
  EXPECT_EQ(a.reason, "for lunch");
}

TEST(ParseNumber, PlainAndHashForms) {
  EXPECT_EQ(parse_number("12"), 12u);
  EXPECT_EQ(parse_number("#12"), 12u);
  EXPECT_EQ(parse_number("#"), std::nullopt);
  EXPECT_EQ(parse_number("12a"), std::nullopt);
  EXPECT_EQ(parse_number("-3"), std::nullopt);
  EXPECT_EQ(parse_number("99999999999999999999999"), 0u);
}

AskArgs ask(const std::string& text) {
  auto e = make_event("ask", text, {kBob, kCarol});
  return parse_ask(e.text, e.mentions);
}

TEST(ParseAsk, BareAskIsUsage) {
  EXPECT_EQ(ask("").verb, AskArgs::Verb::usage);
  EXPECT_EQ(ask("  ").verb, AskArgs::Verb::usage);
  EXPECT_EQ(ask("help").verb, AskArgs::Verb::help);
}

TEST(ParseAsk, OpenKeepsTheTextCollapsed) {
  auto a = ask("  how do  I rotate\tthe certs? ");
  EXPECT_EQ(a.verb, AskArgs::Verb::open);
  EXPECT_EQ(a.text, "how do I rotate the certs?");
}

TEST(ParseAsk, VerbsTakeNumbersWithOrWithoutHash) {
  EXPECT_EQ(ask("list").verb, AskArgs::Verb::list);
  auto t = ask("take #3");
  EXPECT_EQ(t.verb, AskArgs::Verb::take);
  EXPECT_EQ(t.number, 3u);
  auto c = ask("CANCEL 7");
  EXPECT_EQ(c.verb, AskArgs::Verb::cancel);
  EXPECT_EQ(c.number, 7u);
}

TEST(ParseAsk, DoneCollectsHelpers) {
  auto d = ask("done #4 @bob, @carol and @bob");
  EXPECT_EQ(d.verb, AskArgs::Verb::done);
  EXPECT_EQ(d.number, 4u);
  EXPECT_EQ(ids(d.helpers), (Ids{"console:bob", "console:carol"}));
  EXPECT_TRUE(ask("done 4").helpers.empty());
}

// A sub-command word first is always the sub-command: a typo gets the usage, privately, instead
// of opening a public request titled "take abc". A request is phrased another way.
TEST(ParseAsk, SubCommandWordsWithBadArgumentsAreUsage) {
  for (const char* text : {"take a look at my PR?", "take abc", "list all", "list of things", "done",
                           "cancel soon", "done abc", "done 3 bob"}) {
    auto u = ask(text);
    EXPECT_EQ(u.verb, AskArgs::Verb::usage) << text;
    EXPECT_FALSE(u.problem.empty()) << text;
  }
  EXPECT_NE(ask("done").problem.find("done N"), std::string::npos);
  auto a = ask("could someone take a look at my PR?");
  EXPECT_EQ(a.verb, AskArgs::Verb::open);
  EXPECT_EQ(a.text, "could someone take a look at my PR?");
  EXPECT_EQ(ask("help me rotate the certs").verb, AskArgs::Verb::open);
  // What follows a valid sub-command is chat, except after done N, where only helpers belong
  // unless helpers are named.
  EXPECT_EQ(ask("take 3, on it!").verb, AskArgs::Verb::take);
  EXPECT_EQ(ask("cancel 3 never mind").verb, AskArgs::Verb::cancel);
  auto d = ask("done 3 @bob thanks so much!");
  EXPECT_EQ(d.verb, AskArgs::Verb::done);
  EXPECT_EQ(ids(d.helpers), (Ids{"console:bob"}));
}

LeaderboardArgs board(const std::string& text) {
  auto e = make_event("leaderboard", text, {kBob});
  return parse_leaderboard(e.text, e.mentions);
}

TEST(ParseLeaderboard, DefaultsToThisWeekHere) {
  auto a = board("");
  EXPECT_EQ(a.period, core::Period::week);
  EXPECT_FALSE(a.last);
  EXPECT_FALSE(a.all_channels);
  EXPECT_TRUE(a.problem.empty());
}

TEST(ParseLeaderboard, PeriodAndScopeInAnyOrder) {
  auto a = board("all-channels month");
  EXPECT_EQ(a.period, core::Period::month);
  EXPECT_TRUE(a.all_channels);
  auto b = board("Quarter all channels");
  EXPECT_EQ(b.period, core::Period::quarter);
  EXPECT_TRUE(b.all_channels);
  auto c = board("all");
  EXPECT_EQ(c.period, core::Period::all);
  EXPECT_FALSE(c.all_channels);
  EXPECT_EQ(board("all time everywhere").period, core::Period::all);
}

TEST(ParseLeaderboard, LastMeansThePreviousBucket) {
  auto a = board("last month");
  EXPECT_EQ(a.period, core::Period::month);
  EXPECT_TRUE(a.last);
  EXPECT_TRUE(board("last").last);
  EXPECT_EQ(board("last").period, core::Period::week);
  EXPECT_TRUE(board("yesterday").last);
  EXPECT_FALSE(board("last all").last);
}

TEST(ParseLeaderboard, UnknownWordsAndTwoPeriodsAreProblems) {
  EXPECT_NE(board("fortnight").problem.find("fortnight"), std::string::npos);
  EXPECT_FALSE(board("week month").problem.empty());
  EXPECT_FALSE(board("@bob").problem.empty());
}

KudosArgs kudos(const std::string& text) {
  auto e = make_event("kudos", text, {kBob, kCarol}, {{"console:ops", "ops"}});
  return parse_kudos(e.text, e.mentions);
}

TEST(ParseKudos, MeHelpAndPeople) {
  EXPECT_EQ(kudos("").verb, KudosArgs::Verb::me);
  EXPECT_EQ(kudos(" help ").verb, KudosArgs::Verb::help);
  auto p = kudos("@bob and @carol");
  EXPECT_EQ(p.verb, KudosArgs::Verb::people);
  EXPECT_EQ(ids(p.users), (Ids{"console:bob", "console:carol"}));
  auto u = kudos("bob");
  EXPECT_EQ(u.verb, KudosArgs::Verb::usage);
  EXPECT_NE(u.problem.find("bob"), std::string::npos);
}

TEST(ParseKudos, SummaryFilters) {
  auto s = kudos("summary @bob since 2026-11-01 until 2026-11-15");
  EXPECT_EQ(s.verb, KudosArgs::Verb::summary);
  EXPECT_EQ(ids(s.users), Ids{"console:bob"});
  EXPECT_EQ(s.since, "2026-11-01");
  EXPECT_EQ(s.until, "2026-11-15");
  auto c = kudos("summary until 2026-11-15 #ops");
  ASSERT_TRUE(c.channel);
  EXPECT_EQ(c.channel->id, "console:ops");
  EXPECT_FALSE(c.since);
  EXPECT_TRUE(kudos("summary everyone").everyone);
  auto bare = kudos("summary");
  EXPECT_EQ(bare.verb, KudosArgs::Verb::summary);
  EXPECT_TRUE(bare.users.empty());
}

TEST(ParseKudos, SummaryProblemsNameTheWord) {
  auto a = kudos("summary since");
  EXPECT_EQ(a.verb, KudosArgs::Verb::usage);
  EXPECT_NE(a.problem.find("since"), std::string::npos);
  auto b = kudos("summary lately");
  EXPECT_NE(b.problem.find("lately"), std::string::npos);
  auto c = kudos("summary #nowhere");
  EXPECT_NE(c.problem.find("#nowhere"), std::string::npos);
}

// Arbitrary word soups with arbitrary (often broken) spans: no crash, and the invariants hold.
TEST(ParseRobustness, ArbitraryInputKeepsTheInvariants) {
  const std::vector<std::string> words = {
      "@bob", "@carol", ",",    "&",           "and",     "for",  "#TeamWork", "#1",     "#",
      "##",   "#é",     "é",    "👩‍💻", " ",       "  ",   "\t",        "\u00A0", "\u3000",
      ":",    "—",      "take", "done",        "cancel",  "list", "summary",   "since",  "2026-11-01",
      "last", "week",   "all",  "channels",    "(#care)", "help", "\n"};
  std::mt19937 rng(20261118);
  for (int round = 0; round < 3000; ++round) {
    std::string text;
    const int n = static_cast<int>(rng() % 12);
    for (int i = 0; i < n; ++i) text += words[rng() % words.size()] + (rng() % 3 ? " " : "");
    std::vector<core::Mention> m;
    const int spans = text.empty() ? 0 : static_cast<int>(rng() % 4);
    for (int i = 0; i < spans; ++i) {
      core::Mention x;
      x.pos = rng() % (text.size() + 2);
      x.len = rng() % 8;
      if (rng() % 4 == 0)
        x.channel = {"console:ops", "ops"};
      else
        x.user = {rng() % 2 ? "console:bob" : "console:carol", "", false};
      m.push_back(x);
    }
    std::sort(m.begin(), m.end(), [](const auto& a, const auto& b) { return a.pos < b.pos; });
    auto t = parse_thanks(text, m);
    EXPECT_TRUE(core::valid_utf8(t.reason)) << text;
    EXPECT_EQ(t.reason, std::string(core::trim(t.reason))) << text;
    for (std::size_t i = 0; i < t.recipients.size(); ++i)
      for (std::size_t j = i + 1; j < t.recipients.size(); ++j)
        EXPECT_NE(t.recipients[i].id, t.recipients[j].id);
    for (const auto& v : t.values) {
      EXPECT_FALSE(v.empty());
      EXPECT_NE(v.front(), '#');
      EXPECT_TRUE(core::valid_utf8(v)) << text;
    }
    auto a = parse_ask(text, m);
    EXPECT_TRUE(core::valid_utf8(a.text)) << text;
    parse_leaderboard(text, m);
    parse_kudos(text, m);
  }
}

}  // namespace
}  // namespace brigade::commands
