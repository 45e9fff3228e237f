// Mention rewriting.
#include "adapters/slack/mentions.hpp"

#include <cctype>

#include "adapters/slack/ids.hpp"

namespace brigade::slack {

namespace {

struct Token {
  std::string_view id;
  std::string_view label;
};

Token split(std::string_view inner) {
  auto bar = inner.find('|');
  if (bar == std::string_view::npos) return {inner, {}};
  return {inner.substr(0, bar), inner.substr(bar + 1)};
}

std::string decode(std::string_view s) {
  std::string out;
  for (std::size_t i = 0; i < s.size();) {
    if (s.substr(i, 4) == "&lt;") {
      out += '<';
      i += 4;
    } else if (s.substr(i, 4) == "&gt;") {
      out += '>';
      i += 4;
    } else if (s.substr(i, 5) == "&amp;") {
      out += '&';
      i += 5;
    } else {
      out += s[i++];
    }
  }
  return out;
}

bool name_char(char c) {
  return std::isalnum(static_cast<unsigned char>(c)) || c == '.' || c == '_' || c == '-' ||
         (static_cast<unsigned char>(c) >= 0x80);
}

class Builder {
 public:
  Builder(std::string_view team, const Directory& dir) : team_(team), dir_(dir) {}

  void user(std::string_view id, std::string_view label) {
    std::string name;
    bool is_bot = false;
    bool deactivated = false;
    if (auto* u = dir_.user(id)) {
      name = u->name;
      is_bot = u->is_bot;
      deactivated = u->deleted;
    } else if (!label.empty()) {
      name = std::string(label);
    } else {
      name = std::string(id);
    }
    std::string shown = "@" + name;
    core::Mention m;
    m.pos = out_.text.size();
    m.len = shown.size();
    m.user = core::UserRef{qualify(team_, id), name, is_bot, deactivated};
    out_.text += shown;
    out_.mentions.push_back(std::move(m));
  }

  void channel(std::string_view id, std::string_view label) {
    std::string name = !label.empty() ? std::string(label) : dir_.channel(id).value_or(std::string(id));
    std::string shown = "#" + name;
    core::Mention m;
    m.pos = out_.text.size();
    m.len = shown.size();
    m.channel = core::ChannelRef{qualify(team_, id), name};
    out_.text += shown;
    out_.mentions.push_back(std::move(m));
  }

  // Plain text: entities decoded, then raw "@name" words looked up.
  void plain(std::string_view encoded) {
    std::string s = decode(encoded);
    std::size_t i = 0;
    while (i < s.size()) {
      bool word_start = i == 0 || std::isspace(static_cast<unsigned char>(s[i - 1])) || s[i - 1] == '(';
      if (s[i] == '@' && word_start && i + 1 < s.size() && name_char(s[i + 1])) {
        std::size_t j = i + 1;
        while (j < s.size() && name_char(s[j])) ++j;
        std::string_view name(s.data() + i + 1, j - i - 1);
        // "@bob." at the end of a sentence: try without trailing punctuation too.
        while (!name.empty()) {
          if (auto id = dir_.user_named(name)) {
            user(*id, {});
            i = i + 1 + name.size();
            goto next;
          }
          if (name.back() == '.' || name.back() == '-' || name.back() == '_')
            name.remove_suffix(1);
          else
            break;
        }
        out_.text.append(s, i, j - i);
        i = j;
      } else {
        out_.text += s[i++];
      }
    next:;
    }
  }

  void literal(std::string_view s) { out_.text += decode(s); }
  Rewritten take() { return std::move(out_); }

 private:
  std::string team_;
  const Directory& dir_;
  Rewritten out_;
};

}  // namespace

References scan_references(std::string_view text) {
  References r;
  for (std::size_t i = text.find('<'); i != std::string_view::npos; i = text.find('<', i + 1)) {
    auto close = text.find('>', i);
    if (close == std::string_view::npos) break;
    if (text.find('<', i + 1) < close) continue;  // a stray '<': the entity starts at the next one
    auto t = split(text.substr(i + 1, close - i - 1));
    if (t.id.size() > 1 && t.id.front() == '@') {
      r.users.emplace_back(t.id.substr(1));
    } else if (t.id.substr(0, 9) == "!subteam^") {
      r.groups.emplace_back(t.id.substr(9));
    } else if (t.id.size() > 1 && t.id.front() == '#' && t.label.empty()) {
      r.channels.emplace_back(t.id.substr(1));
    }
  }
  return r;
}

Rewritten rewrite(std::string_view text, std::string_view team, const Directory& dir) {
  Builder b(team, dir);
  std::size_t i = 0;
  while (i < text.size()) {
    auto open = text.find('<', i);
    if (open == std::string_view::npos) {
      b.plain(text.substr(i));
      break;
    }
    auto close = text.find('>', open);
    if (close == std::string_view::npos) {
      b.plain(text.substr(i));
      break;
    }
    // Slack escapes a typed '<' as &lt;, so an entity never holds one: a stray '<' is plain text.
    if (auto again = text.find('<', open + 1); again < close) {
      b.plain(text.substr(i, again - i));
      i = again;
      continue;
    }
    b.plain(text.substr(i, open - i));
    auto t = split(text.substr(open + 1, close - open - 1));
    if (t.id.size() > 1 && t.id.front() == '@') {
      b.user(t.id.substr(1), t.label);
    } else if (t.id.size() > 1 && t.id.front() == '#') {
      b.channel(t.id.substr(1), t.label);
    } else if (t.id.substr(0, 9) == "!subteam^") {
      const auto* members = dir.group(t.id.substr(9));
      if (members && !members->empty()) {
        for (std::size_t k = 0; k < members->size(); ++k) {
          if (k) b.literal(" ");
          b.user((*members)[k], {});
        }
      } else {
        b.literal(t.label.empty() ? std::string_view("@group") : t.label);
      }
    } else if (!t.id.empty() && t.id.front() == '!') {
      // <!here>, <!channel>, <!date^…|label>: shown as inert words, never re-sent live.
      if (!t.label.empty())
        b.literal(t.label);
      else
        b.literal("@" + std::string(t.id.substr(1)));
    } else {
      b.literal(t.label.empty() ? t.id : t.label);  // a link: its label, else the URL
    }
    i = close + 1;
  }
  return b.take();
}

}  // namespace brigade::slack
