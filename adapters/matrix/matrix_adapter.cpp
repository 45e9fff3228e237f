// The Matrix adapter's life cycle: start, stop, and performing what the session decides (the other
// parts: adapter_impl.hpp).
#include "adapters/matrix/matrix_adapter.hpp"

#include <spdlog/spdlog.h>

#include <random>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/post.hpp>

#include "adapters/matrix/adapter_impl.hpp"
#include "adapters/matrix/buttons.hpp"
#include "adapters/net/redact.hpp"
#include "adapters/net/tls_context.hpp"
#include "adapters/net/tuple_token.hpp"
#include "adapters/net/url.hpp"

namespace brigade::matrix {

namespace detail {

namespace {

std::string random_instance() {
  std::random_device rd;
  std::uniform_int_distribution<int> hex(0, 15);
  std::string s;
  for (int i = 0; i < 12; ++i) s += "0123456789abcdef"[hex(rd)];
  return s;
}

Session::Options session_options(const config::Config& cfg, const bot::AdapterState& state,
                                 const AdapterOptions& opt) {
  Session::Options o;
  o.user_id = cfg.matrix.user_id;
  o.password = !cfg.matrix.password.empty();
  o.configured_token = !cfg.matrix.access_token.empty();
  o.device_id = state.meta(kMetaDevice).value_or("");
  o.cursor = state.cursor().value_or("");
  o.backoff_base = opt.backoff_base;
  o.backoff_cap = opt.backoff_cap;
  return o;
}

}  // namespace

std::string meta_key(std::string_view prefix, std::string_view id) {
  std::string k(prefix);
  k += id;
  return k;
}

MatrixAdapter::MatrixAdapter(const config::Config& cfg, bot::AdapterState state, bot::Committer& committer,
                             bot::Metrics& metrics, const AdapterOptions& opt)
    : state_(std::move(state)),
      committer_(committer),
      metrics_(metrics),
      opt_(opt),
      cfg_(cfg.matrix),
      session_(session_options(cfg, state_, opt)),
      tls_(cfg.matrix.homeserver.rfind("https:", 0) == 0 ? net::make_tls_context(cfg.ca_file) : nullptr),
      http_(ioc_.get_executor(), tls_, opt.http_timeout),
      sync_http_(ioc_.get_executor(), tls_, opt.sync_timeout + opt.sync_slack),
      initial_http_(ioc_.get_executor(), tls_, opt.initial_sync_timeout) {
  auto base = net::parse_url(cfg.matrix.homeserver);
  if (!base || base->websocket()) throw std::runtime_error("MATRIX_HOMESERVER is not an http(s) URL");
  base_ = cfg.matrix.homeserver;
  while (!base_.empty() && base_.back() == '/') base_.pop_back();
  me_.user_id = cfg.matrix.user_id;
  me_.reaction = cfg.matrix.reaction.empty() ? "🙏" : cfg.matrix.reaction;
}

MatrixAdapter::~MatrixAdapter() {
  stop(milliseconds(1000));
}

void MatrixAdapter::start() {
  rt_.start(run(), [this](const std::string& what) {
    spdlog::error("matrix: the sync loop failed: {}", what);
    fail("internal error");
  });
}

void MatrixAdapter::stop(milliseconds grace) {
  rt_.stop(grace, [this](milliseconds budget) { return shutdown(budget); });
}

void MatrixAdapter::deliver(const store::OutboxItem& item, bot::DeliveryDone done) {
  if (auto why = undeliverable(item.reply); !why.empty()) {
    done(bot::Delivery::drop(std::move(why)));  // nothing to try, now or later
    return;
  }
  if (!rt_.running() || state() == bot::LinkState::failed) {
    done(bot::Delivery::unsent("matrix adapter not running"));
    return;
  }
  auto once = rt_.track(std::move(done));
  asio::post(ioc_, [this, item, once] { enqueue_send(Outgoing{item, once}); });
}

void MatrixAdapter::fail(const std::string& why) {
  rt_.set_state(bot::LinkState::failed, why);
  stopping_ = true;
  session_.resume({.kind = SessionEvent::Kind::stop});
  for (auto& [room, q] : queues_)
    for (auto& o : q) o.done(bot::Delivery::unsent("matrix adapter failed"));
  queues_.clear();
}

asio::awaitable<void> MatrixAdapter::sleep(milliseconds d) {
  if (d.count() <= 0) co_return;
  asio::steady_timer t(ioc_, d);
  co_await t.async_wait(net::kTuple);
}

asio::awaitable<void> MatrixAdapter::sleep_until(SteadyTime at) {
  asio::steady_timer t(ioc_, at);
  co_await t.async_wait(net::kTuple);
}

// ---- the session's actions ---------------------------------------------------------------------

asio::awaitable<void> MatrixAdapter::run() {
  instance_ = state_.meta(kMetaInstance).value_or("");
  if (instance_.empty()) {
    std::string inst = random_instance();
    auto effects = bot::AdapterEffects::set_meta(std::string(kMetaInstance), inst);
    if (!co_await commit(std::move(effects))) {
      fail("could not write to the data file");
      co_return;
    }
    instance_ = inst;
  }
  // A configured MATRIX_ACCESS_TOKEN wins; else the token the last login gave, if any.
  SessionEvent start{.kind = SessionEvent::Kind::start, .token = cfg_.access_token};
  if (start.token.empty() && !cfg_.password.empty()) {
    start.token = state_.meta(kMetaToken).value_or("");
    start.stored = true;
  }
  co_await drive(std::move(start));
}

// Feeds `first` to the session and performs what it answers until nothing is left to do: the
// whole start-up and sync loop on the main coroutine, a token renewal on the caller's.
asio::awaitable<void> MatrixAdapter::drive(SessionEvent first) {
  std::deque<SessionEvent> events{std::move(first)};
  while (!events.empty() && !stopping_) {
    auto actions = session_.resume(events.front());
    events.pop_front();
    me_.user_id = session_.user_id();  // whoami or a login may name the account differently
    for (const auto& a : actions)
      if (auto next = co_await perform(a)) events.push_back(std::move(*next));
  }
}

asio::awaitable<std::optional<SessionEvent>> MatrixAdapter::perform(const SessionAction& a) {
  using K = SessionAction::Kind;
  if (a.delay.count() > 0) {
    if (a.kind == K::whoami)
      spdlog::warn("matrix: cannot reach {} ({}); retrying in {} ms", base_, a.reason, a.delay.count());
    else if (a.kind == K::login)
      spdlog::warn("matrix: login failed ({}); retrying in {} ms", a.reason, a.delay.count());
    else
      spdlog::warn("matrix: {}; retrying in {} ms", a.reason, a.delay.count());
    co_await sleep(a.delay);
    if (stopping_) co_return std::nullopt;
  }
  SessionEvent next;
  switch (a.kind) {
    case K::whoami:
      next = co_await whoami();
      break;
    case K::login:
      next = co_await login();
      break;
    case K::logout:
      spdlog::info("matrix: {}; logging it out", a.reason);
      next = co_await logout();
      break;
    case K::set_up:
      next = co_await set_up();
      break;
    case K::sync:
      next = co_await sync();
      break;
    case K::apply:
      next = co_await apply();
      break;
    default:
      co_await apply_effect(a);
      co_return std::nullopt;
  }
  co_return next;
}

// The actions that answer nothing: store writes, the link state, metrics, failure.
asio::awaitable<void> MatrixAdapter::apply_effect(const SessionAction& a) {
  using K = SessionAction::Kind;
  if (a.kind == K::keep_session) {
    // Kept for the next start (see kMetaToken); a failed write only costs a login then.
    auto effects = session_effects(session_.device(), session_.token());
    if (!co_await commit(std::move(effects)))
      spdlog::warn("matrix: could not keep the session in the data file; the next start logs in again");
  } else if (a.kind == K::keep_device) {
    auto effects = bot::AdapterEffects::set_meta(std::string(kMetaDevice), session_.device());
    co_await commit(std::move(effects));
  } else if (a.kind == K::link) {
    rt_.set_state(a.state, a.reason);
  } else if (a.kind == K::reconnect) {
    metrics_.reconnect("matrix");
  } else if (a.kind == K::fail) {
    fail(a.reason);
  }
}

// ---- shutdown ----------------------------------------------------------------------------------

asio::awaitable<void> MatrixAdapter::shutdown(milliseconds budget) {
  stopping_ = true;
  session_.resume({.kind = SessionEvent::Kind::stop});
  auto deadline = std::chrono::steady_clock::now() + budget;
  // A batch being committed finishes; the long-poll is simply abandoned (its events come again).
  // A send already on the wire is waited for, so its answer is recorded: calling it a retry
  // would post it again after the restart. (Should the server answer after the deadline, the
  // retry goes out on the same stored token and txnId, which the server deduplicates.)
  while ((batch_inflight_ || sending_ > 0) && std::chrono::steady_clock::now() < deadline)
    co_await changed_.wait_until(deadline);
  if (sending_ > 0)
    spdlog::warn("matrix: stopping with {} send(s) unanswered; they are retried on the next start", sending_);
  for (auto& [room, q] : queues_)
    for (auto& o : q) o.done(bot::Delivery::unsent("matrix adapter stopping"));
  queues_.clear();
}

}  // namespace detail

std::unique_ptr<bot::NetworkAdapter> make_adapter(const config::Config& cfg, bot::AdapterState state,
                                                  bot::Committer& committer, bot::Metrics& metrics,
                                                  const AdapterOptions& options) {
  return std::make_unique<detail::MatrixAdapter>(cfg, std::move(state), committer, metrics, options);
}

std::unique_ptr<bot::NetworkAdapter> make_adapter(const config::Config& cfg, bot::AdapterState state,
                                                  bot::Committer& committer, bot::Metrics& metrics) {
  return make_adapter(cfg, std::move(state), committer, metrics, AdapterOptions{});
}

}  // namespace brigade::matrix
