// Fuzz target: Matrix /sync answers, room events, pills in formatted_body, ids and homeserver answers
// (adapters/matrix/: events, html, ids, api), with the command grammar on every parsed command.
//
// Input: a JSON object is a /sync answer (has "next_batch"), a recorded HTTP answer (has "status"),
// or one room event; anything else is split at NUL bytes into plain body, formatted_body,
// m.mentions ids (one per line) and a Retry-After header, each used on its own too.
#include <nlohmann/json.hpp>

#include "adapters/matrix/api.hpp"
#include "adapters/matrix/buttons.hpp"
#include "adapters/matrix/events.hpp"
#include "adapters/matrix/html.hpp"
#include "adapters/matrix/ids.hpp"
#include "core/text.hpp"
#include "tests/fuzz/fuzz_support.hpp"

namespace {

using namespace brigade;
using nlohmann::json;

constexpr core::Millis kNow = 1794996000000;  // 2026-11-18 10:00 UTC
const std::string kRoom = "!kudos:example.org";

const matrix::Identity& me() {
  static const matrix::Identity id{"@brigade:example.org", "🙏"};
  return id;
}

matrix::Directory base_directory() {
  matrix::Directory d;
  d.set(kRoom, "@alice:example.org", "Alice");
  d.set(kRoom, "@bob:example.org", "Bob");
  d.set(kRoom, "@carol:example.org", "Carol");
  d.set(kRoom, "@zoe:example.org", "Zoë Smith");
  d.set(kRoom, "@twin1:example.org", "Twin");
  d.set(kRoom, "@twin2:example.org", "Twin");
  d.set(kRoom, "@brigade:example.org", "Brigade");
  return d;
}

void check_id(std::string_view s) {
  auto seg = matrix::path_segment(s);
  auto back = matrix::percent_decode(seg);
  FUZZ_CHECK(back && *back == s);
  if (matrix::is_user_id(s)) {
    auto server = matrix::server_of(s);
    auto local = matrix::localpart(s);
    FUZZ_CHECK(!server.empty());
    FUZZ_CHECK("@" + std::string(local) + ":" + std::string(server) == s);
    FUZZ_CHECK(matrix::raw_id(matrix::qualify(s)) == s);
  }
}

// A command as the committer would get it, then a reply to it as the adapter would send it.
void check_command(const core::Event& e) {
  fuzz::check_adapter_mentions(e.text, e.mentions);
  for (const auto& m : e.mentions) {
    FUZZ_CHECK(!m.is_channel());
    FUZZ_CHECK(matrix::is_user_id(matrix::raw_id(m.user.id)));
  }
  fuzz::check_grammar(e.text, e.mentions);
  if (!core::valid_utf8(e.text)) return;  // handle() refuses it before anything is said back
  core::Reply r;
  r.audience = core::Audience::private_;
  r.channel = e.channel.id;
  r.user = e.user.id;
  r.reply_to = e.reply_to;
  r.ping = true;
  core::BodyBuilder b;
  b.text("You said: ");
  std::size_t at = 0;
  for (const auto& m : e.mentions) {
    b.text(std::string_view(e.text).substr(at, m.pos - at));
    b.mention(m.user);
    at = m.pos + m.len;
  }
  b.text(std::string_view(e.text).substr(at));
  r.body = b.take();
  json c = matrix::notice_content(r);
  std::string wire = c.dump();  // throws on invalid UTF-8: must not for a valid reply
  // An unthreaded private reply in a room is addressed: "alice: …" before the body.
  std::string addressed;
  if (r.reply_to.empty() && matrix::is_user_id(matrix::raw_id(r.user)))
    addressed = std::string(matrix::localpart(matrix::raw_id(r.user))) + ": ";
  FUZZ_CHECK(json::parse(wire)["body"] == addressed + r.plain());
  // In a direct room it is neither addressed nor threaded.
  json direct = matrix::notice_content(r, /*direct_room=*/true);
  FUZZ_CHECK(direct["body"] == r.plain());
  FUZZ_CHECK(!direct.contains("m.relates_to"));
}

void event(const json& ev, const matrix::Directory& dir) {
  matrix::Parsed p = matrix::parse_event(ev, kRoom, me(), dir);
  switch (p.kind) {
    case matrix::Parsed::Kind::ignore:
      FUZZ_CHECK(!p.why.empty());
      break;
    case matrix::Parsed::Kind::revoke:
      FUZZ_CHECK(p.revoke.rfind("matrix:", 0) == 0);
      break;
    case matrix::Parsed::Kind::command:
      FUZZ_CHECK(matrix::is_command(p.event.command));
      check_command(p.event);
      break;
    case matrix::Parsed::Kind::reaction:
      FUZZ_CHECK(!p.target.empty());
      // On a help request's notice a button reaction is a click, anything else is ignored.
      for (const std::string tag : {"ask:7", "kudos:1", ""}) {
        matrix::Parsed q = p;
        matrix::read_reaction_button(q, tag);
        if (q.kind == matrix::Parsed::Kind::command) {
          FUZZ_CHECK(tag == "ask:7" && matrix::is_button_reaction(p.key));
          FUZZ_CHECK(q.event.command == "ask" && (q.event.text == "take 7" || q.event.text == "done 7"));
          FUZZ_CHECK(q.event.reply_to == p.target);
          check_command(q.event);
        } else if (q.kind == matrix::Parsed::Kind::ignore) {
          FUZZ_CHECK(tag == "ask:7" && !q.why.empty());
        }
      }
      for (const std::string author : {"@bob:example.org", "@brigade:example.org", "", "@zoe:example.org"}) {
        matrix::Parsed q = p;
        if (matrix::complete_reaction(q, author, me(), dir))
          check_command(q.event);
        else
          FUZZ_CHECK(!q.why.empty());
      }
      break;
  }
}

void answer(const json& rec) {
  auto it = rec.find("body");
  std::string body =
      it == rec.end() ? std::string() : it->dump(-1, ' ', false, json::error_handler_t::replace);
  std::string retry;
  if (auto h = rec.find("headers"); h != rec.end() && h->is_object())
    if (auto r = h->find("Retry-After"); r != h->end() && r->is_string()) retry = r->get<std::string>();
  int status = 0;
  if (auto st = rec.find("status"); st != rec.end() && st->is_number_integer())
    status = static_cast<int>(std::clamp<std::int64_t>(st->get<std::int64_t>(), 0, 999));
  auto a = matrix::read_answer(status, body, retry, "connection reset", kNow);
  FUZZ_CHECK(a.retry_after_ms >= -1 && a.retry_after_ms <= 24 * 3600 * 1000);  // now + wait cannot overflow
  (void)matrix::send_outcome(a);
  FUZZ_CHECK(a.describe().find(std::to_string(status)) != std::string::npos || status == 0);
}

void sync(const json& body, matrix::Directory& dir) {
  matrix::SyncBatch b;
  try {
    b = matrix::parse_sync(body, me(), dir);
  } catch (const std::runtime_error&) {
    FUZZ_CHECK(!body.is_object() || !body.contains("next_batch") || !body["next_batch"].is_string() ||
               body["next_batch"].get<std::string>().empty());
    return;
  }
  FUZZ_CHECK(!b.next_batch.empty());
  for (const auto& jr : b.joined)
    for (const auto& ev : jr.timeline) event(ev, dir);
}

void text_parts(std::string_view in, const matrix::Directory& dir) {
  std::vector<std::string_view> parts;
  for (std::optional<std::string_view> rest = in; rest && parts.size() < 4;) {
    auto [part, more] = fuzz::split_once(*rest, std::string_view("\0", 1));
    parts.push_back(part);
    rest = more;
  }
  parts.resize(4);
  const std::string_view text = parts[0], html = parts[1], ids_text = parts[2], retry = parts[3];

  check_id(text);
  (void)matrix::normalise_reaction(text);
  std::string stripped = matrix::strip_reply_fallback(text);
  FUZZ_CHECK(stripped.size() <= text.size() && text.substr(text.size() - stripped.size()) == stripped);
  for (const auto& a : matrix::anchors(html))
    if (auto user = matrix::user_from_href(a.href)) {
      FUZZ_CHECK(matrix::is_user_id(*user));
      check_id(*user);
    }
  std::vector<std::string> ids;
  for (std::optional<std::string_view> rest = ids_text; rest && !rest->empty();) {
    auto [id, more] = fuzz::split_once(*rest, "\n");
    ids.emplace_back(id);
    rest = more;
  }
  for (bool is_reply : {false, true}) {
    auto rw = matrix::resolve_mentions(text, html, ids, is_reply, kRoom, me(), dir);
    core::Event e;
    e.channel = {matrix::qualify(kRoom), ""};
    e.user = {"matrix:@alice:example.org", "Alice"};
    e.text = rw.text;
    e.mentions = rw.mentions;
    check_command(e);
  }
  auto a = matrix::read_answer(429, html, retry, "", kNow);
  FUZZ_CHECK(a.retry_after_ms >= -1 && a.retry_after_ms <= 24 * 3600 * 1000);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  static const matrix::Directory base = base_directory();
  std::string_view in = fuzz::as_view(data, size);
  matrix::Directory dir = base;
  auto j = json::parse(in, nullptr, false);
  if (!j.is_object()) {
    text_parts(in, dir);
    return 0;
  }
  if (j.contains("next_batch"))
    sync(j, dir);
  else if (j.contains("status"))
    answer(j);
  else
    event(j, dir);
  return 0;
}
