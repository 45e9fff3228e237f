// /kudos: personal counts, the help text, and recognition summaries (others' only for managers/admins).
#include <algorithm>
#include <map>

#include "commands/allowance.hpp"
#include "commands/format.hpp"
#include "commands/handlers.hpp"
#include "commands/parse.hpp"

namespace brigade::commands {
namespace {

using core::BodyBuilder;
using core::Period;

// People listed in one summary reply; the rest are in `brigade report` and the dashboard.
constexpr std::size_t kSummaryPeople = 15;
constexpr std::size_t kSummaryReasons = 3;
constexpr std::size_t kSummaryValues = 3;
constexpr std::size_t kQuotedReason = 100;

std::string counts_line(std::string_view what, const store::PersonCounts& week,
                        const store::PersonCounts& month, const store::PersonCounts& all, bool received) {
  auto pick = [&](const store::PersonCounts& c) { return received ? c.received : c.given; };
  return std::string(what) + ": " + std::to_string(pick(week)) + " this week · " +
         std::to_string(pick(month)) + " this month · " + std::to_string(pick(all)) + " all time";
}

void counts_for(BodyBuilder& b, store::Writer& store, const Context& ctx, const core::UserRef& u, bool self) {
  const auto week = store.counts(u.id, "", Period::week, ctx.calendar.bucket(Period::week, ctx.now));
  const auto month = store.counts(u.id, "", Period::month, ctx.calendar.bucket(Period::month, ctx.now));
  const auto all = store.counts(u.id, "", Period::all, 0);
  if (self)
    b.text("📊 Your kudos");
  else
    b.text("📊 Kudos for ").mention(u.id, display_name(u));
  b.text("\n" + counts_line("Received", week, month, all, true));
  b.text("\n" + counts_line("Given", week, month, all, false));
}

Result counts(const core::Event& e, store::Writer& store, const Context& ctx,
              std::vector<core::UserRef> users) {
  const bool mine = users.empty();
  if (mine) users.push_back(e.user);
  BodyBuilder b;
  for (std::size_t i = 0; i < users.size(); ++i) {
    if (i) b.text("\n\n");
    auto u = users[i];
    if (u.name.empty()) u.name = store.name_of(u.id);
    counts_for(b, store, ctx, u, u.id == e.user.id);
  }
  if (std::any_of(users.begin(), users.end(), [&](const core::UserRef& u) { return u.id == e.user.id; })) {
    if (ctx.rules.allowance == 0) {
      b.text("\nNo limit on the kudos you give.");
    } else {
      b.text("\nYou have " + count_of(allowance_left(store, ctx, e.user.id), "kudos", "kudos") +
             " left to give " + period_phrase(ctx.rules.allowance_period) + ". " + renewal_text(ctx));
    }
    const auto privacy = store.person(e.user.id).privacy;
    if (privacy != store::Privacy::public_)
      b.text("\nYour privacy setting: " + std::string(store::to_string(privacy)) + " (" +
             std::string(prefix(e)) + "kudos privacy to change it).");
  }
  Result r;
  r.replies.push_back(private_reply(e, b.take()));
  return r;
}

std::uint32_t by_kind(const std::array<std::uint32_t, store::kKindSlots>& a, store::Kind k) {
  return a[static_cast<std::size_t>(k)];
}

// "2 thanks · 1 praise" (kinds with none are left out).
std::string kinds_text(const std::array<std::uint32_t, store::kKindSlots>& a) {
  std::string out;
  for (auto k : {store::Kind::thanks, store::Kind::praise, store::Kind::help}) {
    if (by_kind(a, k) == 0) continue;
    out +=
        (out.empty() ? "" : " · ") + std::to_string(by_kind(a, k)) + " " + std::string(store::to_string(k));
  }
  return out;
}

// One person's part of a summary (its own block in Slack).
std::vector<core::Span> person_summary(store::Writer& store, const Context& ctx, const store::PersonSummary& p,
                                       std::map<std::string, std::string>& names) {
  auto name_of = [&](const std::string& id) -> const std::string& {
    auto it = names.find(id);
    if (it == names.end()) it = names.emplace(id, display_name(id, store.name_of(id))).first;
    return it->second;
  };
  BodyBuilder b;
  b.mention(p.user, display_name(p.user, p.name));
  if (!p.ranked) b.text(" (not ranked)");
  b.text(" — received " + std::to_string(p.received));
  if (p.received) b.text(" (" + kinds_text(p.received_by_kind) + ")");
  b.text(", given " + std::to_string(p.given));
  if (p.given) b.text(" (" + kinds_text(p.given_by_kind) + ")");
  if (!p.values.empty()) {
    std::string v;
    for (std::size_t i = 0; i < p.values.size() && i < kSummaryValues; ++i)
      v += (i ? ", #" : "#") + p.values[i].first + " ×" + std::to_string(p.values[i].second);
    b.text("\n   top values: " + v);
  }
  if (p.helps_resolved)
    b.text("\n   resolved " + count_of(p.helps_resolved, "help request", "help requests"));
  for (std::size_t i = 0; i < p.reasons.size() && i < kSummaryReasons; ++i) {
    const auto& k = p.reasons[i];
    b.text("\n   • " + store::kudos_label(k.number) + " " + ctx.calendar.date_string(k.ts) + " from ")
        .mention(k.giver, name_of(k.giver));
    if (!k.reason.empty()) b.text(": " + shorten(k.reason, kQuotedReason));
  }
  return b.take();
}

// The summary's range, whole local days with `until` inclusive (by default from the 1st of until's
// month); a date that does not parse gets one usage reply naming it, whichever option it came from.
std::optional<Result> summary_days(const core::Event& e, const Context& ctx, const KudosArgs& args,
                                   std::int32_t& since_day, std::int32_t& until_day) {
  const std::string p(prefix(e));
  until_day = ctx.calendar.day(ctx.now);
  std::optional<Result> bad_date;
  auto read_day = [&](const std::string& text, std::int32_t& day) {
    if (auto d = ctx.calendar.parse_day(text)) {
      day = *d;
      return true;
    }
    bad_date = usage(e, "I couldn't read the date \"" + text + "\" — use YYYY-MM-DD, e.g. " +
                            ctx.calendar.date_string(ctx.now) + ".\n  " + p +
                            "kudos summary [@a …|#channel|everyone] [since DATE] [until DATE]");
    return false;
  };
  if (args.until && !read_day(*args.until, until_day)) return bad_date;
  if (args.since) {
    if (!read_day(*args.since, since_day)) return bad_date;
  } else {
    const auto month = ctx.calendar.bucket(Period::month, ctx.calendar.start_of_day(until_day));
    since_day = ctx.calendar.day(ctx.calendar.range(Period::month, month).from);
  }
  if (since_day > until_day)
    return refuse(e, "The start (" + ctx.calendar.date_string(ctx.calendar.start_of_day(since_day)) +
                         ") is after the end (" +
                         ctx.calendar.date_string(ctx.calendar.start_of_day(until_day)) + ") — swap them?");
  return std::nullopt;
}

// The summary as one private message: the first kSummaryPeople, and each person asked about who
// has nothing in the period. Laid out as a header, the total, and a section per person; the body
// says the same in one text.
core::Reply summary_reply(const core::Event& e, store::Writer& store, const Context& ctx, const KudosArgs& args,
                          const store::Summary& s, const std::vector<core::UserRef>& people) {
  std::string title = "📋 Recognition summary, " + ctx.calendar.date_string(s.from) + " → " +
                      ctx.calendar.date_string(s.until - 1);
  if (args.channel) title += " in " + channel_label(*args.channel);
  const std::string total = count_of(s.total, "kudos", "kudos") + " in all";
  std::vector<core::Span> body{core::Span{title + " — " + total, {}}};
  std::vector<core::Block> blocks{core::Block{core::Block::Kind::header, {core::Span{title, {}}}},
                                  core::Block{core::Block::Kind::section, {core::Span{total, {}}}}};
  auto add = [&](std::vector<core::Span> part, core::Block::Kind kind) {
    body.push_back(core::Span{"\n", {}});
    body.insert(body.end(), part.begin(), part.end());
    blocks.push_back(core::Block{kind, std::move(part)});
  };
  std::map<std::string, std::string> names;
  std::size_t shown = 0;
  for (const auto& person : s.people) {
    if (shown == kSummaryPeople) break;
    add(person_summary(store, ctx, person, names), core::Block::Kind::section);
    ++shown;
  }
  if (s.people.size() > shown)
    add({core::Span{"… and " + count_of(s.people.size() - shown, "more person", "more people") +
                        " — brigade report and the dashboard list everyone.",
                    {}}},
        core::Block::Kind::context);
  for (const auto& u : people) {
    if (std::any_of(s.people.begin(), s.people.end(), [&](const auto& x) { return x.user == u.id; }))
      continue;
    BodyBuilder b;
    b.mention(u.id, display_name(u.id, u.name.empty() ? store.name_of(u.id) : u.name));
    b.text(" — nothing received or given in this period yet.");
    add(b.take(), core::Block::Kind::section);
  }
  core::Reply r = private_reply(e, std::move(body));
  r.blocks = std::move(blocks);
  return r;
}

Result summary(const core::Event& e, store::Writer& store, const Context& ctx, KudosArgs args) {
  const std::string p(prefix(e));
  std::int32_t since_day = 0, until_day = 0;
  if (auto no = summary_days(e, ctx, args, since_day, until_day)) return std::move(*no);

  // Who: the people named, a channel, everyone, or yourself.
  std::vector<core::UserRef> people = args.users;
  if (args.me && std::none_of(people.begin(), people.end(), [&](const auto& u) { return u.id == e.user.id; }))
    people.push_back(e.user);
  if (people.empty() && !args.channel && !args.everyone) people.push_back(e.user);
  const bool only_self = !args.channel && !args.everyone && people.size() == 1 && people[0].id == e.user.id;
  if (!only_self && !listed(ctx.rules.managers, e.user.id) && !listed(ctx.rules.admins, e.user.id))
    return refuse(e,
                  "Only managers and admins can see summaries for other people, channels or everyone. "
                  "Yours is always available: " +
                      p + "kudos summary");

  store::SummaryQuery q;
  q.from = ctx.calendar.start_of_day(since_day);
  q.until = ctx.calendar.start_of_day(until_day + 1);
  if (args.everyone) people.clear();  // "everyone" wins over names given beside it
  for (const auto& u : people) q.users.push_back(u.id);
  if (args.channel) q.channel = args.channel->id;
  q.max_reasons = kSummaryReasons;
  const auto s = store.summary(q);

  Result r;
  r.replies.push_back(summary_reply(e, store, ctx, args, s, people));
  return r;
}

}  // namespace

Result handle_kudos(const core::Event& e, store::Writer& store, const Context& ctx) {
  auto args = parse_kudos(e.text, e.mentions);
  switch (args.verb) {
    case KudosArgs::Verb::me:
      return counts(e, store, ctx, {});
    case KudosArgs::Verb::people:
      return counts(e, store, ctx, args.users);
    case KudosArgs::Verb::summary:
      return summary(e, store, ctx, std::move(args));
    case KudosArgs::Verb::help: {
      Result r;
      r.replies.push_back(private_reply(e, kudos_help(e, ctx.rules, ctx.calendar)));
      return r;
    }
    case KudosArgs::Verb::undo:
      return handle_undo(e, store, ctx, args);
    case KudosArgs::Verb::revoke:
      return handle_revoke(e, store, ctx, args);
    case KudosArgs::Verb::privacy:
      return handle_privacy(e, store, ctx, args);
    case KudosArgs::Verb::usage:
      break;
  }
  return usage(e, (args.problem.empty() ? std::string() : "Hmm, " + args.problem + ".\n") +
                      kudos_help(e, ctx.rules, ctx.calendar));
}

}  // namespace brigade::commands
