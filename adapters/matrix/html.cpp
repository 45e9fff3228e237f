// Matrix HTML helpers (see html.hpp).
#include "adapters/matrix/html.hpp"

#include <cctype>
#include <cstdint>

#include "adapters/matrix/ids.hpp"

namespace brigade::matrix {

namespace {

char lower(char c) {
  return static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
}

bool starts_with_ci(std::string_view s, std::string_view prefix) {
  if (s.size() < prefix.size()) return false;
  for (std::size_t i = 0; i < prefix.size(); ++i)
    if (lower(s[i]) != lower(prefix[i])) return false;
  return true;
}

std::size_t find_ci(std::string_view s, std::string_view needle, std::size_t from) {
  for (std::size_t i = from; i + needle.size() <= s.size(); ++i)
    if (starts_with_ci(s.substr(i), needle)) return i;
  return std::string_view::npos;
}

void append_utf8(std::string& out, std::uint32_t cp) {
  if (cp == 0 || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) cp = 0xFFFD;
  if (cp < 0x80) {
    out += static_cast<char>(cp);
  } else if (cp < 0x800) {
    out += static_cast<char>(0xC0 | (cp >> 6));
    out += static_cast<char>(0x80 | (cp & 0x3F));
  } else if (cp < 0x10000) {
    out += static_cast<char>(0xE0 | (cp >> 12));
    out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
    out += static_cast<char>(0x80 | (cp & 0x3F));
  } else {
    out += static_cast<char>(0xF0 | (cp >> 18));
    out += static_cast<char>(0x80 | ((cp >> 12) & 0x3F));
    out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
    out += static_cast<char>(0x80 | (cp & 0x3F));
  }
}

// Text with tags removed and the common entities (named and numeric) decoded.
std::string text_of(std::string_view html) {
  std::string out;
  for (std::size_t i = 0; i < html.size();) {
    char c = html[i];
    if (c == '<') {
      auto close = html.find('>', i);
      if (close == std::string_view::npos) break;
      i = close + 1;
      continue;
    }
    if (c == '&') {
      auto semi = html.find(';', i);
      if (semi != std::string_view::npos && semi - i <= 10) {
        auto name = html.substr(i + 1, semi - i - 1);
        bool done = true;
        if (name == "amp")
          out += '&';
        else if (name == "lt")
          out += '<';
        else if (name == "gt")
          out += '>';
        else if (name == "quot")
          out += '"';
        else if (name == "apos")
          out += '\'';
        else if (name == "nbsp")
          out += ' ';
        else if (name.size() > 1 && name[0] == '#') {
          bool hex = name[1] == 'x' || name[1] == 'X';
          std::uint32_t cp = 0;
          auto digits = name.substr(hex ? 2 : 1);
          done = !digits.empty();
          for (char d : digits) {
            int v = std::isdigit(static_cast<unsigned char>(d))           ? d - '0'
                    : hex && std::isxdigit(static_cast<unsigned char>(d)) ? lower(d) - 'a' + 10
                                                                          : -1;
            if (v < 0 || cp > 0x10FFFF) {
              done = false;
              break;
            }
            cp = cp * (hex ? 16 : 10) + static_cast<std::uint32_t>(v);
          }
          if (done) append_utf8(out, cp);
        } else {
          done = false;
        }
        if (done) {
          i = semi + 1;
          continue;
        }
      }
    }
    out += c;
    ++i;
  }
  return out;
}

// The value of attribute `name` inside one tag's text (`<a class=x href="…">`), decoded.
std::optional<std::string> attribute(std::string_view tag, std::string_view name) {
  for (std::size_t i = 0; i < tag.size();) {
    auto at = find_ci(tag, name, i);
    if (at == std::string_view::npos) return std::nullopt;
    i = at + name.size();
    bool boundary = at > 0 && std::isspace(static_cast<unsigned char>(tag[at - 1]));
    std::size_t j = i;
    while (j < tag.size() && std::isspace(static_cast<unsigned char>(tag[j]))) ++j;
    if (!boundary || j >= tag.size() || tag[j] != '=') continue;
    ++j;
    while (j < tag.size() && std::isspace(static_cast<unsigned char>(tag[j]))) ++j;
    if (j >= tag.size()) return std::nullopt;
    std::string_view value;
    if (tag[j] == '"' || tag[j] == '\'') {
      auto end = tag.find(tag[j], j + 1);
      if (end == std::string_view::npos) return std::nullopt;
      value = tag.substr(j + 1, end - j - 1);
    } else {
      auto end = j;
      while (end < tag.size() && !std::isspace(static_cast<unsigned char>(tag[end])) && tag[end] != '>')
        ++end;
      value = tag.substr(j, end - j);
    }
    return text_of(value);
  }
  return std::nullopt;
}

}  // namespace

std::vector<Anchor> anchors(std::string_view html) {
  std::vector<Anchor> out;
  std::size_t i = 0;
  // A legacy reply fallback quotes someone else's pills: they are not this message's mentions.
  if (auto start = find_ci(html, "<mx-reply", 0); start != std::string_view::npos) {
    auto end = find_ci(html, "</mx-reply>", start);
    if (end != std::string_view::npos) i = end + 11;
  }
  while (i < html.size() && out.size() < 100) {
    auto open = find_ci(html, "<a", i);
    if (open == std::string_view::npos) break;
    if (open + 2 >= html.size()) break;
    char after = html[open + 2];
    if (!std::isspace(static_cast<unsigned char>(after)) && after != '>') {
      i = open + 2;
      continue;
    }
    auto tag_end = html.find('>', open);
    if (tag_end == std::string_view::npos) break;
    auto close = find_ci(html, "</a", tag_end);
    if (close == std::string_view::npos) break;
    Anchor a;
    a.href = attribute(html.substr(open + 2, tag_end - open - 2), "href").value_or("");
    a.text = text_of(html.substr(tag_end + 1, close - tag_end - 1));
    out.push_back(std::move(a));
    i = close + 3;
  }
  return out;
}

std::optional<std::string> user_from_href(std::string_view href) {
  std::string_view id;
  if (auto hash = href.find("#/"); hash != std::string_view::npos &&
                                   (starts_with_ci(href, "https://") || starts_with_ci(href, "http://"))) {
    id = href.substr(hash + 2);
    if (id.substr(0, 5) == "user/") id.remove_prefix(5);
  } else if (starts_with_ci(href, "matrix:u/")) {
    id = href.substr(9);
  } else {
    return std::nullopt;
  }
  if (auto q = id.find('?'); q != std::string_view::npos) id = id.substr(0, q);
  auto decoded = percent_decode(id);
  if (!decoded) return std::nullopt;
  std::string user = starts_with_ci(href, "matrix:u/") ? "@" + *decoded : *decoded;
  if (!is_user_id(user)) return std::nullopt;
  return user;
}

std::string strip_reply_fallback(std::string_view body) {
  std::size_t i = 0;
  bool quoted = false;
  while (i < body.size() && body.substr(i, 1) == ">") {
    quoted = true;
    auto nl = body.find('\n', i);
    if (nl == std::string_view::npos) return {};
    i = nl + 1;
  }
  if (quoted && i < body.size() && body[i] == '\n') ++i;
  return std::string(body.substr(i));
}

}  // namespace brigade::matrix
