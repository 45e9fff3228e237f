// The Slack adapter: Socket Mode connections (refresh, reconnect, ack after commit) and reply delivery.
#include "adapters/slack/slack_adapter.hpp"

#include <spdlog/spdlog.h>

#include <atomic>
#include <future>
#include <map>
#include <mutex>
#include <set>
#include <thread>

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>

#include "adapters/net/adapter_runtime.hpp"
#include "adapters/net/backoff.hpp"
#include "adapters/net/redact.hpp"
#include "adapters/net/tls_context.hpp"
#include "adapters/net/url.hpp"
#include "adapters/net/wakeup.hpp"
#include "adapters/net/ws_session.hpp"
#include "adapters/slack/directory.hpp"
#include "adapters/slack/frame.hpp"
#include "adapters/slack/ids.hpp"
#include "adapters/slack/link_policy.hpp"
#include "adapters/slack/mentions.hpp"
#include "adapters/slack/mrkdwn.hpp"
#include "adapters/slack/options.hpp"
#include "adapters/slack/router.hpp"
#include "adapters/slack/web_api.hpp"
#include "bot/metrics.hpp"

namespace brigade::slack {

namespace {

namespace asio = boost::asio;
using nlohmann::json;
using std::chrono::milliseconds;
constexpr auto kTuple = asio::as_tuple(asio::use_awaitable);

core::Millis now_ms() {
  return std::chrono::duration_cast<milliseconds>(std::chrono::system_clock::now().time_since_epoch())
      .count();
}

// Built outside coroutine bodies: g++ 12 miscompiles braced json initialisers inside them.
json arg(const char* key, json value) {
  json j = json::object();
  j[key] = std::move(value);
  return j;
}
json with(json j, const char* key, json value) {
  j[key] = std::move(value);
  return j;
}

// One Socket Mode WebSocket. Several exist only while a refresh hands over to a new one.
struct Conn {
  std::uint64_t id = 0;
  std::shared_ptr<net::WsSession> ws;
  int inflight = 0;        // envelopes taken, not yet acked
  bool replacing = false;  // a replacement was asked for
  bool close_when_replaced = false;
  bool draining = false;
  bool too_many = false;
  bool dead = false;
  std::chrono::steady_clock::time_point last_frame = std::chrono::steady_clock::now();
};

class SlackAdapter final : public bot::NetworkAdapter {
 public:
  SlackAdapter(const config::Config& cfg, bot::Committer& committer, bot::Metrics& metrics,
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
        wake_(ioc_, asio::steady_timer::time_point::max()),
        backoff_(opt.backoff_base, opt.backoff_cap),
        pacer_(opt.post_interval) {
    auto base = net::parse_url(cfg.slack.api_url);
    if (!base || base->websocket()) throw std::runtime_error("SLACK_API_URL is not an http(s) URL");
    me_.reaction = cfg.slack.reaction.empty() ? "raised_hands" : cfg.slack.reaction;
  }

  ~SlackAdapter() override { stop(milliseconds(1000)); }

  std::string_view name() const override { return "slack"; }

  void start() override {
    rt_.start(run(), [this](const std::string& what) {
      spdlog::error("slack: the Socket Mode supervisor failed: {}", what);
      fail("internal error");
    });
  }

  void stop(milliseconds grace) override {
    rt_.stop(grace, [this](milliseconds budget) { return shutdown(budget); });
  }

  bot::LinkState state() const override { return rt_.state(); }
  std::string reason() const override { return rt_.reason(); }

  void deliver(const store::OutboxItem& item, bot::DeliveryDone done) override {
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

 private:
  void set_state(bot::LinkState st, std::string why) { rt_.set_state(st, std::move(why)); }

  void fail(const std::string& why) {
    set_state(bot::LinkState::failed, why);
    stopping_ = true;
    for (auto& c : conns_) c->ws->close();
    wake_.cancel();
  }

  asio::awaitable<void> sleep(milliseconds d) {
    asio::steady_timer t(ioc_, d);
    co_await t.async_wait(kTuple);
  }

  // ---- start-up and the connection supervisor ------------------------------------------------

  asio::awaitable<void> run() {
    // auth.test: who we are (mentions of the bot, own messages) and which team qualifies ids.
    for (;;) {
      if (stopping_) co_return;
      auto r = co_await api_.call("auth.test", json::object(), bot_token_);
      if (r.answer.ok) {
        me_.team_id = r.body.value("team_id", "");
        me_.bot_user_id = r.body.value("user_id", "");
        me_.bot_id = r.body.value("bot_id", "");
        spdlog::info("slack: authenticated as {} ({}) in team {}", r.body.value("user", "?"), me_.bot_user_id,
                     me_.team_id);
        break;
      }
      if (fatal_api_error(r.answer.error)) {
        spdlog::error("slack: auth.test failed: {} (check SLACK_BOT_TOKEN)", r.answer.error);
        fail(r.answer.error);
        co_return;
      }
      auto d = backoff_.next();
      spdlog::warn("slack: auth.test failed: {}; retrying in {} ms", net::redact(r.answer.error), d.count());
      co_await sleep(d);
    }
    backoff_.reset();
    co_await load_users();

    need_conn_ = true;
    milliseconds delay{0};
    while (!stopping_) {
      if (!need_conn_) {
        wake_.expires_at(asio::steady_timer::time_point::max());
        co_await wake_.async_wait(kTuple);
        continue;
      }
      need_conn_ = false;
      if (next_delay_ > milliseconds(0)) {
        delay = next_delay_;
        next_delay_ = milliseconds(0);
        co_await sleep(delay);
        if (stopping_) break;
      }
      if (!active_ && state() != bot::LinkState::starting) set_state(bot::LinkState::reconnecting, "");
      std::string fatal;
      connecting_ = true;
      auto conn = co_await open_connection(fatal);
      connecting_ = false;
      if (!fatal.empty()) {
        fail(fatal);
        break;
      }
      if (!conn) {
        need_conn_ = true;
        next_delay_ = std::max(backoff_.next(), next_delay_floor_);
        next_delay_floor_ = milliseconds(0);
        spdlog::info("slack: reconnecting in {} ms", next_delay_.count());
        continue;
      }
      backoff_.reset();
      need_conn_ = false;  // a socket that died while this one was opening needs no other replacement
      active_ = conn;
      set_state(bot::LinkState::connected, "");
      // The new socket is up: old ones that Slack asked us to replace may now drain and close.
      for (auto& c : conns_)
        if (c != conn && c->close_when_replaced) begin_drain(c);
    }
  }

  void request_connection(milliseconds delay) {
    need_conn_ = true;
    next_delay_ = delay;
    wake_.cancel();
  }

  asio::awaitable<void> load_users() {
    std::string cursor;
    int pages = 0;
    auto deadline = std::chrono::steady_clock::now() + milliseconds(20000);
    while (!stopping_ && std::chrono::steady_clock::now() < deadline) {
      json args = arg("limit", 200);
      if (!cursor.empty()) args["cursor"] = cursor;
      auto r = co_await api_.call("users.list", args, bot_token_);
      if (r.answer.http_status == 429) {
        co_await sleep(milliseconds(retry_after_ms(r.answer.retry_after)));
        continue;  // same cursor
      }
      if (!r.answer.ok) {
        spdlog::warn("slack: users.list failed: {}; names are looked up one by one",
                     net::redact(r.answer.error));
        co_return;
      }
      ++pages;
      if (auto m = r.body.find("members"); m != r.body.end() && m->is_array())
        for (const auto& u : *m) dir_.add_user(u);
      cursor.clear();
      if (auto md = r.body.find("response_metadata"); md != r.body.end() && md->is_object())
        cursor = md->value("next_cursor", "");
      if (cursor.empty()) break;
    }
    spdlog::info("slack: {} users known ({} pages of users.list)", dir_.user_count(), pages);
  }

  // apps.connections.open → WebSocket → hello. Null on a retryable failure; `fatal` set when
  // retrying cannot help.
  asio::awaitable<std::shared_ptr<Conn>> open_connection(std::string& fatal) {
    auto r = co_await api_.call("apps.connections.open", json::object(), app_token_);
    if (!r.answer.ok) {
      if (fatal_api_error(r.answer.error)) {
        spdlog::error(
            "slack: apps.connections.open failed: {} (check SLACK_APP_TOKEN and its connections:write scope)",
            r.answer.error);
        fatal = r.answer.error;
        co_return nullptr;
      }
      spdlog::warn("slack: apps.connections.open failed: {}", net::redact(r.answer.error));
      if (r.answer.http_status == 429)
        next_delay_floor_ = milliseconds(retry_after_ms(r.answer.retry_after));
      co_return nullptr;
    }
    std::string url = r.body.value("url", "");
    auto parsed = net::parse_url(url);
    if (!parsed || !parsed->websocket()) {
      spdlog::warn("slack: apps.connections.open returned no usable URL");
      co_return nullptr;
    }
    net::WsOptions wo;
    wo.idle_timeout = opt_.idle_timeout;
    wo.handshake_timeout = opt_.handshake_timeout;
    if (parsed->tls() && !tls_) tls_ = net::make_tls_context(ca_file_);  // wss beside an http Web API
    auto c = co_await net::WsSession::connect(ioc_.get_executor(), url, tls_, wo);
    if (!c.session) {
      spdlog::warn("slack: Socket Mode connection to {} failed: {}", parsed->host, net::redact(c.error));
      co_return nullptr;
    }
    // The link is usable only after hello; anything else first means try again. A peer that
    // answers pings but never says hello would otherwise hold us forever.
    auto got_hello = std::make_shared<bool>(false);
    auto hello_deadline = [this, session = c.session, got_hello]() -> asio::awaitable<void> {
      co_await sleep(opt_.handshake_timeout);
      if (!*got_hello) session->abort();
    };
    asio::co_spawn(ioc_, hello_deadline, net::log_errors("slack", "the hello deadline"));
    auto first = co_await c.session->read();
    *got_hello = true;
    if (!first.ok) {
      spdlog::warn("slack: no hello from {}: {}", parsed->host, first.error);
      c.session->abort();
      co_return nullptr;
    }
    auto f = parse_frame(first.text);
    if (f.kind == Frame::Kind::disconnect && on_disconnect(f.reason) == OnDisconnect::stop_failed) {
      log_link_disabled();
      fatal = "link_disabled";
      c.session->abort();
      co_return nullptr;
    }
    if (f.kind != Frame::Kind::hello) {
      spdlog::warn("slack: expected hello, got {}", f.type.empty() ? f.error : f.type);
      c.session->close();
      co_return nullptr;
    }
    auto conn = std::make_shared<Conn>();
    conn->id = ++conn_seq_;
    conn->ws = c.session;
    conns_.push_back(conn);
    spdlog::info("slack: Socket Mode connection {} ready ({})", conn->id, parsed->host);
    asio::co_spawn(ioc_, read_loop(conn), net::log_errors("slack", "a Socket Mode reader"));
    co_return conn;
  }

  void log_link_disabled() {
    spdlog::error(
        "slack: Slack disabled Socket Mode for this app (disconnect reason link_disabled); the Slack adapter "
        "stops. "
        "Turn Socket Mode back on in the app settings, then restart Brigade.");
  }

  asio::awaitable<void> read_loop(std::shared_ptr<Conn> conn) {
    std::string why;
    for (;;) {
      auto r = co_await conn->ws->read();
      if (!r.ok) {
        why = r.closed_cleanly ? "closed by Slack" : r.error;
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
    if (conn == active_) {
      active_.reset();
      if (!stopping_ && !connecting_) {
        auto d = backoff_.next();
        if (conn->too_many) d = std::max(d, opt_.too_many_delay);
        d = std::max(d, next_delay_floor_);
        next_delay_floor_ = milliseconds(0);
        spdlog::warn("slack: Socket Mode connection {} lost ({}); reconnecting in {} ms", conn->id, why,
                     d.count());
        set_state(bot::LinkState::reconnecting, why);
        metrics_.reconnect("slack");
        request_connection(d);
      }
    } else {
      spdlog::info("slack: Socket Mode connection {} closed ({})", conn->id, why);
    }
  }

  void handle_frame(const std::shared_ptr<Conn>& conn, const std::string& text) {
    Frame f = parse_frame(text);
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
        on_disconnect_frame(conn, f.reason);
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

  void on_disconnect_frame(const std::shared_ptr<Conn>& conn, const std::string& reason) {
    spdlog::info("slack: disconnect '{}' on connection {}", reason.substr(0, 64), conn->id);
    switch (on_disconnect(reason)) {
      case OnDisconnect::replace_keep_reading:
        if (conn == active_ && !conn->replacing) {
          conn->replacing = true;
          request_connection(milliseconds(0));
        }
        break;
      case OnDisconnect::replace_then_close:
        conn->close_when_replaced = true;
        if (conn == active_) {
          if (!conn->replacing) {
            conn->replacing = true;
            request_connection(milliseconds(0));
          }
        } else {
          begin_drain(conn);
        }
        break;
      case OnDisconnect::stop_failed:
        log_link_disabled();
        fail("link_disabled");
        break;
      case OnDisconnect::backoff_reconnect:
        spdlog::warn("slack: too many Socket Mode connections for this app; backing off");
        conn->too_many = true;
        conn->ws->close();
        break;
    }
  }

  // Lets the envelopes already taken on `conn` commit and ack, waits until Slack has stopped
  // sending on it (envelopes may still be on the wire when the replacement comes up, and once
  // our close frame is out Beast discards them), then closes it with code 1000.
  void begin_drain(const std::shared_ptr<Conn>& conn) {
    if (conn->draining || conn->dead) return;
    conn->draining = true;
    auto drain = [this, conn]() -> asio::awaitable<void> {
      auto until = std::chrono::steady_clock::now() + opt_.drain_deadline;
      for (;;) {
        if (conn->dead) co_return;
        auto now = std::chrono::steady_clock::now();
        if (conn->inflight == 0 && now - conn->last_frame >= opt_.drain_quiet) break;
        if (now >= until) {
          if (conn->inflight > 0)
            spdlog::warn("slack: closing connection {} with {} envelopes unacked (Slack redelivers events)",
                         conn->id, conn->inflight);
          break;
        }
        // An ack or the socket's end wakes this; with nothing unacked, so does the quiet time.
        auto next = conn->inflight > 0 ? until : std::min(until, conn->last_frame + opt_.drain_quiet);
        co_await changed_.wait_until(next);
      }
      spdlog::info("slack: closing drained connection {}", conn->id);
      conn->ws->close();
    };
    asio::co_spawn(ioc_, drain, net::log_errors("slack", "a connection drain"));
  }

  void acked(const std::shared_ptr<Conn>& conn, const std::string& envelope_id, bool send) {
    if (send) {
      if (conn->dead || conn->ws->closing())
        spdlog::warn("slack: connection {} went away before envelope {} could be acked", conn->id,
                     envelope_id);
      else
        conn->ws->send(ack_json(envelope_id));
    }
    --conn->inflight;
    --inflight_total_;
    changed_.notify();
  }

  // ---- envelopes → commits → acks --------------------------------------------------------------

  asio::awaitable<void> handle_envelope(std::shared_ptr<Conn> conn, Frame f) {
    std::string envelope_id = f.envelope_id;
    try {
      co_await process_envelope(conn, std::move(f));
    } catch (const std::exception& e) {
      // Unacked on purpose: Slack redelivers events, and a failed slash command was not recorded.
      spdlog::error("slack: envelope {} failed: {}", envelope_id, net::redact(e.what()));
      acked(conn, envelope_id, false);
    }
  }

  asio::awaitable<void> process_envelope(std::shared_ptr<Conn> conn, Frame f) {
    auto received = std::chrono::steady_clock::now();
    Action a = route(f, me_);
    std::string envelope_id = f.envelope_id;
    if (a.kind == Action::Kind::ignore) {
      spdlog::debug("slack: acking envelope {} without action: {}", envelope_id, a.why);
      acked(conn, envelope_id, true);
      co_return;
    }
    if (a.kind == Action::Kind::revoke) {
      std::string source = a.revoke_source;
      committer_.submit(
          bot::AdapterEffects::revoke(std::move(source)),
          [this, post = rt_.poster(), conn, envelope_id](bool ok) {
            post([this, conn, envelope_id, ok] { acked(conn, envelope_id, ok); });
          });
      co_return;
    }
    core::Event e = co_await build_event(a.command);
    bool is_event = a.command.source_id.rfind("slack:event:", 0) == 0;
    committer_.submit(std::move(e), [this, post = rt_.poster(), conn, envelope_id, is_event,
                                     received](const commands::Result& r) {
      // Runs on the writer thread once the transaction is durable; the socket lives on ours
      // (reached through the poster, which drops the work if the adapter is already gone).
      bool send = !(r.outcome == commands::Outcome::error && is_event);  // unacked → Slack redelivers
      post([this, conn, envelope_id, send, received] {
        acked(conn, envelope_id, send);
        if (send)
          metrics_.ack_seconds(
              "slack", std::chrono::duration<double>(std::chrono::steady_clock::now() - received).count());
      });
    });
  }

  asio::awaitable<void> ensure_user(const std::string& id) {
    if (id.empty() || dir_.user(id)) co_return;
    auto r = co_await lookup_api_.call("users.info", arg("user", id), bot_token_);
    if (r.answer.ok && r.body.contains("user")) dir_.add_user(r.body["user"]);
  }

  asio::awaitable<core::Event> build_event(Inbound in) {
    if (in.team.empty()) in.team = me_.team_id;
    auto refs = scan_references(in.text);
    // Lookups sit on the 3-second ack path: each is bounded, and a miss only costs a nicer name.
    auto deadline = std::chrono::steady_clock::now() + opt_.lookup_timeout;
    auto in_time = [&] { return std::chrono::steady_clock::now() < deadline; };
    co_await ensure_user(in.user);
    for (const auto& g : refs.groups) {
      if (!in_time() || dir_.group(g)) continue;
      auto r = co_await lookup_api_.call("usergroups.users.list", arg("usergroup", g), bot_token_);
      if (r.answer.ok && r.body.contains("users") && r.body["users"].is_array()) {
        std::vector<std::string> members;
        for (const auto& u : r.body["users"])
          if (u.is_string()) members.push_back(u.get<std::string>());
        for (const auto& m : members)
          if (in_time()) co_await ensure_user(m);
        dir_.set_group(g, std::move(members));
      } else {
        spdlog::warn("slack: usergroups.users.list {} failed: {}", g, r.answer.error);
      }
    }
    for (const auto& u : refs.users)
      if (in_time()) co_await ensure_user(u);
    for (const auto& c : refs.channels) {
      if (!in_time() || dir_.channel(c)) continue;
      auto r = co_await lookup_api_.call("conversations.info", arg("channel", c), bot_token_);
      if (r.answer.ok && r.body.contains("channel") && r.body["channel"].is_object())
        dir_.set_channel(c, r.body["channel"].value("name", c));
    }
    auto rw = rewrite(in.text, in.team, dir_);
    core::Event e;
    e.source_id = in.source_id;
    e.platform = "slack";
    const UserInfo* who = dir_.user(in.user);
    e.user = core::UserRef{qualify(in.team, in.user), who ? who->name : in.user_name, who && who->is_bot};
    std::string cname = !in.channel_name.empty() ? in.channel_name : dir_.channel(in.channel).value_or("");
    e.channel = core::ChannelRef{qualify(in.team, in.channel), cname};
    e.command = in.command;
    e.text = std::move(rw.text);
    e.mentions = std::move(rw.mentions);
    e.ts_ms = in.ts_ms;
    if (!in.response_url.empty())
      response_urls_[e.channel.id + "|" + e.user.id] = {in.response_url, now_ms()};
    co_return e;
  }

  // ---- replies ---------------------------------------------------------------------------------

  asio::awaitable<void> deliver_one(store::OutboxItem item, bot::DeliveryDone done) {
    const core::Reply& rep = item.reply;
    std::string text = render(rep.body, rep.ping);
    if (text.empty()) {
      done(bot::Delivery::drop("empty reply"));
      co_return;
    }
    std::string channel = raw_id(rep.channel);
    auto at = pacer_.reserve(channel, now_ms());
    if (auto wait = at - now_ms(); wait > 0) co_await sleep(milliseconds(wait));
    // Stopping: not posted, so not answered here; stop() hands it back unsent for the next start.
    if (stopping_) co_return;

    ++posting_;  // on the wire: shutdown() waits for the answer (chat.post* has no idempotency key)
    ApiResult r;
    if (rep.audience == core::Audience::private_) {
      json args = with(with(arg("channel", channel), "user", raw_id(rep.user)), "text", text);
      r = co_await api_.call("chat.postEphemeral", args, bot_token_, true);
      if (!r.answer.ok && wants_response_url(r.answer.error)) {
        auto it = response_urls_.find(rep.channel + "|" + rep.user);
        // response_url works for 30 minutes after the command, even where the bot is not a member.
        if (it != response_urls_.end() && now_ms() - it->second.second < 29 * 60 * 1000) {
          r = co_await api_.post_url(it->second.first, with(arg("response_type", "ephemeral"), "text", text));
        }
      }
    } else {
      json args = with(with(with(arg("channel", channel), "text", text), "unfurl_links", false),
                       "unfurl_media", false);
      r = co_await api_.call("chat.postMessage", args, bot_token_, true);
    }
    --posting_;
    changed_.notify();
    auto d = classify(r.answer);
    if (d.status == bot::Delivery::Status::retry && d.retry_after_ms > 0)
      pacer_.hold(channel, now_ms() + d.retry_after_ms);
    if (d.status == bot::Delivery::Status::drop)
      spdlog::warn("slack: dropping reply {} to {}: {}", item.seq, channel, net::redact(d.error));
    done(std::move(d));
  }

  // ---- shutdown --------------------------------------------------------------------------------

  asio::awaitable<void> shutdown(milliseconds budget) {
    stopping_ = true;
    wake_.cancel();
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
    while (!conns_.empty() && std::chrono::steady_clock::now() < deadline) co_await changed_.wait_until(deadline);
    for (auto& c : conns_) c->ws->abort();
  }

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
  asio::steady_timer wake_;
  // Wakes the drain and shutdown waits: an envelope acked, a post answered, a connection gone.
  net::Wakeup changed_;
  net::Backoff backoff_;
  ChannelPacer pacer_;
  Directory dir_;
  Identity me_;

  std::vector<std::shared_ptr<Conn>> conns_;
  std::shared_ptr<Conn> active_;
  std::uint64_t conn_seq_ = 0;
  bool need_conn_ = false;
  bool connecting_ = false;
  milliseconds next_delay_{0};
  milliseconds next_delay_floor_{0};
  bool stopping_ = false;
  int inflight_total_ = 0;
  int posting_ = 0;  // chat.post* calls on the wire
  std::map<std::string, std::pair<std::string, core::Millis>> response_urls_;
};

}  // namespace

std::unique_ptr<bot::NetworkAdapter> make_adapter(const config::Config& cfg, bot::Committer& committer,
                                                  bot::Metrics& metrics, const AdapterOptions& options) {
  return std::make_unique<SlackAdapter>(cfg, committer, metrics, options);
}

std::unique_ptr<bot::NetworkAdapter> make_adapter(const config::Config& cfg, bot::Committer& committer,
                                                  bot::Metrics& metrics) {
  return make_adapter(cfg, committer, metrics, AdapterOptions{});
}

}  // namespace brigade::slack
