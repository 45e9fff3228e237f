// Matrix events → Brigade actions (see events.hpp).
#include "adapters/matrix/events.hpp"

#include <algorithm>
#include <stdexcept>

#include "adapters/matrix/buttons.hpp"
#include "adapters/matrix/html.hpp"
#include "adapters/matrix/ids.hpp"
#include "adapters/net/json_fields.hpp"
#include "core/text.hpp"

namespace brigade::matrix {

namespace {

using nlohmann::json;

const json& obj(const json& j, const char* key) {
  static const json empty = json::object();
  if (!j.is_object()) return empty;
  auto it = j.find(key);
  return it != j.end() && it->is_object() ? *it : empty;
}

const json& arr(const json& j, const char* key) {
  static const json empty = json::array();
  if (!j.is_object()) return empty;
  auto it = j.find(key);
  return it != j.end() && it->is_array() ? *it : empty;
}

bool is_space(char c) {
  return c == ' ' || c == '\t' || c == '\n' || c == '\r';
}

Parsed ignore(std::string why) {
  Parsed p;
  p.why = std::move(why);
  return p;
}

core::UserRef user_ref(const std::string& id, std::string_view room, const Identity& me,
                       const Directory& dir) {
  return core::UserRef{qualify(id), dir.name(room, id), id == me.user_id};
}

bool overlaps(const std::vector<core::Mention>& ms, std::size_t pos, std::size_t len) {
  for (const auto& m : ms)
    if (pos < m.pos + m.len && m.pos < pos + len) return true;
  return false;
}

bool has_user(const std::vector<core::Mention>& ms, const std::string& qualified) {
  return std::any_of(ms.begin(), ms.end(), [&](const auto& m) { return m.user.id == qualified; });
}

bool word_boundary_before(std::string_view text, std::size_t pos) {
  if (pos == 0) return true;
  char c = text[pos - 1];
  return is_space(c) || c == '(' || c == ',' || c == '"' || c == '\'';
}

bool word_boundary_after(std::string_view text, std::size_t end) {
  if (end >= text.size()) return true;
  char c = text[end];
  return is_space(c) || c == ',' || c == '.' || c == ':' || c == ';' || c == '!' || c == '?' || c == ')';
}

// Occurrences of `needle` in `text` from `from` on, as a whole word, not inside another span.
std::size_t find_word(std::string_view text, std::string_view needle, std::size_t from,
                      const std::vector<core::Mention>& taken) {
  if (needle.empty()) return std::string_view::npos;
  for (auto at = text.find(needle, from); at != std::string_view::npos; at = text.find(needle, at + 1)) {
    if (word_boundary_before(text, at) && word_boundary_after(text, at + needle.size()) &&
        !overlaps(taken, at, needle.size()))
      return at;
  }
  return std::string_view::npos;
}

void add(std::vector<core::Mention>& ms, std::size_t pos, std::size_t len, core::UserRef u) {
  core::Mention m;
  m.pos = pos;
  m.len = len;
  m.user = std::move(u);
  ms.push_back(std::move(m));
}

}  // namespace

// ---- mentions -----------------------------------------------------------------------------------

Rewritten resolve_mentions(std::string_view text, std::string_view formatted_body,
                           const std::vector<std::string>& mentioned_ids, bool is_reply,
                           std::string_view room, const Identity& me, const Directory& dir) {
  Rewritten out;
  out.text = std::string(text);
  auto& ms = out.mentions;
  // 1. Pills: the anchor text is what the plain body shows for them, in the same order.
  std::size_t cursor = 0;
  for (const auto& a : anchors(formatted_body)) {
    auto user = user_from_href(a.href);
    if (!user) continue;
    std::string label(core::trim(a.text));
    auto at = find_word(text, label, cursor, ms);
    if (at == std::string_view::npos) at = find_word(text, label, 0, ms);
    std::size_t len = label.size();
    if (at == std::string_view::npos) {  // some clients put the id itself in the body
      at = find_word(text, *user, 0, ms);
      len = user->size();
    }
    if (at == std::string_view::npos) continue;
    auto ref = user_ref(*user, room, me, dir);
    if (ref.name == localpart(*user) && !label.empty() && label != *user) ref.name = label;
    add(ms, at, len, std::move(ref));
    cursor = at + len;
  }
  // 2. User ids typed as text: "@alice:example.org".
  for (std::size_t at = text.find('@'); at != std::string_view::npos; at = text.find('@', at + 1)) {
    if (!word_boundary_before(text, at) || overlaps(ms, at, 1)) continue;
    std::size_t end = at;
    while (end < text.size() && !is_space(text[end]) && text[end] != ',' && text[end] != ';' &&
           text[end] != ')' && text[end] != '"' && text[end] != '<' && text[end] != '>')
      ++end;
    auto id = text.substr(at, end - at);
    while (!id.empty() && (id.back() == '.' || id.back() == '!' || id.back() == '?' || id.back() == ':'))
      id.remove_suffix(1);
    if (!is_user_id(id) || overlaps(ms, at, id.size())) continue;
    add(ms, at, id.size(), user_ref(std::string(id), room, me, dir));
  }
  // 3. m.mentions ids that no pill or typed id accounts for.
  std::vector<std::string> unplaced;
  for (const auto& id : mentioned_ids) {
    if (!is_user_id(id) || has_user(ms, qualify(id))) continue;
    auto ref = user_ref(id, room, me, dir);
    auto at = find_word(text, ref.name, 0, ms);
    if (at != std::string_view::npos && ref.name != localpart(id)) {
      std::size_t len = ref.name.size();
      add(ms, at, len, std::move(ref));
    } else {
      unplaced.push_back(id);
    }
  }
  bool anyone = std::any_of(ms.begin(), ms.end(), [](const auto& m) { return !m.is_channel(); });
  if (!unplaced.empty() && !anyone && !is_reply) {
    std::string prefix;
    std::vector<core::Mention> front;
    for (const auto& id : unplaced) {
      auto ref = user_ref(id, room, me, dir);
      std::size_t pos = prefix.size();
      std::size_t len = ref.name.size();
      prefix += ref.name;
      prefix += ' ';
      add(front, pos, len, std::move(ref));
    }
    for (auto& m : ms) m.pos += prefix.size();
    out.text.insert(0, prefix);
    front.insert(front.end(), ms.begin(), ms.end());
    ms = std::move(front);
  }
  std::sort(ms.begin(), ms.end(), [](const auto& a, const auto& b) { return a.pos < b.pos; });
  return out;
}

// ---- events -------------------------------------------------------------------------------------

bool is_command(std::string_view word) {
  return word == "thanks" || word == "praise" || word == "ask" || word == "leaderboard" || word == "kudos";
}

std::string normalise_reaction(std::string_view key) {
  std::string out;
  for (std::size_t i = 0; i < key.size();) {
    auto c = static_cast<unsigned char>(key[i]);
    std::size_t n = c < 0x80 ? 1 : c < 0xE0 ? 2 : c < 0xF0 ? 3 : 4;
    auto ch = key.substr(i, n);
    bool variation = ch == "\xEF\xB8\x8F" || ch == "\xEF\xB8\x8E";  // U+FE0F, U+FE0E
    bool skin_tone = ch.size() == 4 && ch.substr(0, 3) == "\xF0\x9F\x8F" &&
                     static_cast<unsigned char>(ch[3]) >= 0xBB && static_cast<unsigned char>(ch[3]) <= 0xBF;
    if (!variation && !skin_tone) out += ch;
    i += n;
  }
  return out;
}

namespace {

// m.reaction with Brigade's reaction: a thanks for the author of the event reacted to (found later);
// with a button's (✋ ✅): maybe a click, once the tag of the message reacted to is known.
Parsed parse_reaction(Parsed p, const json& content, const Identity& me) {
  const json& rel = obj(content, "m.relates_to");
  if (net::string_field(rel, "rel_type") != "m.annotation") return ignore("reaction without an annotation");
  std::string key = net::string_field(rel, "key"), target = net::string_field(rel, "event_id");
  if (target.empty()) return ignore("reaction without a target");
  const bool kudos = normalise_reaction(key) == normalise_reaction(me.reaction);
  if (!kudos && !is_button_reaction(key)) return ignore("reaction " + key);
  p.kind = Parsed::Kind::reaction;
  p.target = target;
  p.key = std::move(key);
  // Not threaded to the message reacted to: that is the recipient's, and the private answer
  // (quota left) is for the giver. Unthreaded private replies name whom they are for.
  p.event.reply_to.clear();
  p.event.command = kudos ? "thanks" : "";
  return p;
}

// m.room.message: a `!command` in plain m.text (not an edit, not a bot's m.notice).
Parsed parse_message(Parsed p, const json& content, const std::string& room, const Identity& me,
                     const Directory& dir) {
  std::string msgtype = net::string_field(content, "msgtype");
  if (msgtype == "m.notice") return ignore("m.notice (bots never answer bots)");
  if (msgtype != "m.text") return ignore("msgtype " + msgtype);
  const json& rel = obj(content, "m.relates_to");
  if (net::string_field(rel, "rel_type") == "m.replace")
    return ignore("an edit (commands run once, from the original)");
  std::string body = net::string_field(content, "body");
  std::string formatted = net::string_field(content, "format") == "org.matrix.custom.html"
                              ? net::string_field(content, "formatted_body")
                              : "";
  bool is_reply = rel.contains("m.in_reply_to");
  if (is_reply) body = strip_reply_fallback(body);
  std::string_view rest = core::trim(body);
  if (rest.empty() || rest.front() != '!') return ignore("not a command");
  auto sp = rest.find_first_of(" \t\n\r");
  std::string word =
      core::to_lower_ascii(rest.substr(1, sp == std::string_view::npos ? rest.size() - 1 : sp - 1));
  if (!is_command(word)) return ignore("not a Brigade command: !" + word.substr(0, 32));
  std::string_view args = sp == std::string_view::npos ? std::string_view() : core::trim(rest.substr(sp));
  std::vector<std::string> ids = net::strings_field(obj(content, "m.mentions"), "user_ids");
  auto rw = resolve_mentions(args, formatted, ids, is_reply, room, me, dir);
  p.kind = Parsed::Kind::command;
  p.event.command = word;
  p.event.text = std::move(rw.text);
  p.event.mentions = std::move(rw.mentions);
  return p;
}

}  // namespace

Parsed parse_event(const json& ev, const std::string& room, const Identity& me, const Directory& dir) {
  if (!ev.is_object()) return ignore("not an object");
  std::string type = net::string_field(ev, "type"), sender = net::string_field(ev, "sender"),
              event_id = net::string_field(ev, "event_id");
  if (event_id.empty() || sender.empty()) return ignore("event without id or sender");
  if (sender == me.user_id) return ignore("Brigade's own event");
  const json& content = obj(ev, "content");
  if (obj(ev, "unsigned").contains("redacted_because")) return ignore("redacted event");
  if (type == "m.room.redaction") {
    // Room versions up to 10 put `redacts` at the top level, v11 in content; accept either.
    std::string target = net::string_field(ev, "redacts");
    if (target.empty()) target = net::string_field(content, "redacts");
    if (target.empty()) return ignore("redaction without a target");
    Parsed p;
    p.kind = Parsed::Kind::revoke;
    p.revoke = source_of(target);
    return p;
  }
  Parsed p;
  core::Event& e = p.event;
  e.source_id = source_of(event_id);
  e.platform = "matrix";
  e.user = user_ref(sender, room, me, dir);
  e.channel = core::ChannelRef{qualify(room), dir.room_name(room)};
  if (auto it = ev.find("origin_server_ts"); it != ev.end() && it->is_number_integer())
    e.ts_ms = it->get<std::int64_t>();
  e.reply_to = event_id;
  if (type == "m.reaction") return parse_reaction(std::move(p), content, me);
  if (type == "m.room.message") return parse_message(std::move(p), content, room, me, dir);
  return ignore("event type " + type);
}

bool complete_reaction(Parsed& p, const std::string& author, const Identity& me, const Directory& dir) {
  std::string room(raw_id(p.event.channel.id));
  if (p.event.command != "thanks") {
    p.why = "reaction " + p.key + " (not the kudos reaction)";
    return false;
  }
  if (author == me.user_id) {
    p.why = "reaction on Brigade's own message";
    return false;
  }
  if (qualify(author) == p.event.user.id) {
    p.why = "reaction on one's own message";
    return false;
  }
  if (!is_user_id(author)) {
    p.why = "reaction on a message without a sender";
    return false;
  }
  core::Event& e = p.event;
  auto ref = user_ref(author, room, me, dir);
  e.text = ref.name + " " + me.reaction;
  core::Mention m;
  m.pos = 0;
  m.len = ref.name.size();
  m.user = std::move(ref);
  e.mentions = {std::move(m)};
  return true;
}

// ---- /sync --------------------------------------------------------------------------------------

namespace {

// j[key] when it is an object (an array), in an answer this code owns and may move from; else null.
json* owned(json& j, const char* key, bool array) {
  if (!j.is_object()) return nullptr;
  auto it = j.find(key);
  return it != j.end() && (array ? it->is_array() : it->is_object()) ? &*it : nullptr;
}

// What a joined room's state or timeline event tells: encryption, the room's name, its members.
void learn(const std::string& room, const json& ev, JoinedRoom& jr, SyncBatch& b, const Identity& me,
           Directory& dir) {
  std::string type = net::string_field(ev, "type");
  if (type == "m.room.encryption" || type == "m.room.encrypted") jr.encrypted = true;
  if (type == "m.room.name" && ev.contains("state_key"))
    dir.set_room_name(room, net::string_field(obj(ev, "content"), "name"));
  if (type != "m.room.member") return;
  std::string user = net::string_field(ev, "state_key");
  const json& c = obj(ev, "content");
  std::string membership = net::string_field(c, "membership");
  if (membership == "join")
    dir.set(room, user, net::string_field(c, "displayname"));
  else if (membership == "leave" || membership == "ban")
    dir.remove(room, user);
  if (auto change = membership_change(ev, room, me)) b.members.push_back(std::move(*change));
}

}  // namespace

SyncBatch parse_sync(json body, const Identity& me, Directory& dir) {
  SyncBatch b;
  b.next_batch = net::string_field(body, "next_batch");
  if (b.next_batch.empty()) throw std::runtime_error("sync answer without next_batch");
  const json& rooms = obj(body, "rooms");

  for (const auto& [room, inv] : obj(rooms, "invite").items()) {
    for (const auto& ev : arr(obj(inv, "invite_state"), "events")) {
      if (net::string_field(ev, "type") != "m.room.member" ||
          net::string_field(ev, "state_key") != me.user_id)
        continue;
      if (net::string_field(obj(ev, "content"), "membership") != "invite") continue;
      b.invites.push_back(Invite{room, net::string_field(ev, "sender")});
      break;
    }
  }
  for (const auto& [room, left] : obj(rooms, "leave").items()) {
    b.left.push_back(room);
    dir.forget_room(room);
  }

  json* join = owned(body["rooms"], "join", false);  // "rooms" is an object or missing (obj above)
  if (join == nullptr) return b;
  json empty_events = json::array();
  for (auto& [room, joined] : join->items()) {
    JoinedRoom jr;
    jr.room = room;
    for (const auto& ev : arr(obj(joined, "state"), "events")) learn(room, ev, jr, b, me, dir);
    json* timeline = owned(joined, "timeline", false);
    json* events = timeline != nullptr ? owned(*timeline, "events", true) : nullptr;
    if (timeline != nullptr)
      if (auto it = timeline->find("limited"); it != timeline->end() && it->is_boolean())
        jr.limited = it->get<bool>();
    if (events != nullptr) jr.timeline.reserve(events->size());
    for (auto& ev : events != nullptr ? *events : empty_events) {
      learn(room, ev, jr, b, me, dir);
      if (net::string_field(ev, "type") == "m.room.member" &&
          net::string_field(ev, "state_key") == me.user_id &&
          net::string_field(obj(ev, "content"), "membership") == "join" &&
          net::string_field(obj(obj(ev, "unsigned"), "prev_content"), "membership") !=
              "join")  // not a rename
        jr.joined_here = true;
      jr.timeline.push_back(std::move(ev));
    }
    b.joined.push_back(std::move(jr));
  }
  return b;
}

}  // namespace brigade::matrix
