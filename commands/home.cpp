// The Home view: what a person sees on the app's own page, built from the store in one read.
#include "commands/home.hpp"

#include <limits>
#include <set>

#include "commands/allowance.hpp"
#include "commands/format.hpp"
#include "commands/handlers.hpp"

namespace brigade::commands {
namespace {

using core::Block;
using core::Span;

constexpr std::size_t kLatest = 5;    // latest kudos received
constexpr std::size_t kTop = 5;       // per top (ties with the fifth come too, within kTopLines)
constexpr std::size_t kTopLines = 8;  // a long tie is counted, not listed
constexpr std::size_t kAsks = 10;     // help requests listed
constexpr std::size_t kQuoted = 200;  // code points of a reason or request quoted
constexpr std::size_t kMaxCost = kSlackTextLimit - 200;  // per text object, with room to spare
constexpr core::Millis kEver = std::numeric_limits<core::Millis>::max();

// One text object built line by line: a line that would pass the limit is left out, with "…".
class Lines {
 public:
  void add(std::vector<Span> line) {
    if (full_) return;
    std::size_t c = spans_.empty() ? 0 : 1;
    c += slack_cost(line);
    if (cost_ + c > kMaxCost) {
      spans_.push_back(Span{"\n…", {}});
      full_ = true;
      return;
    }
    if (!spans_.empty()) spans_.push_back(Span{"\n", {}});
    spans_.insert(spans_.end(), line.begin(), line.end());
    cost_ += c;
  }
  void add(std::string text) { add(std::vector<Span>{Span{std::move(text), {}}}); }
  std::vector<Span> take() { return std::move(spans_); }

 private:
  std::vector<Span> spans_;
  std::size_t cost_ = 0;
  bool full_ = false;
};

Span mention(store::Writer& store, const std::string& id) {
  return Span{"@" + display_name(id, store.name_of(id)), id};
}

std::string counts_line(store::Writer& store, const Context& ctx, const std::string& user, bool received) {
  std::string out = received ? "📥 Received: " : "📤 Given: ";
  const std::pair<core::Period, const char*> periods[] = {{core::Period::week, " this week · "},
                                                          {core::Period::month, " this month · "},
                                                          {core::Period::all, " all time"}};
  for (const auto& [p, words] : periods) {
    const auto c = store.counts(user, "", p, ctx.calendar.bucket(p, ctx.now));
    out += std::to_string(received ? c.received : c.given) + words;
  }
  return out;
}

std::string allowance_line(store::Writer& store, const Context& ctx, const std::string& user) {
  const auto& rules = ctx.rules;
  if (rules.allowance == 0) return "🎟️ Kudos you can give: unlimited";
  std::string out = "🎟️ Kudos left to give " + period_phrase(rules.allowance_period) + ": " +
                    std::to_string(allowance_left(store, ctx, user)) + " of " +
                    std::to_string(rules.allowance) + ". " + renewal_text(ctx);
  if (rules.max_per_recipient != 0)
    out += " At most " + count_of(rules.max_per_recipient, "goes", "go") + " to the same person.";
  return out;
}

// The newest kudos `user` received that still count (and, on the way, the channel of their
// newest kudos given or received). Reads back in pages until it has enough.
std::vector<store::Kudos> latest_received(store::Writer& store, const std::string& user,
                                          std::string& channel) {
  constexpr std::size_t kPage = 200, kPages = 10;
  std::vector<store::Kudos> out;
  std::set<std::uint64_t> seen;
  core::Millis until = kEver;
  for (std::size_t page = 0; page < kPages && out.size() < kLatest; ++page) {
    const auto batch = store.kudos_of(user, 0, until, kPage, true);
    for (const auto& k : batch) {
      if (!seen.insert(k.id).second || k.revoked) continue;
      if (channel.empty()) channel = k.channel;
      if (k.recipient == user && out.size() < kLatest) out.push_back(k);
    }
    // The next page starts at the oldest time of this one again (kudos at that time past the
    // page come next; those seen are skipped); when the whole page had one time, there is no next.
    if (batch.size() < kPage || batch.back().ts == batch.front().ts) break;
    until = batch.back().ts + 1;
  }
  return out;
}

std::vector<Span> latest_lines(store::Writer& store, const Context& ctx,
                               const std::vector<store::Kudos>& ks) {
  Lines lines;
  if (ks.empty()) lines.add("None yet — when someone thanks you, it shows up here.");
  for (const auto& k : ks) {
    std::vector<Span> line{Span{k.kind == store::Kind::praise ? "📣 "
                                : k.kind == store::Kind::help ? "🤝 "
                                                              : "🎉 ",
                                {}},
                           mention(store, k.giver), Span{" on " + ctx.calendar.date_string(k.ts), {}}};
    if (!k.reason.empty()) line.push_back(Span{": " + shorten(k.reason, kQuoted), {}});
    for (const auto& v : k.values)
      if (k.reason.find("#" + v) == std::string::npos) line.push_back(Span{" #" + v, {}});
    lines.add(std::move(line));
  }
  return lines.take();
}

std::vector<Span> top_lines(store::Writer& store, const Context& ctx, const std::string& channel) {
  const auto bucket = ctx.calendar.bucket(core::Period::month, ctx.now);
  const auto entries = store.leaderboard(channel, core::Period::month, bucket, kTop);
  Lines lines;
  if (entries.empty()) lines.add("Nobody on the board yet this month.");
  const std::size_t shown = entries.size() > kTopLines ? kTopLines - 1 : entries.size();
  std::size_t rank = 0;
  for (std::size_t i = 0; i < shown; ++i) {
    if (i == 0 || entries[i].count != entries[i - 1].count) rank = i + 1;
    lines.add({Span{std::to_string(rank) + ". ", {}},
               Span{"@" + display_name(entries[i].user, entries[i].name), entries[i].user},
               Span{" — " + std::to_string(entries[i].count), {}}});
  }
  if (shown < entries.size())
    lines.add("… and " + std::to_string(entries.size() - shown) + " more with " +
              std::to_string(entries.back().count) + " each");
  return lines.take();
}

std::vector<Span> ask_lines(store::Writer& store, const std::string& user) {
  Lines lines;
  std::size_t n = 0;
  for (const auto& a : store.open_asks("", 0)) {
    if (a.requester != user && a.taker != user) continue;
    if (++n > kAsks) {
      lines.add("… and more: /ask list in their channels");
      break;
    }
    std::vector<Span> line{Span{"• #" + std::to_string(a.id) + " ", {}}};
    if (a.requester == user) {
      line.push_back(
          Span{a.state == store::AskState::taken ? "you asked, taken by " : "you asked, not taken yet", {}});
      if (a.state == store::AskState::taken && !a.taker.empty()) line.push_back(mention(store, a.taker));
    } else {
      line.push_back(Span{"you took it, from ", {}});
      line.push_back(mention(store, a.requester));
    }
    line.push_back(Span{": " + shorten(a.text, kQuoted), {}});
    lines.add(std::move(line));
  }
  if (n == 0) lines.add("None open. Need a hand? /ask what you need, in any channel.");
  return lines.take();
}

std::string privacy_note(store::Writer& store, const std::string& user) {
  switch (store.person(user).privacy) {
    case store::Privacy::hidden:
      return "You're hidden from leaderboards; your kudos still count. /kudos privacy public shows you "
             "again.";
    case store::Privacy::off:
      return "You've turned Brigade off for yourself, so nothing is recorded for you. /kudos privacy public "
             "turns it back on.";
    default:
      return "";
  }
}

// The plain-text version of the blocks, one paragraph each.
std::vector<Span> body_of(const std::vector<Block>& blocks) {
  std::vector<Span> body;
  for (const auto& b : blocks) {
    if (b.kind == Block::Kind::divider) continue;
    if (!body.empty()) body.push_back(Span{"\n", {}});
    body.insert(body.end(), b.text.begin(), b.text.end());
  }
  return body;
}

}  // namespace

std::string home_opened_key(const std::string& user) {
  return "home.opened:" + user;
}

core::Reply home_view(store::Writer& store, const Context& ctx, const std::string& user) {
  std::vector<Block> blocks;
  auto add = [&](Block::Kind kind, std::vector<Span> text) {
    blocks.push_back(Block{kind, std::move(text)});
  };
  auto plain = [](std::string s) { return std::vector<Span>{Span{std::move(s), {}}}; };
  const std::string name = display_name(user, store.name_of(user));
  add(Block::Kind::header, plain("👋 Hi " + shorten(name, 60) + " — your kudos"));
  add(Block::Kind::section,
      plain(counts_line(store, ctx, user, true) + "\n" + counts_line(store, ctx, user, false)));
  add(Block::Kind::section, plain(allowance_line(store, ctx, user)));
  if (auto note = privacy_note(store, user); !note.empty()) add(Block::Kind::context, plain(note));
  add(Block::Kind::divider, {});
  std::string channel;
  const auto latest = latest_received(store, user, channel);
  add(Block::Kind::header, plain("Latest kudos for you"));
  add(Block::Kind::section, latest_lines(store, ctx, latest));
  add(Block::Kind::divider, {});
  if (!channel.empty()) {
    const core::ChannelRef where{channel, store.name_of(channel)};
    add(Block::Kind::header, plain("🏆 Top 5 in " + shorten(channel_label(where), 80) + " this month"));
    add(Block::Kind::section, top_lines(store, ctx, channel));
  }
  add(Block::Kind::header, plain("🏆 Top 5 across the workspace this month"));
  add(Block::Kind::section, top_lines(store, ctx, ""));
  add(Block::Kind::divider, {});
  add(Block::Kind::header, plain("Your open help requests"));
  add(Block::Kind::section, ask_lines(store, user));
  core::Reply r;
  r.audience = core::Audience::home;
  r.user = user;
  r.body = body_of(blocks);
  r.blocks = std::move(blocks);
  r.ping = false;
  r.buttons.push_back(core::Button{"kudos.give", "Give kudos", "", "", core::Button::Style::primary});
  return r;
}

Result handle_home(const core::Event& e, store::Writer& store, const Context& ctx) {
  if (!e.user.name.empty()) store.set_name(e.user.id, e.user.name);
  store.set_meta(home_opened_key(e.user.id), std::to_string(ctx.now));
  Result r;
  auto view = home_view(store, ctx, e.user.id);
  view.channel = e.channel.id;
  r.replies.push_back(std::move(view));
  return r;
}

}  // namespace brigade::commands
