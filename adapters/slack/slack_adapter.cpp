// The Slack adapter's life cycle: start, stop, and performing what the Socket Mode supervisor
// decides (the other parts: adapter_impl.hpp).
#include "adapters/slack/slack_adapter.hpp"

#include <spdlog/spdlog.h>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/use_awaitable.hpp>

#include "adapters/net/redact.hpp"
#include "adapters/net/tls_context.hpp"
#include "adapters/net/tuple_token.hpp"
#include "adapters/net/url.hpp"
#include "adapters/slack/adapter_impl.hpp"
#include "adapters/slack/link_policy.hpp"
#include "adapters/slack/wire.hpp"

namespace brigade::slack {

namespace detail {

namespace {

Supervisor::Options supervisor_options(const AdapterOptions& opt) {
  Supervisor::Options o;
  o.backoff_base = opt.backoff_base;
  o.backoff_cap = opt.backoff_cap;
  o.too_many_delay = opt.too_many_delay;
  o.hello_timeout = opt.handshake_timeout;
  return o;
}

}  // namespace

SlackAdapter::SlackAdapter(const config::Config& cfg, bot::Committer& committer, bot::Metrics& metrics,
                           const AdapterOptions& opt)
    : committer_(committer),
      metrics_(metrics),
      opt_(opt),
      app_token_(cfg.slack.app_token),
      bot_token_(cfg.slack.bot_token),
      ca_file_(cfg.ca_file),
      // Loading the system CA store costs ~60 ms of CPU at start: only when https is in use.
      tls_(cfg.slack.api_url.rfind("https:", 0) == 0 ? net::make_tls_context(cfg.ca_file) : nullptr),
      api_(ioc_.get_executor(), tls_, cfg.slack.api_url, opt.http_timeout),
      lookup_api_(ioc_.get_executor(), tls_, cfg.slack.api_url, opt.lookup_timeout),
      retry_timer_(ioc_),
      sup_(supervisor_options(opt)),
      pacer_(std::chrono::milliseconds(opt.post_interval)) {
  auto base = net::parse_url(cfg.slack.api_url);
  if (!base || base->websocket()) throw std::runtime_error("SLACK_API_URL is not an http(s) URL");
  me_.reaction = cfg.slack.reaction.empty() ? "raised_hands" : cfg.slack.reaction;
  modal_ = ModalSettings::from(cfg.rules);
}

SlackAdapter::~SlackAdapter() {
  stop(milliseconds(1000));
}

void SlackAdapter::start() {
  rt_.start(run(), [this](const std::string& what) {
    spdlog::error("slack: the Socket Mode supervisor failed: {}", what);
    fail("internal error");
  });
}

void SlackAdapter::stop(milliseconds grace) {
  rt_.stop(grace, [this](milliseconds budget) { return shutdown(budget); });
}

void SlackAdapter::deliver(const store::OutboxItem& item, bot::DeliveryDone done) {
  if (!rt_.running()) {
    done(bot::Delivery::unsent("slack adapter not running"));
    return;
  }
  // Exactly once, even when stop() abandons the coroutine: the outbox waits for every answer.
  auto once = rt_.track(std::move(done));
  asio::co_spawn(ioc_, deliver_one(item, once), [once](std::exception_ptr e) {
    if (!e) return;
    try {
      std::rethrow_exception(e);
    } catch (const std::exception& x) {
      once(bot::Delivery::retry(net::redact(x.what())));
    }
  });
}

// ---- the supervisor's actions ------------------------------------------------------------------

asio::awaitable<void> SlackAdapter::run() {
  feed({.kind = SupervisorEvent::Kind::start});
  co_return;
}

void SlackAdapter::feed(SupervisorEvent e) {
  for (const auto& a : sup_.resume(e)) perform(a);
}

void SlackAdapter::perform(const SupervisorAction& a) {
  using K = SupervisorAction::Kind;
  switch (a.kind) {
    case K::authenticate:
      if (a.delay.count() > 0)
        spdlog::warn("slack: auth.test failed: {}; retrying in {} ms", net::redact(a.reason),
                     a.delay.count());
      asio::co_spawn(ioc_, authenticate(a.delay), net::log_errors("slack", "auth.test"));
      break;
    case K::connect:
      if (a.delay.count() > 0) spdlog::info("slack: reconnecting in {} ms", a.delay.count());
      asio::co_spawn(ioc_, connect(a.delay), net::log_errors("slack", "a Socket Mode connect"));
      break;
    case K::await_hello:
      if (auto c = find(a.conn)) await_hello(c, a.delay);
      break;
    case K::drain:
      if (auto c = find(a.conn)) begin_drain(c);
      break;
    case K::close:
      if (auto c = find(a.conn)) c->ws->close();
      break;
    case K::abort:
      if (auto c = find(a.conn)) c->ws->abort();
      break;
    case K::link:
      rt_.set_state(a.state, a.reason);
      break;
    case K::reconnect:
      metrics_.reconnect("slack");
      break;
    case K::fail:
      fail(a.reason);
      break;
  }
}

void SlackAdapter::fail(const std::string& why) {
  if (why == "link_disabled")
    spdlog::error(
        "slack: Slack disabled Socket Mode for this app (disconnect reason link_disabled); the Slack adapter "
        "stops. Turn Socket Mode back on in the app settings, then restart Brigade.");
  rt_.set_state(bot::LinkState::failed, why);
  stopping_ = true;
  if (!sup_.stopping()) sup_.resume({.kind = SupervisorEvent::Kind::stop});
  for (auto& c : conns_) c->ws->close();
  retry_timer_.cancel();
}

asio::awaitable<void> SlackAdapter::sleep(milliseconds d) {
  if (d.count() <= 0) co_return;
  retry_timer_.expires_after(d);
  co_await retry_timer_.async_wait(net::kTuple);
}

// auth.test: who we are (mentions of the bot, own messages) and which team qualifies ids.
asio::awaitable<void> SlackAdapter::authenticate(milliseconds delay) {
  co_await sleep(delay);
  if (stopping_) co_return;
  auto r = co_await api_.call("auth.test", json::object(), bot_token_);
  if (!r.answer.ok) {
    bool fatal = fatal_api_error(r.answer.error());
    if (fatal) spdlog::error("slack: auth.test failed: {} (check SLACK_BOT_TOKEN)", r.answer.error());
    feed({.kind = SupervisorEvent::Kind::auth_failed, .reason = r.answer.error(), .fatal = fatal});
    co_return;
  }
  auto who = r.body.get<wire::AuthTest>();
  me_.team_id = who.team_id;
  me_.bot_user_id = who.user_id;
  me_.bot_id = who.bot_id;
  spdlog::info("slack: authenticated as {} ({}) in team {}", who.user.empty() ? "?" : who.user,
               me_.bot_user_id, me_.team_id);
  co_await load_users();
  if (!stopping_) feed({.kind = SupervisorEvent::Kind::authenticated});
}

// ---- shutdown ----------------------------------------------------------------------------------

asio::awaitable<void> SlackAdapter::shutdown(milliseconds budget) {
  stopping_ = true;
  sup_.resume({.kind = SupervisorEvent::Kind::stop});
  retry_timer_.cancel();
  auto deadline = std::chrono::steady_clock::now() + budget;
  // In-flight commands commit and ack while the sockets are still open, and posts already on the
  // wire get their answer recorded: handed back unsent, a post that went through would be posted
  // again after the restart (Slack has no idempotency key for chat.post*).
  while ((inflight_total_ > 0 || posting_ > 0) && std::chrono::steady_clock::now() < deadline)
    co_await changed_.wait_until(deadline);
  if (posting_ > 0)
    spdlog::warn("slack: stopping with {} post(s) unanswered; they may be posted again on the next start",
                 posting_);
  for (auto& c : conns_) c->ws->close();
  while (!conns_.empty() && std::chrono::steady_clock::now() < deadline)
    co_await changed_.wait_until(deadline);
  for (auto& c : conns_) c->ws->abort();
}

}  // namespace detail

std::unique_ptr<bot::NetworkAdapter> make_adapter(const config::Config& cfg, bot::Committer& committer,
                                                  bot::Metrics& metrics, const AdapterOptions& options) {
  return std::make_unique<detail::SlackAdapter>(cfg, committer, metrics, options);
}

std::unique_ptr<bot::NetworkAdapter> make_adapter(const config::Config& cfg, bot::Committer& committer,
                                                  bot::Metrics& metrics) {
  return make_adapter(cfg, committer, metrics, AdapterOptions{});
}

}  // namespace brigade::slack
