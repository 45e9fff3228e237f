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

  // Socket Mode control. Connections are numbered from 0 in the order they were accepted.
  void send(std::size_t conn, const std::string& frame);
  void send_latest(const std::string& frame);
  void reset(std::size_t conn);   // abrupt TCP close (RST)
  void freeze(std::size_t conn);  // stop reading: no pongs, no acks seen (a half-open link)
  bool hello_on_connect = true;

  // Observations (thread-safe).
  std::vector<Call> calls(const std::string& method) const;
  std::vector<std::string> acks() const;  // envelope ids acked, in order, over every connection
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

}  // namespace brigade::testing
