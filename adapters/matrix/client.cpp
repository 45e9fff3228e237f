// The Matrix adapter's Client-Server API calls: one request with token renewal, the session's
// requests (whoami, login, logout, set-up), and store changes handed to the committer.
#include <spdlog/spdlog.h>

#include "adapters/matrix/adapter_impl.hpp"
#include "adapters/matrix/ids.hpp"
#include "adapters/matrix/wire.hpp"
#include "adapters/net/redact.hpp"
#include "adapters/net/tuple_token.hpp"

namespace brigade::matrix::detail {

namespace {

core::Millis now_ms() {
  return std::chrono::duration_cast<milliseconds>(std::chrono::system_clock::now().time_since_epoch())
      .count();
}

// A one-shot wake-up for a committer callback (writer thread → our thread, through the poster).
struct Signal {
  explicit Signal(asio::io_context& ioc) : timer(ioc, asio::steady_timer::time_point::max()) {}
  asio::steady_timer timer;
  bool set = false;
  bool ok = false;
};

void log_token_rejected(const Answer& why, bool password, const std::string& device) {
  if (!password)
    spdlog::error(
        "matrix: the homeserver rejected the access token ({}{}) and no MATRIX_PASSWORD is set to log in "
        "again; "
        "the Matrix adapter stops. Set a new MATRIX_ACCESS_TOKEN and restart Brigade.",
        why.code, why.soft_logout ? ", soft logout" : "");
  else
    spdlog::warn("matrix: access token rejected ({}{}); logging in again as device {}", why.code,
                 why.soft_logout ? ", soft logout" : "", device.empty() ? "(new)" : device);
}

}  // namespace

// One Client-Server API call. A rejected token is handled here: the session decides (with a
// password: log in again, same device, and repeat the call once; without one: stop for good).
asio::awaitable<Answer> MatrixAdapter::call(net::HttpClient& client, std::string method, std::string path,
                                            json body, bool authed, bool renew) {
  for (int attempt = 0;; ++attempt) {
    net::HttpRequest req;
    req.method = method;
    req.url = base_ + "/_matrix/client/v3" + path;
    if (authed) req.headers.emplace_back("Authorization", "Bearer " + session_.token());
    if (method != "GET") {
      req.headers.emplace_back("Content-Type", "application/json");
      req.body = body.is_null() ? std::string("{}") : body.dump();
    }
    std::uint64_t generation = session_.generation();
    auto r = co_await client.request(std::move(req));
    Answer a = read_answer(r.status, r.body, r.header("retry-after"), net::redact(r.error), now_ms());
    a.transport = r.ec;
    if (!authed || !renew || !a.token_invalid() || attempt > 0 || stopping_) co_return a;
    if (!co_await renew_session(generation, a)) co_return a;
  }
}

// After M_UNKNOWN_TOKEN. True when a fresh token is in place (perhaps renewed by another caller).
asio::awaitable<bool> MatrixAdapter::renew_session(std::uint64_t seen_generation, const Answer& why) {
  while (session_.logging_in() && !stopping_) co_await changed_.wait();  // another caller's login
  if (session_.generation() != seen_generation) co_return true;
  if (stopping_) co_return false;
  log_token_rejected(why, !cfg_.password.empty(), session_.device());
  SessionEvent rejected;
  rejected.kind = SessionEvent::Kind::token_rejected;
  rejected.answer = why;
  co_await drive(std::move(rejected));
  changed_.notify();
  co_return session_.generation() != seen_generation && !stopping_;
}

asio::awaitable<SessionEvent> MatrixAdapter::login() {
  wire::LoginRequest req{session_.user_id(), cfg_.password, session_.device(), cfg_.device_name};
  json body = req;
  auto a = co_await call(http_, "POST", "/login", std::move(body), false);
  auto login = a.ok() ? a.body.get<wire::LoginResponse>() : wire::LoginResponse{};
  if (!login.access_token.empty()) {
    std::string user = login.user_id.empty() ? session_.user_id() : login.user_id;
    if (user != session_.user_id()) spdlog::info("matrix: the homeserver calls this account {}", user);
    spdlog::info("matrix: logged in as {} (device {})", user,
                 login.device_id.empty() ? session_.device() : login.device_id);
  } else if (!a.rate_limited() && !a.transient()) {
    spdlog::error("matrix: login as {} refused: {} (check MATRIX_USER_ID and MATRIX_PASSWORD)",
                  session_.user_id(), a.describe());
  }
  SessionEvent e;
  e.kind = SessionEvent::Kind::login;
  e.answer = std::move(a);
  co_return e;
}

asio::awaitable<SessionEvent> MatrixAdapter::whoami() {
  auto a = co_await call(http_, "GET", "/account/whoami", nullptr, true, /*renew=*/false);
  if (a.ok() && a.body.is_object()) {
    std::string user = a.body.get<wire::Whoami>().user_id;
    if (!user.empty() && user != session_.user_id() && !session_.stored())
      spdlog::warn("matrix: MATRIX_USER_ID is {} but the access token belongs to {}; using {}",
                   session_.user_id(), user, user);
  } else if (!a.transient() && !a.token_invalid()) {
    spdlog::error("matrix: whoami failed: {}; the Matrix adapter stops", a.describe());
  } else if (a.token_invalid()) {
    log_token_rejected(a, !cfg_.password.empty(), session_.device());
  }
  SessionEvent e;
  e.kind = SessionEvent::Kind::whoami;
  e.answer = std::move(a);
  co_return e;
}

// Ends the current session on the server (POST /logout) and forgets it here and in the data file.
asio::awaitable<SessionEvent> MatrixAdapter::logout() {
  auto a = co_await call(http_, "POST", "/logout", json::object(), true, /*renew=*/false);
  if (!a.ok() && !a.token_invalid())
    spdlog::warn("matrix: logging out the old session failed: {}", a.describe());
  auto forget = session_effects("", "");
  co_await commit(std::move(forget));
  SessionEvent e;
  e.kind = SessionEvent::Kind::logged_out;
  co_return e;
}

// Hands store changes to the committer and waits for their commit.
asio::awaitable<bool> MatrixAdapter::commit(bot::AdapterEffects effects) {
  auto sig = std::make_shared<Signal>(ioc_);
  // Committer callbacks run on the writer thread and may outlive the adapter: they reach the
  // I/O thread only through the runtime's poster.
  committer_.submit(std::move(effects), [post = rt_.poster(), sig](bool ok) {
    post([sig, ok] {
      sig->ok = ok;
      sig->set = true;
      sig->timer.cancel();
    });
  });
  while (!sig->set) co_await sig->timer.async_wait(net::kTuple);
  co_return sig->ok;
}

// The session works: the sync filter, the configured rooms, and the replies waiting for both.
asio::awaitable<SessionEvent> MatrixAdapter::set_up() {
  spdlog::info("matrix: connected to {} as {} (device {}, {})", base_, session_.user_id(),
               session_.device().empty() ? "unknown" : session_.device(), session_.origin());
  auto a =
      co_await call(http_, "POST", "/user/" + path_segment(session_.user_id()) + "/filter", sync_filter());
  if (auto id = a.ok() ? a.body.get<wire::FilterAnswer>().filter_id : ""; !id.empty()) {
    filter_ = id;
  } else {
    spdlog::info("matrix: filter upload failed ({}); sending the filter inline", a.describe());
    filter_ = sync_filter().dump();
  }
  for (const auto& room : cfg_.autojoin_rooms) co_await join(room, "");
  ready_ = true;
  kick_queues();
  if (session_.cursor().empty())
    spdlog::info("matrix: first start: skipping the backlog (messages sent before now are not answered)");
  SessionEvent e;
  e.kind = SessionEvent::Kind::set_up;
  co_return e;
}

}  // namespace brigade::matrix::detail
