// Builds command Events for tests the way an adapter would: "@name" and "#channel" become mention spans.
#pragma once

#include <string>
#include <vector>

#include "core/types.hpp"

namespace brigade::testing {

inline core::UserRef alice() {
  return core::UserRef{"console:alice", "alice", false};
}
inline core::ChannelRef general() {
  return core::ChannelRef{"console:general", "general"};
}

// make_event("thanks", "@bob for the review", {{"console:bob", "bob"}}): every "@bob" in the text
// becomes a span naming console:bob (the longest matching name wins, so "@Zoë Smith" can be one
// mention); "#ops" becomes a channel span when {"console:ops", "ops"} is in `channels`.
// Unknown @names stay plain text, like a platform that did not recognise them.
inline core::Event make_event(std::string command, std::string text, std::vector<core::UserRef> users = {},
                              std::vector<core::ChannelRef> channels = {}) {
  core::Event e;
  e.source_id = "test:" + command + ":" + text;
  e.platform = "console";
  e.user = alice();
  e.channel = general();
  e.command = std::move(command);
  e.text = std::move(text);
  const std::string& t = e.text;
  auto boundary = [&](std::size_t end) {
    if (end >= t.size()) return true;
    unsigned char c = static_cast<unsigned char>(t[end]);
    return c == ' ' || c == '\t' || c == '\n' || c == 0xC2 /* NBSP */ ||
           std::string(",;:!?.)&@#").find(static_cast<char>(c)) != std::string::npos;
  };
  for (std::size_t i = 0; i < t.size(); ++i) {
    if (t[i] != '@' && t[i] != '#') continue;
    core::Mention best;
    std::size_t best_len = 0;
    if (t[i] == '@') {
      for (const auto& u : users) {
        if (u.name.empty() || t.compare(i + 1, u.name.size(), u.name) != 0) continue;
        if (!boundary(i + 1 + u.name.size()) || u.name.size() <= best_len) continue;
        best_len = u.name.size();
        best.user = u;
      }
    } else {
      for (const auto& c : channels) {
        if (c.name.empty() || t.compare(i + 1, c.name.size(), c.name) != 0) continue;
        if (!boundary(i + 1 + c.name.size()) || c.name.size() <= best_len) continue;
        best_len = c.name.size();
        best.channel = c;
      }
    }
    if (best_len == 0) continue;
    best.pos = i;
    best.len = best_len + 1;
    e.mentions.push_back(best);
    i += best_len;
  }
  return e;
}

// "/thanks @recipient reason" from `giver` in console channel `channel`, with source id `source`.
inline core::Event console_thanks(const std::string& source, const std::string& giver,
                                  const std::string& recipient, const std::string& reason,
                                  const std::string& channel = "general") {
  core::Event e;
  e.source_id = source;
  e.platform = "console";
  e.user = {"console:" + giver, giver, false};
  e.channel = {"console:" + channel, channel};
  e.command = "thanks";
  e.text = "@" + recipient + " " + reason;
  e.mentions.push_back(
      core::Mention{0, recipient.size() + 1, {"console:" + recipient, recipient, false}, {}});
  return e;
}

}  // namespace brigade::testing
