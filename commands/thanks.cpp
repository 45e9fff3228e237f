// /thanks and /praise: the giving rules (self, bots, size, values, quota) and the celebration.
#include <algorithm>
#include <optional>

#include "commands/allowance.hpp"
#include "commands/celebrate.hpp"
#include "commands/format.hpp"
#include "commands/handlers.hpp"
#include "commands/parse.hpp"
#include "core/text.hpp"

namespace brigade::commands {
namespace {

using core::BodyBuilder;

// A refusal that is about one part of the command (a form shows it next to that field).
Result about(Field field, Result r) {
  r.field = field;
  return r;
}

std::string value_list(const std::vector<std::string>& values) {
  std::string out;
  for (std::size_t i = 0; i < values.size(); ++i) out += (i ? ", #" : "#") + values[i];
  return out;
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
  return about(Field::recipients, refuse(e, b.take()));
}

// The checks on what was asked, before anything is written: usage, recipients, size, values.
std::optional<Result> check_request(const core::Event& e, const ThanksArgs& args, const Rules& rules,
                                    bool praise) {
  const std::string verb = praise ? "praise" : "thanks";
  const std::string p(prefix(e));
  if (args.help) return usage(e, thanks_usage(e, rules));
  if (args.recipients.empty())
    return about(Field::recipients,
                 usage(e, "Who would you like to " + std::string(praise ? "praise" : "thank") +
                              "? Mention them first, e.g. " + p + verb + " @alice for the review"));
  if (praise && args.reason.empty())
    return about(Field::reason, usage(e, "What are you praising them for? e.g. " + p +
                                             "praise @alice shipped the migration a week early!"));
  if (auto r = refuse_recipients(e, args.recipients, praise ? "praise" : "thank", verb))
    return about(Field::recipients, std::move(*r));
  if (rules.max_recipients > 0 && args.recipients.size() > rules.max_recipients)
    return about(Field::recipients,
                 refuse(e, "That's " + std::to_string(args.recipients.size()) + " people — one " + p + verb +
                               " can name at most " + std::to_string(rules.max_recipients) +
                               ". Nothing recorded; could you split it up?"));
  if (rules.max_reason_length > 0 && core::utf8_length(args.reason) > rules.max_reason_length)
    return about(Field::reason,
                 refuse(e, "That message is " + std::to_string(core::utf8_length(args.reason)) +
                               " characters; the limit is " + std::to_string(rules.max_reason_length) +
                               ". Nothing recorded — could you shorten it?"));
  if (auto r = check_values(e, args, rules, verb)) return about(Field::values, std::move(*r));
  return std::nullopt;
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
  if (e.channel.id.empty())  // a form whose conversation was not chosen
    return about(Field::channel,
                 refuse(e, "Where should I celebrate it? Pick a channel — nothing recorded yet."));
  if (auto no = check_privacy(e, store, args.recipients)) return *no;
  // Every rule has said yes; the allowance is the last check and the first write.
  if (auto no = debit_allowance(store, ctx, e.user.id, args.recipients))
    return about(Field::recipients, refuse(e, *no));

  Result result;
  result.kudos_ids = record(e, store, ctx, args, kind);
  result.replies.push_back(celebration_reply(e, store, ctx, args, praise, result.kudos_ids));
  std::optional<core::Reply> cross;
  if (praise) cross = wins_crosspost(e, ctx.rules, args);
  if (cross) result.replies.push_back(std::move(*cross));
  result.replies.push_back(
      private_reply(e, confirmation(e, store, ctx, args, praise, cross.has_value(), result.kudos_ids)));
  if (ctx.rules.recipient_dm)
    for (auto& note : recipient_notes(e, store, args, praise, result.kudos_ids))
      result.replies.push_back(std::move(note));
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
