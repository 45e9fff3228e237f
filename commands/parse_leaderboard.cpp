// The /leaderboard arguments: a period (this or last), every channel, and whether to share it.
#include <string>

#include "commands/parse.hpp"
#include "core/text.hpp"

namespace brigade::commands {

LeaderboardArgs parse_leaderboard(std::string_view text, const std::vector<core::Mention>& mentions) {
  LeaderboardArgs a;
  auto tokens = tokenize(text, mentions);
  bool have_period = false;
  auto set_period = [&](core::Period p, std::string_view word) {
    if (have_period && a.period != p) {
      a.problem =
          "pick one period, not both " + std::string(core::to_string(a.period)) + " and " + std::string(word);
      return;
    }
    have_period = true;
    a.period = p;
  };
  for (std::size_t i = 0; i < tokens.size() && a.problem.empty(); ++i) {
    const std::string w = lower(tokens[i]);
    const std::string next = i + 1 < tokens.size() ? lower(tokens[i + 1]) : std::string();
    if (tokens[i].mention) {
      a.problem = "a leaderboard is for a channel, not for " + std::string(tokens[i].text);
    } else if (w == "this" || w == "current") {
      // the default
    } else if (w == "last" || w == "previous" || w == "prev") {
      a.last = true;
    } else if (w == "yesterday") {
      a.last = true;
      set_period(core::Period::day, w);
    } else if (w == "share") {
      a.share = true;
    } else if (w == "all-channels" || w == "allchannels" || w == "all_channels" || w == "everywhere" ||
               w == "workspace" || w == "global") {
      a.all_channels = true;
    } else if (w == "all" && (next == "channels" || next == "channel")) {
      a.all_channels = true;
      ++i;
    } else if (w == "all" && next == "time") {
      set_period(core::Period::all, w);
      ++i;
    } else if (auto p = core::parse_period(w)) {
      set_period(*p, w);
    } else {
      a.problem = "I don't understand \"" + std::string(tokens[i].text) + "\"";
    }
  }
  if (a.period == core::Period::all) a.last = false;  // there is no "last all time"
  return a;
}

std::string leaderboard_words(const LeaderboardArgs& args) {
  std::string out;
  if (args.last) out = args.period == core::Period::day ? "yesterday" : "last ";
  if (!(args.last && args.period == core::Period::day))
    out += args.period == core::Period::all ? std::string("all time")
                                            : std::string(core::to_string(args.period));
  if (args.all_channels) out += " all-channels";
  return out;
}

}  // namespace brigade::commands
