// Small helpers for the core value types.
#include "core/types.hpp"

namespace brigade::core {

std::string Reply::plain() const {
  std::string out;
  for (const auto& s : body) out += s.text;
  return out;
}

BodyBuilder& BodyBuilder::text(std::string_view s) {
  if (s.empty()) return *this;
  if (!spans_.empty() && spans_.back().user_id.empty())
    spans_.back().text.append(s);
  else
    spans_.push_back(Span{std::string(s), {}});
  return *this;
}

BodyBuilder& BodyBuilder::mention(const UserRef& u) {
  return mention(u.id, u.name.empty() ? std::string_view(u.id) : std::string_view(u.name));
}

BodyBuilder& BodyBuilder::mention(std::string_view user_id, std::string_view display) {
  spans_.push_back(Span{"@" + std::string(display), std::string(user_id)});
  return *this;
}

std::string_view platform_of(std::string_view qualified_id) {
  auto colon = qualified_id.find(':');
  return colon == std::string_view::npos ? std::string_view{} : qualified_id.substr(0, colon);
}

}  // namespace brigade::core
