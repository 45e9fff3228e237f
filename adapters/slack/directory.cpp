// The user / group / channel caches.
#include "adapters/slack/directory.hpp"

#include <algorithm>
#include <cctype>

#include <nlohmann/json.hpp>

namespace brigade::slack {

namespace {
std::string lower(std::string_view s) {
  std::string o(s);
  std::transform(o.begin(), o.end(), o.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return o;
}
std::string str(const nlohmann::json& j, const char* key) {
  auto it = j.find(key);
  return it != j.end() && it->is_string() ? it->get<std::string>() : std::string{};
}
bool flag(const nlohmann::json& j, const char* key) {
  auto it = j.find(key);
  return it != j.end() && it->is_boolean() && it->get<bool>();
}
}  // namespace

bool Directory::add_user(const nlohmann::json& m) {
  if (!m.is_object()) return false;
  UserInfo u;
  u.id = str(m, "id");
  if (u.id.empty()) return false;
  nlohmann::json profile =
      m.contains("profile") && m["profile"].is_object() ? m["profile"] : nlohmann::json::object();
  std::string display = str(profile, "display_name");
  std::string real = str(profile, "real_name");
  if (real.empty()) real = str(m, "real_name");
  std::string handle = str(m, "name");
  u.name = !display.empty() ? display : !real.empty() ? real : !handle.empty() ? handle : u.id;
  // Slackbot is reported as a person; it still must never receive kudos.
  u.is_bot = flag(m, "is_bot") || flag(m, "is_app_user") || u.id == "USLACKBOT";
  u.deleted = flag(m, "deleted");
  u.tz = str(m, "tz");
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
