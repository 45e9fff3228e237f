// Leases and the outbox listener (store/pg/pg_replicas.hpp).
#include "store/pg/pg_replicas.hpp"
#include "core/thread_name.hpp"

#include <poll.h>

#include <algorithm>
#include <chrono>

namespace brigade::store::pg {

namespace {
// The server's clock in ms since the epoch, so replicas whose clocks differ still agree.
constexpr const char* kNow = "(extract(epoch FROM clock_timestamp()) * 1000)::bigint";
}  // namespace

bool hold_lease(Conn& c, std::string_view name, std::string_view holder, Millis ttl_ms) {
  const std::string sql = std::string("INSERT INTO leases AS l (name, holder, until_ms) VALUES ($1, $2, ") + kNow +
                          " + $3) ON CONFLICT (name) DO UPDATE SET holder = EXCLUDED.holder, until_ms = "
                          "EXCLUDED.until_ms WHERE l.holder = EXCLUDED.holder OR l.until_ms < " +
                          kNow + " RETURNING 1";
  return !c.exec(sql, Params(name, holder, ttl_ms)).empty();
}

void drop_lease(Conn& c, std::string_view name, std::string_view holder) {
  c.exec("DELETE FROM leases WHERE name = $1 AND holder = $2", Params(name, holder));
}

OutboxWatcher::OutboxWatcher(std::string conninfo, std::string password, std::function<void()> fn)
    : conninfo_(std::move(conninfo)), password_(std::move(password)), fn_(std::move(fn)) {
  thread_ = std::thread([this] {
    core::name_this_thread("pg-notify");
    run();
  });
}

OutboxWatcher::~OutboxWatcher() {
  stop_ = true;
  if (thread_.joinable()) thread_.join();
}

void OutboxWatcher::run() {
  auto delay = std::chrono::milliseconds(250);
  while (!stop_) {
    try {
      Conn c(conninfo_, password_);
      c.run("LISTEN brigade_outbox");
      delay = std::chrono::milliseconds(250);
      fn_();  // whatever was queued while nobody listened
      listen_on(c);
    } catch (const StoreError&) {
      // The server is away: try again later; the Committer and /healthz say so meanwhile.
    }
    for (auto waited = std::chrono::milliseconds(0); !stop_ && waited < delay; waited += std::chrono::milliseconds(100))
      std::this_thread::sleep_for(std::chrono::milliseconds(100));
    delay = std::min(delay * 2, std::chrono::milliseconds(5000));
  }
}

// Until the connection breaks or the watcher stops: wait on the socket, hand each notification on.
void OutboxWatcher::listen_on(Conn& c) {
  while (!stop_ && c.ok()) {
    pollfd p{PQsocket(c.get()), POLLIN, 0};
    if (p.fd < 0) return;
    if (::poll(&p, 1, 500) < 0) return;
    if (PQconsumeInput(c.get()) == 0) return;
    bool any = false;
    while (PGnotify* n = PQnotifies(c.get())) {
      any = true;
      PQfreemem(n);
    }
    if (any) fn_();
  }
}

}  // namespace brigade::store::pg
