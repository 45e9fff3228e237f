// mrkdwn rendering and escaping.
#include "adapters/slack/mrkdwn.hpp"

#include "adapters/slack/ids.hpp"

namespace brigade::slack {

std::string escape(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (char c : text) {
    switch (c) {
      case '&':
        out += "&amp;";
        break;
      case '<':
        out += "&lt;";
        break;
      case '>':
        out += "&gt;";
        break;
      default:
        out += c;
    }
  }
  return out;
}

std::string render(const std::vector<core::Span>& body, bool ping) {
  std::string out;
  for (const auto& s : body) {
    bool slack_user = !s.user_id.empty() && core::platform_of(s.user_id) == "slack";
    if (slack_user && ping) {
      out += "<@" + raw_id(s.user_id) + ">";
    } else {
      out += escape(s.text);
    }
  }
  return out;
}

}  // namespace brigade::slack
