// /leaderboard: the top 10 for a period in this channel or the workspace, posted without pings.
#include "commands/format.hpp"
#include "commands/handlers.hpp"
#include "commands/parse.hpp"

namespace brigade::commands {
namespace {

constexpr std::size_t kTop = 10;
constexpr std::size_t kMaxLines = 20;  // a tie at the cut-off beyond this is counted, not listed

// "this week", "last month", "today", "all time".
std::string period_words(core::Period p, bool last) {
  switch (p) {
    case core::Period::day:
      return last ? "yesterday" : "today";
    case core::Period::all:
      return "all time";
    default:
      return std::string(last ? "last " : "this ") + std::string(core::to_string(p));
  }
}

}  // namespace

Result handle_leaderboard(const core::Event& e, store::Writer& store, const Context& ctx) {
  auto args = parse_leaderboard(e.text, e.mentions);
  if (!args.problem.empty()) return usage(e, "Hmm, " + args.problem + ".\n" + leaderboard_usage(e));

  auto bucket = ctx.calendar.bucket(args.period, ctx.now);
  if (args.last) bucket = ctx.calendar.shift(args.period, bucket, -1);
  const std::string where = args.all_channels ? "across all channels" : "in " + channel_label(e.channel);
  const std::string when = period_words(args.period, args.last);
  const std::string label =
      args.period == core::Period::all ? when : when + " (" + ctx.calendar.label(args.period, bucket) + ")";

  const auto entries = store.leaderboard(args.all_channels ? "" : e.channel.id, args.period, bucket, kTop);
  Result r;
  core::BodyBuilder b;
  if (entries.empty()) {
    const std::string p(prefix(e));
    if (args.last)
      b.text("No kudos " + when + " " + where + ". This " +
             std::string(args.period == core::Period::day ? "day" : core::to_string(args.period)) +
             " is a fresh start: " + p + "thanks @someone for something");
    else
      // "Nobody on the board", not "no kudos": people who chose to be hidden are never listed.
      b.text("Nobody on the leaderboard yet " + when + " " + where + " — thank someone: " + p +
             "thanks @someone for something 🙌");
    r.replies.push_back(public_reply(e, b.take(), false));
    return r;
  }
  b.text("🏆 Leaderboard — " + label + " " + where);
  std::size_t rank = 0;
  const std::size_t shown = entries.size() > kMaxLines ? kMaxLines - 1 : entries.size();
  for (std::size_t i = 0; i < shown; ++i) {
    if (i == 0 || entries[i].count != entries[i - 1].count) rank = i + 1;  // ties share a place
    static const char* const kMedals[] = {"🥇", "🥈", "🥉"};
    b.text("\n" + (rank <= 3 ? std::string(kMedals[rank - 1]) : std::to_string(rank) + ".") + " ");
    b.mention(entries[i].user, display_name(entries[i].user, entries[i].name));
    b.text(" — " + std::to_string(entries[i].count));
  }
  if (shown < entries.size())  // past the top 10 the store returns only ties with the last one
    b.text("\n… and " + std::to_string(entries.size() - shown) + " more with " +
           std::to_string(entries.back().count) + " each");
  r.replies.push_back(public_reply(e, b.take(), false));
  return r;
}

}  // namespace brigade::commands
