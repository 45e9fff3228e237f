// URL parsing for ws/wss/http/https.
#include "adapters/net/url.hpp"

#include <algorithm>
#include <cctype>
#include <charconv>

namespace brigade::net {

namespace {
std::uint16_t default_port(std::string_view scheme) {
  return (scheme == "https" || scheme == "wss") ? 443 : 80;
}
}  // namespace

std::string Url::host_header() const {
  std::string h = host.find(':') != std::string::npos ? "[" + host + "]" : host;
  if (port != default_port(scheme)) h += ":" + std::to_string(port);
  return h;
}

std::optional<Url> parse_url(std::string_view text) {
  auto sep = text.find("://");
  if (sep == std::string_view::npos) return std::nullopt;
  Url u;
  u.scheme.assign(text.substr(0, sep));
  std::transform(u.scheme.begin(), u.scheme.end(), u.scheme.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  if (u.scheme != "ws" && u.scheme != "wss" && u.scheme != "http" && u.scheme != "https") return std::nullopt;
  std::string_view rest = text.substr(sep + 3);
  auto path_at = rest.find_first_of("/?#");
  std::string_view authority = rest.substr(0, path_at);
  std::string_view tail = path_at == std::string_view::npos ? std::string_view{} : rest.substr(path_at);
  if (auto at = authority.rfind('@'); at != std::string_view::npos)
    authority.remove_prefix(at + 1);  // userinfo
  std::string_view port_text;
  if (!authority.empty() && authority.front() == '[') {
    auto close = authority.find(']');
    if (close == std::string_view::npos) return std::nullopt;
    u.host.assign(authority.substr(1, close - 1));
    std::string_view after = authority.substr(close + 1);
    if (!after.empty()) {
      if (after.front() != ':') return std::nullopt;
      port_text = after.substr(1);
    }
  } else {
    auto colon = authority.find(':');
    u.host.assign(authority.substr(0, colon));
    if (colon != std::string_view::npos) port_text = authority.substr(colon + 1);
  }
  if (u.host.empty()) return std::nullopt;
  if (!port_text.empty()) {
    unsigned p = 0;
    auto [ptr, ec] = std::from_chars(port_text.data(), port_text.data() + port_text.size(), p);
    if (ec != std::errc{} || ptr != port_text.data() + port_text.size() || p > 65535) return std::nullopt;
    u.port = static_cast<std::uint16_t>(p);
  } else {
    u.port = default_port(u.scheme);
  }
  if (auto hash = tail.find('#'); hash != std::string_view::npos) tail = tail.substr(0, hash);
  u.target = tail.empty() ? "/" : std::string(tail);
  if (u.target.front() == '?') u.target.insert(0, "/");
  return u;
}

std::string join_url(std::string_view base, std::string_view tail) {
  std::string out(base);
  if (out.empty() || out.back() != '/') out += '/';
  while (!tail.empty() && tail.front() == '/') tail.remove_prefix(1);
  out += tail;
  return out;
}

}  // namespace brigade::net
