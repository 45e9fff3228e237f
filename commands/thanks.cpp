// /thanks and /praise: the giving rules (self, bots, size, values, quota) and the celebration.
#include <algorithm>
#include <optional>

#include "commands/allowance.hpp"
#include "commands/corrections.hpp"
#include "commands/format.hpp"
#include "commands/handlers.hpp"
#include "commands/parse.hpp"
#include "core/text.hpp"

namespace brigade::commands {
namespace {

using core::BodyBuilder;

std::string value_list(const std::vector<std::string>& values) {
  std::string out;
  for (std::size_t i = 0; i < values.size(); ++i) out += (i ? ", #" : "#") + values[i];
  return out;
}

// The reason as the giver wrote it: "for the review" reads on directly, anything else after a
// colon. Values stripped from the end of the reason come back as tags.
void reason_phrase(BodyBuilder& b, const std::string& reason, const std::vector<std::string>& values) {
  const std::string low = core::to_lower_ascii(reason);
  if (!reason.empty()) b.text(low.rfind("for ", 0) == 0 || low == "for" ? " " + reason : ": " + reason);
  for (const auto& v : values)
    if (low.find("#" + v) == std::string::npos) b.text(" #" + v);
}

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

// The refusal for recipients who cannot be thanked, naming each and why.
// `verb` is how the sentence says it ("thank"), `command` what the user types ("thanks").
std::optional<Result> refuse_recipients(const core::Event& e, const std::vector<core::UserRef>& recipients,
                                        std::string_view verb, std::string_view command) {
  bool self = false;
  std::vector<core::UserRef> bots, gone, unknown;
  for (const auto& r : recipients) {
    if (r.id == e.user.id)
      self = true;
    else if (r.unknown)
      unknown.push_back(r);
    else if (r.is_bot)
      bots.push_back(r);
    else if (r.deactivated)
      gone.push_back(r);
  }
  if (!self && bots.empty() && gone.empty() && unknown.empty()) return std::nullopt;
  const std::string p(prefix(e));
  BodyBuilder b;
  if (!unknown.empty()) {
    // Most likely a typo in a typed id: say which, so it can be fixed and sent again.
    b.text("Nothing recorded: I can't find ");
    mention_list(b, unknown);
    b.text(" on this server — check the spelling" +
           std::string(recipients.size() > unknown.size() ? ", then send it again with the others." : "."));
    return refuse(e, b.take());
  }
  if (!gone.empty()) {
    // Checked first: it is the one refusal the giver cannot fix by rewording.
    b.text("Nothing recorded: ");
    mention_list(b, gone);
    b.text(std::string(gone.size() == 1 ? " has" : " have") +
           " left the workspace, so kudos can't reach them. Thank the others on their own.");
    return refuse(e, b.take());
  }
  if (recipients.size() == 1 && self) {
    b.text("You can't " + std::string(verb) +
           " yourself — but thanks for all you do! 😄 Who helped you today? Try " + p + std::string(command) +
           " @them …");
  } else if (recipients.size() == 1) {
    b.text("🤖 ").mention(bots[0].id, display_name(bots[0]));
    b.text(" is a bot — bots don't collect kudos. " + p + std::string(command) +
           " a human who helped instead!");
  } else {
    b.text("Nothing recorded: ");
    if (self) b.text("you can't " + std::string(verb) + " yourself");
    if (self && !bots.empty()) b.text(", and ");
    if (!bots.empty()) {
      mention_list(b, bots);
      b.text(bots.size() == 1 ? " is a bot" : " are bots");
    }
    b.text(". Try again without " +
           std::string(bots.empty() ? "yourself"
                       : self       ? "yourself and the bots"
                                    : "them") +
           " — the others will be glad to hear it.");
  }
  return refuse(e, b.take());
}

// Only the organisation's #values, when it has a list; one of them when they are required.
std::optional<Result> check_values(const core::Event& e, const ThanksArgs& args, const Rules& rules,
                                   const std::string& verb) {
  const std::string p(prefix(e));
  std::vector<std::string> allowed;
  for (const auto& v : rules.values) allowed.push_back(core::normalise_value(v));
  if (!allowed.empty()) {
    std::vector<std::string> unknown;
    for (const auto& v : args.values)
      if (std::find(allowed.begin(), allowed.end(), v) == allowed.end()) unknown.push_back(v);
    if (!unknown.empty())
      return refuse(e, value_list(unknown) +
                           (unknown.size() == 1 ? " isn't one of our values" : " aren't our values") +
                           ". Nothing recorded — use " + value_list(allowed) + ", or leave the tag out.");
  }
  if (rules.values_required && args.values.empty())
    return refuse(
        e, allowed.empty()
               ? "Please tag it with a #value, e.g. " + p + verb + " @alice for the review #teamwork"
               : "Please tag it with one of our values: " + value_list(allowed) + " — e.g. " + p + verb +
                     " @alice for the review #" + allowed.front());
  return std::nullopt;
}

std::string allowance_left_text(store::Writer& store, const Context& ctx, const std::string& giver) {
  const auto limit = ctx.rules.allowance;
  if (limit == 0) return "No limit on kudos here — keep them coming!";
  const auto when = period_phrase(ctx.rules.allowance_period);
  const auto left = allowance_left(store, ctx, giver);
  if (left == 0) return "That was your last kudos for " + when + ". " + renewal_text(ctx);
  return "You have " + count_of(left, "kudos", "kudos") + " left " + when + ".";
}

// People who turned Brigade off (/kudos privacy off): nothing is recorded from or for them.
std::optional<Result> check_privacy(const core::Event& e, store::Writer& store,
                                    const std::vector<core::UserRef>& recipients) {
  const std::string p(prefix(e));
  if (store.person(e.user.id).privacy == store::Privacy::off)
    return refuse(e, "You've turned Brigade off for yourself, so I can't record kudos from you. " + p +
                         "kudos privacy public turns it back on — your thanks would be welcome!");
  std::vector<core::UserRef> off;
  for (const auto& r : recipients)
    if (store.person(r.id).privacy == store::Privacy::off) off.push_back(r);
  if (off.empty()) return std::nullopt;
  core::BodyBuilder b;
  b.text("Nothing recorded: ");
  mention_list(b, off);
  b.text(std::string(off.size() == 1 ? " has" : " have") +
         " chosen not to take part in Brigade, so I can't record kudos for them. A thank-you in person "
         "still means a lot!" +
         (recipients.size() > off.size() ? " Thank the others on their own." : ""));
  return refuse(e, b.take());
}

// The checks on what was asked, before anything is written: usage, recipients, size, values.
std::optional<Result> check_request(const core::Event& e, const ThanksArgs& args, const Rules& rules,
                                    bool praise) {
  const std::string verb = praise ? "praise" : "thanks";
  const std::string p(prefix(e));
  if (args.help) return usage(e, thanks_usage(e, rules));
  if (args.recipients.empty())
    return usage(e, "Who would you like to " + std::string(praise ? "praise" : "thank") +
                        "? Mention them first, e.g. " + p + verb + " @alice for the review");
  if (praise && args.reason.empty())
    return usage(
        e, "What are you praising them for? e.g. " + p + "praise @alice shipped the migration a week early!");
  if (auto r = refuse_recipients(e, args.recipients, praise ? "praise" : "thank", verb)) return *r;
  if (rules.max_recipients > 0 && args.recipients.size() > rules.max_recipients)
    return refuse(e, "That's " + std::to_string(args.recipients.size()) + " people — one " + p + verb +
                         " can name at most " + std::to_string(rules.max_recipients) +
                         ". Nothing recorded; could you split it up?");
  if (rules.max_reason_length > 0 && core::utf8_length(args.reason) > rules.max_reason_length)
    return refuse(e, "That message is " + std::to_string(core::utf8_length(args.reason)) +
                         " characters; the limit is " + std::to_string(rules.max_reason_length) +
                         ". Nothing recorded — could you shorten it?");
  return check_values(e, args, rules, verb);
}

// One kudos per recipient, and the names as the platform gave them.
std::vector<std::uint64_t> record(const core::Event& e, store::Writer& store, const Context& ctx,
                                  const ThanksArgs& args, store::Kind kind) {
  std::vector<std::uint64_t> ids;
  if (!e.user.name.empty()) store.set_name(e.user.id, e.user.name);
  if (!e.channel.name.empty()) store.set_name(e.channel.id, e.channel.name);
  for (const auto& r : args.recipients) {
    if (!r.name.empty()) store.set_name(r.id, r.name);
    store::Kudos k;
    k.ts = ctx.now;
    k.giver = e.user.id;
    k.recipient = r.id;
    k.channel = e.channel.id;
    k.kind = kind;
    k.reason = args.reason;
    k.values = args.values;
    ids.push_back(store.add_kudos(k));
  }
  return ids;
}

// The public celebration; a thanks says how many each recipient has this week.
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

// A praise shared in the platform's wins channel, unless it was given there (or there is none).
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

// "K41" or "K41–K43": the numbers a giver can undo or an admin revoke.
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

// The giver's private confirmation: the quota left, and mentions that came too late to count.
std::vector<core::Span> confirmation(const core::Event& e, store::Writer& store, const Context& ctx,
                                     const ThanksArgs& args, bool praise, bool crossposted,
                                     const std::vector<std::uint64_t>& ids) {
  const std::string verb = praise ? "praise" : "thanks";
  BodyBuilder mine;
  mine.text(praise ? "✅ Praise for " : "✅ Thanks recorded for ");
  mention_list(mine, args.recipients);
  mine.text((praise ? " posted" + std::string(crossposted ? " and shared in the wins channel" : "")
                    : std::string()) +
            " (" + numbers_text(store, ids) + "). " + allowance_left_text(store, ctx, e.user.id));
  if (ctx.rules.undo_minutes > 0)
    mine.text(" Changed your mind? " + std::string(prefix(e)) + "kudos undo within " +
              std::to_string(ctx.rules.undo_minutes) + " min.");
  if (!args.not_counted.empty()) {
    const bool one = args.not_counted.size() == 1;
    mine.text("\n⚠️ Not counted: ");
    mention_list(mine, args.not_counted);
    mine.text(std::string(one ? " comes" : " come") +
              " after the reason, so the mention is only part of the text. To " +
              (praise ? "praise" : "thank") + " them too, name everyone first: " + std::string(prefix(e)) +
              verb + " ");
    std::vector<core::UserRef> everyone = args.recipients;
    everyone.insert(everyone.end(), args.not_counted.begin(), args.not_counted.end());
    for (std::size_t i = 0; i < everyone.size(); ++i) mine.text((i ? " @" : "@") + display_name(everyone[i]));
    mine.text(" for …");
  }
  return mine.take();
}

Result give(const core::Event& e, store::Writer& store, const Context& ctx, store::Kind kind) {
  const bool praise = kind == store::Kind::praise;
  const auto args = parse_thanks(e.text, e.mentions);
  if (auto no = check_request(e, args, ctx.rules, praise)) return *no;
  if (auto no = check_privacy(e, store, args.recipients)) return *no;
  // Every rule has said yes; the allowance is the last check and the first write.
  if (auto no = debit_allowance(store, ctx, e.user.id, args.recipients)) return refuse(e, *no);

  Result result;
  result.kudos_ids = record(e, store, ctx, args, kind);
  auto celebrate = public_reply(e, celebration(e, store, ctx, args, praise), true);
  celebrate.tag = celebration_tag(result.kudos_ids.front());
  result.replies.push_back(std::move(celebrate));
  std::optional<core::Reply> cross;
  if (praise) cross = wins_crosspost(e, ctx.rules, args);
  if (cross) result.replies.push_back(std::move(*cross));
  result.replies.push_back(
      private_reply(e, confirmation(e, store, ctx, args, praise, cross.has_value(), result.kudos_ids)));
  return result;
}

}  // namespace

Result handle_thanks(const core::Event& e, store::Writer& store, const Context& ctx) {
  return give(e, store, ctx, store::Kind::thanks);
}

Result handle_praise(const core::Event& e, store::Writer& store, const Context& ctx) {
  return give(e, store, ctx, store::Kind::praise);
}

}  // namespace brigade::commands
