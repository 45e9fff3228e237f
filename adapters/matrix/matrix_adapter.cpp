// The Matrix adapter: login, the /sync loop with exactly-once processing, invites, and replies.
#include "adapters/matrix/matrix_adapter.hpp"

#include <spdlog/spdlog.h>

#include <atomic>
#include <deque>
#include <future>
#include <map>
#include <mutex>
#include <random>
#include <set>
#include <thread>

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>

#include "adapters/matrix/api.hpp"
#include "adapters/matrix/events.hpp"
#include "adapters/matrix/ids.hpp"
#include "adapters/matrix/options.hpp"
#include "adapters/net/adapter_runtime.hpp"
#include "adapters/net/backoff.hpp"
#include "adapters/net/http_client.hpp"
#include "adapters/net/redact.hpp"
#include "adapters/net/tls_context.hpp"
#include "adapters/net/url.hpp"
#include "adapters/net/wakeup.hpp"
#include "bot/metrics.hpp"

namespace brigade::matrix {

namespace {

namespace asio = boost::asio;
using nlohmann::json;
using std::chrono::milliseconds;
constexpr auto kTuple = asio::as_tuple(asio::use_awaitable);
constexpr std::string_view kCursor = "matrix";
constexpr std::string_view kMetaDevice = "matrix.device_id";
// The access token a password login gave, kept with its device: Synapse before 1.70 (and servers
// on the pre-1.7 spec) scope txnIds to the access token, so a reply re-sent after a restart is
// recognised only when it goes out on the same token. It also spares the server a login per start.
constexpr std::string_view kMetaToken = "matrix.access_token";
constexpr std::string_view kMetaInstance = "matrix.txn_instance";
constexpr std::size_t kRecentSenders = 20000;
constexpr std::chrono::seconds kCursorFlush{30};
constexpr int kInPlaceRetries = 4;  // failed sends retried in the room's queue before the outbox takes over

core::Millis now_ms() {
  return std::chrono::duration_cast<milliseconds>(std::chrono::system_clock::now().time_since_epoch())
      .count();
}

std::string meta_key(std::string_view prefix, std::string_view id) {
  std::string k(prefix);
  k += id;
  return k;
}

// Built outside coroutine bodies: g++ 12 miscompiles braced json initialisers inside them.
json login_body(const std::string& user, const std::string& password, const std::string& device,
                const std::string& device_name) {
  json id = json::object();
  id["type"] = "m.id.user";
  id["user"] = user;
  json b = json::object();
  b["type"] = "m.login.password";
  b["identifier"] = id;
  b["password"] = password;
  if (!device.empty()) b["device_id"] = device;
  b["initial_device_display_name"] = device_name;
  return b;
}

// Only what Brigade reads: room messages, members, reactions, redactions and the encryption
// markers; no presence, typing, receipts or account data.
json sync_filter() {
  json types = json::array({"m.room.message", "m.room.member", "m.reaction", "m.room.redaction",
                            "m.room.encrypted", "m.room.encryption", "m.room.name"});
  json none = json::object();
  none["not_types"] = json::array({"*"});
  json timeline = json::object();
  timeline["limit"] = 100;
  timeline["types"] = types;
  json state = json::object();
  state["lazy_load_members"] = true;
  json room = json::object();
  room["timeline"] = timeline;
  room["state"] = state;
  room["ephemeral"] = none;
  room["account_data"] = none;
  json f = json::object();
  f["presence"] = none;
  f["account_data"] = none;
  f["room"] = room;
  return f;
}

json direct_room_body(const std::string& user) {
  json b = json::object();
  b["is_direct"] = true;
  b["preset"] = "trusted_private_chat";
  b["invite"] = json::array({user});
  return b;
}

// Store changes are built here, outside coroutines: g++ 12 destroys temporaries inside a
// co_await expression twice.
// The session a login gave: device and token commit together (empty token: none to reuse).
bot::AdapterEffects session_effects(std::string device, std::string token) {
  bot::AdapterEffects e;
  if (!device.empty()) e.meta.emplace_back(std::string(kMetaDevice), std::move(device));
  e.meta.emplace_back(std::string(kMetaToken), std::move(token));
  return e;
}

// One /sync answer's store changes besides its commands: redactions take back kudos, a room
// found encrypted is announced once, and the cursor moves on, all with the commands.
bot::AdapterEffects batch_effects(std::vector<std::string> revokes, const std::vector<std::string>& newly_encrypted,
                                  std::string next) {
  bot::AdapterEffects e;
  e.revoke_sources = std::move(revokes);
  for (const auto& room : newly_encrypted) {
    bot::AdapterEffects::Notice n;
    n.once_key = meta_key("matrix.encrypted:", room);
    n.adapter = "matrix";
    n.reply.audience = core::Audience::channel;
    n.reply.channel = qualify(room);
    n.reply.body.push_back(core::Span{
        "This room is end-to-end encrypted, and Brigade cannot read encrypted messages, so it will not "
        "answer commands here. Use Brigade in an unencrypted room.",
        ""});
    e.notices.push_back(std::move(n));
  }
  e.cursor.emplace(std::string(kCursor), std::move(next));
  return e;
}

std::string random_instance() {
  std::random_device rd;
  std::uniform_int_distribution<int> hex(0, 15);
  std::string s;
  for (int i = 0; i < 12; ++i) s += "0123456789abcdef"[hex(rd)];
  return s;
}

// A one-shot wake-up a coroutine can wait on.
struct Signal {
  explicit Signal(asio::io_context& ioc) : timer(ioc, asio::steady_timer::time_point::max()) {}
  asio::steady_timer timer;
  bool set = false;
  bool ok = false;
  std::vector<commands::Result> results;
};

struct Outgoing {
  store::OutboxItem item;
  bot::DeliveryDone done;  // answers once (AdapterRuntime::track)
};

class MatrixAdapter final : public bot::NetworkAdapter {
 public:
  MatrixAdapter(const config::Config& cfg, bot::AdapterState state, bot::Committer& committer,
                bot::Metrics& metrics, const AdapterOptions& opt)
      : state_(std::move(state)),
        committer_(committer),
        metrics_(metrics),
        opt_(opt),
        cfg_(cfg.matrix),
        token_(cfg.matrix.access_token),
        tls_(cfg.matrix.homeserver.rfind("https:", 0) == 0 ? net::make_tls_context(cfg.ca_file) : nullptr),
        http_(ioc_.get_executor(), tls_, opt.http_timeout),
        sync_http_(ioc_.get_executor(), tls_, opt.sync_timeout + opt.sync_slack),
        initial_http_(ioc_.get_executor(), tls_, opt.initial_sync_timeout),
        backoff_(opt.backoff_base, opt.backoff_cap) {
    auto base = net::parse_url(cfg.matrix.homeserver);
    if (!base || base->websocket()) throw std::runtime_error("MATRIX_HOMESERVER is not an http(s) URL");
    base_ = cfg.matrix.homeserver;
    while (!base_.empty() && base_.back() == '/') base_.pop_back();
    me_.user_id = cfg.matrix.user_id;
    me_.reaction = cfg.matrix.reaction.empty() ? "🙏" : cfg.matrix.reaction;
  }

  ~MatrixAdapter() override { stop(milliseconds(1000)); }

  std::string_view name() const override { return "matrix"; }

  void start() override {
    rt_.start(run(), [this](const std::string& what) {
      spdlog::error("matrix: the sync loop failed: {}", what);
      fail("internal error");
    });
  }

  void stop(milliseconds grace) override {
    rt_.stop(grace, [this](milliseconds budget) { return shutdown(budget); });
  }

  bot::LinkState state() const override { return rt_.state(); }
  std::string reason() const override { return rt_.reason(); }

  void deliver(const store::OutboxItem& item, bot::DeliveryDone done) override {
    if (!rt_.running() || state() == bot::LinkState::failed) {
      done(bot::Delivery::unsent("matrix adapter not running"));
      return;
    }
    auto once = rt_.track(std::move(done));
    asio::post(ioc_, [this, item, once] { enqueue_send(Outgoing{item, once}); });
  }

 private:
  void set_state(bot::LinkState st, std::string why) { rt_.set_state(st, std::move(why)); }

  void fail(const std::string& why) {
    set_state(bot::LinkState::failed, why);
    stopping_ = true;
    for (auto& [room, q] : queues_)
      for (auto& o : q) o.done(bot::Delivery::unsent("matrix adapter failed"));
    queues_.clear();
  }

  asio::awaitable<void> sleep(milliseconds d) {
    asio::steady_timer t(ioc_, d);
    co_await t.async_wait(kTuple);
  }

  asio::awaitable<void> sleep_until(std::chrono::steady_clock::time_point at) {
    asio::steady_timer t(ioc_, at);
    co_await t.async_wait(kTuple);
  }

  // ---- HTTP ----------------------------------------------------------------------------------------

  // One Client-Server API call. A rejected token is handled here: with a password the adapter
  // logs in again (same device) and repeats the call once; without one it stops for good.
  asio::awaitable<Answer> call(net::HttpClient& client, std::string method, std::string path, json body,
                               bool authed = true, bool renew = true) {
    for (int attempt = 0;; ++attempt) {
      net::HttpRequest req;
      req.method = method;
      req.url = base_ + "/_matrix/client/v3" + path;
      if (authed) req.headers.emplace_back("Authorization", "Bearer " + token_);
      if (method != "GET") {
        req.headers.emplace_back("Content-Type", "application/json");
        req.body = body.is_null() ? std::string("{}") : body.dump();
      }
      std::uint64_t generation = token_generation_;
      auto r = co_await client.request(std::move(req));
      Answer a = read_answer(r.status, r.body, r.header("retry-after"), net::redact(r.error), now_ms());
      if (!authed || !renew || !a.token_invalid() || attempt > 0 || stopping_) co_return a;
      stored_token_ = false;  // whatever comes next is a fresh login
      if (!co_await renew_session(generation, a)) co_return a;
    }
  }

  // After M_UNKNOWN_TOKEN. True when a fresh token is in place (perhaps renewed by another caller).
  asio::awaitable<bool> renew_session(std::uint64_t seen_generation, const Answer& why) {
    while (logging_in_) co_await changed_.wait();  // another caller's login; it notifies at its end
    if (token_generation_ != seen_generation) co_return true;
    if (cfg_.password.empty()) {
      spdlog::error(
          "matrix: the homeserver rejected the access token ({}{}) and no MATRIX_PASSWORD is set to log in "
          "again; "
          "the Matrix adapter stops. Set a new MATRIX_ACCESS_TOKEN and restart Brigade.",
          why.errcode, why.soft_logout ? ", soft logout" : "");
      fail(why.errcode + ": access token rejected");
      co_return false;
    }
    spdlog::warn("matrix: access token rejected ({}{}); logging in again as device {}", why.errcode,
                 why.soft_logout ? ", soft logout" : "", device_id_.empty() ? "(new)" : device_id_);
    co_return co_await login();
  }

  asio::awaitable<bool> login() {
    logging_in_ = true;
    net::Backoff backoff(opt_.backoff_base, opt_.backoff_cap);
    bool ok = false;
    while (!stopping_) {
      auto a = co_await call(http_, "POST", "/login",
                             login_body(me_.user_id, cfg_.password, device_id_, cfg_.device_name), false);
      if (a.ok() && a.body.is_object() && a.body.value("access_token", "") != "") {
        token_ = a.body.value("access_token", "");
        ++token_generation_;
        std::string user = a.body.value("user_id", me_.user_id);
        std::string device = a.body.value("device_id", device_id_);
        if (user != me_.user_id) spdlog::info("matrix: the homeserver calls this account {}", user);
        me_.user_id = user;
        device_id_ = device;
        // Kept for the next start (see kMetaToken); a failed write only costs a login then.
        auto effects = session_effects(device, token_);
        if (!co_await commit(std::move(effects)))
          spdlog::warn("matrix: could not keep the session in the data file; the next start logs in again");
        spdlog::info("matrix: logged in as {} (device {})", me_.user_id, device_id_);
        ok = true;
        break;
      }
      if (a.rate_limited()) {
        auto d = a.retry_after_ms > 0 ? milliseconds(a.retry_after_ms) : backoff.next();
        spdlog::warn("matrix: login rate-limited; retrying in {} ms", d.count());
        co_await sleep(d);
        continue;
      }
      if (a.transient()) {
        auto d = backoff.next();
        spdlog::warn("matrix: login failed ({}); retrying in {} ms", a.describe(), d.count());
        set_state(bot::LinkState::reconnecting, a.describe());
        co_await sleep(d);
        continue;
      }
      // A wrong password or a deactivated account: retrying would only trip the rate limiter.
      spdlog::error("matrix: login as {} refused: {} (check MATRIX_USER_ID and MATRIX_PASSWORD)", me_.user_id,
                    a.describe());
      fail("login refused: " + a.errcode);
      break;
    }
    logging_in_ = false;
    changed_.notify();
    co_return ok;
  }

  // Ends the current session on the server (POST /logout) and forgets it here and in the data file.
  asio::awaitable<void> logout() {
    auto a = co_await call(http_, "POST", "/logout", json::object(), true, /*renew=*/false);
    if (!a.ok() && !a.token_invalid())
      spdlog::warn("matrix: logging out the old session failed: {}", a.describe());
    token_.clear();
    stored_token_ = false;
    ++token_generation_;
    auto effects = session_effects("", "");
    co_await commit(std::move(effects));
  }

  // Hands store changes to the committer and waits for their commit.
  asio::awaitable<bool> commit(bot::AdapterEffects effects) {
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
    while (!sig->set) co_await sig->timer.async_wait(kTuple);
    co_return sig->ok;
  }

  // ---- start-up -------------------------------------------------------------------------------------

  asio::awaitable<void> run() {
    {
      device_id_ = state_.meta(kMetaDevice).value_or("");
      instance_ = state_.meta(kMetaInstance).value_or("");
      cursor_ = state_.cursor().value_or("");
      // A configured MATRIX_ACCESS_TOKEN wins; else the token the last login gave, if any.
      if (token_.empty() && !cfg_.password.empty()) {
        token_ = state_.meta(kMetaToken).value_or("");
        stored_token_ = !token_.empty();
      }
    }
    if (instance_.empty()) {
      std::string inst = random_instance();
      auto effects = bot::AdapterEffects::set_meta(std::string(kMetaInstance), inst);
      if (!co_await commit(std::move(effects))) {
        fail("could not write to the data file");
        co_return;
      }
      instance_ = inst;
    }
    if (!co_await establish_session()) co_return;
    co_await upload_filter();
    for (const auto& room : cfg_.autojoin_rooms) co_await join(room, "");
    ready_ = true;
    kick_queues();
    if (cursor_.empty())
      spdlog::info("matrix: first start: skipping the backlog (messages sent before now are not answered)");
    co_await sync_loop();
  }

  asio::awaitable<bool> establish_session() {
    while (!stopping_) {
      if (token_.empty()) co_return co_await login();
      auto a = co_await call(http_, "GET", "/account/whoami", nullptr);
      if (stopping_) co_return false;
      if (a.ok() && a.body.is_object()) {
        std::string user = a.body.value("user_id", "");
        if (stored_token_ && !user.empty() && user != me_.user_id) {
          // MATRIX_USER_ID changed since that login: end the old session, start the configured one.
          spdlog::info("matrix: the stored session belongs to {}, not {}; logging it out", user, me_.user_id);
          co_await logout();
          device_id_.clear();
          continue;
        }
        if (!user.empty() && user != me_.user_id) {
          spdlog::warn("matrix: MATRIX_USER_ID is {} but the access token belongs to {}; using {}",
                       me_.user_id, user, user);
          me_.user_id = user;
        }
        std::string device = a.body.value("device_id", "");
        if (!device.empty() && device != device_id_) {
          device_id_ = device;
          auto effects = bot::AdapterEffects::set_meta(std::string(kMetaDevice), device);
          co_await commit(std::move(effects));
        }
        spdlog::info("matrix: connected to {} as {} (device {}, {})", base_, me_.user_id,
                     device_id_.empty() ? "unknown" : device_id_,
                     stored_token_               ? "the stored session"
                     : cfg_.access_token.empty() ? "a new login"
                                                 : "MATRIX_ACCESS_TOKEN");
        co_return true;
      }
      if (!a.transient()) {
        if (a.token_invalid()) co_return false;  // call() already logged in again or failed for good
        spdlog::error("matrix: whoami failed: {}; the Matrix adapter stops", a.describe());
        fail("whoami: " + a.errcode);
        co_return false;
      }
      auto d = a.rate_limited() && a.retry_after_ms > 0 ? milliseconds(a.retry_after_ms) : backoff_.next();
      spdlog::warn("matrix: cannot reach {} ({}); retrying in {} ms", base_, a.describe(), d.count());
      set_state(bot::LinkState::reconnecting, a.describe());
      co_await sleep(d);
    }
    co_return false;
  }

  asio::awaitable<void> upload_filter() {
    auto a = co_await call(http_, "POST", "/user/" + path_segment(me_.user_id) + "/filter", sync_filter());
    if (a.ok() && a.body.is_object() && a.body.contains("filter_id") && a.body["filter_id"].is_string()) {
      filter_ = a.body["filter_id"].get<std::string>();
    } else {
      spdlog::info("matrix: filter upload failed ({}); sending the filter inline", a.describe());
      filter_ = sync_filter().dump();
    }
  }

  // ---- rooms ------------------------------------------------------------------------------------------

  bool invite_allowed(const std::string& room, const std::string& inviter) const {
    if (cfg_.autojoin_servers.empty()) return true;
    for (const auto& r : cfg_.autojoin_rooms)
      if (r == room) return true;
    auto server = server_of(inviter);
    for (const auto& s : cfg_.autojoin_servers)
      if (s == server) return true;
    return false;
  }

  // Joins a room id or alias; returns the room id (empty on failure).
  asio::awaitable<std::string> join(std::string room, std::string inviter) {
    std::string path =
        room.front() == '!' ? "/rooms/" + path_segment(room) + "/join" : "/join/" + path_segment(room);
    for (int attempt = 0; attempt < 5 && !stopping_; ++attempt) {
      auto a = co_await call(http_, "POST", path, json::object());
      if (a.ok()) {
        std::string id = a.body.is_object() ? a.body.value("room_id", room) : room;
        spdlog::info("matrix: joined {}{}", id, inviter.empty() ? "" : " (invited by " + inviter + ")");
        co_await load_members(id);
        co_return id;
      }
      if (a.transient()) {
        auto d = a.retry_after_ms > 0 ? milliseconds(a.retry_after_ms) : opt_.backoff_base * (1 << attempt);
        co_await sleep(d);
        continue;
      }
      spdlog::warn("matrix: cannot join {}: {}", room, a.describe());
      if (!inviter.empty()) co_await reject(room, "join failed");
      co_return std::string();
    }
    co_return std::string();
  }

  asio::awaitable<void> reject(std::string room, std::string why) {
    auto a = co_await call(http_, "POST", "/rooms/" + path_segment(room) + "/leave", json::object());
    spdlog::info("matrix: declined the invite to {} ({}){}", room, why, a.ok() ? "" : ": " + a.describe());
  }

  asio::awaitable<void> load_members(std::string room) {
    auto a = co_await call(http_, "GET", "/rooms/" + path_segment(room) + "/joined_members", nullptr);
    members_loaded_[room] = std::chrono::steady_clock::now();
    if (!a.ok() || !a.body.is_object() || !a.body.contains("joined") || !a.body["joined"].is_object()) {
      spdlog::debug("matrix: joined_members of {} failed: {}", room, a.describe());
      co_return;
    }
    for (const auto& [user, info] : a.body["joined"].items()) {
      bool named = info.is_object() && info.contains("display_name") && info["display_name"].is_string();
      dir_.set(room, user, named ? info["display_name"].get<std::string>() : std::string());
    }
    if (dir_.room_name(room).empty()) co_await load_room_name(room);
  }

  // A room's m.room.name, else its canonical alias: what replies call the room.
  asio::awaitable<void> load_room_name(std::string room) {
    auto a = co_await call(http_, "GET", "/rooms/" + path_segment(room) + "/state/m.room.name", nullptr);
    std::string name = a.ok() && a.body.is_object() ? a.body.value("name", "") : "";
    if (name.empty()) {
      a = co_await call(http_, "GET", "/rooms/" + path_segment(room) + "/state/m.room.canonical_alias",
                        nullptr);
      name = a.ok() && a.body.is_object() ? a.body.value("alias", "") : "";
    }
    if (!name.empty()) dir_.set_room_name(room, name);
  }

  // Whether a user id exists on its homeserver, for mentions of people who are not in the room
  // (typed ids: "@nobody:localhost" would otherwise be credited and reach the leaderboard).
  // Only a definite "no such profile" says no; an error we cannot read does not refuse anyone.
  asio::awaitable<bool> account_exists(std::string user) {
    auto now = std::chrono::steady_clock::now();
    if (auto it = accounts_.find(user); it != accounts_.end() && now - it->second.second < opt_.members_ttl)
      co_return it->second.first;
    auto a = co_await call(http_, "GET", "/profile/" + path_segment(user), nullptr);
    bool exists = !(a.status == 404 && a.errcode == "M_NOT_FOUND");
    if (a.ok() || !exists) accounts_[user] = {exists, now};
    if (!exists) spdlog::info("matrix: {} has no profile on its server; not crediting it", user);
    co_return exists;
  }

  // Marks mentioned users the homeserver does not know, so the command refuses them by name.
  asio::awaitable<void> vet_mentions(core::Event& e, std::string room) {
    for (auto& m : e.mentions) {
      if (m.is_channel()) continue;
      std::string user(raw_id(m.user.id));
      if (user.empty() || user == me_.user_id || dir_.member(room, user)) continue;
      m.user.unknown = !co_await account_exists(user);
    }
  }

  // The sender of an event a reaction points at: from what this process saw, else the server.
  asio::awaitable<std::string> sender_of(std::string room, std::string event_id) {
    if (auto it = senders_.find(event_id); it != senders_.end()) co_return it->second;
    auto a = co_await call(http_, "GET", "/rooms/" + path_segment(room) + "/event/" + path_segment(event_id),
                           nullptr);
    if (a.ok() && a.body.is_object()) co_return a.body.value("sender", "");
    spdlog::info("matrix: cannot look up {} in {}: {}", event_id, room, a.describe());
    co_return std::string();
  }

  void remember_sender(const json& ev) {
    if (!ev.is_object()) return;
    std::string id = ev.value("event_id", ""), sender = ev.value("sender", "");
    if (id.empty() || sender.empty()) return;
    if (senders_.emplace(id, sender).second) sender_order_.push_back(id);
    while (sender_order_.size() > kRecentSenders) {
      senders_.erase(sender_order_.front());
      sender_order_.pop_front();
    }
  }

  // Rooms found encrypted before this process started are marked in the data file.
  bool known_encrypted(const std::string& room) {
    if (encrypted_.count(room)) return true;
    auto [it, fresh] = checked_rooms_.insert(room);
    if (!fresh) return false;
    return state_.meta(meta_key("matrix.encrypted:", room)).has_value();
  }

  // ---- the sync loop ----------------------------------------------------------------------------------

  asio::awaitable<void> sync_loop() {
    while (!stopping_) {
      bool initial = cursor_.empty();
      std::string path = "/sync?timeout=" + std::to_string(initial ? 0 : opt_.sync_timeout.count()) +
                         "&set_presence=offline&filter=" + path_segment(filter_);
      if (!initial) path += "&since=" + path_segment(cursor_);
      auto a = co_await call(initial ? initial_http_ : sync_http_, "GET", path, nullptr);
      if (stopping_) break;
      if (!a.ok()) {
        if (a.token_invalid()) {
          if (state() == bot::LinkState::failed) break;
          continue;  // logged in again
        }
        auto d = a.rate_limited() && a.retry_after_ms >= 0 ? milliseconds(a.retry_after_ms) : backoff_.next();
        spdlog::warn("matrix: sync failed ({}); retrying in {} ms", a.describe(), d.count());
        if (state() == bot::LinkState::connected) metrics_.reconnect("matrix");
        set_state(bot::LinkState::reconnecting, a.describe());
        co_await sleep(d);
        continue;
      }
      SyncBatch batch;
      std::string unusable;
      try {
        batch = parse_sync(a.body, me_, dir_);
      } catch (const std::exception& e) {
        unusable = e.what();
      }
      if (!unusable.empty()) {
        auto d = backoff_.next();
        spdlog::warn("matrix: unusable sync answer ({}); retrying in {} ms", unusable, d.count());
        co_await sleep(d);
        continue;
      }
      if (state() != bot::LinkState::connected) set_state(bot::LinkState::connected, "");
      if (!co_await apply(batch, initial)) {
        auto d = backoff_.next();
        spdlog::warn("matrix: could not commit a sync batch; fetching it again in {} ms", d.count());
        co_await sleep(d);
        continue;
      }
      backoff_.reset();
      cursor_ = batch.next_batch;
    }
  }

  // Turns one sync answer into commands and commits them together with its next_batch.
  asio::awaitable<bool> apply(SyncBatch& batch, bool initial) {
    auto answered = std::chrono::steady_clock::now();
    for (const auto& inv : batch.invites) {
      if (stopping_) co_return false;
      if (!invite_allowed(inv.room, inv.inviter)) {
        spdlog::info("matrix: invite to {} from {} is not from an allowed server", inv.room, inv.inviter);
        co_await reject(inv.room, "inviter not in matrix.autojoin_servers");
        continue;
      }
      co_await join(inv.room, inv.inviter);
    }
    for (const auto& room : batch.left) {
      spdlog::info("matrix: no longer in {}", room);
      members_loaded_.erase(room);
    }

    std::vector<core::Event> events;
    std::vector<std::string> revokes;
    std::vector<std::string> newly_encrypted;
    for (auto& jr : batch.joined) {
      if (!jr.encrypted && known_encrypted(jr.room)) jr.encrypted = true;
      if (jr.encrypted && !encrypted_.count(jr.room)) {
        encrypted_.insert(jr.room);
        newly_encrypted.push_back(jr.room);
        spdlog::warn("matrix: {} is end-to-end encrypted; Brigade cannot read it and ignores its messages",
                     jr.room);
      }
      for (const auto& ev : jr.timeline) remember_sender(ev);
      if (initial || encrypted_.count(jr.room)) continue;
      // A room just joined comes with a limited timeline too, but what came before the join was
      // not addressed to Brigade: only a gap after it can hold missed commands.
      if (jr.limited && !jr.joined_here)
        spdlog::warn(
            "matrix: {} had more new events than one sync returns; older ones in the gap are skipped",
            jr.room);
      auto loaded = members_loaded_.find(jr.room);
      if (loaded == members_loaded_.end() ||
          std::chrono::steady_clock::now() - loaded->second > opt_.members_ttl)
        co_await load_members(jr.room);
      for (const auto& ev : jr.timeline) {
        Parsed p = parse_event(ev, jr.room, me_, dir_);
        switch (p.kind) {
          case Parsed::Kind::ignore:
            spdlog::debug("matrix: skipping an event in {}: {}", jr.room, p.why);
            break;
          case Parsed::Kind::revoke:
            revokes.push_back(p.revoke);
            break;
          case Parsed::Kind::reaction: {
            std::string author = co_await sender_of(jr.room, p.target);
            if (complete_reaction(p, author, me_, dir_))
              events.push_back(std::move(p.event));
            else
              spdlog::debug("matrix: reaction ignored: {}", p.why);
            break;
          }
          case Parsed::Kind::command:
            co_await vet_mentions(p.event, jr.room);
            events.push_back(std::move(p.event));
            break;
        }
      }
    }

    std::string next = batch.next_batch;
    // A batch with nothing to record (our own replies echoed back, typing in other rooms) need
    // not cost a durable commit: replaying it after a crash changes nothing. Its cursor is
    // written with the next batch that has effects, or after kCursorFlush at the latest.
    bool effects = !events.empty() || !revokes.empty() || !newly_encrypted.empty();
    auto now = std::chrono::steady_clock::now();
    if (!effects && !initial && now - cursor_saved_ < kCursorFlush) co_return true;
    auto then = batch_effects(std::move(revokes), newly_encrypted, next);
    std::size_t n = events.size();
    auto sig = std::make_shared<Signal>(ioc_);
    committer_.submit_batch(
        std::move(events), then,
        [post = rt_.poster(), sig](const std::vector<commands::Result>& results, bool committed) {
          post([sig, results, committed] {
            sig->ok = committed;
            sig->results = results;
            sig->set = true;
            sig->timer.cancel();
          });
        });
    batch_inflight_ = true;
    while (!sig->set) co_await sig->timer.async_wait(kTuple);
    batch_inflight_ = false;
    changed_.notify();
    if (sig->ok) cursor_saved_ = now;
    if (sig->ok && n > 0)
      metrics_.ack_seconds(
          "matrix", std::chrono::duration<double>(std::chrono::steady_clock::now() - answered).count());
    if (sig->ok && n > 0) spdlog::debug("matrix: committed {} commands up to {}", n, next);
    co_return sig->ok;
  }

  // ---- replies ----------------------------------------------------------------------------------------

  // One queue per room: messages in a room keep their order, rooms do not wait for each other.
  void enqueue_send(Outgoing o) {
    if (stopping_) {
      o.done(bot::Delivery::unsent("matrix adapter stopping"));
      return;
    }
    std::string target(o.item.reply.channel);
    if (auto raw = raw_id(target); !raw.empty()) target = std::string(raw);
    if (o.item.reply.audience == core::Audience::private_ && cfg_.private_replies == "direct") {
      auto user = raw_id(o.item.reply.user);
      if (is_user_id(user)) target = "@" + std::string(user.substr(1));  // resolved to a DM room when sent
    }
    bool start_worker = queues_[target].empty();
    queues_[target].push_back(std::move(o));
    if (start_worker && ready_)
      asio::co_spawn(ioc_, send_worker(target), net::log_errors("matrix", "a send queue"));
  }

  void kick_queues() {
    for (auto& [room, q] : queues_)
      if (!q.empty()) asio::co_spawn(ioc_, send_worker(room), net::log_errors("matrix", "a send queue"));
  }

  // Sends a room's replies one at a time, in order. A reply that meets a rate limit or a
  // passing failure is retried in place — after the wait the server asked for (the limit is per
  // user, so every room holds), else a short backoff — so the replies behind it never overtake
  // it. Only after kInPlaceRetries failures without a server-given wait does it go back to the
  // outbox (whose backoff spans longer outages).
  asio::awaitable<void> send_worker(std::string target) {
    for (;;) {
      auto it = queues_.find(target);
      if (it == queues_.end() || it->second.empty()) {
        if (it != queues_.end()) queues_.erase(it);
        co_return;
      }
      Outgoing o = it->second.front();
      bot::Delivery d;
      net::Backoff backoff(opt_.backoff_base, opt_.backoff_cap);
      for (int failures = 0;;) {
        if (hold_until_ > std::chrono::steady_clock::now()) co_await sleep_until(hold_until_);
        if (stopping_) co_return;  // not sent: shutdown() gives it back to the outbox
        ++sending_;
        d = co_await send_one(target, o.item);
        --sending_;
        changed_.notify();
        if (d.status != bot::Delivery::Status::retry || stopping_) break;
        if (d.retry_after_ms > 0) {
          hold_until_ = std::max(hold_until_, std::chrono::steady_clock::now() + milliseconds(d.retry_after_ms));
          spdlog::info("matrix: rate-limited; reply {} to {} goes again in {} ms, as the server asked",
                       o.item.seq, target, d.retry_after_ms);
          continue;
        }
        if (++failures > kInPlaceRetries) break;
        auto wait = backoff.next();
        spdlog::info("matrix: reply {} to {} failed ({}); trying again in {} ms", o.item.seq, target, d.error,
                     wait.count());
        co_await sleep(wait);
      }
      if (d.status == bot::Delivery::Status::drop)
        spdlog::warn("matrix: dropping reply {} to {}: {}", o.item.seq, target, d.error);
      it = queues_.find(target);
      if (it != queues_.end() && !it->second.empty()) it->second.pop_front();
      o.done(std::move(d));
      if (stopping_) co_return;
    }
  }

  asio::awaitable<bot::Delivery> send_one(std::string target, store::OutboxItem item) {
    std::string room = target;
    if (room.front() == '@') {
      room = co_await direct_room(target);
      if (room.empty()) co_return bot::Delivery::retry("no direct room with " + target);
    } else if (room.front() == '#') {
      if (auto it = aliases_.find(room); it != aliases_.end()) {
        room = it->second;
      } else {
        room = co_await join(room, "");  // an alias (the wins channel): joining resolves it
        if (room.empty()) co_return bot::Delivery::retry("cannot join " + target);
        aliases_[target] = room;
      }
    }
    json content = notice_content(item.reply, /*direct_room=*/target.front() == '@');
    std::string path =
        "/rooms/" + path_segment(room) + "/send/m.room.message/" + path_segment(txn_id(instance_, item.seq));
    auto a = co_await call(http_, "PUT", path, content);
    co_return send_outcome(a);
  }

  // The direct room with `user`, made on first use and remembered in the data file.
  asio::awaitable<std::string> direct_room(std::string user) {
    std::string key = meta_key("matrix.dm:", user);
    if (auto it = direct_.find(user); it != direct_.end()) co_return it->second;
    if (auto known = state_.meta(key)) {
      direct_[user] = *known;
      co_return *known;
    }
    auto a = co_await call(http_, "POST", "/createRoom", direct_room_body(user));
    if (!a.ok() || !a.body.is_object() || !a.body.contains("room_id")) {
      spdlog::warn("matrix: cannot open a direct room with {}: {}", user, a.describe());
      co_return std::string();
    }
    std::string room = a.body.value("room_id", "");
    auto effects = bot::AdapterEffects::set_meta(key, room);
    co_await commit(std::move(effects));
    direct_[user] = room;
    spdlog::info("matrix: opened direct room {} with {}", room, user);
    co_return room;
  }

  // ---- shutdown ---------------------------------------------------------------------------------------

  asio::awaitable<void> shutdown(milliseconds budget) {
    stopping_ = true;
    auto deadline = std::chrono::steady_clock::now() + budget;
    // A batch being committed finishes; the long-poll is simply abandoned (its events come again).
    // A send already on the wire is waited for, so its answer is recorded: calling it a retry
    // would post it again after the restart. (Should the server answer after the deadline, the
    // retry goes out on the same stored token and txnId, which the server deduplicates.)
    while ((batch_inflight_ || sending_ > 0) && std::chrono::steady_clock::now() < deadline)
      co_await changed_.wait_until(deadline);
    if (sending_ > 0)
      spdlog::warn("matrix: stopping with {} send(s) unanswered; they are retried on the next start",
                   sending_);
    for (auto& [room, q] : queues_)
      for (auto& o : q) o.done(bot::Delivery::unsent("matrix adapter stopping"));
    queues_.clear();
  }

  net::AdapterRuntime rt_{"matrix"};
  asio::io_context& ioc_ = rt_.ioc();
  bot::AdapterState state_;  // cursor and matrix.* meta, read only; changes go through committer_
  bot::Committer& committer_;
  bot::Metrics& metrics_;
  AdapterOptions opt_;
  config::MatrixConfig cfg_;
  std::string base_;
  std::string token_;
  bool stored_token_ = false;  // token_ came from the data file (an earlier start's login)
  std::uint64_t token_generation_ = 0;
  bool logging_in_ = false;
  std::string device_id_;
  std::string instance_;
  std::string cursor_;
  std::string filter_;
  Identity me_;
  Directory dir_;

  std::shared_ptr<asio::ssl::context> tls_;
  net::HttpClient http_;
  net::HttpClient sync_http_;
  net::HttpClient initial_http_;
  net::Backoff backoff_;

  bool stopping_ = false;
  bool ready_ = false;
  bool batch_inflight_ = false;
  std::chrono::steady_clock::time_point cursor_saved_{};  // last durable cursor write
  std::set<std::string> encrypted_;                       // rooms known to be encrypted
  std::set<std::string> checked_rooms_;                   // rooms whose stored marker was read
  std::map<std::string, std::chrono::steady_clock::time_point> members_loaded_;
  std::map<std::string, std::string> senders_;
  std::deque<std::string> sender_order_;
  std::map<std::string, std::deque<Outgoing>> queues_;
  std::map<std::string, std::pair<bool, std::chrono::steady_clock::time_point>> accounts_;  // exists?, when
  std::map<std::string, std::string> direct_;   // user → direct room
  std::map<std::string, std::string> aliases_;  // #alias → room id
  // No sends before this (the server's rate limit is per user). A steady time point, not wall-clock
  // milliseconds: truncated to whole milliseconds, a wait once ended up to 1 ms before the server said.
  std::chrono::steady_clock::time_point hold_until_{};
  int sending_ = 0;                             // sends on the wire
  // Wakes whoever waits for a login, a batch commit or a send to finish (shutdown, renewals).
  net::Wakeup changed_;
};

}  // namespace

std::unique_ptr<bot::NetworkAdapter> make_adapter(const config::Config& cfg, bot::AdapterState state,
                                                  bot::Committer& committer, bot::Metrics& metrics,
                                                  const AdapterOptions& options) {
  return std::make_unique<MatrixAdapter>(cfg, std::move(state), committer, metrics, options);
}

std::unique_ptr<bot::NetworkAdapter> make_adapter(const config::Config& cfg, bot::AdapterState state,
                                                  bot::Committer& committer, bot::Metrics& metrics) {
  return make_adapter(cfg, std::move(state), committer, metrics, AdapterOptions{});
}

}  // namespace brigade::matrix
