// What replicas sharing one PostgreSQL database use to agree: named leases on the database's
// clock, and a listener that hears any replica queue a reply (LISTEN brigade_outbox).
// Store-internal: pg_store.cpp exposes them as Store::hold_lease / drop_lease / watch_outbox.
#pragma once

#include <atomic>
#include <functional>
#include <string>
#include <string_view>
#include <thread>

#include "store/pg/pg.hpp"

namespace brigade::store::pg {

// Takes or renews `name` for `holder` until ttl_ms from the server's now; false while another
// holder's lease is live. One statement, so two replicas racing for a free lease get one winner.
bool hold_lease(Conn& c, std::string_view name, std::string_view holder, Millis ttl_ms);
void drop_lease(Conn& c, std::string_view name, std::string_view holder);

// A thread with its own connection, LISTENing on brigade_outbox: `fn` runs for every
// notification, and once after each (re)connect (notifications sent while it was away are lost).
// Reconnects with backoff; stops in its destructor within about half a second.
class OutboxWatcher {
 public:
  OutboxWatcher(std::string conninfo, std::string password, std::function<void()> fn);
  ~OutboxWatcher();
  OutboxWatcher(const OutboxWatcher&) = delete;
  OutboxWatcher& operator=(const OutboxWatcher&) = delete;

 private:
  void run();
  void listen_on(Conn& c);
  std::string conninfo_;
  std::string password_;
  std::function<void()> fn_;
  std::atomic<bool> stop_{false};
  std::thread thread_;
};

}  // namespace brigade::store::pg
