// The help request's post and its edits: the request, its state in words, and its buttons.
#include "commands/ask_post.hpp"

#include "commands/format.hpp"

namespace brigade::commands {
namespace {

using core::BodyBuilder;
using store::Ask;
using store::AskState;

// "2026-11-18 10:01 UTC", in the organisation's zone.
std::string when(const Context& ctx, core::Millis ts) {
  return ctx.calendar.datetime_string(ts) + " " + ctx.calendar.tz_name();
}

void mention(BodyBuilder& b, store::Writer& store, const std::string& id) {
  b.mention(id, display_name(id, store.name_of(id)));
}

core::Button button(std::string action, std::string label, const Ask& a, std::string reaction,
                    core::Button::Style style) {
  return core::Button{std::move(action), std::move(label), std::to_string(a.id), std::move(reaction), style};
}

// The state line(s) after the request itself.
void state_words(BodyBuilder& b, const core::Event& e, store::Writer& store, const Context& ctx,
                 const Ask& a) {
  const std::string p(prefix(e)), n = std::to_string(a.id);
  switch (a.state) {
    case AskState::open:
      b.text(" — reply with " + p + "ask take " + n);
      return;
    case AskState::taken:
      b.text("\n🙌 Taken by ");
      mention(b, store, a.taker);
      b.text(" on " + when(ctx, a.updated) + " — when it's sorted, ");
      mention(b, store, a.requester);
      b.text(" closes it with " + p + "ask done " + n);
      return;
    case AskState::done:
      if (!a.taker.empty()) {
        b.text("\n🙌 Taken by ");
        mention(b, store, a.taker);
      }
      b.text("\n✅ Resolved on " + when(ctx, a.updated) + " by ").mention(e.user.id, display_name(e.user));
      if (!a.helpers.empty()) {
        b.text(" — helped by ");
        for (std::size_t i = 0; i < a.helpers.size(); ++i) {
          if (i > 0) b.text(i + 1 == a.helpers.size() ? " and " : ", ");
          mention(b, store, a.helpers[i]);
        }
      }
      return;
    case AskState::cancelled:
      b.text("\n🚫 Withdrawn on " + when(ctx, a.updated) + " by ").mention(e.user.id, display_name(e.user));
      return;
  }
}

}  // namespace

std::string ask_tag(std::uint64_t id) {
  return "ask:" + std::to_string(id);
}

core::Reply ask_post(const core::Event& e, store::Writer& store, const Context& ctx, const Ask& a,
                     bool edit) {
  static const char* const kIcons[] = {"🙋 ", "🙋 ", "🙋 ", "✅ ", "🚫 "};
  BodyBuilder b;
  b.text(std::string(kIcons[static_cast<std::size_t>(a.state) % 5]) + "Help request #" +
         std::to_string(a.id) + " from ");
  mention(b, store, a.requester);
  b.text(": " + a.text);
  state_words(b, e, store, ctx, a);
  core::Reply r;
  r.audience = core::Audience::channel;
  r.channel = a.channel.empty() ? e.channel.id : a.channel;
  r.body = b.take();
  r.ping = false;  // the post and its edits notify nobody; the announcements do
  r.tag = ask_tag(a.id);
  if (edit) r.replaces = r.tag;
  using Style = core::Button::Style;
  if (a.state == AskState::open)
    r.buttons.push_back(button("ask.take", "I'll take it", a, "✋", Style::primary));
  if (a.state == AskState::open || a.state == AskState::taken) {
    r.buttons.push_back(button("ask.done", "Mark done", a, "✅", Style::plain));
    r.buttons.push_back(button("ask.cancel", "Cancel", a, "", Style::danger));
  }
  return r;
}

}  // namespace brigade::commands
