// Dispatch: the table from command word to handler, and the checks every command shares.
#include "commands/commands.hpp"

#include <algorithm>

#include "commands/format.hpp"
#include "commands/handlers.hpp"
#include "core/text.hpp"

namespace brigade::commands {
namespace {

using Handler = Result (*)(const core::Event&, store::Writer&, const Context&);

struct Entry {
  std::string_view name;
  Handler handler;
};

// The whole dispatch. A new command is one line here and one file beside this one.
// clang-format off
constexpr Entry kCommands[] = {
    {"thanks",      handle_thanks},
    {"praise",      handle_praise},
    {"ask",         handle_ask},
    {"leaderboard", handle_leaderboard},
    {"kudos",       handle_kudos},
};
// clang-format on

bool names_valid(const core::Event& e) {
  if (!core::valid_utf8(e.user.name) || !core::valid_utf8(e.channel.name)) return false;
  return std::all_of(e.mentions.begin(), e.mentions.end(), [](const core::Mention& m) {
    return core::valid_utf8(m.user.name) && core::valid_utf8(m.channel.name);
  });
}

// Display names come from the platform; a broken one is dropped (we fall back to the id)
// rather than refusing a command the user typed correctly.
core::Event with_clean_names(const core::Event& e) {
  core::Event c = e;
  if (!core::valid_utf8(c.user.name)) c.user.name.clear();
  if (!core::valid_utf8(c.channel.name)) c.channel.name.clear();
  for (auto& m : c.mentions) {
    if (!core::valid_utf8(m.user.name)) m.user.name.clear();
    if (!core::valid_utf8(m.channel.name)) m.channel.name.clear();
  }
  return c;
}

}  // namespace

std::string_view to_string(Outcome o) {
  switch (o) {
    case Outcome::ok:
      return "ok";
    case Outcome::refused:
      return "refused";
    case Outcome::usage:
      return "usage";
    case Outcome::duplicate:
      return "duplicate";
    case Outcome::error:
      return "error";
  }
  return "unknown";
}

bool listed(const std::vector<std::string>& ids, std::string_view user_id) {
  return !user_id.empty() && std::find(ids.begin(), ids.end(), user_id) != ids.end();
}

// What a command shows about who is still around: a mentioned account the platform reports as
// deactivated leaves the rankings; someone typing a command is evidently back.
namespace {
void note_presence(const core::Event& event, store::Writer& store) {
  for (const auto& m : event.mentions)
    if (!m.is_channel() && m.user.deactivated) store.set_gone(m.user.id, true);
  if (store.person(event.user.id).gone) store.set_gone(event.user.id, false);
}
}  // namespace

Result handle(const core::Event& event, store::Writer& store, const Context& ctx) {
  if (!core::valid_utf8(event.text) || !core::valid_utf8(event.command))
    return refuse(event,
                  "That message isn't valid UTF-8, so I couldn't read it — nothing was recorded. "
                  "Could you type it again?");
  const std::string word = core::to_lower_ascii(event.command);
  // The App Home tab (app_home_opened) is a command of its own, never typed, and only Slack has it.
  if (word == "home" && event.platform == "slack") {
    note_presence(event, store);
    return handle_home(names_valid(event) ? event : with_clean_names(event), store, ctx);
  }
  auto it = std::find_if(std::begin(kCommands), std::end(kCommands),
                         [&](const Entry& c) { return c.name == word; });
  if (it == std::end(kCommands))
    return usage(event, "I don't know " + std::string(prefix(event)) + word + " — try " +
                            std::string(prefix(event)) + "kudos help");
  note_presence(event, store);
  if (!names_valid(event)) return it->handler(with_clean_names(event), store, ctx);
  return it->handler(event, store, ctx);
}

const std::vector<std::string>& command_names() {
  static const std::vector<std::string> names = [] {
    std::vector<std::string> v;
    for (const auto& c : kCommands) v.emplace_back(c.name);
    return v;
  }();
  return names;
}

}  // namespace brigade::commands
