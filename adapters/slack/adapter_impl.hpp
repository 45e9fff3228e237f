// The Slack adapter's insides (adapter-internal: includes Asio), shared by its six source files:
//   slack_adapter.cpp — life cycle: start, stop, performing the supervisor's actions, auth.test
//   sockets.cpp       — Socket Mode sockets: open, hello deadline, read loop, frames, drain, acks
//   envelopes.cpp     — envelopes → events (name lookups) → commits → acks
//   interactive.cpp   — the thanks modal: views.open (first: the trigger lives 3 s), its permalink
//   replies.cpp       — outbox replies: chat.postMessage / chat.update / chat.postEphemeral / response_url
//   views.cpp         — the Home tab (views.publish with the view's hash), chat.getPermalink
// The decisions live in I/O-free pieces: supervisor.hpp (sockets), router.hpp (envelopes),
// modal.hpp (the modal), blocks.hpp (Block Kit), delivery_policy.hpp and response_urls.hpp (replies).
#pragma once

#include <chrono>
#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <boost/asio/awaitable.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>

#include "adapters/net/adapter_runtime.hpp"
#include "adapters/net/wakeup.hpp"
#include "adapters/net/ws_session.hpp"
#include "adapters/slack/directory.hpp"
#include "adapters/slack/frame.hpp"
#include "adapters/slack/modal.hpp"
#include "adapters/slack/options.hpp"
#include "adapters/slack/response_urls.hpp"
#include "adapters/slack/router.hpp"
#include "adapters/slack/supervisor.hpp"
#include "adapters/slack/web_api.hpp"
#include "bot/metrics.hpp"

namespace brigade::slack::detail {

namespace asio = boost::asio;
using nlohmann::json;
using std::chrono::milliseconds;

// One Socket Mode WebSocket. Several exist only while a refresh hands over to a new one.
struct Conn {
  ConnId id = 0;
  std::shared_ptr<net::WsSession> ws;
  std::string host;
  int inflight = 0;         // envelopes taken, not yet acked
  bool first_seen = false;  // its first frame arrived (the hello deadline is over)
  bool ready = false;       // … and it was hello
  bool draining = false;
  bool dead = false;
  std::chrono::steady_clock::time_point last_frame = std::chrono::steady_clock::now();
};

class SlackAdapter final : public bot::NetworkAdapter {
 public:
  SlackAdapter(const config::Config& cfg, bot::Committer& committer, bot::Metrics& metrics,
               const AdapterOptions& opt);
  ~SlackAdapter() override;

  std::string_view name() const override { return "slack"; }
  void start() override;
  void stop(milliseconds grace) override;
  bot::LinkState state() const override { return rt_.state(); }
  std::string reason() const override { return rt_.reason(); }
  void deliver(const store::OutboxItem& item, bot::DeliveryDone done) override;

 private:
  // slack_adapter.cpp
  asio::awaitable<void> run();  // feeds `start`; the supervisor's actions do the rest
  void feed(SupervisorEvent e);
  void perform(const SupervisorAction& a);
  void fail(const std::string& why);
  asio::awaitable<void> sleep(milliseconds d);
  asio::awaitable<void> authenticate(milliseconds delay);
  asio::awaitable<void> shutdown(milliseconds budget);
  // sockets.cpp
  asio::awaitable<void> connect(milliseconds delay);
  void await_hello(std::shared_ptr<Conn> conn, milliseconds timeout);
  asio::awaitable<void> read_loop(std::shared_ptr<Conn> conn);
  void first_frame(const std::shared_ptr<Conn>& conn, const Frame& f);
  void handle_frame(const std::shared_ptr<Conn>& conn, const std::string& text);
  void begin_drain(const std::shared_ptr<Conn>& conn);
  // `payload`, when not null, goes in the ack (a slash command's reply, a submission's errors).
  void acked(const std::shared_ptr<Conn>& conn, const std::string& envelope_id, bool send,
             const json& payload = nullptr);
  std::shared_ptr<Conn> find(ConnId id) const;
  // envelopes.cpp
  asio::awaitable<void> load_users();
  asio::awaitable<void> handle_envelope(std::shared_ptr<Conn> conn, Frame f);
  asio::awaitable<void> process_envelope(std::shared_ptr<Conn> conn, Frame f);
  void commit_then_ack(const std::shared_ptr<Conn>& conn, const std::string& envelope_id,
                       bot::AdapterEffects effects);
  bot::AdapterEffects person_effects(PersonChange change);
  asio::awaitable<void> ensure_user(const std::string& id);
  asio::awaitable<void> ensure_group(const std::string& group,
                                     std::chrono::steady_clock::time_point deadline);
  asio::awaitable<core::Event> build_event(Inbound in);
  // interactive.cpp
  asio::awaitable<void> open_modal(std::shared_ptr<Conn> conn, std::string envelope_id, ModalRequest req);
  asio::awaitable<void> link_modal(ModalRequest req, ModalMeta meta, json opened);
  // replies.cpp
  asio::awaitable<void> deliver_one(store::OutboxItem item, bot::DeliveryDone done);
  asio::awaitable<bool> await_slot(std::string channel);  // false: stopping, nothing may be sent
  asio::awaitable<std::optional<bot::Delivery>> update(std::uint64_t seq, MessageRef to, std::string text,
                                                       json blocks);
  asio::awaitable<bot::Delivery> post_one(std::uint64_t seq, const core::Reply& rep, std::string channel,
                                          std::string text, json blocks);
  asio::awaitable<ApiResult> post(const core::Reply& rep, const std::string& channel, const std::string& text,
                                  const json& blocks);
  bot::Delivery settle(std::uint64_t seq, const std::string& channel, const ApiAnswer& answer);
  // views.cpp
  asio::awaitable<bot::Delivery> publish_home(std::uint64_t seq, core::Reply rep);
  asio::awaitable<std::optional<std::string>> permalink(std::string channel, std::string ts);

  net::AdapterRuntime rt_{"slack"};
  asio::io_context& ioc_ = rt_.ioc();
  bot::Committer& committer_;
  bot::Metrics& metrics_;
  AdapterOptions opt_;
  std::string app_token_, bot_token_;
  std::string ca_file_;
  std::shared_ptr<asio::ssl::context> tls_;  // null until a TLS endpoint is used
  WebApi api_;
  WebApi lookup_api_;  // users.info & co. on the ack path: a short timeout keeps acks inside 3 s
  // The wait before the next auth.test or apps.connections.open; stop() cancels it.
  asio::steady_timer retry_timer_;
  // Wakes the drain and shutdown waits: an envelope acked, a post answered, a connection gone.
  net::Wakeup changed_;
  Supervisor sup_;
  ChannelPacer pacer_;
  Directory dir_;
  Identity me_;
  ResponseUrls response_urls_;
  ModalSettings modal_;  // what the thanks modal offers (the configured values)
  // Per raw user id, the hash of the Home view Slack shows them (views.publish's answer, or the
  // one app_home_opened carries): passed back so an older view never overwrites a newer one.
  std::map<std::string, std::string> home_hash_;

  std::vector<std::shared_ptr<Conn>> conns_;
  ConnId conn_seq_ = 0;
  bool stopping_ = false;  // shutdown() or fail() ran: no new envelopes, posts or sockets
  int inflight_total_ = 0;
  int posting_ = 0;  // chat.post* / chat.update / views.publish calls on the wire
};

}  // namespace brigade::slack::detail
