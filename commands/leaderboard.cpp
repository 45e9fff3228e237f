// /leaderboard: the top 10 for a period in this channel or the workspace, without pings; shown only
// to the asker (with a Share button) unless it is shared or the organisation made boards public.
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

// The ranked lines, each starting with "\n" (ties share a place; the rest of a long tie counted).
std::vector<core::Span> ranked_lines(const std::vector<store::LeaderEntry>& entries) {
  core::BodyBuilder b;
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
  return b.take();
}

void append(std::vector<core::Span>& to, std::vector<core::Span> more) {
  to.insert(to.end(), std::make_move_iterator(more.begin()), std::make_move_iterator(more.end()));
}

// The answer as the asker sees it or as the channel does. `board` is the whole text so far;
// `lines` the ranked lines (empty for an empty board), laid out under `title`.
core::Reply board_reply(const core::Event& e, const Context& ctx, const LeaderboardArgs& args,
                        std::vector<core::Span> board, const std::string& title,
                        std::vector<core::Span> lines) {
  const bool shown_to_channel = args.share || ctx.rules.leaderboard_public;
  std::vector<core::Block> blocks;
  if (!lines.empty()) {
    blocks.push_back(core::Block{core::Block::Kind::header, {core::Span{title, {}}}});
    if (lines.front().user_id.empty() && !lines.front().text.empty() && lines.front().text.front() == '\n')
      lines.front().text.erase(0, 1);
    blocks.push_back(core::Block{core::Block::Kind::section, std::move(lines)});
  } else {
    blocks.push_back(core::Block{core::Block::Kind::section, board});
  }
  core::BodyBuilder note;
  if (args.share)
    note.text("Shared by ").mention(e.user.id, display_name(e.user));
  else if (!shown_to_channel)
    note.text(std::string(ctx.rules.replies_seen_by_room.count(e.platform)
                              ? "To post it for everyone: "
                              : "Only you can see this. Share it: ") +
              std::string(prefix(e)) + "leaderboard share " + leaderboard_words(args));
  auto note_spans = note.take();
  if (!note_spans.empty()) {
    blocks.push_back(core::Block{core::Block::Kind::context, note_spans});
    board.push_back(core::Span{"\n", {}});
    append(board, std::move(note_spans));
  }
  core::Reply r =
      shown_to_channel ? public_reply(e, std::move(board), false) : private_reply(e, std::move(board));
  r.blocks = std::move(blocks);
  if (!shown_to_channel)
    r.buttons.push_back(core::Button{"leaderboard.share", "Share in channel", leaderboard_words(args), "",
                                     core::Button::Style::plain});
  return r;
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
    r.replies.push_back(board_reply(e, ctx, args, b.take(), "", {}));
    return r;
  }
  const std::string title = "🏆 Leaderboard — " + label + " " + where;
  auto lines = ranked_lines(entries);
  b.text(title);
  auto board = b.take();
  board.insert(board.end(), lines.begin(), lines.end());
  r.replies.push_back(board_reply(e, ctx, args, std::move(board), title, std::move(lines)));
  return r;
}

}  // namespace brigade::commands
