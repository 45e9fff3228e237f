// Slack message text → Brigade's readable text with mention spans (user, W-user, user group, channel, raw
// @name).
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "adapters/slack/directory.hpp"
#include "core/types.hpp"

namespace brigade::slack {

// Ids a text refers to, so the adapter can fetch what the directory lacks before rewriting.
struct References {
  std::vector<std::string> users;     // U…/W…
  std::vector<std::string> groups;    // S…
  std::vector<std::string> channels;  // C…/G… without a label
};
References scan_references(std::string_view slack_text);

struct Rewritten {
  std::string text;
  std::vector<core::Mention> mentions;
};

// `<@U1|bob>` → "@bob" + a span for slack:<team>:U1; `<!subteam^S1|@team>` → one "@name" span per
// member; `<#C1|general>` → "#general" with Mention::channel; `<!here>` and links → inert text;
// `&lt; &gt; &amp;` decoded; a raw "@name" that names exactly one known user becomes a span.
// Whether a mention is a recipient or part of a reason is the command grammar's call.
Rewritten rewrite(std::string_view slack_text, std::string_view team, const Directory& dir);

}  // namespace brigade::slack
