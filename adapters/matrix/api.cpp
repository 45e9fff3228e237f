// Matrix answers and replies (see api.hpp).
#include "adapters/matrix/api.hpp"

#include <date/date.h>

#include <algorithm>
#include <charconv>
#include <sstream>

#include "adapters/matrix/html.hpp"
#include "adapters/matrix/ids.hpp"
#include "adapters/net/json_fields.hpp"

namespace brigade::matrix {

namespace {

using nlohmann::json;

// The longest wait a homeserver may ask for; more is capped, so now + wait never overflows.
constexpr core::Millis kMaxRetryAfterMs = 24LL * 3600 * 1000;

// "Sun, 06 Nov 1994 08:49:37 GMT" (RFC 9110's IMF-fixdate): checked by shape first, because
// date::parse reads a malformed %S into a NaN it then converts to an integer (undefined).
bool imf_fixdate_shape(std::string_view v) {
  static constexpr std::string_view kShape = "Aaa, 00 Aaa 0000 00:00:00 GMT";
  if (v.size() != kShape.size()) return false;
  for (std::size_t i = 0; i < v.size(); ++i) {
    const char c = v[i], k = kShape[i];
    const bool ok = k == '0'   ? c >= '0' && c <= '9'
                    : k == 'A' ? (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z')
                    : k == 'a' ? (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z')
                               : c == k;
    if (!ok) return false;
  }
  return true;
}

// Retry-After: delay-seconds or an HTTP-date (RFC 9110); -1 when absent or unreadable; at most
// kMaxRetryAfterMs.
core::Millis parse_retry_after(std::string_view v, core::Millis now_ms) {
  while (!v.empty() && v.front() == ' ') v.remove_prefix(1);
  while (!v.empty() && v.back() == ' ') v.remove_suffix(1);
  if (v.empty()) return -1;
  long long secs = 0;
  auto [p, ec] = std::from_chars(v.data(), v.data() + v.size(), secs);
  if (p == v.data() + v.size() && ec == std::errc::result_out_of_range && v.front() != '-')
    return kMaxRetryAfterMs;
  if (ec == std::errc() && p == v.data() + v.size())
    return secs < 0 ? -1 : secs > kMaxRetryAfterMs / 1000 ? kMaxRetryAfterMs : secs * 1000;
  if (!imf_fixdate_shape(v)) return -1;
  std::istringstream in{std::string(v)};
  date::sys_seconds when;
  in >> date::parse("%a, %d %b %Y %H:%M:%S GMT", when);
  if (in.fail()) return -1;
  auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(when.time_since_epoch()).count();
  return ms > now_ms ? std::min(ms - now_ms, kMaxRetryAfterMs) : 0;
}

}  // namespace

bool Answer::transient() const {
  return status == 0 || status >= 500 || rate_limited() || code == "M_RESOURCE_LIMIT_EXCEEDED";
}

Answer read_answer(int status, std::string_view body, std::string_view retry_after_header,
                   std::string_view transport_error, core::Millis now_ms) {
  Answer a;
  a.status = status;
  if (status == 0) {
    a.message = std::string(transport_error);
    return a;
  }
  a.body = json::parse(body, nullptr, false);
  if (a.body.is_discarded()) a.body = nullptr;
  if (a.body.is_object()) {
    if (auto it = a.body.find("errcode"); it != a.body.end() && it->is_string())
      a.code = it->get<std::string>();
    if (auto it = a.body.find("error"); it != a.body.end() && it->is_string())
      a.message = it->get<std::string>();
    if (auto it = a.body.find("soft_logout"); it != a.body.end() && it->is_boolean())
      a.soft_logout = it->get<bool>();
  }
  if (!a.ok() && a.code.empty()) a.code = "M_UNKNOWN";
  if (a.ok()) a.code.clear();
  a.retry_after_ms = parse_retry_after(retry_after_header, now_ms);
  if (a.retry_after_ms < 0 && a.body.is_object())
    if (auto it = a.body.find("retry_after_ms"); it != a.body.end() && it->is_number_integer())
      a.retry_after_ms = std::clamp<core::Millis>(it->get<core::Millis>(), 0, kMaxRetryAfterMs);
  if (!a.ok() && !a.body.is_object() && a.message.empty()) a.message = "the answer is not a JSON object";
  return a;
}

bot::Delivery send_outcome(const Answer& a) {
  if (a.ok()) {
    auto d = bot::Delivery::sent();
    d.message_ref = net::string_field(a.body, "event_id");
    return d;
  }
  if (a.rate_limited())
    return bot::Delivery::retry(a.describe(), a.retry_after_ms > 0 ? a.retry_after_ms : 1000);
  if (a.transient() || a.token_invalid()) return bot::Delivery::retry(a.describe());
  // M_FORBIDDEN (not in the room), M_NOT_FOUND, M_TOO_LARGE, M_BAD_JSON: retrying cannot help.
  return bot::Delivery::drop(a.describe());
}

bool edit_refused(const Answer& a) {
  return !a.ok() && !a.transient() && !a.token_invalid() && (a.status == 400 || a.status == 404);
}

json notice_content(const core::Reply& r, bool direct_room, std::string_view link) {
  std::string body, html;
  json mentioned = json::array();
  auto mention = [&](std::string_view id) {
    for (const auto& m : mentioned)
      if (m == id) return;
    mentioned.push_back(std::string(id));
  };
  const bool is_private = r.audience == core::Audience::private_ || r.audience == core::Audience::direct;
  const auto addressee = raw_id(r.user);
  if (is_private && !direct_room && r.reply_to.empty() && is_user_id(addressee)) {
    const std::string name(localpart(addressee));  // clients show the pill with the display name
    body += name + ": ";
    html += "<a href=\"https://matrix.to/#/" + escape_html(addressee) + "\">" + escape_html(name) + "</a>: ";
  }
  for (const auto& s : r.body) {
    body += s.text;
    auto id = raw_id(s.user_id);
    if (!id.empty() && is_user_id(id)) {
      html += "<a href=\"https://matrix.to/#/" + escape_html(id) + "\">" + escape_html(s.text) + "</a>";
      if (r.ping) mention(id);
    } else {
      html += escape_html(s.text);
    }
  }
  if (!link.empty()) {
    body += "\n\u21AA " + std::string(link);  // ↪, as the commands show a link the command is about
    html += "\n\u21AA <a href=\"" + escape_html(link) + "\">" + escape_html(link) + "</a>";
  }
  // Line breaks survive in HTML only as <br>.
  std::string formatted;
  for (char c : html) {
    if (c == '\n')
      formatted += "<br>";
    else
      formatted += c;
  }
  json c = json::object();
  c["msgtype"] = "m.notice";
  c["body"] = body;
  c["format"] = "org.matrix.custom.html";
  c["formatted_body"] = formatted;
  if (is_private) {
    if (is_user_id(addressee)) mention(addressee);
    if (!r.reply_to.empty() && !direct_room) {
      json to = json::object();
      to["event_id"] = r.reply_to;
      json rel = json::object();
      rel["m.in_reply_to"] = to;
      c["m.relates_to"] = rel;
    }
  }
  json m = json::object();
  if (!mentioned.empty()) m["user_ids"] = mentioned;
  c["m.mentions"] = m;
  return c;
}

json edit_content(const core::Reply& r, const std::string& event_id, bool direct_room) {
  json now = notice_content(r, direct_room);
  now.erase("m.relates_to");
  json rel = json::object();
  rel["rel_type"] = "m.replace";
  rel["event_id"] = event_id;
  json c = json::object();
  c["msgtype"] = "m.notice";
  c["body"] = "* " + net::string_field(now, "body");
  c["format"] = "org.matrix.custom.html";
  c["formatted_body"] = "* " + net::string_field(now, "formatted_body");
  c["m.new_content"] = std::move(now);
  c["m.mentions"] = json::object();
  c["m.relates_to"] = rel;
  return c;
}

}  // namespace brigade::matrix
