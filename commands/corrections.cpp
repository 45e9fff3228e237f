// Taking kudos back: correction entries, audit entries, and what people see afterwards.
#include "commands/corrections.hpp"

#include <pwd.h>
#include <unistd.h>

#include <algorithm>
#include <map>

#include "commands/format.hpp"
#include "core/text.hpp"

namespace brigade::commands {
namespace {

using core::BodyBuilder;

constexpr std::size_t kQuotedReason = 100;

// The giver's own corrections update the public celebration; an admin's revoke does not shame
// anyone in public — the recipient hears it privately instead.
bool edits_celebration(store::RevokeHow how) {
  return how == store::RevokeHow::undo || how == store::RevokeHow::reaction ||
         how == store::RevokeHow::redacted;
}

// Every kudos the command that recorded `k` recorded: same giver, channel, kind and time.
std::vector<store::Kudos> command_of(store::Writer& store, const store::Kudos& k) {
  auto all = store.kudos_of(k.giver, k.ts, k.ts + 1, 0, false);
  std::erase_if(all, [&](const store::Kudos& x) {
    return x.giver != k.giver || x.channel != k.channel || x.kind != k.kind || x.ts != k.ts;
  });
  return all;
}

std::string name_of(store::Writer& store, const std::string& id) {
  return display_name(id, store.name_of(id));
}

// The celebration as it reads once some (or all) of its kudos are taken back.
core::Reply celebration_edit(store::Writer& store, const std::vector<store::Kudos>& command) {
  const auto& first = command.front();
  std::vector<core::UserRef> kept, gone;
  for (const auto& k : command) {
    core::UserRef u;
    u.id = k.recipient;
    u.name = store.name_of(k.recipient);
    (k.revoked ? gone : kept).push_back(std::move(u));
  }
  const std::string what = first.kind == store::Kind::praise ? "praise" : "thanks";
  BodyBuilder b;
  if (kept.empty()) {
    b.text("↩️ ")
        .mention(first.giver, name_of(store, first.giver))
        .text(" withdrew this " + what + " for ");
    mention_list(b, gone);
    b.text(".");
  } else {
    b.text(first.kind == store::Kind::praise ? "📣 " : "🎉 ")
        .mention(first.giver, name_of(store, first.giver))
        .text(first.kind == store::Kind::praise ? " praised " : " thanked ");
    mention_list(b, kept);
    if (!first.reason.empty()) {
      // As the celebration put it: "for the review" reads on, anything else after a colon.
      const bool reads_on = core::to_lower_ascii(first.reason.substr(0, 4)) == "for ";
      b.text((reads_on ? " " : ": ") + shorten(first.reason, kQuotedReason));
    }
    b.text(" (↩️ withdrawn for ");
    mention_list(b, gone);
    b.text(")");
  }
  core::Reply r;
  r.audience = core::Audience::channel;
  r.channel = first.channel;
  r.body = b.take();
  r.ping = false;
  r.tag = celebration_tag(first.id);
  r.replaces = r.tag;
  return r;
}

// The recipient's private note about an admin's revoke: polite, with the reason.
core::Reply revoke_notice(store::Writer& store, const core::Calendar& cal, const store::Kudos& k,
                          const store::Revocation& why) {
  BodyBuilder b;
  b.text("Hi ").mention(k.recipient, name_of(store, k.recipient));
  b.text(" — a Brigade admin withdrew " + store::kudos_label(k.number) + ", the " +
         std::string(store::to_string(k.kind)) + " you received from ");
  b.mention(k.giver, name_of(store, k.giver)).text(" on " + cal.date_string(k.ts));
  if (!k.reason.empty()) b.text(" (“" + shorten(k.reason, kQuotedReason) + "”)");
  b.text(". Reason: " + (why.reason.empty() ? std::string("none given") : why.reason) +
         ". Your totals have been adjusted. This is a correction to the records, not a judgement of "
         "your work — ask an admin if something looks wrong.");
  core::Reply r;
  r.audience = core::Audience::direct;  // news about them from elsewhere: their direct conversation
  r.channel = k.channel;
  r.user = k.recipient;
  r.body = b.take();
  r.ping = false;
  return r;
}

}  // namespace

std::string celebration_tag(std::uint64_t first_kudos_id) {
  return "kudos:" + std::to_string(first_kudos_id);
}

std::string reply_adapter(const core::Reply& r) {
  return std::string(core::platform_of(r.channel.empty() ? r.user : r.channel));
}

void audit(store::Writer& store, core::Millis ts, std::string actor, std::string action, std::string subject,
           std::string detail) {
  store::AuditEntry e;
  e.ts = ts;
  e.actor = std::move(actor);
  e.action = std::move(action);
  e.subject = std::move(subject);
  e.detail = std::move(detail);
  store.append_audit(e);
}

std::string cli_actor() {
  const passwd* pw = ::getpwuid(::geteuid());
  return "cli:" + std::string(pw != nullptr && pw->pw_name != nullptr ? pw->pw_name : "unknown");
}

TakeBack take_back(store::Writer& store, const Rules& rules, const core::Calendar& cal,
                   const std::vector<std::uint64_t>& ids, const store::Revocation& why) {
  TakeBack out;
  std::map<std::uint64_t, std::vector<store::Kudos>> celebrations;  // first id → its command
  for (auto id : ids) {
    const auto k = store.kudos(id);
    if (!k || !store.revoke_kudos(id, why, rules.allowance_period)) continue;
    out.taken.push_back(id);
    // People are named by the kudos (its K number), never in the text: erasure must reach them.
    std::string detail = std::string(store::to_string(k->kind)) + " given " + cal.date_string(k->ts);
    if (!why.reason.empty()) detail += "; reason: " + why.reason;
    audit(store, why.ts, why.by, std::string(store::to_string(why.how)), store::kudos_label(k->number),
          std::move(detail));
    if (why.how == store::RevokeHow::revoke && !k->channel.empty())
      out.replies.push_back(revoke_notice(store, cal, *k, why));
    if (edits_celebration(why.how) && k->kind != store::Kind::help && !k->channel.empty()) {
      auto command = command_of(store, *k);
      if (!command.empty()) celebrations[command.front().id] = std::move(command);
    }
  }
  for (auto& [first, command] : celebrations) {
    for (auto& k : command) k.revoked = store.kudos(k.id)->revoked;  // as it is now
    out.replies.push_back(celebration_edit(store, command));
  }
  return out;
}

}  // namespace brigade::commands
