// Envelope routing.
#include "adapters/slack/router.hpp"

#include <algorithm>
#include <cctype>
#include <cmath>

#include "adapters/net/json_fields.hpp"
#include "adapters/slack/ids.hpp"

namespace brigade::slack {

std::int64_t ts_to_ms(const std::string& ts) {
  if (ts.empty()) return 0;
  try {
    return static_cast<std::int64_t>(std::llround(std::stod(ts) * 1000.0));
  } catch (...) {
    return 0;
  }
}

Action ignore(std::string why) {
  Action a;
  a.why = std::move(why);
  return a;
}

namespace {

using nlohmann::json;

std::string trim(std::string_view s) {
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.front()))) s.remove_prefix(1);
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.back()))) s.remove_suffix(1);
  return std::string(s);
}

Action slash_command(const json& p) {
  Action a;
  a.kind = Action::Kind::command;
  auto& c = a.command;
  std::string trigger = net::string_field(p, "trigger_id");
  if (trigger.empty()) return ignore("slash command without trigger_id");
  c.source_id = "slack:trigger:" + trigger;
  c.team = net::string_field(p, "team_id");
  c.user = net::string_field(p, "user_id");
  c.user_name = net::string_field(p, "user_name");
  c.channel = net::string_field(p, "channel_id");
  c.channel_name = net::string_field(p, "channel_name");
  c.command = net::string_field(p, "command");
  if (!c.command.empty() && c.command.front() == '/') c.command.erase(0, 1);
  std::transform(c.command.begin(), c.command.end(), c.command.begin(),
                 [](unsigned char ch) { return static_cast<char>(std::tolower(ch)); });
  c.text = net::string_field(p, "text");
  c.response_url = net::string_field(p, "response_url");
  if (c.user.empty() || c.channel.empty() || c.command.empty()) return ignore("slash command missing fields");
  if ((c.command == "thanks" || c.command == "praise") && trim(c.text).empty()) {
    // Nothing typed after it: the thanks modal, opened with this command's trigger.
    Action m;
    m.kind = Action::Kind::open_modal;
    m.modal.trigger_id = trigger;
    m.modal.team = c.team;
    m.modal.user = c.user;
    m.modal.channel = c.channel;
    m.modal.command = c.command;
    m.modal.from_slash = true;
    return m;
  }
  return a;
}

Action app_mention(const json& p, const json& ev, const Identity& me) {
  Action a;
  a.kind = Action::Kind::command;
  auto& c = a.command;
  c.source_id = "slack:event:" + net::string_field(p, "event_id");
  c.team = net::string_field(p, "team_id");
  c.user = net::string_field(ev, "user");
  c.channel = net::string_field(ev, "channel");
  c.ts_ms = ts_to_ms(net::string_field(ev, "ts"));
  std::string owned = net::string_field(ev, "text");
  std::string_view rest = owned;
  // Drop the leading "<@UBOT>" (or "<@UBOT|brigade>") that addressed us.
  std::string lead = "<@" + me.bot_user_id;
  auto start = rest.find_first_not_of(" \t\n");
  if (start != std::string_view::npos && rest.substr(start, lead.size()) == lead) {
    auto close = rest.find('>', start);
    rest = close == std::string_view::npos ? std::string_view{} : rest.substr(close + 1);
  }
  std::string body = trim(rest);
  auto sp = body.find_first_of(" \t\n");
  std::string word = body.substr(0, sp);
  if (!word.empty() && (word.front() == '/' || word.front() == '!')) word.erase(0, 1);
  std::transform(word.begin(), word.end(), word.begin(),
                 [](unsigned char ch) { return static_cast<char>(std::tolower(ch)); });
  if (word.empty()) {
    c.command = "kudos";
    c.text = "help";
  } else {
    c.command = word;
    c.text = sp == std::string::npos ? std::string{} : trim(std::string_view(body).substr(sp));
  }
  if (c.user.empty() || c.channel.empty()) return ignore("app_mention missing fields");
  return a;
}

// The Home tab shown: the command `home` answers with the person's view (views.publish).
Action home_opened(const json& p, const json& ev) {
  if (net::string_field(ev, "tab") != "home") return ignore("app_home_opened on the messages tab");
  Action a;
  a.kind = Action::Kind::command;
  auto& c = a.command;
  std::string event_id = net::string_field(p, "event_id");
  c.source_id = "slack:event:" + event_id;
  c.team = net::string_field(p, "team_id");
  c.user = net::string_field(ev, "user");
  c.channel = net::string_field(ev, "channel");
  c.command = "home";
  c.view_hash = net::string_field(ev.contains("view") ? ev["view"] : json(), "hash");
  if (event_id.empty() || c.user.empty() || c.channel.empty()) return ignore("app_home_opened missing fields");
  return a;
}

}  // namespace

std::string reaction_source(std::string_view channel, std::string_view ts, std::string_view reactor,
                            std::string_view emoji) {
  std::string s = "slack:react:";
  s += channel;
  s += ':';
  s += ts;
  s += ':';
  s += reactor;
  s += ':';
  s += emoji;
  return s;
}

Action route(const Frame& f, const Identity& me) {
  const json& p = f.payload;
  if (f.type == "slash_commands") return slash_command(p);
  if (f.type == "interactive") return route_interactive(p, me);
  if (f.type != "events_api") return ignore("envelope type " + f.type);
  if (net::string_field(p, "type") != "event_callback")
    return ignore("events_api payload type " + net::string_field(p, "type"));
  auto it = p.find("event");
  if (it == p.end() || !it->is_object()) return ignore("events_api without event");
  const json& ev = *it;
  std::string type = net::string_field(ev, "type");
  std::string user = net::string_field(ev, "user");
  if (!net::string_field(ev, "bot_id").empty() || (!me.bot_user_id.empty() && user == me.bot_user_id))
    return ignore("event from a bot");
  if (type == "app_mention") return app_mention(p, ev, me);
  if (type == "app_home_opened") return home_opened(p, ev);
  if (type == "reaction_added" || type == "reaction_removed") {
    std::string emoji = net::string_field(ev, "reaction");
    // Skin-tone variants ("raised_hands::skin-tone-3") count as the configured emoji.
    if (auto colons = emoji.find("::"); colons != std::string::npos) emoji.resize(colons);
    if (emoji != me.reaction) return ignore("reaction " + emoji);
    const json& item = ev.contains("item") ? ev["item"] : json();
    if (net::string_field(item, "type") != "message") return ignore("reaction on a non-message");
    std::string channel = net::string_field(item, "channel"), ts = net::string_field(item, "ts"),
                author = net::string_field(ev, "item_user");
    if (channel.empty() || ts.empty() || user.empty()) return ignore("reaction missing fields");
    std::string source = reaction_source(channel, ts, user, emoji);
    if (type == "reaction_removed") {
      Action a;
      a.kind = Action::Kind::revoke;
      a.revoke_source = source;
      return a;
    }
    if (author.empty()) return ignore("reaction without item_user");
    if (author == me.bot_user_id) return ignore("reaction on Brigade's own message");
    if (author == user) return ignore("reaction on one's own message");
    Action a;
    a.kind = Action::Kind::command;
    auto& c = a.command;
    c.source_id = source;
    c.team = net::string_field(p, "team_id");
    c.user = user;
    c.channel = channel;
    c.command = "thanks";
    c.text = "<@" + author + "> :" + emoji + ":";
    c.ts_ms = ts_to_ms(net::string_field(ev, "event_ts"));
    return a;
  }
  return ignore("event " + type);
}

std::optional<PersonChange> person_change(const Frame& f, const Identity& me) {
  const json& p = f.payload;
  if (f.type != "events_api" || net::string_field(p, "type") != "event_callback") return std::nullopt;
  const json& ev = p.contains("event") ? p["event"] : json();
  std::string type = net::string_field(ev, "type");
  if (type != "user_change" && type != "team_join") return std::nullopt;
  const json& u = ev.contains("user") ? ev["user"] : json();
  std::string id = net::string_field(u, "id");
  // Bots never take part in rankings; Slackbot is reported as a person (see Directory::add_user).
  if (id.empty() || id == me.bot_user_id || id == "USLACKBOT" || net::bool_field(u, "is_bot") ||
      net::bool_field(u, "is_app_user"))
    return std::nullopt;
  auto deleted = u.find("deleted");
  bool flagged = deleted != u.end() && deleted->is_boolean();
  // A profile change without the flag cannot tell: better to leave the person as they are.
  if (type == "user_change" && !flagged) return std::nullopt;
  std::string team = net::string_field(p, "team_id");
  if (team.empty()) team = net::string_field(u, "team_id");
  if (team.empty()) team = me.team_id;
  PersonChange c;
  c.user = qualify(team, id);
  c.gone = flagged && deleted->get<bool>();
  c.profile = u;
  return c;
}

}  // namespace brigade::slack
