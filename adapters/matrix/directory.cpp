// Who is in which room under which display name, and what rooms are called: the Matrix adapter's
// caches for mentions and replies (declared in events.hpp).
#include "adapters/matrix/events.hpp"

#include <algorithm>

#include "adapters/matrix/ids.hpp"

namespace brigade::matrix {

void Directory::set(const std::string& room, const std::string& user, const std::string& name) {
  auto& members = rooms_[room];
  if (name.empty()) {
    members.try_emplace(user);  // a member without a display name: known, named by the localpart
    return;
  }
  members[user] = name;
  any_room_[user] = name;
}

void Directory::remove(const std::string& room, const std::string& user) {
  if (auto it = rooms_.find(room); it != rooms_.end()) it->second.erase(user);
}

void Directory::forget_room(const std::string& room) {
  rooms_.erase(room);
  complete_.erase(room);
}

void Directory::set_members(const std::string& room,
                            std::vector<std::pair<std::string, std::string>> members) {
  rooms_[room].clear();
  for (auto& [user, name] : members) set(room, user, name);
  complete_.insert(room);
}

bool Directory::complete(std::string_view room) const {
  return complete_.find(room) != complete_.end();
}

bool Directory::shares_room(std::string_view user, std::string_view except) const {
  for (const auto& [room, members] : rooms_)
    if (room != except && members.find(user) != members.end()) return true;
  return false;
}

std::string Directory::name(std::string_view room, std::string_view user) const {
  if (auto r = rooms_.find(room); r != rooms_.end())
    if (auto u = r->second.find(user); u != r->second.end() && !u->second.empty()) return u->second;
  if (auto u = any_room_.find(user); u != any_room_.end()) return u->second;
  return std::string(localpart(user));
}

bool Directory::member(std::string_view room, std::string_view user) const {
  auto r = rooms_.find(room);
  return r != rooms_.end() && r->second.find(user) != r->second.end();
}

void Directory::set_room_name(const std::string& room, const std::string& name) {
  if (name.empty())
    room_names_.erase(room);
  else
    room_names_[room] = name;
}

std::string Directory::room_name(std::string_view room) const {
  auto it = room_names_.find(room);
  return it == room_names_.end() ? std::string() : it->second;
}

std::vector<std::string> Directory::named(std::string_view room, std::string_view name) const {
  std::vector<std::string> out;
  if (auto r = rooms_.find(room); r != rooms_.end())
    for (const auto& [user, n] : r->second)
      if (!n.empty() && n == name) out.push_back(user);
  return out;
}

}  // namespace brigade::matrix
