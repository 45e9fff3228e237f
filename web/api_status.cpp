// The probes' routes: /healthz (can the store be read, is every part healthy) and /metrics
// (Prometheus text: the ledger's gauges, the engine's counters, the HTTP requests by route).
#include <mutex>
#include <sstream>

#include "bot/metrics.hpp"
#include "web/api.hpp"

namespace brigade::web {

Response Api::healthz() {
  std::optional<std::string> why;
  try {
    auto r = ctx_.store.read();
    (void)r->kudos_count();
    if (ctx_.health) why = ctx_.health();
  } catch (const std::exception& e) {
    why = std::string("store: ") + e.what();
  }
  Response r;
  r.content_type = "text/plain; charset=utf-8";
  r.status = why ? 503 : 200;
  r.body = why ? "unhealthy: " + *why + "\n" : "ok\n";
  return r;
}

Response Api::metrics() {
  std::ostringstream o;
  {
    auto r = ctx_.store.read();
    o << "# HELP brigade_kudos Kudos stored in the ledger.\n# TYPE brigade_kudos gauge\n"
      << "brigade_kudos " << r->kudos_count() << "\n";
    o << "# HELP brigade_outbox_depth Replies waiting to be delivered.\n# TYPE brigade_outbox_depth gauge\n"
      << "brigade_outbox_depth " << r->outbox_depth() << "\n";
  }
  if (ctx_.live_metrics) o << ctx_.live_metrics();
  o << ctx_.metrics.prometheus();
  o << "# HELP brigade_http_requests_total HTTP requests by route and status.\n"
       "# TYPE brigade_http_requests_total counter\n";
  {
    std::lock_guard lk(mu_);
    for (const auto& [key, n] : requests_)
      o << "brigade_http_requests_total{route=\"" << bot::prometheus_label(key.first) << "\",status=\""
        << key.second << "\"} " << n << "\n";
  }
  Response r;
  r.content_type = "text/plain; version=0.0.4; charset=utf-8";
  r.body = o.str();
  return r;
}

}  // namespace brigade::web
