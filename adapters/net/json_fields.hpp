// Reading fields out of platform JSON without trusting its shape: a missing field, a field of
// another type, or a body that is not an object all read as empty. nlohmann's `value()` throws
// when the field exists with another type, which a hostile or buggy server must never cause.
#pragma once

#include <string>
#include <vector>

#include <nlohmann/json.hpp>

namespace brigade::net {

inline std::string string_field(const nlohmann::json& j, const char* key) {
  if (!j.is_object()) return {};
  auto it = j.find(key);
  return it != j.end() && it->is_string() ? it->get<std::string>() : std::string();
}

inline bool bool_field(const nlohmann::json& j, const char* key) {
  if (!j.is_object()) return false;
  auto it = j.find(key);
  return it != j.end() && it->is_boolean() && it->get<bool>();
}

// The strings of an array field; other elements are skipped.
inline std::vector<std::string> strings_field(const nlohmann::json& j, const char* key) {
  std::vector<std::string> out;
  if (!j.is_object()) return out;
  auto it = j.find(key);
  if (it == j.end() || !it->is_array()) return out;
  for (const auto& v : *it)
    if (v.is_string()) out.push_back(v.get<std::string>());
  return out;
}

}  // namespace brigade::net
