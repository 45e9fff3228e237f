// Backend-neutral id rules (store/names.hpp).
#include "store/names.hpp"

#include <algorithm>
#include <cstdio>

#include "core/text.hpp"
#include "store/store.hpp"

namespace brigade::store {

std::optional<std::uint32_t> tombstone_number(std::string_view id) {
  if (!id.starts_with(kTombstone)) return std::nullopt;
  std::uint32_t n = 0;
  for (char c : id.substr(kTombstone.size())) {
    if (c < '0' || c > '9' || n > 0x0fff'ffffu) throw StoreError("bad tombstone", StoreError::Code::invalid);
    n = n * 10 + static_cast<std::uint32_t>(c - '0');
  }
  return n;
}

bool iequal(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (std::size_t i = 0; i < a.size(); ++i) {
    auto x = static_cast<unsigned char>(a[i]);
    auto y = static_cast<unsigned char>(b[i]);
    if (x >= 'A' && x <= 'Z') x = static_cast<unsigned char>(x - 'A' + 'a');
    if (y >= 'A' && y <= 'Z') y = static_cast<unsigned char>(y - 'A' + 'a');
    if (x != y) return false;
  }
  return true;
}

// "console:alice" is "alice"; "matrix:@alice:example.org" is "alice" too (its localpart).
bool id_is_named(std::string_view id, std::string_view name) {
  auto last = id.rfind(':');
  if (last != std::string_view::npos && iequal(id.substr(last + 1), name)) return true;
  std::size_t pos = id.find(':');
  while (pos != std::string_view::npos) {
    std::size_t next = id.find(':', pos + 1);
    auto part = id.substr(pos + 1, next == std::string_view::npos ? std::string_view::npos : next - pos - 1);
    if (part.size() > 1 && part.front() == '@' && iequal(part.substr(1), name)) return true;
    pos = next;
  }
  return false;
}

void check_key(std::string_view key, const char* what) {
  if (key.empty()) throw StoreError(std::string(what) + " must not be empty", StoreError::Code::invalid);
  if (key.size() > kMaxIdBytes)
    throw StoreError(std::string(what) + " is longer than " + std::to_string(kMaxIdBytes) + " bytes",
                     StoreError::Code::invalid);
}

std::string seen_key(std::string_view source) {
  if (source.size() <= kMaxIdBytes) return std::string(source);
  std::uint64_t h = 0xcbf29ce484222325ull;  // FNV-1a 64 over the whole id
  for (unsigned char c : source) h = (h ^ c) * 0x100000001b3ull;
  char hex[17];
  std::snprintf(hex, sizeof hex, "%016llx", static_cast<unsigned long long>(h));
  std::string k(source.substr(0, 440));
  k.push_back('\0');
  k += hex;
  k += std::to_string(source.size());
  return k;
}

bool reply_names(const core::Reply& r, std::string_view id) {
  if (r.user == id) return true;
  return std::any_of(r.body.begin(), r.body.end(), [&](const core::Span& s) { return s.user_id == id; });
}

IdKind id_kind(std::string_view id) {
  if (id.starts_with(kTombstone)) return IdKind::person;
  if (id.starts_with("slack:")) {
    auto last = id.rfind(':');
    char c = last + 1 < id.size() ? id[last + 1] : '\0';
    if (c == 'C' || c == 'G' || c == 'D') return IdKind::channel;
    if (c == 'U' || c == 'W') return IdKind::person;
    return IdKind::unknown;
  }
  if (id.starts_with("matrix:")) {
    char c = id.size() > 7 ? id[7] : '\0';
    if (c == '!') return IdKind::channel;
    if (c == '@') return IdKind::person;
  }
  return IdKind::unknown;
}

std::vector<std::string> ids_given(Reader& r, std::string_view given, char sigil) {
  std::string_view name = core::trim(given);
  if (name.find(':') != std::string_view::npos) return {std::string(name)};
  if (!name.empty() && name.front() == sigil) name.remove_prefix(1);
  if (name.empty()) return {};
  // A person and a channel may share a name ("ops"); a filter of one kind does not take the other.
  const IdKind other = sigil == '#' ? IdKind::person : IdKind::channel;
  auto ids = r.ids_named(name);
  std::erase_if(ids, [&](const std::string& id) { return id_kind(id) == other; });
  return ids;
}

std::string id_list(const std::vector<std::string>& ids) {
  std::string list;
  for (const auto& id : ids) list += (list.empty() ? "" : ", ") + id;
  return list;
}

std::string names_several(std::string_view given, const std::vector<std::string>& ids) {
  return "'" + std::string(given) + "' names " + std::to_string(ids.size()) + " ids (" + id_list(ids) + "); give one";
}

}  // namespace brigade::store
