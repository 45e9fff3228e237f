// The HTTP/1.1 server: one io_context thread for connections, /healthz and /metrics, a small worker
// pool for the dashboard and the API; keep-alive, size limits and timeouts; routes in api.cpp.
#include "web/server.hpp"
#include "core/thread_name.hpp"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <atomic>
#include <list>
#include <optional>
#include <set>
#include <stdexcept>
#include <thread>
#include <tuple>

#include <sys/resource.h>
#ifdef __GLIBC__
#include <malloc.h>
#endif

#include "config/config.hpp"
#include "web/http_io.hpp"

namespace brigade::web {

namespace {

using asio::ip::tcp;

// The web threads' nice value. Acks wait for the committer and the chat I/O threads; a burst of
// dashboard or API reads on the same cores took 44% of the acks/s at nice 0 (bench/README.md,
// "Performance work"). At 10 they get the cores the chat path leaves, and all of an idle machine.
constexpr int kWebNice = 10;

// Whether accept failed for want of a descriptor or kernel memory (EMFILE above all): closing a
// connection that only waits can help at once.
bool out_of_descriptors(const beast::error_code& ec) {
  return ec == asio::error::no_descriptors || ec == asio::error::no_buffer_space ||
         ec == beast::error_code(ENFILE, beast::system_category()) || ec == asio::error::no_memory;
}

// The connection limit this process can keep: the cap, or fewer when the open-file limit is lower
// (a margin of 64 descriptors stays for the store, the logs and the chat links).
std::size_t connection_cap(std::size_t wanted) {
  rlimit lim{};
  if (getrlimit(RLIMIT_NOFILE, &lim) != 0 || lim.rlim_cur == RLIM_INFINITY) return wanted;
  const auto room = lim.rlim_cur > 64 + 16 ? static_cast<std::size_t>(lim.rlim_cur - 64) : std::size_t{16};
  if (room >= wanted) return wanted;
  spdlog::warn(
      "web: the open-file limit ({}) leaves room for {} connections, not {}; raise it (ulimit -n, "
      "LimitNOFILE=) for more",
      lim.rlim_cur, room, wanted);
  return room;
}

class BeastServer final : public Server {
 public:
  BeastServer(const ServerOptions& opt, Api& api)
      : opt_(opt),
        api_(api),
        cap_(std::max<std::size_t>(1, connection_cap(opt.max_connections))),
        acceptor_(ioc_),
        room_(ioc_),
        pool_(std::max(1u, opt.workers)) {
    auto hp = config::parse_host_port(opt.addr);
    if (!hp) throw std::runtime_error("BRIGADE_HTTP_ADDR '" + opt.addr + "' is not host:port");
    tcp::resolver resolver(ioc_);
    beast::error_code ec;
    auto results = resolver.resolve(hp->host, std::to_string(hp->port), tcp::resolver::passive, ec);
    if (ec || results.empty())
      throw std::runtime_error("BRIGADE_HTTP_ADDR: cannot resolve '" + hp->host + "': " + ec.message());
    tcp::endpoint ep = results.begin()->endpoint();
    acceptor_.open(ep.protocol());
    acceptor_.set_option(asio::socket_base::reuse_address(true));
    acceptor_.bind(ep, ec);
    if (ec) throw std::runtime_error("BRIGADE_HTTP_ADDR: cannot listen on " + opt.addr + ": " + ec.message());
    acceptor_.listen(asio::socket_base::max_listen_connections);
    port_ = acceptor_.local_endpoint().port();
    asio::co_spawn(ioc_, accept_loop(), asio::detached);
    thread_ = std::thread([this] {
      core::name_this_thread("web");
      core::lower_this_thread_priority(kWebNice);
      ioc_.run();
    });
  }
  ~BeastServer() override { stop(); }

  std::uint16_t port() const override { return port_; }

  ServerStats stats() const override {
    ServerStats s;
    s.heavy_in_flight = heavy_in_flight_;
    s.connections = connections_;
    s.accepted = accepted_;
    s.accept_errors = accept_errors_;
    s.evicted = evicted_;
    return s;
  }

  void stop() override {
    if (!thread_.joinable()) return;
    asio::post(ioc_, [this] {
      beast::error_code ec;
      acceptor_.close(ec);
      room_.cancel();
      for (auto* c : open_) c->stream.socket().close(ec);
    });
    asio::post(ioc_, [this] { ioc_.stop(); });
    thread_.join();
    pool_.join();  // a route still running finishes; its answer goes nowhere
  }

 private:
  using Time = std::chrono::steady_clock::time_point;

  struct Connection {
    explicit Connection(tcp::socket s) : stream(std::move(s)) {}
    beast::tcp_stream stream;
    bool waiting = false;  // for a request head: idle after keep-alive, or still sending it
    Time since{};          // when it began waiting
    std::list<Connection*>::iterator in_waiting;
    bool evicted = false;
  };

  // A connection waiting this long for its request (or idle after one) may be closed to make room:
  // fresh ones are spared, so a burst of real clients is not cut before it says anything.
  static constexpr auto kEvictAfter = std::chrono::milliseconds(250);

  // Closes the connection that has waited longest for a request head, if it has waited kEvictAfter.
  bool evict_oldest() {
    if (waiting_.empty() || std::chrono::steady_clock::now() - waiting_.front()->since < kEvictAfter)
      return false;
    Connection* c = waiting_.front();
    stop_waiting(*c);
    c->evicted = true;
    open_.erase(c);
    connections_ = open_.size();
    ++evicted_;
    beast::error_code ec;
    c->stream.socket().close(ec);  // its read ends with operation_aborted; the descriptor is free now
    return true;
  }

  void start_waiting(Connection& c) {
    c.waiting = true;
    c.since = std::chrono::steady_clock::now();
    c.in_waiting = waiting_.insert(waiting_.end(), &c);
    if (waiting_.size() == 1) room_.cancel();  // an accept loop at the cap now has someone to evict
  }
  void stop_waiting(Connection& c) {
    if (!c.waiting) return;
    waiting_.erase(c.in_waiting);
    c.waiting = false;
  }

  // Sleeps until a connection ends or the oldest waiting one becomes evictable.
  asio::awaitable<void> wait_for_room() {
    room_.expires_at(waiting_.empty() ? Time::max() : waiting_.front()->since + kEvictAfter);
    co_await room_.async_wait(kTuple);
  }

  // Accept errors (EMFILE when out of descriptors) are retried after a pause that doubles from
  // 10 ms to 1 s, and logged once per burst; a waiting connection is closed when that frees a
  // descriptor. At the connection cap, the longest-waiting connection makes room, or the loop
  // waits for one to end: the kernel's backlog holds the rest meanwhile.
  asio::awaitable<void> accept_loop() {
    constexpr auto kFirstPause = std::chrono::milliseconds(10),
                   kLongestPause = std::chrono::milliseconds(1000);
    auto pause = kFirstPause;
    std::uint64_t failed = 0;                      // in the current burst
    Time burst_started{}, warned{}, cap_logged{};  // burst_started: of a burst that was logged
    asio::steady_timer backoff(ioc_);
    for (;;) {
      if (open_.size() >= cap_) {
        // Only when someone knocks: an idle connection is not closed for a newcomer that may never come.
        co_await acceptor_.async_wait(tcp::acceptor::wait_read, kTuple);
        while (acceptor_.is_open() && open_.size() >= cap_ && !evict_oldest()) {
          auto now = std::chrono::steady_clock::now();
          if (now - cap_logged > std::chrono::minutes(1)) {
            spdlog::warn("web: {} connections open (the cap): new ones wait for one to finish or idle", cap_);
            cap_logged = now;
          }
          co_await wait_for_room();
        }
        if (!acceptor_.is_open()) co_return;
      }
      auto [ec, sock] = co_await acceptor_.async_accept(kTuple);
      if (!acceptor_.is_open() || ec == asio::error::operation_aborted) co_return;
      if (ec == asio::error::connection_aborted) continue;  // the client gave up in the backlog
      if (ec) {
        ++accept_errors_;
        auto now = std::chrono::steady_clock::now();
        if (failed++ == 0 && now - warned > std::chrono::minutes(1)) {  // once a burst, once a minute
          warned = burst_started = now;
          spdlog::warn("web: cannot accept connections: {} ({} open); retrying with a pause", ec.message(),
                       open_.size());
        }
        if (out_of_descriptors(ec) && evict_oldest()) continue;
        backoff.expires_after(pause);
        co_await backoff.async_wait(kTuple);
        pause = std::min(pause * 2, kLongestPause);
        continue;
      }
      if (failed > 0 && burst_started != Time{}) {
        spdlog::info("web: accepting again after {} failed attempts in {} ms", failed,
                     std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() -
                                                                           burst_started)
                         .count());
        burst_started = Time{};
      }
      failed = 0;
      pause = kFirstPause;
      ++accepted_;
      asio::co_spawn(ioc_, session(std::move(sock)), asio::detached);
    }
  }

  // The dashboard and the API on a worker thread, at most max_queued at once (running or waiting);
  // beyond that a 503 at once, so a burst of heavy requests queues neither here nor in memory.
  asio::awaitable<Response> answer(const Request& r) {
    if (!is_heavy(r)) {
      Response res = api_.handle(r);
      if (res.status == 200 && r.target.rfind("/metrics", 0) == 0) res.body += metrics();
      co_return res;
    }
    if (heavy_in_flight_ >= opt_.max_queued) {
      ++busy_;
      Response busy = error(503, "busy: too many dashboard and API requests at once; retry in a second");
      busy.headers.emplace_back("Retry-After", "1");
      co_return busy;
    }
    ++heavy_in_flight_;
    struct Release {
      std::atomic<std::size_t>& n;
      ~Release() { --n; }
    } release{heavy_in_flight_};
    co_return co_await asio::co_spawn(
        pool_,
        [this, &r]() -> asio::awaitable<Response> {
          thread_local const bool named =
              (core::name_this_thread("web-worker"), core::lower_this_thread_priority(kWebNice), true);
          (void)named;
          co_return api_.handle(r);
        },
        asio::use_awaitable);
  }

  // The server's own counters, after the Api's in /metrics.
  std::string metrics() const {
    auto s = stats();
    std::string o;
    auto add = [&o](const char* name, const char* type, const char* help, std::uint64_t v) {
      o += std::string("# HELP ") + name + " " + help + "\n# TYPE " + name + " " + type + "\n" + name + " " +
           std::to_string(v) + "\n";
    };
    add("brigade_http_connections", "gauge", "HTTP connections open.", s.connections);
    add("brigade_http_accept_errors_total", "counter", "Failed accepts (out of descriptors, …).",
        s.accept_errors);
    add("brigade_http_evicted_total", "counter",
        "Connections closed while waiting for a request, to make room at the cap.", s.evicted);
    add("brigade_http_busy_total", "counter", "Dashboard and API requests refused with 503 (workers busy).",
        busy_);
    return o;
  }

  asio::awaitable<void> session(tcp::socket socket) {
    Connection conn(std::move(socket));
    open_.insert(&conn);
    connections_ = open_.size();
    auto& stream = conn.stream;
    beast::flat_buffer buf(opt_.max_header + opt_.max_body);
    for (;;) {
      http::request_parser<http::string_body> parser;
      parser.header_limit(static_cast<std::uint32_t>(opt_.max_header));
      parser.body_limit(opt_.max_body);
      // The head within head_timeout (a client that sends it a byte at a time is cut), the rest of
      // the request within timeout.
      start_waiting(conn);
      stream.expires_after(opt_.head_timeout);
      auto [ec, n] = co_await http::async_read_header(stream, buf, parser, kTuple);
      stop_waiting(conn);
      if (!ec) {
        stream.expires_after(opt_.timeout);
        std::tie(ec, n) = co_await http::async_read(stream, buf, parser, kTuple);
      }
      if (conn.evicted) co_return;  // closed to make room; no longer counted
      if (ec) {
        if (auto say = refusal(ec)) {
          co_await write_response(stream, *say, 11, false, false, opt_.timeout);
          co_await linger(stream);
        }
        break;
      }
      auto& req = parser.get();
      Request r;
      r.method = std::string(req.method_string());
      r.target = std::string(req.target());
      r.authorization = std::string(req[http::field::authorization]);
      r.accept = std::string(req[http::field::accept]);
      Response res;  // (Beast refuses versions but 1.0 and 1.1: "bad version", a 400)
      const bool no_host = req.version() == 11 && req.find(http::field::host) == req.end();
      if (no_host)
        res = error(400, "an HTTP/1.1 request needs a Host header");
      else
        res = co_await answer(r);
      bool keep = req.keep_alive() && !no_host;
      const bool large = res.stream || res.body.size() >= (1 << 20);
      bool written = co_await write_response(stream, res, req.version(), keep,
                                             req.method() == http::verb::head, opt_.timeout);
      if (is_heavy(r)) give_back_memory(large);
      if (!written || !keep) break;
    }
    beast::error_code ignored;
    stream.socket().shutdown(tcp::socket::shutdown_both, ignored);
    open_.erase(&conn);
    connections_ = open_.size();
    room_.cancel();  // the accept loop may be waiting for a place
  }

  // After a heavy answer glibc keeps the freed pages in its arenas (a three-year summary left the
  // process 270 MB larger, see bench/README.md); malloc_trim hands them back: after every large
  // answer, otherwise at most once a second; on a worker, as it walks every arena.
  void give_back_memory(bool large) {
#ifdef __GLIBC__
    auto now = std::chrono::steady_clock::now();
    if (!large && now - last_trim_ < std::chrono::seconds(1)) return;
    last_trim_ = now;
    asio::post(pool_, [] { malloc_trim(0); });
#endif
  }

  ServerOptions opt_;
  Api& api_;
  const std::size_t cap_;  // connections at once
  asio::io_context ioc_{1};
  tcp::acceptor acceptor_;
  std::uint16_t port_ = 0;
  // io thread only: every open connection, and those waiting for a request head, longest first
  std::set<Connection*> open_;
  std::list<Connection*> waiting_;
  asio::steady_timer room_;  // wakes the accept loop when a connection ends
  std::atomic<std::size_t> connections_{0};
  std::atomic<std::uint64_t> accepted_{0}, accept_errors_{0}, evicted_{0}, busy_{0};
  std::atomic<std::size_t> heavy_in_flight_{0};        // changed on the io thread; read by stats()
  std::chrono::steady_clock::time_point last_trim_{};  // io thread only
  asio::thread_pool pool_;                             // after ioc_: joined before the io_context goes
  std::thread thread_;
};

}  // namespace

std::unique_ptr<Server> start_server(const ServerOptions& opt, Api& api) {
  return std::make_unique<BeastServer>(opt, api);
}

}  // namespace brigade::web
