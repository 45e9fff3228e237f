// The celebration of a /thanks or /praise, its cross-post and the recipients' notes.
#include "commands/celebrate.hpp"

#include <algorithm>

#include "commands/corrections.hpp"
#include "commands/format.hpp"
#include "core/text.hpp"

namespace brigade::commands {
namespace {

using core::BodyBuilder;

bool ends_with(std::string_view s, std::string_view tail) {
  return !tail.empty() && s.size() >= tail.size() && s.substr(s.size() - tail.size()) == tail;
}

// The wins channel is configured as the platform knows it ("C0123", "#wins", "!room:server");
// a praise given there is not cross-posted to itself.
bool is_channel(const core::ChannelRef& c, std::string_view raw) {
  std::string_view bare = raw;
  if (!bare.empty() && bare.front() == '#') bare.remove_prefix(1);
  if (bare.empty()) return false;
  if (c.id == raw || ends_with(c.id, ":" + std::string(raw)) || ends_with(c.id, ":" + std::string(bare)) ||
      ends_with(c.id, ":#" + std::string(bare)))
    return true;
  return !c.name.empty() && core::to_lower_ascii(c.name.front() == '#' ? c.name.substr(1) : c.name) ==
                                core::to_lower_ascii(bare);
}

// The link the command is about (a "Thank the author" message), when it reads as text.
std::string shown_link(const core::Event& e) {
  return core::valid_utf8(e.link) ? std::string(core::trim(e.link)) : std::string();
}

std::vector<core::Span> celebration(const core::Event& e, store::Writer& store, const Context& ctx,
                                    const ThanksArgs& args, bool praise) {
  BodyBuilder pub;
  pub.text(praise ? "📣 " : "🎉 ")
      .mention(e.user.id, display_name(e.user))
      .text(praise ? " praised " : " thanked ");
  mention_list(pub, args.recipients);
  reason_phrase(pub, args.reason, args.values);
  if (praise) return pub.take();
  // Counted workspace-wide: the same person is thanked in many channels.
  const auto week = ctx.calendar.bucket(core::Period::week, ctx.now);
  auto received = [&](const core::UserRef& r) {
    return store.counts(r.id, "", core::Period::week, week).received;
  };
  if (args.recipients.size() == 1) {
    const auto c = received(args.recipients[0]);
    const auto name = display_name(args.recipients[0]);
    pub.text(c <= 1 ? " — " + name + "'s first this week"
                    : " — that's " + std::to_string(c) + " this week for " + name);
  } else {
    pub.text(" — this week: ");
    for (std::size_t i = 0; i < args.recipients.size(); ++i)
      pub.text((i ? ", " : "") + display_name(args.recipients[i]) + " " +
               std::to_string(received(args.recipients[i])));
  }
  return pub.take();
}

}  // namespace

void reason_phrase(BodyBuilder& b, const std::string& reason, const std::vector<std::string>& values) {
  const std::string low = core::to_lower_ascii(reason);
  if (!reason.empty()) b.text(low.rfind("for ", 0) == 0 || low == "for" ? " " + reason : ": " + reason);
  for (const auto& v : values)
    if (low.find("#" + v) == std::string::npos) b.text(" #" + v);
}

core::Reply celebration_reply(const core::Event& e, store::Writer& store, const Context& ctx,
                              const ThanksArgs& args, bool praise, const std::vector<std::uint64_t>& ids) {
  auto spans = celebration(e, store, ctx, args, praise);
  std::vector<core::Block> blocks{core::Block{core::Block::Kind::section, spans}};
  std::string context = numbers_text(store, ids);
  const std::string link = shown_link(e);
  if (!link.empty()) {
    spans.push_back(core::Span{"\n↪ " + link, {}});
    context += (context.empty() ? "↪ " : " · ↪ ") + link;
  }
  if (!context.empty()) blocks.push_back(core::Block{core::Block::Kind::context, {core::Span{context, {}}}});
  core::Reply r = public_reply(e, std::move(spans), true);
  // A reason without a length limit may not fit a block: then the plain message alone.
  if (slack_cost(blocks.front().text) < kSlackTextLimit && slack_cost(blocks.back().text) < kSlackTextLimit)
    r.blocks = std::move(blocks);
  if (!ids.empty()) r.tag = celebration_tag(ids.front());
  return r;
}

std::optional<core::Reply> wins_crosspost(const core::Event& e, const Rules& rules, const ThanksArgs& args) {
  auto wins = rules.wins_channel.find(e.platform);
  if (wins == rules.wins_channel.end() || wins->second.empty() || is_channel(e.channel, wins->second))
    return std::nullopt;
  BodyBuilder cross;
  cross.text("📣 ").mention(e.user.id, display_name(e.user)).text(" praised ");
  mention_list(cross, args.recipients);
  cross.text(" in " + channel_label(e.channel));
  reason_phrase(cross, args.reason, args.values);
  core::Reply r;
  r.audience = core::Audience::crosspost;
  r.channel = wins->second;
  r.body = cross.take();
  r.ping = false;  // they were already notified in the original channel
  return r;
}

std::string numbers_text(store::Writer& store, const std::vector<std::uint64_t>& ids) {
  std::vector<std::uint32_t> numbers;
  for (auto id : ids)
    if (auto k = store.kudos(id)) numbers.push_back(k->number);
  if (numbers.empty()) return "";
  std::sort(numbers.begin(), numbers.end());
  const bool run = numbers.back() - numbers.front() + 1 == numbers.size();
  if (numbers.size() == 1 || !run) {
    std::string out;
    for (std::size_t i = 0; i < numbers.size(); ++i) out += (i ? ", " : "") + store::kudos_label(numbers[i]);
    return out;
  }
  return store::kudos_label(numbers.front()) + "–" + store::kudos_label(numbers.back());
}

std::vector<core::Reply> recipient_notes(const core::Event& e, store::Writer& store, const ThanksArgs& args,
                                         bool praise, const std::vector<std::uint64_t>& ids) {
  std::vector<core::Reply> notes;
  if (ids.empty()) return notes;
  const std::string link = shown_link(e);
  for (std::size_t i = 0; i < args.recipients.size() && i < ids.size(); ++i) {
    const auto& who = args.recipients[i];
    if (who.is_bot || who.id == e.user.id || store.person(who.id).privacy == store::Privacy::off) continue;
    BodyBuilder b;
    b.text(praise ? "📣 " : "🎉 ").mention(e.user.id, display_name(e.user));
    b.text(std::string(praise ? " praised" : " thanked") + " you in " + channel_label(e.channel));
    reason_phrase(b, args.reason, args.values);
    if (auto k = store.kudos(ids[i])) b.text(" (" + store::kudos_label(k->number) + ")");
    if (!link.empty()) b.text("\n↪ " + link);
    core::Reply r;
    r.audience = core::Audience::direct;
    r.channel = e.channel.id;
    r.user = who.id;
    r.body = b.take();
    r.ping = false;  // a direct message notifies by itself; the giver is named, not pinged
    r.link_to = celebration_tag(ids.front());
    notes.push_back(std::move(r));
  }
  return notes;
}

}  // namespace brigade::commands
