// Slack ids in Brigade's qualified form: users "slack:<team>:<user>", channels "slack:<team>:<channel>".
#pragma once

#include <string>
#include <string_view>

namespace brigade::slack {

std::string qualify(std::string_view team, std::string_view id);
// The Slack id inside a qualified id ("U1" for "slack:T1:U1"); anything else is returned unchanged
// except for a leading '#' (a configured wins channel may be written "#wins").
std::string raw_id(std::string_view qualified);

}  // namespace brigade::slack
