// A fake Matrix homeserver on 127.0.0.1:0 for tests: the Client-Server API routes Brigade uses,
// over HTTP or HTTPS, with long-polling /sync, txn-id deduplication and scriptable failures.
#pragma once

#include <array>
#include <chrono>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "testkit/net/test_pki.hpp"

namespace brigade::testing {

class FakeMatrix {
 public:
  struct Request {
    std::string method, path, query, auth;  // path decoded, without the query
    nlohmann::json body;
    std::chrono::steady_clock::time_point at;  // when it arrived
  };
  struct Reply {
    int status = 200;
    std::map<std::string, std::string> headers;
    nlohmann::json body;
  };
  struct Sent {
    std::string room, type, txn_id, event_id;
    nlohmann::json content;
  };

  explicit FakeMatrix(const TestPki* pki = nullptr);  // pki: serve https with it
  ~FakeMatrix();
  std::string base_url() const;  // "http(s)://127.0.0.1:PORT"
  std::string bot_user = "@brigade:example.org";
  std::string password = "correct horse";

  // Tokens: login issues "syt_fake_<n>"; a test may mint one for MATRIX_ACCESS_TOKEN.
  std::string mint_token(const std::string& device_id = "TOKENDEV");
  // Every token issued so far stops working: 401 M_UNKNOWN_TOKEN with this soft_logout flag.
  void invalidate_tokens(bool soft_logout);

  void add_user(const std::string& user_id, const std::string& display_name);
  void add_room(const std::string& room_id, const std::vector<std::string>& members, bool bot_joined = true,
                bool encrypted = false);
  void invite(const std::string& room_id, const std::string& inviter);  // invites the bot
  // Someone else's membership changes ("join", "leave", "ban", "invite"): the room's members follow,
  // and an m.room.member event (its prev_content in `unsigned`) joins the log. `sender` defaults
  // to the user (a kick or a ban names who did it). Returns the event id; wakes a waiting /sync.
  std::string set_membership(const std::string& room_id, const std::string& user,
                             const std::string& membership, const std::string& sender = "");
  // Appends a timeline event and returns its id ("$ev<n>"); wakes a waiting /sync.
  std::string post(const std::string& room_id, const std::string& sender, const std::string& type,
                   nlohmann::json content);
  std::string text(const std::string& room_id, const std::string& sender, const std::string& body);
  // Appends m.text messages (room, sender, body) at once, so one /sync answer carries them all.
  void texts(const std::vector<std::array<std::string, 3>>& messages);
  std::string redact(const std::string& room_id, const std::string& sender, const std::string& event_id);
  std::string react(const std::string& room_id, const std::string& sender, const std::string& target,
                    const std::string& key);
  // The event `event_id` once more at the end of the log, id and all, so the next /sync carries it
  // again (a server redelivering it); returns false for an unknown event.
  bool redeliver(const std::string& event_id);

  // The next answers for a route, used in order before the normal behaviour. Routes: "login",
  // "whoami", "filter", "sync", "join", "leave", "joined_members", "joined_rooms", "event", "send",
  // "react" (a send of an m.reaction), "profile", "createRoom", "logout", "state".
  void script(const std::string& route, Reply r);
  // The next request on `route` is carried out at once but answered `by` later (a slow send).
  void answer_late(const std::string& route, std::chrono::milliseconds by);
  void set_room_name(const std::string& room_id, const std::string& name);  // its m.room.name
  std::size_t live_tokens() const;  // issued and neither logged out nor invalidated

  // txnIds are deduplicated per access token (as Synapse 1.67): a reply re-sent on a new token
  // after a restart is a second message, exactly as a real server would show it. A second reaction
  // with the same key by the same sender on the same event (not redacted) is refused, as the spec
  // says: 400 M_DUPLICATE_ANNOTATION.

  std::vector<Request> requests(const std::string& route) const;
  std::vector<Sent> sent(const std::string& room_id = "") const;  // distinct events (not retries)
  // What clients show for event `event_id`: its content, or the m.new_content of its latest edit
  // (m.replace by the same sender in the same room); null for an unknown event.
  nlohmann::json shown(const std::string& event_id) const;
  std::size_t sent_count() const;  // sent().size() without copying (benchmarks poll it)
  // The reactions on `event_id` that are not redacted, in order: anyone's, the bot's included.
  struct Reaction {
    std::string event_id, sender, key;
  };
  std::vector<Reaction> reactions(const std::string& event_id) const;
  bool joined(const std::string& room_id) const;
  // Connections being served, less those parked in a /sync long-poll: 0 once every request a
  // client wrote before it died has been answered.
  std::size_t busy_sessions() const;
  bool wait(const std::function<bool()>& pred,
            std::chrono::milliseconds timeout = std::chrono::seconds(10)) const;

  struct Impl;

 private:
  std::unique_ptr<Impl> impl_;
};

}  // namespace brigade::testing
