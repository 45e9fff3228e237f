// Secret redaction for log lines.
#include "adapters/net/redact.hpp"

#include <array>
#include <cctype>

namespace brigade::net {

namespace {
bool token_char(char c) {
  return std::isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '_' || c == '.' || c == '%';
}
}  // namespace

std::string redact(std::string_view text) {
  static constexpr std::array<std::string_view, 8> kPrefixes = {
      "xoxb-", "xoxp-", "xoxa-", "xoxe-", "xapp-", "Bearer ", "ticket=", "hooks.slack.com/"};
  std::string out;
  out.reserve(text.size());
  std::size_t i = 0;
  while (i < text.size()) {
    bool hit = false;
    for (auto p : kPrefixes) {
      if (text.substr(i, p.size()) == p) {
        out.append(p);
        out.append("[redacted]");
        i += p.size();
        while (i < text.size() && (token_char(text[i]) || text[i] == '/')) ++i;
        hit = true;
        break;
      }
    }
    if (!hit) out.push_back(text[i++]);
  }
  return out;
}

}  // namespace brigade::net
