// The HTTP API's routes as plain functions of a request: no sockets here, so every answer is
// unit-tested directly; web/server.cpp puts them on Beast. The routes are listed in the README (HTTP API).
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "core/calendar.hpp"
#include "store/store.hpp"

namespace brigade::bot {
class Metrics;
}  // namespace brigade::bot

namespace brigade::web {

struct Request {
  std::string method = "GET";
  std::string target;         // path and query, as sent
  std::string authorization;  // the Authorization header
  std::string accept;         // the Accept header
};

struct Response {
  int status = 200;
  std::string content_type = "application/json";
  std::string body;
  std::vector<std::pair<std::string, std::string>> headers;
  // A large body made in pieces after `body` (the summary CSV): each call appends the next piece
  // to `out` and returns true while more follow. The server sends them with chunked transfer
  // encoding as they are made; it holds no store transaction.
  std::function<bool(std::string& out)> stream;

  std::string full_body();  // body and every piece of the stream (which it uses up)
};

struct ApiContext {
  store::Store& store;
  const core::Clock& clock;
  // The engine's counters and histograms (commands, kudos, commits, acks, reconnects), rendered in
  // /metrics. The composition root owns it; it must outlive the Api.
  const bot::Metrics& metrics;
  std::string token;  // empty: no auth (loopback only, enforced by the server)
  // Why the bot is unhealthy (a failed adapter, a store that cannot commit); nullopt when healthy.
  std::function<std::optional<std::string>()> health;
  // More of /metrics, computed when asked (the committer's stats, the adapters' links), in
  // Prometheus text format; it goes before `metrics`.
  std::function<std::string()> live_metrics;
};

class Api {
 public:
  explicit Api(ApiContext ctx) : ctx_(std::move(ctx)) {}
  virtual ~Api() = default;
  virtual Response handle(const Request& req);  // thread-safe; virtual for tests that slow a route

 private:
  Response route(const Request& req, std::string& route_name);
  Response leaderboard(const std::map<std::string, std::vector<std::string>>& q);
  Response summary(std::map<std::string, std::vector<std::string>> q, bool csv);
  // The audit log (web/api_audit.cpp): `csv` when the client asked for it with Accept.
  Response audit(const std::map<std::string, std::vector<std::string>>& q, bool csv);
  Response dashboard(const std::map<std::string, std::vector<std::string>>& q, const std::string& token);
  Response healthz();
  Response metrics();

  ApiContext ctx_;
  std::mutex mu_;
  std::map<std::pair<std::string, int>, std::uint64_t> requests_;  // (route, status) → count
};

// The dashboard and the API, which read many kudos: the server runs them on its worker threads so that
// /healthz, /metrics and refusals are answered at once on its I/O thread.
bool is_heavy(const Request& req);

// The error body every 4xx/5xx carries: {"error": "...", "parameter": "..."}.
Response error(int status, const std::string& message, const std::string& parameter = "");

}  // namespace brigade::web
