// Text checks shared by every layer: UTF-8 validity, trimming, HTML escaping.
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace brigade::core {

// Strict UTF-8 (no overlongs, no surrogates, nothing above U+10FFFF).
bool valid_utf8(std::string_view s);
// Number of code points in valid UTF-8 (used for user-facing length limits).
std::size_t utf8_length(std::string_view s);
// Cuts at a code-point boundary so that at most `max_bytes` remain.
std::string_view utf8_truncate(std::string_view s, std::size_t max_bytes);
// Whether byte `i` starts a code point (or is the end): where valid UTF-8 may be cut.
bool utf8_boundary(std::string_view s, std::size_t i);
// The code points of valid UTF-8 (check with valid_utf8 first): the one decoder.
std::vector<char32_t> code_points(std::string_view valid);
// The byte length of the first `n` code points of `s` (all of it when it has fewer).
std::size_t utf8_prefix(std::string_view s, std::size_t n);
std::string_view trim(std::string_view s);
std::string to_lower_ascii(std::string_view s);
// `& < > " '` → entities: user text is always escaped before it goes into HTML.
std::string escape_html(std::string_view text);
// A company value as people type it and as the config names it: "#Teamwork" → "teamwork" (the
// '#' dropped, ASCII lower-cased; non-ASCII letters keep their case: no Unicode tables here).
// Commands and the config compare values through this one function.
std::string normalise_value(std::string_view v);

}  // namespace brigade::core
