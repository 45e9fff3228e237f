// The fake Slack's interactive envelopes and app_home_opened, shaped as Slack's docs show them
// (block_actions, shortcut, message_action, view_submission payloads; the app_home_opened event).
#include "testkit/slack/fake_slack.hpp"

namespace brigade::testing {

using nlohmann::json;

namespace {

json user_object(const std::string& user) {
  return json{{"id", user}, {"username", "user-" + user}, {"name", "user-" + user}, {"team_id", "T000TEST"}};
}

json team_object() {
  return json{{"id", "T000TEST"}, {"domain", "brigade-test"}};
}

std::string interactive(const std::string& envelope_id, json payload, bool accepts_payload) {
  payload["api_app_id"] = "A000TEST";
  payload["token"] = "verification-token-test";
  payload["team"] = team_object();
  payload["is_enterprise_install"] = false;
  payload["enterprise"] = nullptr;
  json j = {{"envelope_id", envelope_id},
            {"type", "interactive"},
            {"accepts_response_payload", accepts_payload},
            {"payload", std::move(payload)}};
  return j.dump();
}

}  // namespace

std::string block_actions_envelope(const std::string& envelope_id, const std::string& trigger,
                                   const std::string& user, const std::string& action_id, const std::string& value,
                                   const std::string& channel, const std::string& message_ts) {
  json action = {{"action_id", action_id},
                 {"block_id", "brigade_actions"},
                 {"text", {{"type", "plain_text"}, {"text", action_id}, {"emoji", true}}},
                 {"value", value},
                 {"type", "button"},
                 {"action_ts", "1767269200.100200"}};
  json p = {{"type", "block_actions"},
            {"user", user_object(user)},
            {"trigger_id", trigger},
            {"state", {{"values", json::object()}}},
            {"actions", json::array({action})}};
  if (channel.empty()) {
    p["container"] = {{"type", "view"}, {"view_id", "V000HOME1"}};
    p["view"] = {{"id", "V000HOME1"}, {"type", "home"}, {"callback_id", "brigade_home"}};
  } else {
    p["container"] = {
        {"type", "message"}, {"message_ts", message_ts}, {"channel_id", channel}, {"is_ephemeral", false}};
    p["channel"] = {{"id", channel}, {"name", "kudos"}};
    p["message"] = {{"type", "message"}, {"user", "U00BRIGADE"}, {"bot_id", "B00BRIGADE"}, {"ts", message_ts}};
    p["response_url"] = "https://hooks.slack.com/actions/T000TEST/1/testActionResponseUrl";
  }
  return interactive(envelope_id, std::move(p), false);
}

std::string shortcut_envelope(const std::string& envelope_id, const std::string& trigger, const std::string& user,
                              const std::string& callback_id) {
  json p = {{"type", "shortcut"},
            {"action_ts", "1767269200.100300"},
            {"user", user_object(user)},
            {"callback_id", callback_id},
            {"trigger_id", trigger}};
  return interactive(envelope_id, std::move(p), false);
}

std::string message_action_envelope(const std::string& envelope_id, const std::string& trigger,
                                    const std::string& user, const std::string& author, const std::string& channel,
                                    const std::string& message_ts, const std::string& callback_id) {
  json p = {{"type", "message_action"},
            {"action_ts", "1767269200.100400"},
            {"user", user_object(user)},
            {"channel", {{"id", channel}, {"name", "kudos"}}},
            {"callback_id", callback_id},
            {"trigger_id", trigger},
            {"response_url", "https://hooks.slack.com/app/T000TEST/1/testShortcutResponseUrl"},
            {"message_ts", message_ts},
            {"message",
             {{"type", "message"}, {"user", author}, {"ts", message_ts}, {"text", "the release notes are out"}}}};
  return interactive(envelope_id, std::move(p), false);
}

std::string view_submission_envelope(const std::string& envelope_id, const json& view, const std::string& user,
                                     json state_values) {
  json v = view.is_object() ? view : json::object();
  v["state"] = {{"values", std::move(state_values)}};
  json p = {{"type", "view_submission"},
            {"user", user_object(user)},
            {"trigger_id", "1000000009.1000000000.submissiontrigger"},
            {"view", std::move(v)},
            {"response_urls", json::array()}};
  return interactive(envelope_id, std::move(p), true);
}

std::string home_opened_envelope(const std::string& envelope_id, const std::string& event_id,
                                 const std::string& user, const std::string& tab, const std::string& view_hash) {
  json ev = {{"type", "app_home_opened"},
             {"user", user},
             {"channel", "D0000HOME1"},
             {"tab", tab},
             {"event_ts", "1767269300.000100"}};
  if (!view_hash.empty())
    ev["view"] = {{"id", "V000HOME1"}, {"type", "home"}, {"hash", view_hash}, {"callback_id", "brigade_home"}};
  return event_envelope(envelope_id, event_id, std::move(ev));
}

}  // namespace brigade::testing
