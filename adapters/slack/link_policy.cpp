// Socket Mode reconnect decisions.
#include "adapters/slack/link_policy.hpp"

#include <array>

namespace brigade::slack {

OnDisconnect on_disconnect(std::string_view reason) {
  if (reason == "warning") return OnDisconnect::replace_keep_reading;
  if (reason == "link_disabled") return OnDisconnect::stop_failed;
  if (reason == "too_many_websockets") return OnDisconnect::backoff_reconnect;
  return OnDisconnect::replace_then_close;
}

bool fatal_api_error(std::string_view error) {
  static constexpr std::array<std::string_view, 7> kFatal = {
      "not_authed",    "invalid_auth", "account_inactive", "user_removed_from_team",
      "team_disabled", "missing_args", "token_revoked"};
  for (auto e : kFatal)
    if (e == error) return true;
  return false;
}

}  // namespace brigade::slack
