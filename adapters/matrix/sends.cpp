// The Matrix adapter's replies: one queue per room (order kept, rooms independent), direct rooms
// made on first use, rate limits and passing failures retried in place, edits as m.replace events,
// reaction buttons on the notices that have them.
#include <spdlog/spdlog.h>

#include <boost/asio/co_spawn.hpp>

#include "adapters/matrix/adapter_impl.hpp"
#include "adapters/matrix/buttons.hpp"
#include "adapters/matrix/ids.hpp"
#include "adapters/matrix/wire.hpp"
#include "adapters/net/backoff.hpp"

namespace brigade::matrix::detail {

namespace {

constexpr int kInPlaceRetries = 4;  // failed sends retried in the room's queue before the outbox takes over
constexpr int kReactionTries = 4;   // a reaction button meeting rate limits: tries before it is left out
constexpr milliseconds kReactionWaitCap{10000};  // a longer wait holds every room: the reaction is left out
constexpr std::size_t kRecentTags = 512;
constexpr std::string_view kMessage = "m.room.message";
constexpr std::string_view kReaction = "m.reaction";

std::string send_path(const std::string& room, std::string_view type, const std::string& txn) {
  std::string p = "/rooms/" + path_segment(room) + "/send/";
  p += type;
  return p + "/" + path_segment(txn);
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
  net::Backoff backoff(opt_.backoff_base, opt_.backoff_cap);
  for (;;) {
    auto it = queues_.find(target);
    if (it == queues_.end() || it->second.empty()) {
      if (it != queues_.end()) queues_.erase(it);
      co_return;
    }
    Outgoing o = it->second.front();
    bot::Delivery d;
    backoff.reset();  // each reply starts from the base delay
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

// The room a queue's target names: itself, the direct room with a user (made on first use), or the
// room an alias names (joined once). "" when none can be had now (a passing failure: retried).
asio::awaitable<std::string> MatrixAdapter::room_for(std::string target) {
  if (target.front() == '@') {
    auto direct = co_await direct_room(target);
    co_return direct.value_or("");
  }
  if (target.front() != '#') co_return target;
  if (auto it = aliases_.find(target); it != aliases_.end()) co_return it->second;
  auto joined = co_await join(target, "");  // an alias (the wins channel): joining resolves it
  if (!joined) co_return std::string();
  aliases_[target] = *joined;
  co_return *joined;
}

asio::awaitable<bot::Delivery> MatrixAdapter::send_one(std::string target, store::OutboxItem item) {
  const bool direct = target.front() == '@';
  const std::string room = co_await room_for(target);
  if (room.empty()) co_return bot::Delivery::retry((direct ? "no direct room with " : "cannot join ") + target);
  std::string txn = txn_id(instance_, item.seq);
  if (!item.edit_ref.empty()) {
    json edit = edit_content(item.reply, item.edit_ref, direct);
    auto a = co_await call(http_, "PUT", send_path(room, kMessage, txn), edit);
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
  const std::string link = link_for(item.reply, item.link_ref);
  json content = notice_content(item.reply, direct, link);
  auto a = co_await call(http_, "PUT", send_path(room, kMessage, txn), content);
  bot::Delivery d = send_outcome(a);
  if (d.status == bot::Delivery::Status::sent && !d.message_ref.empty()) {
    remember_tag(d.message_ref, item.reply.tag);
    co_await add_reactions(room, d.message_ref, item.reply, txn, item.seq);
  }
  co_return d;
}

// The notice's reaction buttons, best effort: one that fails is logged and the notice still counts
// as sent (its text says what to type). A rate limit is waited out, as the server asks, a few times
// and for a few seconds at most.
asio::awaitable<void> MatrixAdapter::add_reactions(std::string room, std::string event_id, core::Reply reply,
                                                   std::string txn, std::uint64_t seq) {
  const std::vector<ReactionButton> buttons = reaction_buttons(reply, txn);
  for (const auto& b : buttons) {
    json content = reaction_content(event_id, b.key);
    for (int tries = 1;; ++tries) {
      if (stopping_) co_return;  // sent again, with these txnIds, if the notice's answer was lost
      auto a = co_await call(http_, "PUT", send_path(room, kReaction, b.txn), content);
      if (a.ok() || a.code == "M_DUPLICATE_ANNOTATION") break;  // there already
      const auto wait = milliseconds(a.retry_after_ms > 0 ? a.retry_after_ms : 1000);
      if (a.rate_limited() && tries < kReactionTries && wait <= kReactionWaitCap) {
        hold_until_ = std::max(hold_until_, std::chrono::steady_clock::now() + wait);
        co_await sleep_until(hold_until_);
        continue;
      }
      spdlog::warn("matrix: reply {}: could not add the reaction {} to {}: {}", seq, b.key, event_id,
                   a.describe());
      break;
    }
  }
}

// Tags of notices this process sent, by event id, so a reaction on one is read as a click before
// the outbox sender's commit has stored the reference (a quick click after the notice appeared).
void MatrixAdapter::remember_tag(const std::string& event_id, const std::string& tag) {
  if (tag.empty() || !tags_.emplace(event_id, tag).second) return;
  tag_order_.push_back(event_id);
  while (tag_order_.size() > kRecentTags) {
    tags_.erase(tag_order_.front());
    tag_order_.pop_front();
  }
}

std::string MatrixAdapter::tag_of(const std::string& event_id) {
  if (auto it = tags_.find(event_id); it != tags_.end()) return it->second;
  return state_.message_tag(event_id).value_or("");
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
