// A fake Slack on 127.0.0.1:0 for tests: Web API over HTTP(S) and Socket Mode WebSockets, scriptable.
#pragma once

#include <chrono>
#include <condition_variable>
#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "testkit/net/test_pki.hpp"

namespace brigade::testing {

class FakeSlack {
 public:
  struct Call {
    std::string method;  // "chat.postMessage", "response_url", …
    std::string auth;    // the Authorization header
    nlohmann::json args;
    std::chrono::steady_clock::time_point at;
  };
  struct Reply {
    int status = 200;
    std::map<std::string, std::string> headers;
    nlohmann::json body;
  };

  // tls: serve https/wss with `pki` (clients must trust pki.ca_pem).
  explicit FakeSlack(const TestPki* pki = nullptr);
  ~FakeSlack();

  std::string api_url() const;  // "http(s)://127.0.0.1:PORT/api/"
  std::string bot_token = "xoxb-test-secret";
  std::string app_token = "xapp-1-test-secret";

  // Directory content served by users.list (paged by `page_size`), users.info, usergroups.users.list.
  void add_user(const std::string& id, const std::string& name, bool is_bot = false);
  void add_group(const std::string& id, std::vector<std::string> members);
  std::size_t page_size = 2;

  // The next answers for `method` (used in order, then the default "ok").
  void script(const std::string& method, Reply r);
  // The next call of `method` is recorded (and its effect made) at once, but answered `by` later.
  void answer_late(const std::string& method, std::chrono::milliseconds by);

  // Channel messages as posted and then updated: the text of (channel, ts), nothing once deleted or
  // when never posted. delete_message makes chat.update answer message_not_found, as Slack does.
  std::optional<std::string> message(const std::string& channel, const std::string& ts) const;
  void delete_message(const std::string& channel, const std::string& ts);

  // Block Kit blocks of a channel message as last posted or updated (null when it had none).
  nlohmann::json message_blocks(const std::string& channel, const std::string& ts) const;

  // Triggers, as Slack mints them for a slash command, a click or a shortcut: views.open takes one
  // only within 3 s of its minting (`age` makes one that is already that old), and no unknown one.
  std::string mint_trigger(std::chrono::milliseconds age = std::chrono::milliseconds(0));
  // Views opened (views.open), updated (views.update) or published (views.publish), with the id
  // and hash the fake gave them: the modal by view id, the Home view by user id.
  std::optional<nlohmann::json> view(const std::string& view_id) const;
  std::vector<std::string> opened_views() const;  // ids, in the order views.open opened them
  std::optional<nlohmann::json> home(const std::string& user) const;
  // The user's Home view changed elsewhere (another process, an older publish): its hash changes,
  // so a views.publish with the old one answers hash_conflict.
  void touch_home(const std::string& user);

  // Socket Mode control. Connections are numbered from 0 in the order they were accepted.
  void send(std::size_t conn, const std::string& frame);
  void send_latest(const std::string& frame);
  void reset(std::size_t conn);   // abrupt TCP close (RST)
  void freeze(std::size_t conn);  // stop reading: no pongs, no acks seen (a half-open link)
  bool hello_on_connect = true;

  // Observations (thread-safe).
  std::vector<Call> calls(const std::string& method) const;
  std::vector<std::string> acks() const;  // envelope ids acked, in order, over every connection
  // The payload of the latest ack of `envelope_id` (a slash command's answer, a submission's
  // response_action); null for a plain ack or none.
  nlohmann::json ack_payload(const std::string& envelope_id) const;
  // Incremental readers for long runs (the soak): what was recorded at index >= cursor, in order;
  // cursor advances past it. calls_since covers every method.
  std::vector<Call> calls_since(std::size_t& cursor) const;
  std::vector<std::string> acks_since(std::size_t& cursor) const;
  std::size_t connections() const;              // WebSocket connections accepted so far
  std::size_t opens() const;                    // apps.connections.open calls
  std::size_t open_sessions() const;            // TCP connections being served (HTTP and WebSocket)
  bool closed_cleanly(std::size_t conn) const;  // the client sent a close frame on it
  // Waits until `pred` holds (checked after every recorded event) or the timeout passes.
  bool wait(const std::function<bool()>& pred,
            std::chrono::milliseconds timeout = std::chrono::seconds(10)) const;

  struct Impl;

 private:
  std::unique_ptr<Impl> impl_;
};

// Envelope builders for tests.
std::string slash_envelope(const std::string& envelope_id, const std::string& command,
                           const std::string& text, const std::string& user = "U0000CAROL",
                           const std::string& trigger = "", const std::string& channel = "C0000KUDOS");
std::string event_envelope(const std::string& envelope_id, const std::string& event_id, nlohmann::json event,
                           int retry_attempt = 0);
// Interactive envelopes (fake_slack_envelopes.cpp), shaped as Slack's docs show them. A click on
// a button of the message at (channel, ts) (channel empty: a button in the Home view).
std::string block_actions_envelope(const std::string& envelope_id, const std::string& trigger,
                                   const std::string& user, const std::string& action_id,
                                   const std::string& value, const std::string& channel = "C0000KUDOS",
                                   const std::string& message_ts = "1767268860.000200");
// The global shortcut and the message shortcut (on `author`'s message at (channel, ts)).
std::string shortcut_envelope(const std::string& envelope_id, const std::string& trigger, const std::string& user,
                              const std::string& callback_id = "brigade_give_kudos");
std::string message_action_envelope(const std::string& envelope_id, const std::string& trigger,
                                    const std::string& user, const std::string& author,
                                    const std::string& channel, const std::string& message_ts,
                                    const std::string& callback_id = "brigade_thank_author");
// A submission of `view` (as views.open answered it: id, hash, callback_id, private_metadata)
// with the inputs' state: state.values, {block_id: {action_id: {type, selected_users|value|…}}}.
std::string view_submission_envelope(const std::string& envelope_id, const nlohmann::json& view,
                                     const std::string& user, nlohmann::json state_values);
// app_home_opened for `user` on the tab ("home" or "messages"), with the hash of the view shown.
std::string home_opened_envelope(const std::string& envelope_id, const std::string& event_id,
                                 const std::string& user, const std::string& tab = "home",
                                 const std::string& view_hash = "");

}  // namespace brigade::testing
