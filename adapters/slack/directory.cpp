// The user / group / channel caches.
#include "adapters/slack/directory.hpp"

#include <algorithm>
#include <cctype>

#include <nlohmann/json.hpp>

#include "adapters/net/json_fields.hpp"

namespace brigade::slack {

namespace {
std::string lower(std::string_view s) {
  std::string o(s);
  std::transform(o.begin(), o.end(), o.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return o;
}
}  // namespace

bool Directory::add_user(const nlohmann::json& m) {
  if (!m.is_object()) return false;
  UserInfo u;
  u.id = net::string_field(m, "id");
  if (u.id.empty()) return false;
  nlohmann::json profile =
      m.contains("profile") && m["profile"].is_object() ? m["profile"] : nlohmann::json::object();
  std::string display = net::string_field(profile, "display_name");
  std::string real = net::string_field(profile, "real_name");
  if (real.empty()) real = net::string_field(m, "real_name");
  std::string handle = net::string_field(m, "name");
  u.name = !display.empty() ? display : !real.empty() ? real : !handle.empty() ? handle : u.id;
  // Slackbot is reported as a person; it still must never receive kudos.
  u.is_bot = net::bool_field(m, "is_bot") || net::bool_field(m, "is_app_user") || u.id == "USLACKBOT";
  u.deleted = net::bool_field(m, "deleted");
  u.tz = net::string_field(m, "tz");
  for (const auto& n : {display, real, handle}) {
    if (n.empty()) continue;
    auto& ids = by_name_[lower(n)];
    if (std::find(ids.begin(), ids.end(), u.id) == ids.end()) ids.push_back(u.id);
  }
  users_[u.id] = std::move(u);
  return true;
}

const UserInfo* Directory::user(std::string_view id) const {
  auto it = users_.find(id);
  return it == users_.end() ? nullptr : &it->second;
}

std::optional<std::string> Directory::user_named(std::string_view name) const {
  auto it = by_name_.find(lower(name));
  if (it == by_name_.end()) return std::nullopt;
  std::vector<std::string> live;
  for (const auto& id : it->second)
    if (auto* u = user(id); u && !u->deleted) live.push_back(id);
  if (live.size() != 1) return std::nullopt;
  return live.front();
}

const std::vector<std::string>* Directory::group(std::string_view id) const {
  auto it = groups_.find(id);
  return it == groups_.end() ? nullptr : &it->second;
}

std::optional<std::string> Directory::channel(std::string_view id) const {
  auto it = channels_.find(id);
  if (it == channels_.end()) return std::nullopt;
  return it->second;
}

}  // namespace brigade::slack
