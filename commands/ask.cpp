// /ask: help requests and their state machine (open → taken → done | cancelled), crediting helpers.
#include <algorithm>

#include "commands/allowance.hpp"
#include "commands/ask_post.hpp"
#include "commands/corrections.hpp"
#include "commands/format.hpp"
#include "commands/handlers.hpp"
#include "commands/parse.hpp"
#include "core/text.hpp"

namespace brigade::commands {
namespace {

using core::BodyBuilder;
using store::Ask;
using store::AskState;

// Longest request text quoted in a helper's kudos reason; the reason stays readable in a summary.
constexpr std::size_t kQuotedRequest = 120;

core::UserRef person(store::Writer& store, const std::string& id) {
  core::UserRef u;
  u.id = id;
  u.name = store.name_of(id);
  return u;
}

std::string number(std::uint64_t n) {
  return "#" + std::to_string(n);
}

// A request's news goes to the channel it was asked in, wherever the command was typed; the
// person who typed it elsewhere is told where it went.
void announce(Result& r, const core::Event& e, store::Writer& store, const Ask& a,
              std::vector<core::Span> body, bool ping) {
  core::Reply pub = public_reply(e, std::move(body), ping);
  if (a.channel.empty() || a.channel == e.channel.id) {
    r.replies.push_back(std::move(pub));
    return;
  }
  pub.channel = a.channel;
  r.replies.push_back(std::move(pub));
  const core::ChannelRef where{a.channel, store.name_of(a.channel)};
  r.replies.push_back(private_reply(
      e, "Done — announced in " + channel_label(where) + ", where " + number(a.id) + " was asked."));
}

// Why `a` cannot move on: "#3 is already done", …
std::string state_problem(const Ask& a) {
  switch (a.state) {
    case AskState::done:
      return number(a.id) + " is already done.";
    case AskState::cancelled:
      return number(a.id) + " was cancelled.";
    default:
      return {};
  }
}

Result open_request(const core::Event& e, store::Writer& store, const Context& ctx, const std::string& text) {
  const auto limit = ctx.rules.max_reason_length;
  if (limit > 0 && core::utf8_length(text) > limit)
    return refuse(e, "That request is " + std::to_string(core::utf8_length(text)) +
                         " characters; the limit is " + std::to_string(limit) +
                         ". Nothing recorded — could you shorten it?");
  Ask a;
  a.channel = e.channel.id;
  a.requester = e.user.id;
  a.text = text;
  a.state = AskState::open;
  a.created = a.updated = ctx.now;
  if (!e.user.name.empty()) store.set_name(e.user.id, e.user.name);
  if (!e.channel.name.empty()) store.set_name(e.channel.id, e.channel.name);
  store.add_ask(a);
  Result r;
  r.replies.push_back(ask_post(e, store, ctx, a, false));
  return r;
}

Result list_requests(const core::Event& e, store::Writer& store) {
  const auto asks = store.open_asks(e.channel.id, 20);
  const std::string p(prefix(e));
  Result r;
  if (asks.empty()) {
    r.replies.push_back(private_reply(e, "No open help requests in " + channel_label(e.channel) +
                                             " — need a hand? " + p + "ask what you need"));
    return r;
  }
  BodyBuilder b;
  b.text("🙋 Open help requests in " + channel_label(e.channel) + ":");
  for (const auto& a : asks) {
    const auto who = person(store, a.requester);
    b.text("\n• " + number(a.id) + " from ").mention(who.id, display_name(who));
    if (a.state == AskState::taken && !a.taker.empty()) {
      const auto taker = person(store, a.taker);
      b.text(" (taken by ").mention(taker.id, display_name(taker)).text(")");
    }
    b.text(": " + shorten(a.text, kQuotedRequest));
  }
  b.text("\nClaim one with " + p + "ask take N.");
  r.replies.push_back(private_reply(e, b.take()));
  return r;
}

Result take(const core::Event& e, store::Writer& store, const Context& ctx, Ask a) {
  if (a.requester == e.user.id)
    return refuse(e, number(a.id) + " is your own request — when someone has helped, close it with " +
                         std::string(prefix(e)) + "ask done " + std::to_string(a.id) +
                         " @helper, or withdraw it with " + std::string(prefix(e)) + "ask cancel " +
                         std::to_string(a.id) + ".");
  if (a.state == AskState::taken) {
    if (a.taker == e.user.id) return refuse(e, "You're already on " + number(a.id) + " 👍");
    const auto taker = person(store, a.taker);
    return refuse(e, BodyBuilder()
                         .text(number(a.id) + " is already taken by ")
                         .mention(taker.id, display_name(taker))
                         .text(" — maybe offer them a hand?")
                         .take());
  }
  if (a.state != AskState::open) return refuse(e, state_problem(a));
  a.state = AskState::taken;
  a.taker = e.user.id;
  a.updated = ctx.now;
  store.put_ask(a);
  if (!e.user.name.empty()) store.set_name(e.user.id, e.user.name);
  const auto requester = person(store, a.requester);
  Result r;
  BodyBuilder b;
  b.text("🙌 ")
      .mention(e.user.id, display_name(e.user))
      .text(" is on help request " + number(a.id) + " from ");
  b.mention(requester.id, display_name(requester)).text(": " + shorten(a.text, kQuotedRequest));
  announce(r, e, store, a, b.take(), true);
  r.replies.push_back(ask_post(e, store, ctx, a, true));
  return r;
}

bool may_close(const core::Event& e, const Context& ctx, const Ask& a) {
  return a.requester == e.user.id || listed(ctx.rules.admins, e.user.id);
}

// An admin closing or withdrawing someone else's request is an admin action: audited.
void audit_override(const core::Event& e, store::Writer& store, const Context& ctx, const Ask& a,
                    const std::string& action) {
  if (a.requester == e.user.id) return;
  audit(store, ctx.now, e.user.id, action, a.requester, "help request " + number(a.id) + ", on their behalf");
}

Result refuse_not_yours(const core::Event& e, store::Writer& store, const Ask& a, std::string_view what) {
  const auto requester = person(store, a.requester);
  return refuse(e, BodyBuilder()
                       .text("Only ")
                       .mention(requester.id, display_name(requester))
                       .text(" (who asked) or an admin can " + std::string(what) + " " + number(a.id) + ".")
                       .take());
}

// The refusal when `helpers` cannot be credited: too many, the requester, unknown, bots or gone.
std::optional<Result> check_helpers(const core::Event& e, store::Writer& store, const Context& ctx,
                                    const Ask& a, const std::vector<core::UserRef>& helpers) {
  if (ctx.rules.max_recipients > 0 && helpers.size() > ctx.rules.max_recipients)
    return refuse(e, "That's " + std::to_string(helpers.size()) + " helpers — at most " +
                         std::to_string(ctx.rules.max_recipients) + " can be credited for one request.");
  std::vector<core::UserRef> bots;
  for (const auto& h : helpers) {
    if (h.id == a.requester) {
      const auto requester = person(store, a.requester);
      return refuse(e, BodyBuilder()
                           .mention(requester.id, display_name(requester))
                           .text(" asked for the help, so they can't be credited for it. Name the people who "
                                 "helped — or withdraw it with " +
                                 std::string(prefix(e)) + "ask cancel " + std::to_string(a.id) + ".")
                           .take());
    }
    if (h.unknown)
      return refuse(e, BodyBuilder()
                           .text("Nothing recorded: I can't find ")
                           .mention(h.id, display_name(h))
                           .text(" on this server — check the spelling.")
                           .take());
    if (h.is_bot || h.deactivated) bots.push_back(h);
  }
  if (!bots.empty()) {
    BodyBuilder b;
    b.text("🤖 ");
    mention_list(b, bots);
    const bool any_bot =
        std::any_of(bots.begin(), bots.end(), [](const core::UserRef& u) { return u.is_bot; });
    b.text(
        any_bot
            ? std::string(bots.size() == 1 ? " is a bot" : " are bots or gone") +
                  " — they don't collect kudos. Nothing recorded; name the humans who helped."
            : std::string(bots.size() == 1 ? " has" : " have") +
                  " left the workspace, so kudos can't reach them. Nothing recorded; name who else helped.");
    return refuse(e, b.take());
  }
  return std::nullopt;
}

// The help kudos' reason quotes the request, within the configured reason limit.
std::string help_reason(const Context& ctx, const Ask& a) {
  std::string head = "helped with " + number(a.id) + ": ";
  std::size_t room = kQuotedRequest;
  if (ctx.rules.max_reason_length > 0) {
    const auto head_len = core::utf8_length(head);
    room =
        ctx.rules.max_reason_length > head_len ? std::min(room, ctx.rules.max_reason_length - head_len) : 0;
  }
  return room == 0 ? std::string(core::trim(head.substr(0, head.size() - 2))) : head + shorten(a.text, room);
}

// Records the helpers on the request and, when the quota allows, one help kudos each (their ids
// go to `ids`). Returns whether they were credited.
bool credit_helpers(store::Writer& store, const Context& ctx, Ask& a,
                    const std::vector<core::UserRef>& helpers, const std::string& reason,
                    std::vector<std::uint64_t>& ids) {
  // Help kudos come out of the giver's daily quota like any other (else opening and closing
  // requests would be a way round it). The giver is the person who was helped, also when an admin
  // closes the request for them, so the quota and `brigade report` count the same kudos. With too
  // little left the request still closes; the helpers are thanked, not credited.
  // People who turned Brigade off are thanked in words but get no kudos recorded.
  std::vector<core::UserRef> counted;
  for (const auto& h : helpers)
    if (store.person(h.id).privacy != store::Privacy::off) counted.push_back(h);
  const bool credited = store.person(a.requester).privacy != store::Privacy::off && !counted.empty() &&
                        !debit_allowance(store, ctx, a.requester, counted);
  a.helpers.clear();
  for (const auto& h : helpers) {
    if (!h.name.empty() && h.name != store.name_of(h.id)) store.set_name(h.id, h.name);
    a.helpers.push_back(h.id);
    if (!credited || store.person(h.id).privacy == store::Privacy::off) continue;
    store::Kudos k;
    k.ts = ctx.now;
    k.giver = a.requester;  // the person who was helped says thanks, even when an admin closes it
    k.recipient = h.id;
    k.channel = a.channel;
    k.kind = store::Kind::help;
    k.reason = reason;
    k.ask = a.id;
    ids.push_back(store.add_kudos(k));
  }
  return credited;
}

// Said privately to whoever closed it when the helpers were thanked but not credited.
std::vector<core::Span> uncredited_note(const core::Event& e, const Ask& a,
                                        const std::vector<core::UserRef>& helpers) {
  BodyBuilder note;
  const bool self = e.user.id == a.requester;
  note.text(std::string(self ? "Your" : "The requester's") + " kudos for today are spent, so ");
  mention_list(note, helpers);
  note.text(
      std::string(helpers.size() == 1 ? " was" : " were") +
      " thanked but not credited with help kudos today. " +
      (self ? "Thank them tomorrow with " + std::string(prefix(e)) + "thanks — it will count then." : ""));
  return note.take();
}

Result done(const core::Event& e, store::Writer& store, const Context& ctx, Ask a,
            std::vector<core::UserRef> helpers) {
  if (!may_close(e, ctx, a)) return refuse_not_yours(e, store, a, "close");
  if (a.state != AskState::open && a.state != AskState::taken) return refuse(e, state_problem(a));
  if (helpers.empty() && !a.taker.empty()) helpers.push_back(person(store, a.taker));
  if (helpers.empty())
    return refuse(e, "Who helped with " + number(a.id) + "? Nobody took it, so name them: " +
                         std::string(prefix(e)) + "ask done " + std::to_string(a.id) + " @helper");
  if (auto no = check_helpers(e, store, ctx, a, helpers)) return *no;
  const std::string reason = help_reason(ctx, a);

  Result r;
  if (!e.user.name.empty()) store.set_name(e.user.id, e.user.name);
  const bool credited = credit_helpers(store, ctx, a, helpers, reason, r.kudos_ids);
  a.state = AskState::done;
  a.updated = ctx.now;
  store.put_ask(a);
  audit_override(e, store, ctx, a, "ask done");

  const auto requester = person(store, a.requester);
  BodyBuilder b;
  b.text("✅ Help request " + number(a.id) + " is resolved — thank you ");
  mention_list(b, helpers);
  b.text(" for helping ")
      .mention(requester.id, display_name(requester))
      .text("! (" + shorten(a.text, kQuotedRequest) + ")");
  announce(r, e, store, a, b.take(), true);
  r.replies.push_back(ask_post(e, store, ctx, a, true));
  if (!credited) r.replies.push_back(private_reply(e, uncredited_note(e, a, helpers)));
  return r;
}

Result cancel(const core::Event& e, store::Writer& store, const Context& ctx, Ask a) {
  if (!may_close(e, ctx, a)) return refuse_not_yours(e, store, a, "withdraw");
  if (a.state == AskState::cancelled) return refuse(e, number(a.id) + " was already cancelled.");
  if (a.state != AskState::open && a.state != AskState::taken)
    return refuse(e, number(a.id) + " is already done — it can't be cancelled.");
  a.state = AskState::cancelled;
  a.updated = ctx.now;
  store.put_ask(a);
  audit_override(e, store, ctx, a, "ask cancel");
  const auto requester = person(store, a.requester);
  Result r;
  BodyBuilder b;
  b.text("Help request " + number(a.id) + " from ").mention(requester.id, display_name(requester));
  b.text(" was withdrawn: " + shorten(a.text, kQuotedRequest));
  announce(r, e, store, a, b.take(), false);
  r.replies.push_back(ask_post(e, store, ctx, a, true));
  return r;
}

}  // namespace

Result handle_ask(const core::Event& e, store::Writer& store, const Context& ctx) {
  auto args = parse_ask(e.text, e.mentions);
  using Verb = AskArgs::Verb;
  switch (args.verb) {
    case Verb::usage:
      return usage(e, args.problem.empty() ? ask_usage(e, ctx.rules)
                                           : "Hmm, " + args.problem + ".\n" + ask_usage(e, ctx.rules));
    case Verb::help:
      return usage(e, ask_usage(e, ctx.rules));
    case Verb::open:
      return open_request(e, store, ctx, args.text);
    case Verb::list:
      return list_requests(e, store);
    default:
      break;
  }
  auto a = args.number == 0 ? std::nullopt : store.ask(args.number);
  if (!a) return refuse(e, "There is no help request #" + std::to_string(args.number) + ".");
  switch (args.verb) {
    case Verb::take:
      return take(e, store, ctx, std::move(*a));
    case Verb::done:
      return done(e, store, ctx, std::move(*a), std::move(args.helpers));
    case Verb::cancel:
      return cancel(e, store, ctx, std::move(*a));
    default:
      return usage(e, ask_usage(e, ctx.rules));
  }
}

}  // namespace brigade::commands
