// Socket Mode reconnect decisions: what a disconnect reason or an apps.connections.open error means.
#pragma once

#include <string_view>

namespace brigade::slack {

enum class OnDisconnect {
  replace_keep_reading,  // "warning": open a new socket now, keep reading the old one until Slack closes it
  replace_then_close,    // "refresh_requested" (and unknown reasons): new socket first, then drain and close
                         // the old
  stop_failed,           // "link_disabled": Socket Mode switched off in the app settings; retrying only spins
  backoff_reconnect,     // "too_many_websockets": close this one and come back after a backoff
};
OnDisconnect on_disconnect(std::string_view reason);

// Errors after which retrying can never help (a human must fix the tokens or the app).
bool fatal_api_error(std::string_view error);

}  // namespace brigade::slack
