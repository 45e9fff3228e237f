// The fake Slack's Web API: each method Brigade calls, answered as Slack would (or as a test
// scripted it), and the envelope builders tests use for Socket Mode.
#include <algorithm>

#include "testkit/net/percent.hpp"
#include "testkit/slack/fake_slack_impl.hpp"

namespace brigade::testing {

using nlohmann::json;
using Reply = FakeSlack::Reply;
using Call = FakeSlack::Call;

namespace {

Reply ok(json body) {
  body["ok"] = true;
  return Reply{200, {}, std::move(body)};
}
Reply error(const std::string& e) {
  return Reply{200, {}, json{{"ok", false}, {"error", e}}};
}

}  // namespace

http::response<http::string_body> FakeSlack::Impl::handle(const Request& req) {
  std::string target(req.target());
  std::string method;
  if (target.rfind("/api/", 0) == 0)
    method = target.substr(5);
  else if (target.rfind("/response_url/", 0) == 0)
    method = "response_url";
  else
    method = target;
  json args = json::object();
  std::string ct(req[http::field::content_type]);
  if (ct.find("json") != std::string::npos) {
    args = json::parse(req.body(), nullptr, false);
    if (args.is_discarded()) args = json::object();
  } else {
    std::string_view b = req.body();
    while (!b.empty()) {
      auto amp = b.find('&');
      auto kv = b.substr(0, amp);
      auto eq = kv.find('=');
      if (eq != std::string_view::npos) args[form_decode(kv.substr(0, eq))] = form_decode(kv.substr(eq + 1));
      if (amp == std::string_view::npos) break;
      b.remove_prefix(amp + 1);
    }
  }
  Call call{method, std::string(req[http::field::authorization]), args, std::chrono::steady_clock::now()};
  Reply r = answer(call);
  {
    std::lock_guard lk(mu);
    calls.push_back(call);
  }
  notify();
  http::response<http::string_body> res{static_cast<http::status>(r.status), req.version()};
  res.set(http::field::content_type, "application/json; charset=utf-8");
  for (auto& [k, v] : r.headers) res.set(k, v);
  res.keep_alive(req.keep_alive());
  res.body() = r.body.dump();
  res.prepare_payload();
  return res;
}

Reply FakeSlack::Impl::answer(const Call& c) {
  if (auto r = scripted(c)) return *r;
  if (c.method == "apps.connections.open") return connections_open(c);
  if (c.auth != "Bearer " + self.bot_token && c.method != "response_url") return error("invalid_auth");
  if (c.method == "auth.test")
    return ok(json{
        {"team_id", "T000TEST"}, {"user_id", "U00BRIGADE"}, {"bot_id", "B00BRIGADE"}, {"user", "brigade"}});
  if (c.method == "users.list") return users_list(c);
  if (c.method == "users.info") return users_info(c);
  if (c.method == "usergroups.users.list") return usergroup_members(c);
  if (c.method == "conversations.info") {
    std::string id = c.args.value("channel", "");
    return ok(json{{"channel", {{"id", id}, {"name", "chan-" + id}}}});
  }
  if (c.method == "chat.postMessage" || c.method == "chat.postEphemeral") return post(c);
  if (c.method == "chat.update") return update(c);
  if (c.method == "chat.getPermalink") return permalink(c);
  if (c.method == "views.open") return views_open(c);
  if (c.method == "views.update") return views_update(c);
  if (c.method == "views.publish") return views_publish(c);
  if (c.method == "response_url") return ok(json::object());
  return error("unknown_method");
}

// The next scripted answer for the method, if a test queued one.
std::optional<Reply> FakeSlack::Impl::scripted(const Call& c) {
  std::lock_guard lk(mu);
  auto it = scripts.find(c.method);
  if (it == scripts.end() || it->second.empty()) return std::nullopt;
  Reply r = std::move(it->second.front());
  it->second.pop_front();
  if (c.method == "apps.connections.open") ++opens;
  return r;
}

Reply FakeSlack::Impl::connections_open(const Call& c) {
  if (c.auth != "Bearer " + self.app_token) return error("invalid_auth");
  std::lock_guard lk(mu);
  ++opens;
  return ok(json{
      {"url", server.url("ws", "wss") + "/link/?ticket=t" + std::to_string(opens) + "&app_id=A000TEST"}});
}

// `page_size` users a page, the cursor "c<index>" of the next one.
Reply FakeSlack::Impl::users_list(const Call& c) {
  std::lock_guard lk(mu);
  std::size_t from = 0;
  std::string cursor = c.args.value("cursor", "");
  if (!cursor.empty()) {
    if (cursor[0] != 'c') return error("invalid_cursor");
    from = std::stoul(cursor.substr(1));
  }
  json members = json::array();
  for (std::size_t i = from; i < users.size() && i < from + self.page_size; ++i) members.push_back(users[i]);
  std::size_t next = from + self.page_size;
  return ok(
      json{{"members", members},
           {"response_metadata", {{"next_cursor", next < users.size() ? "c" + std::to_string(next) : ""}}}});
}

Reply FakeSlack::Impl::users_info(const Call& c) {
  std::lock_guard lk(mu);
  for (auto& u : users)
    if (u["id"] == c.args.value("user", "")) return ok(json{{"user", u}});
  return error("user_not_found");
}

Reply FakeSlack::Impl::usergroup_members(const Call& c) {
  std::lock_guard lk(mu);
  auto it = groups.find(c.args.value("usergroup", ""));
  if (it == groups.end()) return error("no_such_subteam");
  return ok(json{{"users", it->second}});
}

// chat.postMessage and chat.postEphemeral: every post gets its own ts. Channel messages are kept,
// so chat.update can change them (ephemeral ones cannot be).
Reply FakeSlack::Impl::post(const Call& c) {
  std::lock_guard lk(mu);
  std::string channel = c.args.value("channel", "");
  std::string ts = "1767268800." + std::to_string(100000 + calls.size());
  if (c.method == "chat.postMessage") {
    messages[{channel, ts}] = c.args.value("text", "");
    message_blocks[{channel, ts}] = c.args.contains("blocks") ? c.args["blocks"] : json();
  }
  return ok(json{{"channel", channel}, {"ts", ts}, {"message_ts", "1767268800.000001"}});
}

// chat.update: only a message that was posted (and not deleted) can be changed.
Reply FakeSlack::Impl::update(const Call& c) {
  std::lock_guard lk(mu);
  std::string channel = c.args.value("channel", ""), ts = c.args.value("ts", "");
  if (c.args.value("text", "").empty()) return error("no_text");
  auto it = messages.find({channel, ts});
  if (it == messages.end()) return error("message_not_found");
  it->second = c.args.value("text", "");
  message_blocks[{channel, ts}] = c.args.contains("blocks") ? c.args["blocks"] : json();
  return ok(json{{"channel", channel}, {"ts", ts}, {"text", it->second}});
}

std::string FakeSlack::Impl::next_hash() {
  return "1767268800.h" + std::to_string(++view_seq);
}

// A view as Slack keeps it: what the app sent, plus its id and a fresh hash.
namespace {
json stored(json view, const std::string& id, const std::string& hash) {
  if (!view.is_object()) view = json::object();
  view["id"] = id;
  view["hash"] = hash;
  view["team_id"] = "T000TEST";
  view["app_id"] = "A000TEST";
  return view;
}
}  // namespace

// views.open: only with a trigger minted less than 3 s ago (Slack's rule), each used once.
Reply FakeSlack::Impl::views_open(const Call& c) {
  std::lock_guard lk(mu);
  auto t = triggers.find(c.args.value("trigger_id", ""));
  if (t == triggers.end()) return error("invalid_trigger_id");
  bool expired = c.at - t->second > std::chrono::seconds(3);
  triggers.erase(t);
  if (expired) return error("expired_trigger_id");
  if (!c.args.contains("view") || !c.args["view"].is_object()) return error("invalid_arguments");
  std::string id = "V0000MODAL" + std::to_string(view_seq + 1);
  json v = stored(c.args["view"], id, next_hash());
  views[id] = v;
  opened.push_back(id);
  return ok(json{{"view", v}});
}

// views.update: the view must exist, and a hash, when given, must be the current one.
Reply FakeSlack::Impl::views_update(const Call& c) {
  std::lock_guard lk(mu);
  auto it = views.find(c.args.value("view_id", ""));
  if (it == views.end()) return error("not_found");
  std::string hash = c.args.value("hash", "");
  if (!hash.empty() && hash != it->second.value("hash", "")) return error("hash_conflict");
  it->second = stored(c.args.value("view", json::object()), it->first, next_hash());
  return ok(json{{"view", it->second}});
}

// views.publish: the user's Home view; a hash that is not the current one is a conflict.
Reply FakeSlack::Impl::views_publish(const Call& c) {
  std::lock_guard lk(mu);
  std::string user = c.args.value("user_id", "");
  if (user.empty() || !c.args.contains("view") || !c.args["view"].is_object()) return error("invalid_arguments");
  if (c.args["view"].value("type", "") != "home") return error("invalid_arguments");
  auto it = homes.find(user);
  std::string hash = c.args.value("hash", "");
  if (!hash.empty() && (it == homes.end() || it->second.value("hash", "") != hash)) return error("hash_conflict");
  std::string id = it == homes.end() ? "V000HOME" + std::to_string(homes.size() + 1) : it->second.value("id", "");
  homes[user] = stored(c.args["view"], id, next_hash());
  return ok(json{{"view", homes[user]}});
}

// chat.getPermalink: the message's web address, as Slack builds it.
Reply FakeSlack::Impl::permalink(const Call& c) {
  std::string channel = c.args.value("channel", ""), ts = c.args.value("message_ts", "");
  if (channel.empty() || ts.empty()) return error("channel_not_found");
  std::string p = ts;
  p.erase(std::remove(p.begin(), p.end(), '.'), p.end());
  return ok(json{{"channel", channel}, {"permalink", "https://brigade-test.slack.com/archives/" + channel + "/p" + p}});
}

std::string slash_envelope(const std::string& envelope_id, const std::string& command,
                           const std::string& text, const std::string& user, const std::string& trigger,
                           const std::string& channel) {
  json j = {{"envelope_id", envelope_id},
            {"type", "slash_commands"},
            {"accepts_response_payload", true},
            {"payload",
             {{"token", "verification-token-test"},
              {"team_id", "T000TEST"},
              {"team_domain", "brigade-test"},
              {"channel_id", channel},
              {"channel_name", "kudos"},
              {"user_id", user},
              {"user_name", "carol"},
              {"command", "/" + command},
              {"text", text},
              {"api_app_id", "A000TEST"},
              {"trigger_id", trigger.empty() ? "trig-" + envelope_id : trigger}}}};
  return j.dump();
}

std::string event_envelope(const std::string& envelope_id, const std::string& event_id, json event,
                           int retry_attempt) {
  json j = {{"envelope_id", envelope_id},
            {"type", "events_api"},
            {"accepts_response_payload", false},
            {"retry_attempt", retry_attempt},
            {"retry_reason", retry_attempt ? "timeout" : ""},
            {"payload",
             {{"team_id", "T000TEST"},
              {"api_app_id", "A000TEST"},
              {"type", "event_callback"},
              {"event_id", event_id},
              {"event_time", 1767268800},
              {"event", std::move(event)}}}};
  return j.dump();
}

}  // namespace brigade::testing
