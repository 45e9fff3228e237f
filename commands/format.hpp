// Shared reply wording: names, addressing (public/private), counts, durations and usage texts.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "commands/commands.hpp"
#include "core/types.hpp"

namespace brigade::commands {

// What to call someone: their display name, else the readable part of the id
// ("matrix:@alice:example.org" → "alice", "slack:T1:U1" → "U1").
std::string display_name(std::string_view id, std::string_view name);
std::string display_name(const core::UserRef& u);
// "#general", from the channel's name or the readable part of its id.
std::string channel_label(const core::ChannelRef& c);

// The command prefix users type on this platform: "!" on Matrix, "/" elsewhere.
std::string_view prefix(const core::Event& e);

// Replies to the person who typed the command, seen only by them.
core::Reply private_reply(const core::Event& e, std::vector<core::Span> body);
core::Reply private_reply(const core::Event& e, std::string_view text);
// A message in the channel the command was given in.
core::Reply public_reply(const core::Event& e, std::vector<core::Span> body, bool ping);

// One private reply and the outcome: the shape of every refusal and usage answer.
Result refuse(const core::Event& e, std::vector<core::Span> body);
Result refuse(const core::Event& e, std::string_view text);
Result usage(const core::Event& e, std::string_view text);

// "1 kudos" / "3 kudos", "1 request" / "2 requests".
std::string count_of(std::uint64_t n, std::string_view one, std::string_view many);
// "45 min", "5 h 20 min" (rounded up to the minute, so it never says "0 min").
std::string duration_text(core::Millis ms);
// Appends "@a", "@a and @b", "@a, @b and @c" as mentions.
void mention_list(core::BodyBuilder& b, const std::vector<core::UserRef>& users);
// Cuts to at most `max` code points, ending with "…" when something was cut.
std::string shorten(std::string_view s, std::size_t max);

// At most what `spans` take in one Slack text object once escaped (& → &amp;, < and > → &lt; &gt;)
// with mentions rendered (<@U…>), to keep a block under Slack's 3,000 characters.
std::size_t slack_cost(const std::vector<core::Span>& spans);
inline constexpr std::size_t kSlackTextLimit = 3000;

// Usage texts, with the platform's prefix and the configured quota.
std::string thanks_usage(const core::Event& e, const Rules& rules);
std::string ask_usage(const core::Event& e, const Rules& rules);
std::string leaderboard_usage(const core::Event& e);
std::string kudos_help(const core::Event& e, const Rules& rules, const core::Calendar& calendar);

}  // namespace brigade::commands
