// Text checks shared by every layer: UTF-8 validity, trimming, HTML escaping.
#pragma once

#include <string>
#include <string_view>

namespace brigade::core {

// Strict UTF-8 (no overlongs, no surrogates, nothing above U+10FFFF).
bool valid_utf8(std::string_view s);
// Number of code points in valid UTF-8 (used for user-facing length limits).
std::size_t utf8_length(std::string_view s);
// Cuts at a code-point boundary so that at most `max_bytes` remain.
std::string_view utf8_truncate(std::string_view s, std::size_t max_bytes);
std::string_view trim(std::string_view s);
std::string to_lower_ascii(std::string_view s);
// `& < > " '` → entities: user text is always escaped before it goes into HTML.
std::string escape_html(std::string_view text);

}  // namespace brigade::core
