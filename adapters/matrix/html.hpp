// The slice of Matrix HTML Brigade needs: escaping outgoing text, finding user pills in incoming
// formatted_body, and stripping legacy reply fallbacks.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/text.hpp"

namespace brigade::matrix {

// Outgoing text is escaped with core::escape_html before it goes into formatted_body.
using core::escape_html;

// An <a href=…>text</a> in formatted_body, href and text with entities decoded and tags dropped.
struct Anchor {
  std::string href;
  std::string text;
};
// Tolerant: attributes in any order and quoting, nested tags inside the anchor, a leading
// <mx-reply>…</mx-reply> ignored. Never throws on malformed input.
std::vector<Anchor> anchors(std::string_view html);

// The user a pill links to: https://matrix.to/#/@u:s (percent-encoded or not, with or without
// ?via=…), a custom permalink prefix …/#/user/@u:s, or matrix:u/u:s. nullopt for anything else.
std::optional<std::string> user_from_href(std::string_view href);

// Drops a legacy reply fallback from a plain body: leading "> " lines and the blank line after.
std::string strip_reply_fallback(std::string_view body);

}  // namespace brigade::matrix
