// What Brigade knows about a workspace's users, user groups and channels (caches fed by the Web API).
#pragma once

#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json_fwd.hpp>

namespace brigade::slack {

struct UserInfo {
  std::string id;
  std::string name;  // display_name, else real_name, else name
  bool is_bot = false;
  bool deleted = false;
  std::string tz;
};

// I/O-free: the adapter fills it from users.list / users.info / usergroups.users.list /
// conversations.info answers, and mention rewriting reads it synchronously.
class Directory {
 public:
  // Parses one users.list member or users.info "user"; returns false when it has no id.
  bool add_user(const nlohmann::json& member);
  void set_group(std::string id, std::vector<std::string> members) {
    groups_[std::move(id)] = std::move(members);
  }
  void set_channel(std::string id, std::string name) { channels_[std::move(id)] = std::move(name); }

  const UserInfo* user(std::string_view id) const;
  // By display name, real name or handle, case-insensitive; nullopt when unknown or ambiguous.
  std::optional<std::string> user_named(std::string_view name) const;
  const std::vector<std::string>* group(std::string_view id) const;
  std::optional<std::string> channel(std::string_view id) const;
  std::size_t user_count() const { return users_.size(); }

 private:
  std::map<std::string, UserInfo, std::less<>> users_;
  std::map<std::string, std::vector<std::string>, std::less<>> by_name_;  // lower-case name -> ids
  std::map<std::string, std::vector<std::string>, std::less<>> groups_;
  std::map<std::string, std::string, std::less<>> channels_;
};

}  // namespace brigade::slack
