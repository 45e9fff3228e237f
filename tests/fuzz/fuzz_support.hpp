// What every fuzz target shares: a CHECK that aborts (so libFuzzer and the ctest replay both fail),
// input splitting, a scratch directory (tests/support/temp_dir.hpp), and the command grammar's invariants on
// (text, mentions).
#pragma once

#include <algorithm>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "commands/parse.hpp"
#include "core/types.hpp"
#include "tests/support/temp_dir.hpp"

// Every fuzz target defines this; libFuzzer calls it, and so does tests/fuzz/replay_main.cpp.
extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size);

// An invariant that must hold for every input: print what broke and abort, which libFuzzer
// reports as a crash (saving the input) and the replay test as a failure.
#define FUZZ_CHECK(cond)                                                                   \
  do {                                                                                     \
    if (!(cond)) {                                                                         \
      std::fprintf(stderr, "FUZZ_CHECK failed at %s:%d: %s\n", __FILE__, __LINE__, #cond); \
      std::abort();                                                                        \
    }                                                                                      \
  } while (0)

namespace brigade::fuzz {

inline std::string_view as_view(const std::uint8_t* data, std::size_t size) {
  return {reinterpret_cast<const char*>(data), size};
}

// Splits `in` at the first `sep`: {before, after}; after is nullopt when there is no `sep`.
inline std::pair<std::string_view, std::optional<std::string_view>> split_once(std::string_view in,
                                                                               std::string_view sep) {
  auto at = in.find(sep);
  if (at == std::string_view::npos) return {in, std::nullopt};
  return {in.substr(0, at), in.substr(at + sep.size())};
}

// What an adapter hands the commands: every span inside the text, non-empty, sorted by position
// and non-overlapping (core::Event documents this), naming a user or a channel.
inline void check_adapter_mentions(std::string_view text, const std::vector<core::Mention>& mentions) {
  std::size_t end = 0;
  for (const auto& m : mentions) {
    FUZZ_CHECK(m.len > 0);
    FUZZ_CHECK(m.pos <= text.size() && m.len <= text.size() - m.pos);
    FUZZ_CHECK(m.pos >= end);
    FUZZ_CHECK(!m.user.id.empty() || m.is_channel());
    end = m.pos + m.len;
  }
}

inline bool has_user_mention(const std::vector<core::Mention>& mentions, const std::string& id) {
  return std::any_of(mentions.begin(), mentions.end(),
                     [&](const core::Mention& m) { return !m.is_channel() && m.user.id == id; });
}

// The grammar on any (text, mentions), well-formed or not: tokens cover the text in order and
// never cut it, and every parsed person is one of the mentioned users, each at most once.
inline void check_grammar(std::string_view text, const std::vector<core::Mention>& mentions) {
  auto tokens = commands::tokenize(text, mentions);
  std::size_t end = 0;
  for (const auto& t : tokens) {
    FUZZ_CHECK(!t.text.empty());
    FUZZ_CHECK(t.pos >= end && t.pos <= text.size() && t.text.size() <= text.size() - t.pos);
    FUZZ_CHECK(text.substr(t.pos, t.text.size()) == t.text);
    if (t.mention) {
      FUZZ_CHECK(t.mention >= mentions.data() && t.mention < mentions.data() + mentions.size());
      FUZZ_CHECK(t.mention->pos == t.pos && t.mention->len == t.text.size());
    } else {
      FUZZ_CHECK(commands::space_at(t.text, 0) == 0);
    }
    end = t.end();
  }
  auto unique_users = [&](const std::vector<core::UserRef>& users) {
    for (std::size_t i = 0; i < users.size(); ++i) {
      FUZZ_CHECK(has_user_mention(mentions, users[i].id));
      for (std::size_t j = 0; j < i; ++j) FUZZ_CHECK(users[i].id != users[j].id);
    }
  };

  auto thanks = commands::parse_thanks(text, mentions);
  unique_users(thanks.recipients);
  if (thanks.help) FUZZ_CHECK(thanks.recipients.empty() && thanks.reason.empty());
  for (const auto& v : thanks.values) {
    FUZZ_CHECK(!v.empty() && v.find('#') == std::string::npos);
    FUZZ_CHECK(std::count(thanks.values.begin(), thanks.values.end(), v) == 1);
  }
  FUZZ_CHECK(thanks.reason == commands::collapse_space(thanks.reason));

  auto ask = commands::parse_ask(text, mentions);
  unique_users(ask.helpers);
  if (ask.verb != commands::AskArgs::Verb::done) FUZZ_CHECK(ask.helpers.empty());
  if (ask.verb == commands::AskArgs::Verb::open) FUZZ_CHECK(!ask.text.empty());

  auto board = commands::parse_leaderboard(text, mentions);
  if (board.period == core::Period::all) FUZZ_CHECK(!board.last);

  auto kudos = commands::parse_kudos(text, mentions);
  unique_users(kudos.users);
  if (kudos.verb == commands::KudosArgs::Verb::usage)
    FUZZ_CHECK(kudos.users.empty() || !kudos.problem.empty());
  if (kudos.channel)
    FUZZ_CHECK(kudos.verb == commands::KudosArgs::Verb::summary ||
               kudos.verb == commands::KudosArgs::Verb::usage);
}

}  // namespace brigade::fuzz
