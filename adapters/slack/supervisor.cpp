// The Socket Mode supervisor's decisions (see supervisor.hpp).
#include "adapters/slack/supervisor.hpp"

#include <algorithm>

#include "adapters/slack/link_policy.hpp"

namespace brigade::slack {

using Kind = SupervisorEvent::Kind;
using Act = SupervisorAction::Kind;

Supervisor::Supervisor(Options opt) : opt_(opt), backoff_(opt.backoff_base, opt.backoff_cap, opt.seed) {}

std::vector<SupervisorAction> Supervisor::resume(const SupervisorEvent& e) {
  Actions out;
  if (stopping_ && e.kind != Kind::lost) return out;  // stopped or failed: sockets may still end
  switch (e.kind) {
    case Kind::start:
      out.push_back({.kind = Act::authenticate});
      break;
    case Kind::auth_failed:
      on_auth_failed(e, out);
      break;
    case Kind::authenticated:
      backoff_.reset();
      connect(ms(0), out);
      break;
    case Kind::open_failed:
      open_failed(e, out);
      break;
    case Kind::socket_up:
      links_[e.conn] = Link{};
      out.push_back({.kind = Act::await_hello, .conn = e.conn, .delay = opt_.hello_timeout});
      break;
    case Kind::hello:
      on_hello(e.conn, out);
      break;
    case Kind::bad_first_frame:
    case Kind::hello_timeout: {
      if (auto it = links_.find(e.conn); it == links_.end() || it->second.phase != Phase::awaiting_hello)
        break;
      links_.erase(e.conn);
      out.push_back({.kind = e.kind == Kind::hello_timeout ? Act::abort : Act::close, .conn = e.conn});
      open_failed(e, out);
      break;
    }
    case Kind::disconnect:
      on_disconnect(e, out);
      break;
    case Kind::lost:
      on_lost(e, out);
      break;
    case Kind::stop:
      stopping_ = true;
      break;
  }
  return out;
}

void Supervisor::on_auth_failed(const SupervisorEvent& e, Actions& out) {
  if (e.fatal) return fail(e.reason, out);
  out.push_back(
      {.kind = Act::authenticate, .delay = std::max(backoff_.next(), e.retry_after), .reason = e.reason});
}

void Supervisor::on_hello(ConnId conn, Actions& out) {
  auto it = links_.find(conn);
  if (it == links_.end() || it->second.phase != Phase::awaiting_hello) return;
  it->second.phase = Phase::live;
  connecting_ = false;
  backoff_.reset();
  active_ = conn;
  set_link(bot::LinkState::connected, "", out);
  // The new socket is up: the ones Slack asked us to replace may now drain and close.
  for (auto& [id, link] : links_) {
    if (id == conn || !link.close_when_replaced || link.phase != Phase::live) continue;
    link.phase = Phase::draining;
    out.push_back({.kind = Act::drain, .conn = id});
  }
}

void Supervisor::on_disconnect(const SupervisorEvent& e, Actions& out) {
  auto it = links_.find(e.conn);
  if (it == links_.end()) return;
  Link& link = it->second;
  OnDisconnect what = slack::on_disconnect(e.reason);
  if (what == OnDisconnect::stop_failed) return fail("link_disabled", out);
  if (link.phase == Phase::awaiting_hello) {  // a disconnect instead of hello: try another socket
    links_.erase(it);
    out.push_back({.kind = Act::close, .conn = e.conn});
    return open_failed(e, out);
  }
  switch (what) {
    case OnDisconnect::replace_keep_reading:  // Slack closes this one itself
      if (active_ == e.conn) replace(link, out);
      break;
    case OnDisconnect::replace_then_close:
      link.close_when_replaced = true;
      if (active_ == e.conn) {
        replace(link, out);
      } else if (link.phase == Phase::live) {
        link.phase = Phase::draining;
        out.push_back({.kind = Act::drain, .conn = e.conn});
      }
      break;
    case OnDisconnect::backoff_reconnect:
      link.too_many = true;
      out.push_back({.kind = Act::close, .conn = e.conn});
      break;
    case OnDisconnect::stop_failed:
      break;
  }
}

void Supervisor::on_lost(const SupervisorEvent& e, Actions& out) {
  auto it = links_.find(e.conn);
  if (it == links_.end()) return;
  Link link = it->second;
  links_.erase(it);
  if (stopping_) return;
  if (link.phase == Phase::awaiting_hello) return open_failed(e, out);
  if (active_ != e.conn) return;
  active_.reset();
  if (connecting_) return;  // the socket being opened takes over
  ms d = backoff_.next();
  if (link.too_many) d = std::max(d, opt_.too_many_delay);
  set_link(bot::LinkState::reconnecting, e.reason, out);
  out.push_back({.kind = Act::reconnect, .conn = e.conn, .reason = e.reason});
  connect(d, out);
}

void Supervisor::open_failed(const SupervisorEvent& e, Actions& out) {
  connecting_ = false;
  if (e.fatal) return fail(e.reason, out);
  if (!active_ && link_ != bot::LinkState::starting) set_link(bot::LinkState::reconnecting, e.reason, out);
  connect(std::max(backoff_.next(), e.retry_after), out);
}

void Supervisor::replace(Link& link, Actions& out) {
  if (link.replacing) return;
  link.replacing = true;
  connect(ms(0), out);
}

void Supervisor::connect(ms delay, Actions& out) {
  if (connecting_ || stopping_) return;  // the socket being opened serves this request too
  connecting_ = true;
  out.push_back({.kind = Act::connect, .delay = delay});
}

void Supervisor::set_link(bot::LinkState s, std::string why, Actions& out) {
  if (s == link_ && why.empty()) return;
  link_ = s;
  out.push_back({.kind = Act::link, .state = s, .reason = std::move(why)});
}

void Supervisor::fail(std::string why, Actions& out) {
  stopping_ = true;
  connecting_ = false;
  link_ = bot::LinkState::failed;
  out.push_back({.kind = Act::fail, .state = bot::LinkState::failed, .reason = std::move(why)});
}

DrainStep drain_step(int unacked, std::chrono::steady_clock::time_point last_frame,
                     std::chrono::steady_clock::time_point deadline, std::chrono::milliseconds quiet,
                     std::chrono::steady_clock::time_point now) {
  if (now >= deadline) return {.close = true};
  if (unacked == 0 && now - last_frame >= quiet) return {.close = true};
  // With envelopes unacked only an ack (or the deadline) can end the drain.
  return {.close = false, .wake = unacked > 0 ? deadline : std::min(deadline, last_frame + quiet)};
}

}  // namespace brigade::slack
