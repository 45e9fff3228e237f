// Reply spans → Slack mrkdwn: native mentions, and every user-supplied character escaped.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "core/types.hpp"

namespace brigade::slack {

// Escapes exactly & < > (in that order of concern): nothing typed by a user can become a live
// mention, link or broadcast (<!channel>), and nothing else is mangled into HTML entities.
std::string escape(std::string_view text);

// Mentions of Slack users become <@U…> when `ping`, else their escaped display text; all plain
// text is escaped. Brigade never sends link_names, so "@here" typed by a user stays inert.
std::string render(const std::vector<core::Span>& body, bool ping);

}  // namespace brigade::slack
