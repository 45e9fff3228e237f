// The Slack adapter's Socket Mode sockets: open one, wait for its hello, read its frames, drain and
// close it when it is replaced, and ack envelopes on the socket they came from.
#include <spdlog/spdlog.h>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/use_awaitable.hpp>

#include "adapters/net/connect.hpp"
#include "adapters/net/redact.hpp"
#include "adapters/net/tls_context.hpp"
#include "adapters/net/url.hpp"
#include "adapters/slack/adapter_impl.hpp"
#include "adapters/slack/link_policy.hpp"
#include "adapters/slack/wire.hpp"

namespace brigade::slack::detail {

using Ev = SupervisorEvent::Kind;

std::shared_ptr<Conn> SlackAdapter::find(ConnId id) const {
  for (const auto& c : conns_)
    if (c->id == id) return c;
  return nullptr;
}

// apps.connections.open → WebSocket; the supervisor hears socket_up or open_failed.
asio::awaitable<void> SlackAdapter::connect(milliseconds delay) {
  co_await sleep(delay);
  if (stopping_) co_return;
  auto r = co_await api_.call("apps.connections.open", json::object(), app_token_);
  if (!r.answer.ok) {
    bool fatal = fatal_api_error(r.answer.error());
    if (fatal)
      spdlog::error(
          "slack: apps.connections.open failed: {} (check SLACK_APP_TOKEN and its connections:write scope)",
          r.answer.error());
    else
      spdlog::warn("slack: apps.connections.open failed: {}", net::redact(r.answer.error()));
    milliseconds floor{r.answer.status == 429 ? r.answer.retry_after_ms : 0};
    feed({.kind = Ev::open_failed, .reason = r.answer.error(), .fatal = fatal, .retry_after = floor});
    co_return;
  }
  std::string url = r.body.get<wire::ConnectionsOpen>().url;
  auto parsed = net::parse_url(url);
  if (!parsed || !parsed->websocket()) {
    spdlog::warn("slack: apps.connections.open returned no usable URL");
    feed({.kind = Ev::open_failed, .reason = "no usable URL"});
    co_return;
  }
  net::WsOptions wo;
  wo.idle_timeout = opt_.idle_timeout;  // pings: a half-open socket ends as `lost`
  wo.handshake_timeout = opt_.handshake_timeout;
  if (parsed->tls() && !tls_) tls_ = net::make_tls_context(ca_file_);  // wss beside an http Web API
  auto c = co_await net::WsSession::connect(ioc_.get_executor(), url, tls_, wo);
  if (!c.session) {
    spdlog::warn("slack: Socket Mode connection to {} failed: {}", parsed->host, net::redact(c.error));
    feed({.kind = Ev::open_failed, .reason = c.error});
    co_return;
  }
  auto conn = std::make_shared<Conn>();
  conn->id = ++conn_seq_;
  conn->ws = c.session;
  conn->host = parsed->host;
  conns_.push_back(conn);
  asio::co_spawn(ioc_, read_loop(conn), net::log_errors("slack", "a Socket Mode reader"));
  feed({.kind = Ev::socket_up, .conn = conn->id});
}

// The link is usable only after hello; a peer that answers pings but never says hello would
// otherwise hold us forever.
void SlackAdapter::await_hello(std::shared_ptr<Conn> conn, milliseconds timeout) {
  auto deadline = [this, conn, timeout]() -> asio::awaitable<void> {
    auto until = std::chrono::steady_clock::now() + timeout;
    while (!conn->first_seen && !conn->dead && std::chrono::steady_clock::now() < until)
      co_await changed_.wait_until(until);
    if (conn->first_seen || conn->dead) co_return;
    spdlog::warn("slack: no hello from {} within {} ms", conn->host, timeout.count());
    feed({.kind = Ev::hello_timeout, .conn = conn->id});
  };
  asio::co_spawn(ioc_, deadline, net::log_errors("slack", "the hello deadline"));
}

asio::awaitable<void> SlackAdapter::read_loop(std::shared_ptr<Conn> conn) {
  std::string why;
  for (;;) {
    auto r = co_await conn->ws->read();
    if (!r.ok) {
      why = r.closed_cleanly() ? "closed by Slack" : r.error;
      break;
    }
    conn->last_frame = std::chrono::steady_clock::now();
    if (r.binary) {
      spdlog::warn("slack: ignoring a binary frame ({} bytes)", r.text.size());
      continue;
    }
    handle_frame(conn, r.text);
  }
  conn->dead = true;
  std::erase(conns_, conn);
  changed_.notify();
  bool active = sup_.active() == conn->id;
  if (active && !stopping_)
    spdlog::warn("slack: Socket Mode connection {} lost ({})", conn->id, why);
  else if (conn->ready)
    spdlog::info("slack: Socket Mode connection {} closed ({})", conn->id, why);
  feed({.kind = Ev::lost, .conn = conn->id, .reason = why});
}

void SlackAdapter::first_frame(const std::shared_ptr<Conn>& conn, const Frame& f) {
  conn->first_seen = true;  // the deadline is over either way
  changed_.notify();
  if (f.kind == Frame::Kind::hello) {
    conn->ready = true;
    spdlog::info("slack: Socket Mode connection {} ready ({})", conn->id, conn->host);
    feed({.kind = Ev::hello, .conn = conn->id});
  } else if (f.kind == Frame::Kind::disconnect) {
    spdlog::warn("slack: disconnect '{}' before hello on connection {}", f.reason.substr(0, 64), conn->id);
    feed({.kind = Ev::disconnect, .conn = conn->id, .reason = f.reason});
  } else {
    spdlog::warn("slack: expected hello, got {}", f.type.empty() ? f.error : f.type);
    feed({.kind = Ev::bad_first_frame, .conn = conn->id});
  }
}

void SlackAdapter::handle_frame(const std::shared_ptr<Conn>& conn, const std::string& text) {
  Frame f = parse_frame(text);
  if (!conn->first_seen) return first_frame(conn, f);
  if (!conn->ready) return;  // no hello: being closed, nothing on it counts
  switch (f.kind) {
    case Frame::Kind::invalid:
      spdlog::warn("slack: skipping a bad frame of {} bytes: {}", text.size(), f.error);
      return;
    case Frame::Kind::hello:
      return;
    case Frame::Kind::other:
      spdlog::info("slack: unknown frame type '{}' ({} bytes){}", f.type.substr(0, 64), text.size(),
                   f.envelope_id.empty() ? "" : ", acked");
      if (!f.envelope_id.empty()) conn->ws->send(ack_json(f.envelope_id));
      return;
    case Frame::Kind::disconnect:
      spdlog::info("slack: disconnect '{}' on connection {}", f.reason.substr(0, 64), conn->id);
      if (on_disconnect(f.reason) == OnDisconnect::backoff_reconnect)
        spdlog::warn("slack: too many Socket Mode connections for this app; backing off");
      feed({.kind = Ev::disconnect, .conn = conn->id, .reason = f.reason});
      return;
    case Frame::Kind::envelope:
      break;
  }
  if (stopping_) {
    // Not acked: Slack redelivers events to whoever connects next; nothing is half-done.
    spdlog::info("slack: stopping, leaving envelope {} unacked", f.envelope_id);
    return;
  }
  ++conn->inflight;
  ++inflight_total_;
  asio::co_spawn(ioc_, handle_envelope(conn, std::move(f)), net::log_errors("slack", "an envelope"));
}

// Lets the envelopes already taken on `conn` commit and ack, waits until Slack has stopped
// sending on it (envelopes may still be on the wire when the replacement comes up, and once
// our close frame is out Beast discards them), then closes it with code 1000.
void SlackAdapter::begin_drain(const std::shared_ptr<Conn>& conn) {
  if (conn->draining || conn->dead) return;
  conn->draining = true;
  auto drain = [this, conn]() -> asio::awaitable<void> {
    auto until = std::chrono::steady_clock::now() + opt_.drain_deadline;
    for (;;) {
      if (conn->dead) co_return;
      auto step = drain_step(conn->inflight, conn->last_frame, until, opt_.drain_quiet,
                             std::chrono::steady_clock::now());
      if (step.close) break;
      co_await changed_.wait_until(step.wake);
    }
    if (conn->inflight > 0)
      spdlog::warn("slack: closing connection {} with {} envelopes unacked (Slack redelivers events)",
                   conn->id, conn->inflight);
    spdlog::info("slack: closing drained connection {}", conn->id);
    conn->ws->close();
  };
  asio::co_spawn(ioc_, drain, net::log_errors("slack", "a connection drain"));
}

void SlackAdapter::acked(const std::shared_ptr<Conn>& conn, const std::string& envelope_id, bool send,
                         const json& payload) {
  if (send) {
    if (conn->dead || conn->ws->closing())
      spdlog::warn("slack: connection {} went away before envelope {} could be acked", conn->id, envelope_id);
    else
      conn->ws->send(ack_json(envelope_id, payload));
  }
  --conn->inflight;
  --inflight_total_;
  changed_.notify();
}

}  // namespace brigade::slack::detail
