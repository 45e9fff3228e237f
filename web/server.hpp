// The HTTP/1.1 server for the dashboard and API (no Beast in this header).
#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <string>
#include <utility>

#include "web/api.hpp"

namespace brigade::web {

struct ServerOptions {
  std::string addr = "127.0.0.1:8080";       // host:port; port 0 picks a free one (tests)
  std::chrono::milliseconds timeout{30000};  // per request: the body once the head is in; each write
  // For a request's line and headers, counted from when the connection starts waiting for them:
  // so also how long a keep-alive connection may idle. Shorter than `timeout` against slowloris.
  std::chrono::milliseconds head_timeout{10000};
  // Connections at once (fewer when the open-file limit is lower). At the cap the connection that
  // has waited longest for a request (idle, or sending its head slowly) is closed for a newcomer;
  // when all are busy, new ones wait in the kernel's backlog until one ends.
  std::size_t max_connections = 512;
  std::size_t max_header = 8 * 1024;
  std::size_t max_body = 16 * 1024;  // the API takes no bodies; anything larger is refused
  unsigned workers = 2;              // threads for the dashboard and the API (not /healthz, /metrics)
  std::size_t max_queued = 16;       // such requests running or waiting; beyond it: 503, Retry-After
};

struct ServerStats {
  std::size_t heavy_in_flight = 0;  // dashboard and API requests running or waiting for a worker
  std::size_t connections = 0;      // open now
  std::uint64_t accepted = 0;
  std::uint64_t accept_errors = 0;  // failed accepts (out of descriptors, …), retried with a pause
  std::uint64_t evicted = 0;        // waiting connections closed to make room
};

class Server {
 public:
  virtual ~Server() = default;
  virtual std::uint16_t port() const = 0;
  virtual void stop() = 0;                // closes the listener and every connection; idempotent
  virtual ServerStats stats() const = 0;  // any thread
};

// Listens and serves on its own thread. Throws std::runtime_error with a one-line reason when the
// address cannot be used (unparseable, unresolvable, in use).
std::unique_ptr<Server> start_server(const ServerOptions& opt, Api& api);

// GET /healthz from a running bot at `addr` (a wildcard address is asked on loopback), within
// `timeout`: the HTTP status (0 when nothing answered) and the body or the error.
std::pair<int, std::string> probe_healthz(const std::string& addr, std::chrono::milliseconds timeout);

}  // namespace brigade::web
