// Interactive payloads → actions: button clicks (block_actions), the global and message shortcuts,
// and the thanks modal's submission. No I/O; router.cpp hands every `interactive` envelope here.
#include <algorithm>
#include <cctype>
#include <cmath>

#include "adapters/net/json_fields.hpp"
#include "adapters/slack/modal.hpp"
#include "adapters/slack/router.hpp"

namespace brigade::slack {

namespace {

using nlohmann::json;

const json& field(const json& j, const char* key) {
  static const json kNull;
  if (!j.is_object()) return kNull;
  auto it = j.find(key);
  return it == j.end() ? kNull : *it;
}

bool digits(std::string_view s) {
  return !s.empty() && s.size() <= 12 &&
         std::all_of(s.begin(), s.end(), [](unsigned char c) { return std::isdigit(c) != 0; });
}

std::string team_of(const json& p) {
  std::string team = net::string_field(field(p, "team"), "id");
  return team.empty() ? net::string_field(field(p, "user"), "team_id") : team;
}

// Who clicked or used a shortcut, and its trigger: the parts every modal opening shares.
ModalRequest modal_for(const json& p) {
  ModalRequest m;
  m.trigger_id = net::string_field(p, "trigger_id");
  m.team = team_of(p);
  m.user = net::string_field(field(p, "user"), "id");
  return m;
}

Action open(ModalRequest m, const char* what) {
  if (m.trigger_id.empty() || m.user.empty()) return ignore(std::string(what) + " without trigger_id or user");
  Action a;
  a.kind = Action::Kind::open_modal;
  a.modal = std::move(m);
  return a;
}

// A click on one of Brigade's buttons: the command it stands for, from the clicker, in the
// channel of the message (the same rules as typing it).
Action block_action(const json& p) {
  const json& actions = field(p, "actions");
  if (!actions.is_array() || actions.empty()) return ignore("block_actions without actions");
  const json& act = actions[0];
  std::string id = net::string_field(act, "action_id"), value = net::string_field(act, "value");
  std::string channel = net::string_field(field(p, "container"), "channel_id");
  if (channel.empty()) channel = net::string_field(field(p, "channel"), "id");
  if (id == "kudos.give") {
    ModalRequest m = modal_for(p);
    m.channel = channel;
    return open(std::move(m), "kudos.give");
  }
  Action a;
  a.kind = Action::Kind::command;
  Inbound& c = a.command;
  if (id == "ask.take" || id == "ask.done" || id == "ask.cancel") {
    if (!digits(value)) return ignore("ask button without a request number");
    c.command = "ask";
    c.text = id.substr(4) + " " + value;
  } else if (id == "leaderboard.share") {
    c.command = "leaderboard";
    c.text = value.empty() ? "share" : "share " + value;
  } else {
    return ignore("button " + id.substr(0, 64));
  }
  std::string trigger = net::string_field(p, "trigger_id");
  c.source_id = "slack:action:" + trigger;
  c.team = team_of(p);
  c.user = net::string_field(field(p, "user"), "id");
  c.user_name = net::string_field(field(p, "user"), "name");
  c.channel = channel;
  c.ts_ms = ts_to_ms(net::string_field(act, "action_ts"));
  if (trigger.empty() || c.user.empty() || c.channel.empty()) return ignore("block_actions missing fields");
  return a;
}

// "Thank the author": the modal with the message's author preselected, its channel as the
// default, and the message's permalink to fetch.
Action message_shortcut(const json& p, const Identity& me) {
  ModalRequest m = modal_for(p);
  const json& msg = field(p, "message");
  std::string author = net::string_field(msg, "user");
  if (author != me.bot_user_id && net::string_field(msg, "bot_id").empty()) m.author = author;
  m.channel = net::string_field(field(p, "channel"), "id");
  m.message_ts = net::string_field(p, "message_ts");
  if (m.message_ts.empty()) m.message_ts = net::string_field(msg, "ts");
  return open(std::move(m), "message_action");
}

}  // namespace

Action route_interactive(const json& p, const Identity& me) {
  std::string type = net::string_field(p, "type");
  std::string callback = net::string_field(p, "callback_id");
  if (type == "block_actions") return block_action(p);
  if (type == "shortcut") {
    if (callback != "brigade_give_kudos") return ignore("shortcut " + callback.substr(0, 64));
    return open(modal_for(p), "shortcut");
  }
  if (type == "message_action") {
    if (callback != "brigade_thank_author") return ignore("message shortcut " + callback.substr(0, 64));
    return message_shortcut(p, me);
  }
  if (type == "view_submission") {
    std::string cb = net::string_field(field(p, "view"), "callback_id");
    if (cb != kModalCallback) return ignore("view_submission of " + cb.substr(0, 64));
    return read_submission(p);
  }
  return ignore("interactive payload " + type.substr(0, 64));
}

}  // namespace brigade::slack
