// Reaction buttons, clicks, links and undeliverable replies (see buttons.hpp).
#include "adapters/matrix/buttons.hpp"

#include <algorithm>

#include "adapters/matrix/ids.hpp"

namespace brigade::matrix {

using nlohmann::json;

std::vector<ReactionButton> reaction_buttons(const core::Reply& r, std::string_view notice_txn) {
  std::vector<ReactionButton> out;
  std::vector<std::string> seen;
  for (std::size_t i = 0; i < r.buttons.size(); ++i) {
    const std::string& key = r.buttons[i].reaction;
    if (key.empty()) continue;  // a Slack-only button: the notice's text says what to type
    std::string normal = normalise_reaction(key);
    if (std::find(seen.begin(), seen.end(), normal) != seen.end()) continue;  // the server takes one each
    seen.push_back(std::move(normal));
    ReactionButton b;
    b.key = key;
    b.txn = std::string(notice_txn) + ".r" + std::to_string(i);
    out.push_back(std::move(b));
  }
  return out;
}

json reaction_content(const std::string& event_id, const std::string& key) {
  json rel = json::object();
  rel["rel_type"] = "m.annotation";
  rel["event_id"] = event_id;
  rel["key"] = key;
  json c = json::object();
  c["m.relates_to"] = std::move(rel);
  return c;
}

bool is_button_reaction(std::string_view key) {
  const std::string k = normalise_reaction(key);
  return k == kTakeReaction || k == kDoneReaction;
}

void read_reaction_button(Parsed& p, std::string_view tag) {
  if (p.kind != Parsed::Kind::reaction || tag.substr(0, 4) != "ask:") return;
  const std::string_view id = tag.substr(4);
  if (id.empty() || id.size() > 19 || !std::all_of(id.begin(), id.end(), [](char c) { return c >= '0' && c <= '9'; }))
    return;
  const std::string key = normalise_reaction(p.key);
  const char* verb = key == kTakeReaction ? "take" : key == kDoneReaction ? "done" : nullptr;
  if (!verb) {
    p.kind = Parsed::Kind::ignore;
    p.why = "reaction " + p.key.substr(0, 32) + " on help request #" + std::string(id) + " (not a button)";
    return;
  }
  // A click is the reactor's own command in the room, under the same rules as typing it; the answer
  // to it (a refusal) is threaded to the notice, where the click was.
  p.kind = Parsed::Kind::command;
  p.event.command = "ask";
  p.event.text = std::string(verb) + " " + std::string(id);
  p.event.mentions.clear();
  p.event.reply_to = p.target;
}

namespace {

// RFC 3986 pchar without '/' (which would split the fragment into more parts): kept as it is.
bool keep(unsigned char c) {
  if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')) return true;
  return std::string_view("-._~!$&'()*+,;=:@").find(static_cast<char>(c)) != std::string_view::npos;
}

std::string encode(std::string_view s) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  std::string out;
  for (char ch : s) {
    const auto c = static_cast<unsigned char>(ch);
    if (keep(c)) {
      out += ch;
    } else {
      out += '%';
      out += kHex[c >> 4];
      out += kHex[c & 15];
    }
  }
  return out;
}

}  // namespace

std::string permalink(std::string_view room_id, std::string_view event_id) {
  return "https://matrix.to/#/" + encode(room_id) + "/" + encode(event_id);
}

std::string link_for(const core::Reply& r, std::string_view link_ref) {
  const std::string_view room = raw_id(r.channel);
  if (link_ref.empty() || room.empty()) return {};
  return permalink(room, link_ref);
}

std::string undeliverable(const core::Reply& r) {
  if (r.audience == core::Audience::home)
    return "a Home view (Slack's App Home) has no Matrix counterpart; nothing is sent";
  return {};
}

}  // namespace brigade::matrix
