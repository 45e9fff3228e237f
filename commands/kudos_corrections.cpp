// /kudos undo, /kudos revoke and /kudos privacy: a giver's second thoughts, an admin's
// correction, and each person's choice of how visible they are.
#include "commands/corrections.hpp"
#include "commands/format.hpp"
#include "commands/handlers.hpp"
#include "commands/parse.hpp"

namespace brigade::commands {
namespace {

using core::BodyBuilder;

constexpr core::Millis kMinute = 60'000;

// Takes the kudos back and sorts the replies by the adapter they go out through.
void apply_take_back(const core::Event& e, store::Writer& store, const Context& ctx,
                     const std::vector<std::uint64_t>& ids, const store::Revocation& why, Result& r) {
  auto tb = take_back(store, ctx.rules, ctx.calendar, ids, why);
  for (auto& reply : tb.replies) {
    auto adapter = reply_adapter(reply);
    if (adapter.empty() || adapter == e.platform)
      r.replies.push_back(std::move(reply));
    else
      r.routed.emplace_back(std::move(adapter), std::move(reply));
  }
}

std::string what_it_was(store::Writer& store, const store::Kudos& k) {
  return store::kudos_label(k.number) + " (" + std::string(store::to_string(k.kind)) + " for " +
         display_name(k.recipient, store.name_of(k.recipient)) + ")";
}

// The giver's latest command still inside the window: every kudos it recorded that is not yet
// taken back (a /thanks to three people is undone as one).
std::vector<store::Kudos> latest_command(store::Writer& store, const core::Event& e, core::Millis since,
                                         core::Millis now) {
  auto mine = store.kudos_of(e.user.id, since, now + 1, 0, true);
  std::erase_if(mine, [&](const store::Kudos& k) { return k.giver != e.user.id || k.revoked; });
  if (mine.empty()) return mine;
  const auto& last = mine.front();
  std::erase_if(mine, [&](const store::Kudos& k) {
    return k.ts != last.ts || k.channel != last.channel || k.kind != last.kind;
  });
  return mine;
}

std::optional<Result> undo_refusal(const core::Event& e, const Context& ctx, const store::Kudos& k) {
  const std::string p(prefix(e));
  const auto label = store::kudos_label(k.number);
  if (k.giver != e.user.id)
    return refuse(e, label +
                         " isn't yours to undo — only the person who gave it can. If it's wrong, an admin "
                         "can revoke it.");
  if (k.revoked) return refuse(e, label + " was already withdrawn.");
  if (ctx.now - k.ts > static_cast<core::Millis>(ctx.rules.undo_minutes) * kMinute)
    return refuse(e, label + " was given " + duration_text(ctx.now - k.ts) + " ago; undo works for " +
                         std::to_string(ctx.rules.undo_minutes) +
                         " min. If it must go, an admin can revoke it with a reason.");
  return std::nullopt;
}

}  // namespace

Result handle_undo(const core::Event& e, store::Writer& store, const Context& ctx, const KudosArgs& args) {
  const std::string p(prefix(e));
  if (ctx.rules.undo_minutes == 0)
    return refuse(e, "Undo is switched off here. If a kudos must go, an admin can revoke it.");
  std::vector<store::Kudos> target;
  if (args.number) {
    auto k = store.kudos_numbered(*args.number);
    if (!k) return refuse(e, "There is no " + store::kudos_label(*args.number) + ".");
    if (auto no = undo_refusal(e, ctx, *k)) return *no;
    target.push_back(std::move(*k));
  } else {
    const auto window = static_cast<core::Millis>(ctx.rules.undo_minutes) * kMinute;
    target = latest_command(store, e, ctx.now - window, ctx.now);
    if (target.empty())
      return refuse(e, "Nothing to undo: you haven't given kudos in the last " +
                           std::to_string(ctx.rules.undo_minutes) + " min.");
  }
  std::vector<std::uint64_t> ids;
  for (const auto& k : target) ids.push_back(k.id);
  Result r;
  apply_take_back(e, store, ctx, ids, store::Revocation{ctx.now, store::RevokeHow::undo, e.user.id, ""}, r);
  BodyBuilder b;
  b.text("↩️ Withdrawn: ");
  for (std::size_t i = 0; i < target.size(); ++i) b.text((i ? ", " : "") + what_it_was(store, target[i]));
  b.text(". It no longer counts, and your allowance has it back.");
  r.replies.insert(r.replies.begin(), private_reply(e, b.take()));
  return r;
}

Result handle_revoke(const core::Event& e, store::Writer& store, const Context& ctx, const KudosArgs& args) {
  const std::string p(prefix(e));
  if (!listed(ctx.rules.admins, e.user.id))
    return refuse(e, "Only admins can revoke kudos. If you gave it, " + p +
                         "kudos undo takes it back within " + std::to_string(ctx.rules.undo_minutes) +
                         " min.");
  const auto label = store::kudos_label(*args.number);
  if (args.reason.empty())
    return usage(e, "Please add a reason — " + label + "'s recipient is told it: " + p + "kudos revoke " +
                        label + " given twice by mistake");
  auto k = store.kudos_numbered(*args.number);
  if (!k) return refuse(e, "There is no " + label + ".");
  if (k->revoked)
    return refuse(e, label + " was already withdrawn" +
                         (k->revocation ? " (" + std::string(store::to_string(k->revocation->how)) + ", " +
                                              ctx.calendar.date_string(k->revocation->ts) + ")"
                                        : std::string()) +
                         ". Nothing changed.");
  Result r;
  apply_take_back(e, store, ctx, {k->id},
                  store::Revocation{ctx.now, store::RevokeHow::revoke, e.user.id, args.reason}, r);
  BodyBuilder b;
  b.text("Revoked " + label + " — the " + std::string(store::to_string(k->kind)) + " from ");
  b.mention(k->giver, display_name(k->giver, store.name_of(k->giver))).text(" to ");
  b.mention(k->recipient, display_name(k->recipient, store.name_of(k->recipient)));
  b.text(" on " + ctx.calendar.date_string(k->ts) +
         ". The recipient has been told privately, with your reason; the audit log has it.");
  r.replies.insert(r.replies.begin(), private_reply(e, b.take()));
  return r;
}

Result handle_privacy(const core::Event& e, store::Writer& store, const Context& ctx, const KudosArgs& args) {
  const std::string p(prefix(e));
  const auto now = store.person(e.user.id).privacy;
  const std::string choices =
      "\n• " + p + "kudos privacy public — counted and shown on leaderboards (the default)" + "\n• " + p +
      "kudos privacy hidden — kudos still recorded and celebrated, but you are left out of leaderboards, "
      "digests and the dashboard's rankings (you still see your own stats)" +
      "\n• " + p + "kudos privacy off — Brigade records nothing for you; people who thank you are told so";
  if (args.privacy.empty())
    return Result{
        Outcome::ok,
        {private_reply(e, "Your privacy setting is " + std::string(store::to_string(now)) + "." + choices)},
        {},
        {}};
  const auto choice = store::parse_privacy(args.privacy);
  if (!choice) return usage(e, "Privacy can be public, hidden or off:" + choices);
  if (*choice == now)
    return Result{
        Outcome::ok, {private_reply(e, "It's already " + args.privacy + " — nothing changed.")}, {}, {}};
  store.set_privacy(e.user.id, *choice);
  audit(store, ctx.now, e.user.id, "privacy", e.user.id,
        std::string(store::to_string(now)) + " → " + std::string(store::to_string(*choice)));
  std::string text;
  switch (*choice) {
    case store::Privacy::public_:
      text = "You're public again: counted and shown on leaderboards. Welcome back! 🎉";
      break;
    case store::Privacy::hidden:
      text =
          "Done — you're hidden: kudos to you are still recorded and celebrated, but you won't appear on "
          "leaderboards, digests or the dashboard's rankings. " +
          p + "kudos still shows your own stats.";
      break;
    case store::Privacy::off:
      text =
          "Done — Brigade is off for you: nothing new is recorded from or for you, and people who thank you "
          "are told so. What was recorded before stays (an admin can erase it on request). " +
          p + "kudos privacy public turns it back on any time.";
      break;
  }
  return Result{Outcome::ok, {private_reply(e, text)}, {}, {}};
}

}  // namespace brigade::commands
