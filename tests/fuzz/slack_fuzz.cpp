// Fuzz target: Slack Socket Mode frames → envelope routing → mention rewriting → the command grammar,
// mrkdwn rendering of the result, and Web API answers → outbox decisions (adapters/slack/: frame,
// router, mentions, directory, mrkdwn, delivery_policy).
//
// Input: a JSON text starting with '{' is a Socket Mode frame (a users.list answer's "members" also
// feed the directory first; a recorded HTTP answer with "status" goes to classify()); anything else
// is Slack-encoded message text given to rewrite() directly, and its start a Retry-After header.
#include <nlohmann/json.hpp>

#include "adapters/slack/delivery_policy.hpp"
#include "adapters/slack/directory.hpp"
#include "adapters/slack/frame.hpp"
#include "adapters/slack/ids.hpp"
#include "adapters/slack/mentions.hpp"
#include "adapters/slack/mrkdwn.hpp"
#include "adapters/slack/router.hpp"
#include "tests/fuzz/fuzz_support.hpp"

namespace {

using namespace brigade;
using nlohmann::json;

const slack::Identity& me() {
  static const slack::Identity id{"T000TEST", "U00BRIGADE", "B000TEST", "raised_hands"};
  return id;
}

// The workspace the fixtures talk about, as users.list / usergroups / conversations.info fill it.
slack::Directory base_directory() {
  slack::Directory d;
  d.add_user(json{{"id", "U0000ALICE"}, {"name", "alice"}, {"profile", {{"display_name", "Alice"}}}});
  d.add_user(json{{"id", "U000000BOB"}, {"name", "bob"}, {"profile", {{"real_name", "Bob Stone"}}}});
  d.add_user(json{{"id", "U0000CAROL"}, {"name", "carol"}});
  d.add_user(json{{"id", "U00000DAVE"}, {"name", "dave"}, {"deleted", true}});
  d.add_user(json{{"id", "U00BRIGADE"}, {"name", "brigade"}, {"is_bot", true}});
  d.add_user(json{{"id", "W00000ZOE"}, {"name", "zoe"}, {"profile", {{"display_name", "Zoë Smith"}}}});
  d.add_user(json{{"id", "U0000TWIN1"}, {"name", "twin"}});
  d.add_user(json{{"id", "U0000TWIN2"}, {"name", "twin"}});  // ambiguous handle: never resolved
  d.set_group("S000000OPS", {"U0000ALICE", "U000000BOB"});
  d.set_group("S000EMPTY0", {});
  d.set_channel("C0000KUDOS", "kudos");
  d.set_channel("C00000WINS", "wins");
  return d;
}

// What build_event() does with the rewritten text, checked: spans well-formed and pointing at what
// they name, the grammar sound on them, and the rendered reply free of live Slack syntax.
void rewrite_and_parse(std::string_view text, std::string_view team, const slack::Directory& dir) {
  auto refs = slack::scan_references(text);
  for (const auto& u : refs.users) FUZZ_CHECK(!u.empty());
  auto rw = slack::rewrite(text, team, dir);
  fuzz::check_adapter_mentions(rw.text, rw.mentions);
  core::BodyBuilder body;
  std::size_t at = 0;
  for (const auto& m : rw.mentions) {
    char sigil = m.is_channel() ? '#' : '@';
    FUZZ_CHECK(rw.text[m.pos] == sigil);
    const std::string& id = m.is_channel() ? m.channel.id : m.user.id;
    FUZZ_CHECK(id.rfind("slack:" + std::string(team) + ":", 0) == 0);
    body.text(std::string_view(rw.text).substr(at, m.pos - at));
    if (m.is_channel())
      body.text(std::string_view(rw.text).substr(m.pos, m.len));
    else
      body.mention(m.user);
    at = m.pos + m.len;
  }
  fuzz::check_grammar(rw.text, rw.mentions);

  body.text(std::string_view(rw.text).substr(at));
  auto spans = body.take();
  for (bool ping : {false, true}) {
    std::string out = slack::render(spans, ping);
    // Only <@…> mentions of users may be live; user text can never open a link or a broadcast.
    for (auto lt = out.find('<'); lt != std::string::npos; lt = out.find('<', lt + 1)) {
      FUZZ_CHECK(ping && out.compare(lt, 2, "<@") == 0);
      auto gt = out.find('>', lt);
      FUZZ_CHECK(gt != std::string::npos);
      FUZZ_CHECK(out.substr(lt + 2, gt - lt - 2).find('<') == std::string::npos);
    }
  }
}

// A Web API answer as the outbox sees it: a wait is never negative, and only for retries.
void answer(const slack::ApiAnswer& a) {
  bot::Delivery d = slack::classify(a);
  FUZZ_CHECK(d.retry_after_ms >= 0 && d.retry_after_ms <= 24 * 3600 * 1000);  // now + wait cannot overflow
  if (d.status != bot::Delivery::Status::retry) FUZZ_CHECK(d.retry_after_ms == 0);
  if (a.status == 429) FUZZ_CHECK(d.status == bot::Delivery::Status::retry && d.retry_after_ms >= 1000);
  (void)slack::wants_response_url(a.error());
}

// A recorded HTTP answer: {"status": 429, "headers": {"Retry-After": "30"}, "body": {"ok": false, …}}.
void recorded_answer(const json& rec) {
  slack::ApiAnswer a;
  if (auto st = rec.find("status"); st != rec.end() && st->is_number_integer())
    a.status = static_cast<int>(std::clamp<std::int64_t>(st->get<std::int64_t>(), 0, 999));
  if (auto h = rec.find("headers"); h != rec.end() && h->is_object())
    if (auto r = h->find("Retry-After"); r != h->end() && r->is_string())
      a.retry_after_ms = slack::retry_after_ms(r->get<std::string>());
  if (auto b = rec.find("body"); b != rec.end() && b->is_object()) {
    if (auto ok = b->find("ok"); ok != b->end() && ok->is_boolean()) a.ok = ok->get<bool>();
    if (auto e = b->find("error"); e != b->end() && e->is_string()) a.code = e->get<std::string>();
  }
  answer(a);
}

void frame(std::string_view text, slack::Directory& dir) {
  if (auto j = json::parse(text, nullptr, false); j.is_object()) {
    if (j.contains("status")) recorded_answer(j);
    if (auto it = j.find("members"); it != j.end() && it->is_array())
      for (const auto& m : *it) dir.add_user(m);
    if (auto it = j.find("user"); it != j.end()) dir.add_user(*it);
  }
  slack::Frame f = slack::parse_frame(text);
  if (f.kind == slack::Frame::Kind::invalid) FUZZ_CHECK(!f.error.empty());
  if (!f.envelope_id.empty()) {
    auto ack = json::parse(slack::ack_json(f.envelope_id));
    FUZZ_CHECK(ack.at("envelope_id") == f.envelope_id);
  }
  if (f.kind != slack::Frame::Kind::envelope) return;
  slack::Action a = slack::route(f, me());
  switch (a.kind) {
    case slack::Action::Kind::ignore:
      FUZZ_CHECK(!a.why.empty());
      break;
    case slack::Action::Kind::revoke:
      FUZZ_CHECK(a.revoke_source.rfind("slack:react:", 0) == 0);
      break;
    case slack::Action::Kind::open_modal:
      FUZZ_CHECK(!a.modal.trigger_id.empty() && !a.modal.user.empty());
      break;
    case slack::Action::Kind::answer:
      FUZZ_CHECK(a.answer.is_object() && a.answer.contains("errors"));
      break;
    case slack::Action::Kind::command: {
      const auto& c = a.command;
      FUZZ_CHECK(!c.user.empty() && !c.channel.empty() && !c.command.empty());
      FUZZ_CHECK(c.source_id.rfind("slack:", 0) == 0);
      std::string team = c.team.empty() ? me().team_id : c.team;
      rewrite_and_parse(c.text, team, dir);
      break;
    }
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  static const slack::Directory base = base_directory();
  std::string_view in = fuzz::as_view(data, size);
  slack::Directory dir = base;
  if (!in.empty() && in.front() == '{')
    frame(in, dir);
  else
    rewrite_and_parse(in, me().team_id, dir);
  // The same bytes as a Retry-After header and as a Web API error code.
  slack::ApiAnswer limited;
  limited.status = 429;
  limited.code = "ratelimited";
  limited.retry_after_ms = slack::retry_after_ms(in.substr(0, 64));
  answer(limited);
  slack::ApiAnswer refused;
  refused.status = 200;
  refused.code = std::string(in.substr(0, 64));
  answer(refused);
  return 0;
}
