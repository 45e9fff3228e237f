// Matrix identifiers (see ids.hpp).
#include "adapters/matrix/ids.hpp"

#include <cctype>

#include <boost/url/encode.hpp>
#include <boost/url/pct_string_view.hpp>
#include <boost/url/rfc/unreserved_chars.hpp>

namespace brigade::matrix {

namespace {
constexpr std::string_view kPrefix = "matrix:";

bool host_char(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '.' || c == '-';
}

bool valid_server(std::string_view s) {
  if (s.empty()) return false;
  std::string_view host = s;
  if (s.front() == '[') {
    auto close = s.find(']');
    if (close == std::string_view::npos || close < 3) return false;
    for (char c : s.substr(1, close - 1))
      if (!(std::isxdigit(static_cast<unsigned char>(c)) || c == ':' || c == '.')) return false;
    host = {};
    s = s.substr(close + 1);
    if (s.empty()) return true;
    if (s.front() != ':') return false;
  } else {
    auto colon = s.find(':');
    host = s.substr(0, colon);
    s = colon == std::string_view::npos ? std::string_view() : s.substr(colon);
    if (host.empty()) return false;
    for (char c : host)
      if (!host_char(c)) return false;
    if (s.empty()) return true;
  }
  auto port = s.substr(1);
  if (port.empty() || port.size() > 5) return false;
  for (char c : port)
    if (c < '0' || c > '9') return false;
  return true;
}
}  // namespace

std::string qualify(std::string_view matrix_id) {
  std::string s(kPrefix);
  s += matrix_id;
  return s;
}

std::string_view raw_id(std::string_view qualified) {
  if (qualified.substr(0, kPrefix.size()) != kPrefix) return {};
  return qualified.substr(kPrefix.size());
}

bool is_user_id(std::string_view s) {
  if (s.size() < 4 || s.size() > 255 || s.front() != '@') return false;
  auto colon = s.find(':');
  if (colon == std::string_view::npos || colon == 1) return false;
  for (char c : s.substr(1, colon - 1))
    if (static_cast<unsigned char>(c) <= 0x20 || c == 0x7f) return false;
  return valid_server(s.substr(colon + 1));
}

std::string_view server_of(std::string_view user_id) {
  if (!is_user_id(user_id)) return {};
  return user_id.substr(user_id.find(':') + 1);
}

std::string_view localpart(std::string_view user_id) {
  if (!is_user_id(user_id)) return user_id;
  return user_id.substr(1, user_id.find(':') - 1);
}

std::string path_segment(std::string_view s) {
  return boost::urls::encode(s, boost::urls::unreserved_chars);
}

std::optional<std::string> percent_decode(std::string_view s) {
  auto pct = boost::urls::make_pct_string_view(s);
  if (!pct) return std::nullopt;
  return pct->decode();
}

std::string source_of(std::string_view event_id) {
  std::string s(kPrefix);
  s += event_id;
  return s;
}

std::string txn_id(std::string_view instance, std::uint64_t outbox_seq) {
  std::string s = "brigade.";
  s += instance;
  s += '.';
  s += std::to_string(outbox_seq);
  return s;
}

}  // namespace brigade::matrix
