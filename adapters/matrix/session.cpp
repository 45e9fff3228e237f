// The Matrix session's decisions (see session.hpp).
#include "adapters/matrix/session.hpp"

#include <nlohmann/json.hpp>

#include "adapters/matrix/wire.hpp"

namespace brigade::matrix {

using Kind = SessionEvent::Kind;
using Act = SessionAction::Kind;

Session::Session(Options opt)
    : opt_(std::move(opt)),
      backoff_(opt_.backoff_base, opt_.backoff_cap, opt_.seed),
      login_backoff_(opt_.backoff_base, opt_.backoff_cap, opt_.seed + 1),
      user_(opt_.user_id),
      device_(opt_.device_id),
      cursor_(opt_.cursor) {}

std::string Session::origin() const {
  if (stored_) return "the stored session";
  return opt_.configured_token && generation_ == 0 ? "MATRIX_ACCESS_TOKEN" : "a new login";
}

std::vector<SessionAction> Session::resume(const SessionEvent& e) {
  Actions out;
  if (phase_ == Phase::stopped) return out;
  switch (e.kind) {
    case Kind::start:
      on_start(e, out);
      break;
    case Kind::whoami:
      on_whoami(e.answer, out);
      break;
    case Kind::login:
      on_login(e.answer, out);
      break;
    case Kind::logged_out:  // the stored session is gone: the configured account logs in anew
      token_.clear();
      stored_ = false;
      device_.clear();
      ++generation_;
      login(ms(0), out);
      break;
    case Kind::token_rejected:
      on_token_rejected(e.answer, out);
      break;
    case Kind::set_up:
      running_ = true;
      phase_ = Phase::syncing;
      out.push_back({.kind = Act::sync});
      break;
    case Kind::synced:
      on_synced(e, out);
      break;
    case Kind::committed:
      on_committed(e, out);
      break;
    case Kind::stop:
      phase_ = Phase::stopped;
      break;
  }
  return out;
}

void Session::on_start(const SessionEvent& e, Actions& out) {
  token_ = e.token;
  stored_ = e.stored && !token_.empty();
  if (token_.empty()) return login(ms(0), out);
  phase_ = Phase::checking;
  out.push_back({.kind = Act::whoami});
}

void Session::on_whoami(const Answer& a, Actions& out) {
  if (phase_ != Phase::checking) return;
  if (a.ok() && a.body.is_object()) {
    auto who = a.body.get<wire::Whoami>();
    const std::string& user = who.user_id;
    if (stored_ && !user.empty() && user != user_) {
      // MATRIX_USER_ID changed since that login: end the old session, start the configured one.
      phase_ = Phase::logging_out;
      out.push_back(
          {.kind = Act::logout, .reason = "the stored session belongs to " + user + ", not " + user_});
      return;
    }
    if (!user.empty()) user_ = user;  // a token for another account than MATRIX_USER_ID: that account
    const std::string& device = who.device_id;
    if (!device.empty() && device != device_) {
      device_ = device;
      out.push_back({.kind = Act::keep_device});
    }
    phase_ = Phase::setting_up;
    out.push_back({.kind = Act::set_up});
    return;
  }
  if (a.token_invalid()) return on_token_rejected(a, out);
  if (!a.transient()) return fail("whoami: " + a.code, out);
  set_link(bot::LinkState::reconnecting, a.describe(), out);
  out.push_back({.kind = Act::whoami, .delay = wait(a, backoff_), .reason = a.describe()});
}

void Session::on_login(const Answer& a, Actions& out) {
  if (!logging_in()) return;
  auto login = a.ok() ? a.body.get<wire::LoginResponse>() : wire::LoginResponse{};
  if (!login.access_token.empty()) {
    token_ = std::move(login.access_token);
    stored_ = false;
    ++generation_;
    if (!login.user_id.empty()) user_ = std::move(login.user_id);
    if (!login.device_id.empty()) device_ = std::move(login.device_id);
    out.push_back({.kind = Act::keep_session});
    // A login at start-up goes on to set up; a renewal leaves the session where it was.
    if (renewing_) {
      renewing_ = false;
      return;
    }
    phase_ = Phase::setting_up;
    out.push_back({.kind = Act::set_up});
    return;
  }
  if (a.rate_limited()) {
    out.push_back({.kind = Act::login, .delay = wait(a, login_backoff_), .reason = "rate-limited"});
    return;
  }
  if (a.transient()) {
    set_link(bot::LinkState::reconnecting, a.describe(), out);
    out.push_back({.kind = Act::login, .delay = login_backoff_.next(), .reason = a.describe()});
    return;
  }
  // A wrong password or a deactivated account: retrying would only trip the rate limiter.
  fail("login refused: " + a.code, out);
}

void Session::on_token_rejected(const Answer& a, Actions& out) {
  if (logging_in()) return;  // a login is already under way
  if (!opt_.password) {
    std::string why = a.code + ": access token rejected";
    return fail(why, out);
  }
  stored_ = false;
  login(ms(0), out);
}

void Session::on_synced(const SessionEvent& e, Actions& out) {
  if (phase_ != Phase::syncing) return;
  const Answer& a = e.answer;
  if (!a.ok()) {
    // call() already logged in again (or failed for good, which stopped everything).
    if (a.token_invalid()) return out.push_back({.kind = Act::sync});
    ms d = a.rate_limited() && a.retry_after_ms >= 0 ? ms(a.retry_after_ms) : backoff_.next();
    if (link_ == bot::LinkState::connected) out.push_back({.kind = Act::reconnect});
    set_link(bot::LinkState::reconnecting, a.describe(), out);
    out.push_back({.kind = Act::sync, .delay = d, .reason = "sync failed (" + a.describe() + ")"});
    return;
  }
  if (e.unusable) {
    out.push_back({.kind = Act::sync, .delay = backoff_.next(), .reason = "unusable sync answer"});
    return;
  }
  set_link(bot::LinkState::connected, "", out);
  phase_ = Phase::applying;
  pending_batch_ = e.next_batch;
  out.push_back({.kind = Act::apply});
}

void Session::on_committed(const SessionEvent& e, Actions& out) {
  if (phase_ != Phase::applying) return;
  phase_ = Phase::syncing;
  if (!e.ok) {  // the same answer again, from the same cursor
    out.push_back({.kind = Act::sync, .delay = backoff_.next(), .reason = "could not commit a sync batch"});
    return;
  }
  backoff_.reset();
  cursor_ = pending_batch_;
  out.push_back({.kind = Act::sync});
}

void Session::login(ms delay, Actions& out) {
  bool starting = phase_ == Phase::idle || phase_ == Phase::checking || phase_ == Phase::logging_out;
  if (starting)
    phase_ = Phase::logging_in;
  else
    renewing_ = true;
  login_backoff_.reset();
  out.push_back({.kind = Act::login, .delay = delay});
}

void Session::set_link(bot::LinkState s, std::string why, Actions& out) {
  if (s == link_ && why.empty()) return;
  link_ = s;
  out.push_back({.kind = Act::link, .state = s, .reason = std::move(why)});
}

void Session::fail(std::string why, Actions& out) {
  phase_ = Phase::stopped;
  renewing_ = false;
  link_ = bot::LinkState::failed;
  out.push_back({.kind = Act::fail, .state = bot::LinkState::failed, .reason = std::move(why)});
}

Session::ms Session::wait(const Answer& a, net::Backoff& b) const {
  return a.rate_limited() && a.retry_after_ms > 0 ? ms(a.retry_after_ms) : b.next();
}

}  // namespace brigade::matrix
