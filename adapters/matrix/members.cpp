// Members joining and leaving the rooms Brigade is in, and who that makes gone or back (see
// events.hpp): people who left every room Brigade shares with them are hidden from rankings.
#include <map>

#include "adapters/matrix/events.hpp"
#include "adapters/matrix/ids.hpp"
#include "adapters/net/json_fields.hpp"

namespace brigade::matrix {

namespace {

using nlohmann::json;

const json& field(const json& j, const char* key) {
  static const json empty = json::object();
  if (!j.is_object()) return empty;
  auto it = j.find(key);
  return it != j.end() && it->is_object() ? *it : empty;
}

// The membership before this event: unsigned.prev_content, or the older top-level prev_content.
std::string previous(const json& ev) {
  std::string before = net::string_field(field(field(ev, "unsigned"), "prev_content"), "membership");
  return before.empty() ? net::string_field(field(ev, "prev_content"), "membership") : before;
}

}  // namespace

std::optional<MembershipChange> membership_change(const json& ev, const std::string& room,
                                                  const Identity& me) {
  if (net::string_field(ev, "type") != "m.room.member") return std::nullopt;
  std::string user = net::string_field(ev, "state_key");
  if (user == me.user_id || !is_user_id(user)) return std::nullopt;
  std::string now = net::string_field(field(ev, "content"), "membership"), before = previous(ev);
  MembershipChange c;
  c.room = room;
  c.user = std::move(user);
  if (now == "join") {
    if (before == "join") return std::nullopt;  // a rename or a new avatar
    c.joined = true;
    return c;
  }
  if (now != "leave" && now != "ban") return std::nullopt;       // invite, knock
  if (!before.empty() && before != "join") return std::nullopt;  // from an invite or knock, or again
  return c;
}

PeopleChanges people_changes(const std::vector<MembershipChange>& changes, const Directory& dir,
                             const std::map<std::string, std::string>& direct) {
  struct Seen {
    bool joined = false, left = false;
  };
  std::map<std::string, Seen> seen;  // sorted: the same batch always gives the same effects
  for (const auto& c : changes) {
    auto& s = seen[c.user];
    (c.joined ? s.joined : s.left) = true;
  }
  PeopleChanges out;
  for (const auto& [user, s] : seen) {
    auto dm = direct.find(user);
    if (dir.shares_room(user, dm == direct.end() ? std::string_view() : std::string_view(dm->second))) {
      if (s.joined) out.back.push_back(qualify(user));
    } else if (s.left) {
      out.gone.push_back(qualify(user));
    }
  }
  return out;
}

}  // namespace brigade::matrix
