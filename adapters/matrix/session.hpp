// The Matrix session's decisions, free of I/O: which access token to try (configured, stored,
// or a new password login on the same device), what whoami and login answers mean, when to
// log out a stored session that belongs to someone else, how long to back off, what a /sync
// answer means for the cursor and the link state, and what to do when the token is rejected
// (M_UNKNOWN_TOKEN, soft logout included).
//
// In the style of boostorg/redis's detail/*_fsm.hpp: the adapter's coroutines tell the session
// what happened (`resume(event)`) and perform the actions it answers; every request action
// produces the next event. Step by step in tests/unit/matrix_session_test.cpp.
#pragma once

#include <chrono>
#include <cstdint>
#include <random>
#include <string>
#include <vector>

#include "adapters/matrix/api.hpp"
#include "adapters/net/backoff.hpp"
#include "bot/network_adapter.hpp"

namespace brigade::matrix {

struct SessionEvent {
  enum class Kind {
    start,           // `token`: MATRIX_ACCESS_TOKEN, else the one the last login stored (`stored`)
    whoami,          // GET /account/whoami answered (`answer`)
    login,           // POST /login answered (`answer`)
    logged_out,      // POST /logout done (whatever its answer) and the stored session forgotten
    token_rejected,  // a call met M_UNKNOWN_TOKEN / M_MISSING_TOKEN (`answer`)
    set_up,          // the filter is uploaded and the configured rooms joined
    synced,          // /sync answered (`answer`); `unusable`: the body could not be read
    committed,       // the batch of the last /sync was committed (`ok`), `next_batch` with it
    stop,
  };
  Kind kind = Kind::start;
  Answer answer;
  std::string token;
  bool stored = false;
  bool unusable = false;
  bool ok = false;
  std::string next_batch;
};

struct SessionAction {
  enum class Kind {
    whoami,        // after `delay`: GET /account/whoami with token()
    login,         // after `delay`: POST /login with the password, as device() if known
    logout,        // POST /logout with the current token, then keep an empty session (→ logged_out)
    keep_session,  // commit device() and token() to the data file (a failed write costs a login later)
    keep_device,   // commit device()
    set_up,        // upload the filter, join the configured rooms (→ set_up)
    sync,          // after `delay`: /sync since cursor() (empty: the initial sync, backlog skipped)
    apply,         // turn the /sync answer into commands and commit them with its next_batch (→ committed)
    link,          // the link state is now `state` (`reason`)
    reconnect,     // a connected link was lost (the reconnects metric)
    fail,          // stop for good: a human must fix the credentials (`reason`)
  };
  Kind kind = Kind::link;
  std::chrono::milliseconds delay{0};
  bot::LinkState state = bot::LinkState::starting;
  std::string reason;

  bool operator==(const SessionAction&) const = default;
};

class Session {
 public:
  using ms = std::chrono::milliseconds;
  struct Options {
    std::string user_id;            // MATRIX_USER_ID
    bool password = false;          // MATRIX_PASSWORD is set: a rejected token means a new login
    bool configured_token = false;  // MATRIX_ACCESS_TOKEN is set
    std::string device_id;          // the device the data file remembers
    std::string cursor;             // the sync cursor the data file remembers
    ms backoff_base{1000};
    ms backoff_cap{30000};
    std::uint64_t seed = std::random_device{}();
  };

  explicit Session(Options opt);

  std::vector<SessionAction> resume(const SessionEvent& e);

  const std::string& token() const { return token_; }
  const std::string& user_id() const { return user_; }
  const std::string& device() const { return device_; }
  const std::string& cursor() const { return cursor_; }
  std::uint64_t generation() const { return generation_; }  // grows with every new token
  bool logging_in() const { return phase_ == Phase::logging_in || renewing_; }
  bool running() const { return running_; }  // the session was set up: sends may go out
  bool stopped() const { return phase_ == Phase::stopped; }
  bool stored() const { return stored_; }  // the token came from the data file
  // How the current token came: "the stored session", "a new login" or "MATRIX_ACCESS_TOKEN".
  std::string origin() const;

 private:
  enum class Phase { idle, checking, logging_in, logging_out, setting_up, syncing, applying, stopped };
  using Actions = std::vector<SessionAction>;

  void on_start(const SessionEvent& e, Actions& out);
  void on_whoami(const Answer& a, Actions& out);
  void on_login(const Answer& a, Actions& out);
  void on_token_rejected(const Answer& a, Actions& out);
  void on_synced(const SessionEvent& e, Actions& out);
  void on_committed(const SessionEvent& e, Actions& out);
  void login(ms delay, Actions& out);
  void set_link(bot::LinkState s, std::string why, Actions& out);
  void fail(std::string why, Actions& out);
  ms wait(const Answer& a, net::Backoff& b) const;  // the server's Retry-After, else the backoff

  Options opt_;
  net::Backoff backoff_;        // whoami and /sync
  net::Backoff login_backoff_;  // one login's attempts
  Phase phase_ = Phase::idle;
  bool renewing_ = false;  // a login replacing a rejected token while the session runs on
  bot::LinkState link_ = bot::LinkState::starting;
  std::string token_, user_, device_, cursor_;
  std::string pending_batch_;  // next_batch of the answer being applied
  bool stored_ = false;        // token_ came from the data file
  bool running_ = false;
  std::uint64_t generation_ = 0;
};

}  // namespace brigade::matrix
