// URL parsing for the schemes network adapters speak: ws, wss, http, https.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace brigade::net {

struct Url {
  std::string scheme;  // lower-case: "ws", "wss", "http", "https"
  std::string host;    // without brackets for IPv6
  std::uint16_t port = 0;
  std::string target;  // path + query, always starts with '/'

  bool tls() const { return scheme == "wss" || scheme == "https"; }
  bool websocket() const { return scheme == "ws" || scheme == "wss"; }
  // "host:port" as the Host header wants it (port omitted when it is the scheme's default).
  std::string host_header() const;
};

// nullopt for anything that is not an absolute ws/wss/http/https URL with a host.
std::optional<Url> parse_url(std::string_view text);

// Joins a base such as "https://slack.com/api/" with a method name ("chat.postMessage").
std::string join_url(std::string_view base, std::string_view tail);

}  // namespace brigade::net
