// Keeps secrets out of log lines: Slack tokens, bearer headers, Socket Mode tickets, response URLs.
#pragma once

#include <string>
#include <string_view>

namespace brigade::net {

// Replaces xox?-…/xapp-… tokens, "Bearer …", "ticket=…" and hooks.slack.com paths with "[redacted]".
std::string redact(std::string_view text);

}  // namespace brigade::net
