// The Matrix adapter's insides (adapter-internal: includes Asio), shared by its source files:
//   matrix_adapter.cpp — life cycle: start, stop, performing the session's actions
//   client.cpp         — Client-Server API calls, token renewal, login/whoami/logout, commits
//   rooms.cpp          — joins, invites, members (and who left them all), room names, senders,
//                        account checks
//   sync.cpp           — one /sync answer → commands, revocations and notices → one commit
//   sends.cpp          — per-room send queues, direct rooms, in-place retries, reaction buttons
// The decisions live in I/O-free pieces: session.hpp (credentials, sync cursor, backoff),
// events.hpp (what an event means), buttons.hpp (reaction buttons and clicks), api.hpp (what an
// answer means).
#pragma once

#include <chrono>
#include <cstdint>
#include <deque>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include <boost/asio/awaitable.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>

#include "adapters/matrix/api.hpp"
#include "adapters/matrix/events.hpp"
#include "adapters/matrix/options.hpp"
#include "adapters/matrix/requests.hpp"
#include "adapters/matrix/session.hpp"
#include "adapters/net/adapter_runtime.hpp"
#include "adapters/net/http_client.hpp"
#include "adapters/net/wakeup.hpp"
#include "bot/metrics.hpp"

namespace brigade::matrix::detail {

namespace asio = boost::asio;
using nlohmann::json;
using std::chrono::milliseconds;
using SteadyTime = std::chrono::steady_clock::time_point;

std::string meta_key(std::string_view prefix, std::string_view id);

struct Outgoing {
  store::OutboxItem item;
  bot::DeliveryDone done;  // answers once (AdapterRuntime::track)
};

class MatrixAdapter final : public bot::NetworkAdapter {
 public:
  MatrixAdapter(const config::Config& cfg, bot::AdapterState state, bot::Committer& committer,
                bot::Metrics& metrics, const AdapterOptions& opt);
  ~MatrixAdapter() override;

  std::string_view name() const override { return "matrix"; }
  void start() override;
  void stop(milliseconds grace) override;
  bot::LinkState state() const override { return rt_.state(); }
  std::string reason() const override { return rt_.reason(); }
  void deliver(const store::OutboxItem& item, bot::DeliveryDone done) override;

 private:
  // matrix_adapter.cpp
  asio::awaitable<void> run();
  asio::awaitable<void> drive(SessionEvent first);
  asio::awaitable<std::optional<SessionEvent>> perform(const SessionAction& a);
  asio::awaitable<void> apply_effect(const SessionAction& a);
  void fail(const std::string& why);
  asio::awaitable<void> sleep(milliseconds d);
  asio::awaitable<void> sleep_until(SteadyTime at);
  asio::awaitable<void> shutdown(milliseconds budget);
  // client.cpp
  asio::awaitable<Answer> call(net::HttpClient& client, std::string method, std::string path, json body,
                               bool authed = true, bool renew = true);
  asio::awaitable<bool> renew_session(std::uint64_t seen_generation, const Answer& why);
  asio::awaitable<SessionEvent> login();
  asio::awaitable<SessionEvent> whoami();
  asio::awaitable<SessionEvent> logout();
  asio::awaitable<bool> commit(bot::AdapterEffects effects);
  asio::awaitable<SessionEvent> set_up();
  // rooms.cpp
  bool invite_allowed(const std::string& room, const std::string& inviter) const;
  asio::awaitable<std::optional<std::string>> join(std::string room, std::string inviter);
  asio::awaitable<void> reject(std::string room, std::string why);
  asio::awaitable<bool> load_members(std::string room);  // false: the server would not say
  asio::awaitable<bool> load_all_members();              // false: some room's members are unknown
  asio::awaitable<PeopleChanges> people_of(std::vector<MembershipChange> changes);
  asio::awaitable<void> load_room_name(std::string room);
  asio::awaitable<bool> account_exists(std::string user);
  asio::awaitable<void> vet_mentions(core::Event& e, std::string room);
  asio::awaitable<std::string> sender_of(std::string room, std::string event_id);
  void remember_sender(const json& ev);
  bool known_encrypted(const std::string& room);
  // sync.cpp
  asio::awaitable<SessionEvent> sync();
  asio::awaitable<SessionEvent> apply();
  asio::awaitable<void> answer_invites(const SyncBatch& batch);
  asio::awaitable<void> read_room(JoinedRoom& jr, std::vector<core::Event>& events,
                                  std::vector<std::string>& revokes);
  asio::awaitable<void> read_reaction(Parsed& p, const std::string& room, std::vector<core::Event>& events);
  asio::awaitable<bool> commit_batch(std::vector<core::Event> events, bot::AdapterEffects then);
  // sends.cpp
  void enqueue_send(Outgoing o);
  void kick_queues();
  asio::awaitable<void> send_worker(std::string target);
  asio::awaitable<std::string> room_for(std::string target);  // "": none now
  asio::awaitable<bot::Delivery> send_one(std::string target, store::OutboxItem item);
  asio::awaitable<void> add_reactions(std::string room, std::string event_id, core::Reply reply, std::string txn,
                                      std::uint64_t seq);
  void remember_tag(const std::string& event_id, const std::string& tag);
  std::string tag_of(const std::string& event_id);  // the tag a notice was sent with; "" when none
  asio::awaitable<std::optional<std::string>> direct_room(std::string user);  // nothing: none could be made

  net::AdapterRuntime rt_{"matrix"};
  asio::io_context& ioc_ = rt_.ioc();
  bot::AdapterState state_;  // cursor and matrix.* meta, read only; changes go through committer_
  bot::Committer& committer_;
  bot::Metrics& metrics_;
  AdapterOptions opt_;
  config::MatrixConfig cfg_;
  std::string base_;
  std::string instance_;
  std::string filter_;
  Identity me_;
  Directory dir_;
  Session session_;

  std::shared_ptr<asio::ssl::context> tls_;
  net::HttpClient http_;
  net::HttpClient sync_http_;
  net::HttpClient initial_http_;

  bool stopping_ = false;
  bool ready_ = false;  // set up: send queues may run
  bool batch_inflight_ = false;
  SyncBatch batch_;                      // the /sync answer being applied
  bool batch_initial_ = false;           // … came from the initial sync (backlog: nothing answered)
  SteadyTime batch_answered_{};          // … arrived then (ack latency)
  SteadyTime cursor_saved_{};            // last durable cursor write
  std::set<std::string> encrypted_;      // rooms known to be encrypted
  std::set<std::string> checked_rooms_;  // rooms whose stored marker was read
  std::map<std::string, SteadyTime> members_loaded_;
  std::map<std::string, std::string> senders_;
  std::deque<std::string> sender_order_;
  std::map<std::string, std::string> tags_;  // notice event id → its tag, for notices sent lately
  std::deque<std::string> tag_order_;
  std::map<std::string, std::deque<Outgoing>> queues_;
  std::map<std::string, std::pair<bool, SteadyTime>> accounts_;  // exists?, when
  std::map<std::string, std::string> direct_;                    // user → direct room
  std::map<std::string, std::string> aliases_;                   // #alias → room id
  // No sends before this (the server's rate limit is per user). A steady time point, not wall-clock
  // milliseconds: truncated to whole milliseconds, a wait once ended up to 1 ms before the server said.
  SteadyTime hold_until_{};
  int sending_ = 0;  // sends on the wire
  // Wakes whoever waits for a login, a batch commit or a send to finish (shutdown, renewals).
  net::Wakeup changed_;
};

}  // namespace brigade::matrix::detail
