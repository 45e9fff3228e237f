// The argument grammar of every chat command: pure functions of (Event::text, mention spans).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/calendar.hpp"
#include "core/types.hpp"

namespace brigade::commands {

// A word of Event::text, or a whole mention span (a display name may contain spaces, so a
// mention is never split). `mention` points into the vector given to tokenize().
struct Token {
  std::string_view text;
  std::size_t pos = 0;  // byte offset in the text
  const core::Mention* mention = nullptr;

  bool is_user() const { return mention != nullptr && !mention->is_channel(); }
  bool is_channel() const { return mention != nullptr && mention->is_channel(); }
  std::size_t end() const { return pos + text.size(); }
};

// Bytes of the white-space character at s[i] (ASCII space, tab, newline, NBSP and the other
// Unicode spaces), 0 when s[i] starts something else.
std::size_t space_at(std::string_view s, std::size_t i);

// Splits on any white space; a mention span is one token even without spaces around it
// ("@bob," is the mention then ","). Spans that are empty, only white space, out of range or
// overlap an earlier one are ignored, so adapter bugs degrade to plain text instead of crashes.
std::vector<Token> tokenize(std::string_view text, const std::vector<core::Mention>& mentions);
// A word token lower-cased for comparing with keywords; empty for a mention.
std::string lower(const Token& t);

// Every run of white space becomes one ASCII space; leading and trailing space go.
std::string collapse_space(std::string_view text);

// A `#value` word: the bytes after '#' up to white space or `,.;:!?)`, when not only digits
// ("#123" is an issue number, not a value). Returned lower-cased (ASCII), without '#'.
std::optional<std::string> value_tag(std::string_view token);

// "12" or "#12"; nullopt for anything else. A number too large to be an id gives 0.
std::optional<std::uint64_t> parse_number(std::string_view token);

// /thanks and /praise: `@a [, @b | & @b | and @b …] [reason] [#value …]`.
struct ThanksArgs {
  bool help = false;                      // no arguments, or "help"
  std::vector<core::UserRef> recipients;  // leading user mentions, first occurrence of each id
  std::string reason;                     // as written, spacing collapsed, trailing #tags removed
  std::vector<std::string> values;        // every #value in the reason, lower-case, deduplicated
  // People mentioned in the reason who are not recipients ("@bob for review, @carol for tests"):
  // mentions after the reason are text, so the giver is told they were not counted.
  std::vector<core::UserRef> not_counted;
};
ThanksArgs parse_thanks(std::string_view text, const std::vector<core::Mention>& mentions);

// /ask: `what you need` | `list` | `take N` | `done N [@helper …]` | `cancel N` | `help`. A request
// may not start with list, take, done or cancel: those words are the sub-commands, and anything
// wrong after them is usage (`problem` says what).
struct AskArgs {
  enum class Verb : std::uint8_t { usage, help, open, list, take, done, cancel };
  Verb verb = Verb::usage;
  std::uint64_t number = 0;            // take/done/cancel
  std::string text;                    // open: the request, spacing collapsed
  std::vector<core::UserRef> helpers;  // done: the user mentions after N
  std::string problem;                 // usage: what was missing (empty for a bare /ask)
};
AskArgs parse_ask(std::string_view text, const std::vector<core::Mention>& mentions);

// /leaderboard: `[this|last] [day|week|month|quarter|year|all] [all-channels] [share]`, any order.
struct LeaderboardArgs {
  core::Period period = core::Period::week;
  bool last = false;          // the bucket before the current one
  bool all_channels = false;  // the whole workspace instead of this channel
  bool share = false;         // post it in the channel rather than answer only the asker
  std::string problem;        // non-empty: a word that was not understood
};
LeaderboardArgs parse_leaderboard(std::string_view text, const std::vector<core::Mention>& mentions);
// The board's own words, without `share`: "last month all-channels" (what a Share button carries).
std::string leaderboard_words(const LeaderboardArgs& args);

// /kudos: `` | `@a …` | `help` | `summary [@a …|#channel|everyone] [since DATE] [until DATE]`.
struct KudosArgs {
  enum class Verb : std::uint8_t { usage, me, people, help, summary, undo, revoke, privacy };
  Verb verb = Verb::usage;
  std::vector<core::UserRef> users;         // people / summary: mentioned users, deduplicated
  std::optional<core::ChannelRef> channel;  // summary: a channel filter
  bool everyone = false;                    // summary: the whole workspace
  bool me = false;                          // summary: "me" was written alongside others
  std::optional<std::string> since, until;  // summary: raw dates, checked against the calendar by the handler
  std::string problem;                      // usage: what was not understood
  std::optional<std::uint32_t> number;      // undo / revoke: the kudos named (K42); undo: none = the latest
  std::string reason;                       // revoke: why, as typed
  std::string privacy;                      // privacy: the choice as typed, lower-case ("" = show it)
};
KudosArgs parse_kudos(std::string_view text, const std::vector<core::Mention>& mentions);

}  // namespace brigade::commands
