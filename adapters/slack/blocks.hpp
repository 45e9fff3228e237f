// Replies → Slack Block Kit (messages, ephemeral answers, response_url bodies, the Home view), with
// Slack's documented limits enforced by shortening, never by failing: no I/O.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

#include "core/types.hpp"

namespace brigade::slack {

// Slack's limits (docs.slack.dev, Block Kit reference).
inline constexpr std::size_t kMaxMessageBlocks = 50;
inline constexpr std::size_t kMaxViewBlocks = 100;
inline constexpr std::size_t kMaxTextChars = 3000;    // one text object (section, context element)
inline constexpr std::size_t kMaxHeaderChars = 150;   // a header's plain_text
inline constexpr std::size_t kMaxButtonValue = 2000;  // a button's value
inline constexpr std::size_t kMaxButtonText = 75;     // a button's label
inline constexpr std::size_t kMaxActionElements = 25;
inline constexpr std::size_t kMaxViewBytes = 250000;  // the view's JSON

// Cuts `text` to at most `max_bytes` bytes (so at most that many characters) at a code-point
// boundary, ending in "…", without splitting an entity (&amp;) or a <…> token (a mention, a link).
std::string shorten(std::string_view text, std::size_t max_bytes);

// The blocks of a message: the reply's blocks (its body as one section when it has none but has
// buttons or a link), a "See it in the channel" link when `permalink` is set, then its buttons as
// one actions block. An empty array when the reply has no blocks, no buttons and no link: the
// plain `text` says it all.
nlohmann::json message_blocks(const core::Reply& rep, std::string_view permalink = {});

// The mrkdwn `text` fallback of a message (notifications, screen readers), with the link line.
std::string message_text(const core::Reply& rep, std::string_view permalink = {});

// The Home tab: {type:"home", callback_id:"brigade_home", blocks} within 100 blocks and 250 kB.
nlohmann::json home_view(const core::Reply& rep);

// Cuts a view's or message's blocks until the JSON of `view` fits in `max_bytes` (the last
// block before the actions is dropped first, then the one before it, …).
void fit_bytes(nlohmann::json& view, std::size_t max_bytes);

}  // namespace brigade::slack
