// The Matrix adapter's replies: one queue per room (order kept, rooms independent), direct rooms
// made on first use, rate limits and passing failures retried in place, edits as m.replace events.
#include <spdlog/spdlog.h>

#include <boost/asio/co_spawn.hpp>

#include "adapters/matrix/adapter_impl.hpp"
#include "adapters/matrix/ids.hpp"
#include "adapters/matrix/wire.hpp"
#include "adapters/net/backoff.hpp"

namespace brigade::matrix::detail {

namespace {

constexpr int kInPlaceRetries = 4;  // failed sends retried in the room's queue before the outbox takes over

std::string send_path(const std::string& room, const std::string& txn) {
  return "/rooms/" + path_segment(room) + "/send/m.room.message/" + path_segment(txn);
}

}  // namespace

// One queue per room: messages in a room keep their order, rooms do not wait for each other.
void MatrixAdapter::enqueue_send(Outgoing o) {
  if (stopping_) {
    o.done(bot::Delivery::unsent("matrix adapter stopping"));
    return;
  }
  std::string target(o.item.reply.channel);
  if (auto raw = raw_id(target); !raw.empty()) target = std::string(raw);
  const auto audience = o.item.reply.audience;
  if (audience == core::Audience::direct ||
      (audience == core::Audience::private_ && cfg_.private_replies == "direct")) {
    auto user = raw_id(o.item.reply.user);
    if (is_user_id(user)) target = "@" + std::string(user.substr(1));  // resolved to a DM room when sent
  }
  bool start_worker = queues_[target].empty();
  queues_[target].push_back(std::move(o));
  if (start_worker && ready_)
    asio::co_spawn(ioc_, send_worker(target), net::log_errors("matrix", "a send queue"));
}

void MatrixAdapter::kick_queues() {
  for (auto& [room, q] : queues_)
    if (!q.empty()) asio::co_spawn(ioc_, send_worker(room), net::log_errors("matrix", "a send queue"));
}

// Sends a room's replies one at a time, in order. A reply that meets a rate limit or a
// passing failure is retried in place — after the wait the server asked for (the limit is per
// user, so every room holds), else a short backoff — so the replies behind it never overtake
// it. Only after kInPlaceRetries failures without a server-given wait does it go back to the
// outbox (whose backoff spans longer outages).
asio::awaitable<void> MatrixAdapter::send_worker(std::string target) {
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
        hold_until_ =
            std::max(hold_until_, std::chrono::steady_clock::now() + milliseconds(d.retry_after_ms));
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

asio::awaitable<bot::Delivery> MatrixAdapter::send_one(std::string target, store::OutboxItem item) {
  std::string room = target;
  if (room.front() == '@') {
    auto direct = co_await direct_room(target);
    if (!direct) co_return bot::Delivery::retry("no direct room with " + target);
    room = *direct;
  } else if (room.front() == '#') {
    if (auto it = aliases_.find(room); it != aliases_.end()) {
      room = it->second;
    } else {
      auto joined = co_await join(room, "");  // an alias (the wins channel): joining resolves it
      if (!joined) co_return bot::Delivery::retry("cannot join " + target);
      room = *joined;
      aliases_[target] = room;
    }
  }
  const bool direct = target.front() == '@';
  std::string txn = txn_id(instance_, item.seq);
  if (!item.edit_ref.empty()) {
    json edit = edit_content(item.reply, item.edit_ref, direct);
    auto a = co_await call(http_, "PUT", send_path(room, txn), edit);
    if (!edit_refused(a)) {
      bot::Delivery d = send_outcome(a);
      if (d.status == bot::Delivery::Status::sent) d.message_ref = item.edit_ref;  // edits name the original
      co_return d;
    }
    spdlog::info("matrix: reply {}: the edit of {} was refused ({}); sending it as a new message", item.seq,
                 item.edit_ref, a.describe());
    // Another request than the refused edit, so its own txnId: still the same one after a restart.
    txn += ".new";
  }
  json content = notice_content(item.reply, direct);
  auto a = co_await call(http_, "PUT", send_path(room, txn), content);
  co_return send_outcome(a);
}

// The direct room with `user`, made on first use and remembered in the data file.
asio::awaitable<std::optional<std::string>> MatrixAdapter::direct_room(std::string user) {
  std::string key = meta_key(kMetaDirect, user);
  if (auto it = direct_.find(user); it != direct_.end()) co_return it->second;
  if (auto known = state_.meta(key)) {
    direct_[user] = *known;
    co_return *known;
  }
  wire::DirectRoomRequest req{user};
  json body = req;
  auto a = co_await call(http_, "POST", "/createRoom", std::move(body));
  std::string room = a.ok() ? a.body.get<wire::RoomIdAnswer>().room_id : "";
  if (room.empty()) {
    spdlog::warn("matrix: cannot open a direct room with {}: {}", user, a.describe());
    co_return std::nullopt;
  }
  auto effects = bot::AdapterEffects::set_meta(key, room);
  co_await commit(std::move(effects));
  direct_[user] = room;
  spdlog::info("matrix: opened direct room {} with {}", room, user);
  co_return room;
}
}  // namespace brigade::matrix::detail
