// The Socket Mode supervisor's decisions, free of I/O: when to authenticate and open a socket,
// which socket to drain, close or drop, what the link state is, how long to back off.
//
// In the style of boostorg/redis's detail/*_fsm.hpp: the adapter's coroutines tell the
// supervisor what happened (`resume(event)`) and perform the actions it answers — the
// supervisor never waits, reads a clock or touches a socket, so every step is unit-tested
// (tests/unit/slack_supervisor_test.cpp). Half-open sockets are found by the WebSocket's idle
// timeout (pings) and arrive here as `lost`.
#pragma once

#include <chrono>
#include <cstdint>
#include <map>
#include <optional>
#include <random>
#include <string>
#include <vector>

#include "adapters/net/backoff.hpp"
#include "bot/network_adapter.hpp"

namespace brigade::slack {

using ConnId = std::uint64_t;  // the adapter numbers its sockets; the supervisor only compares them

struct SupervisorEvent {
  enum class Kind {
    start,            // the adapter started: who are we?
    authenticated,    // auth.test answered (and users.list ran)
    auth_failed,      // auth.test failed; `fatal` when retrying cannot help
    open_failed,      // apps.connections.open or the WebSocket connect failed; `fatal` as above
    socket_up,        // `conn`'s WebSocket is connected: its hello is awaited
    hello,            // `conn` said hello
    bad_first_frame,  // `conn` sent something other than hello first
    hello_timeout,    // `conn` said nothing within the handshake timeout
    disconnect,       // `conn` sent a disconnect frame (`reason`)
    lost,             // `conn`'s socket ended (`reason`: why)
    stop,             // the adapter stops: no new sockets, no reconnects
  };
  Kind kind = Kind::start;
  ConnId conn = 0;
  std::string reason;
  bool fatal = false;
  std::chrono::milliseconds retry_after{0};  // the server's Retry-After: a floor under the backoff
};

struct SupervisorAction {
  enum class Kind {
    authenticate,  // after `delay`: auth.test, users.list (→ authenticated / auth_failed)
    connect,       // after `delay`: apps.connections.open and the WebSocket (→ socket_up / open_failed)
    await_hello,   // arm `conn`'s hello deadline of `delay` (→ hello_timeout)
    drain,         // let `conn`'s taken envelopes ack, close it once Slack has gone quiet on it
    close,         // close `conn` now, with a close frame
    abort,         // drop `conn` without a close handshake
    link,          // the link state is now `state` (`reason`)
    reconnect,     // a live link was lost (the reconnects metric)
    fail,          // stop for good: retrying cannot help (`reason`)
  };
  Kind kind = Kind::link;
  ConnId conn = 0;
  std::chrono::milliseconds delay{0};
  bot::LinkState state = bot::LinkState::starting;
  std::string reason;

  bool operator==(const SupervisorAction&) const = default;
};

class Supervisor {
 public:
  using ms = std::chrono::milliseconds;
  struct Options {
    ms backoff_base{1000};
    ms backoff_cap{30000};
    ms too_many_delay{10000};  // at least this long after too_many_websockets
    ms hello_timeout{30000};
    std::uint64_t seed = std::random_device{}();  // backoff jitter; tests fix it
  };

  explicit Supervisor(Options opt);

  std::vector<SupervisorAction> resume(const SupervisorEvent& e);

  std::optional<ConnId> active() const { return active_; }  // the socket new envelopes are expected on
  bool connecting() const { return connecting_; }           // a connect action is outstanding
  bool stopping() const { return stopping_; }
  std::size_t sockets() const { return links_.size(); }  // known sockets, the active one included

 private:
  enum class Phase { awaiting_hello, live, draining };
  struct Link {
    Phase phase = Phase::awaiting_hello;
    bool replacing = false;            // a replacement was asked for
    bool close_when_replaced = false;  // drain once the replacement is up
    bool too_many = false;             // Slack said too_many_websockets
  };
  using Actions = std::vector<SupervisorAction>;

  void on_auth_failed(const SupervisorEvent& e, Actions& out);
  void on_hello(ConnId conn, Actions& out);
  void on_disconnect(const SupervisorEvent& e, Actions& out);
  void on_lost(const SupervisorEvent& e, Actions& out);
  // A socket attempt that ended before hello: try again after the backoff (or fail for good).
  void open_failed(const SupervisorEvent& e, Actions& out);
  void replace(Link& link, Actions& out);
  void connect(ms delay, Actions& out);
  void set_link(bot::LinkState s, std::string why, Actions& out);
  void fail(std::string why, Actions& out);

  Options opt_;
  net::Backoff backoff_;
  std::map<ConnId, Link> links_;
  std::optional<ConnId> active_;
  bot::LinkState link_ = bot::LinkState::starting;
  bool connecting_ = false;
  bool stopping_ = false;
};

// When to close a socket being drained: once nothing taken on it is unacked and Slack has been
// quiet on it for `quiet` (envelopes can still be on the wire when the replacement comes up),
// or at `deadline` whatever is left. Otherwise `wake` says when to look again (an ack or the
// socket's end also wakes the drain).
struct DrainStep {
  bool close = false;
  std::chrono::steady_clock::time_point wake{};
};
DrainStep drain_step(int unacked, std::chrono::steady_clock::time_point last_frame,
                     std::chrono::steady_clock::time_point deadline, std::chrono::milliseconds quiet,
                     std::chrono::steady_clock::time_point now);

}  // namespace brigade::slack
