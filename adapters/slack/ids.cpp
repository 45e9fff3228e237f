// Qualified Slack ids.
#include "adapters/slack/ids.hpp"

namespace brigade::slack {

std::string qualify(std::string_view team, std::string_view id) {
  std::string s = "slack:";
  s += team;
  s += ':';
  s += id;
  return s;
}

std::string raw_id(std::string_view q) {
  if (q.substr(0, 6) == "slack:") {
    auto last = q.rfind(':');
    return std::string(q.substr(last + 1));
  }
  if (!q.empty() && q.front() == '#') q.remove_prefix(1);
  return std::string(q);
}

}  // namespace brigade::slack
