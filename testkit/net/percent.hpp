// Percent-decoding for the fakes, written apart from the adapters' own so a fake never shares a
// bug with the code it tests. Header-only.
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace brigade::testing {

// "%21" → "!"; nullopt when a '%' is not followed by two hex digits. '+' stays '+'.
inline std::optional<std::string> percent_decode(std::string_view s) {
  auto hex = [](char c) -> int {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
  };
  std::string out;
  out.reserve(s.size());
  for (std::size_t i = 0; i < s.size(); ++i) {
    if (s[i] != '%') {
      out += s[i];
      continue;
    }
    if (i + 2 >= s.size()) return std::nullopt;
    int hi = hex(s[i + 1]), lo = hex(s[i + 2]);
    if (hi < 0 || lo < 0) return std::nullopt;
    out += static_cast<char>(hi * 16 + lo);
    i += 2;
  }
  return out;
}

// A form or query value: '+' is a space, then percent-decoded; kept as it came (with spaces) when
// an escape is broken.
inline std::string form_decode(std::string_view s) {
  std::string v(s);
  for (auto& c : v)
    if (c == '+') c = ' ';
  return percent_decode(v).value_or(v);
}

}  // namespace brigade::testing
