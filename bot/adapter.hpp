// The contract between the bot core and a chat platform: deliver replies, report health.
#pragma once

#include <functional>
#include <string>
#include <string_view>

#include "core/calendar.hpp"
#include "store/store.hpp"

namespace brigade::bot {

// What became of one delivery.
struct Delivery {
  // sent: the platform accepted it. retry: an attempt failed in a way that may pass. drop: it
  // can never succeed. unsent: no attempt was made — the adapter stopped or was not running with
  // the reply still waiting — so it is not a failure and uses up none of the reply's attempts.
  enum class Status { sent, retry, drop, unsent };
  Status status = Status::sent;
  core::Millis retry_after_ms = 0;  // platform-requested wait (Retry-After), 0 = use backoff
  std::string error;                // for logs; never contains secrets
  // Where a sent reply landed (Slack "C1|1700.000100", Matrix event id), for replies with a tag;
  // empty when the platform gives none (console). The outbox sender stores it under Reply::tag.
  // An edit that changed its message in place answers that message's reference (Slack keeps the
  // ts; Matrix edits always name the original event), one posted anew instead the new message's.
  std::string message_ref;

  static Delivery sent() { return {}; }
  static Delivery retry(std::string why, core::Millis after = 0) {
    return {Status::retry, after, std::move(why)};
  }
  static Delivery drop(std::string why) { return {Status::drop, 0, std::move(why)}; }
  static Delivery unsent(std::string why) { return {Status::unsent, 0, std::move(why)}; }
};

using DeliveryDone = std::function<void(Delivery)>;

class Adapter {
 public:
  virtual ~Adapter() = default;
  // Matches store::OutboxItem::adapter and core::Event::platform: "console", "slack", "matrix".
  virtual std::string_view name() const = 0;
  // Sends one reply. `done` may be called on any thread, exactly once. The item's seq is
  // stable across restarts, so adapters derive platform idempotency keys from it. A non-empty
  // item.edit_ref asks for the message it names to be changed in place (Reply::replaces); where
  // that cannot be done (no edits on the platform, the message is gone) the reply is posted anew.
  // The sender hands out an edit only after the message it replaces was delivered and settled.
  virtual void deliver(const store::OutboxItem& item, DeliveryDone done) = 0;
};

}  // namespace brigade::bot
