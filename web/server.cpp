// The HTTP/1.1 server: one io_context thread for connections, /healthz and /metrics, a small worker
// pool for the dashboard and the API; keep-alive, size limits and timeouts; routes in api.cpp.
#include "web/server.hpp"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <atomic>
#include <set>
#include <stdexcept>
#include <thread>
#include <tuple>

#ifdef __GLIBC__
#include <malloc.h>
#endif

#include <boost/asio.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>

#include "config/config.hpp"

namespace brigade::web {

namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using asio::ip::tcp;
constexpr auto kTuple = asio::as_tuple(asio::use_awaitable);

class BeastServer final : public Server {
 public:
  BeastServer(const ServerOptions& opt, Api& api)
      : opt_(opt), api_(api), acceptor_(ioc_), pool_(std::max(1u, opt.workers)) {
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
    thread_ = std::thread([this] { ioc_.run(); });
  }
  ~BeastServer() override { stop(); }

  std::uint16_t port() const override { return port_; }

  ServerStats stats() const override {
    ServerStats s;
    s.heavy_in_flight = heavy_in_flight_;
    return s;
  }

  void stop() override {
    if (!thread_.joinable()) return;
    asio::post(ioc_, [this] {
      beast::error_code ec;
      acceptor_.close(ec);
      for (auto* s : open_) s->socket().close(ec);
    });
    asio::post(ioc_, [this] { ioc_.stop(); });
    thread_.join();
    pool_.join();  // a route still running finishes; its answer goes nowhere
  }

 private:
  asio::awaitable<void> accept_loop() {
    for (;;) {
      auto [ec, sock] = co_await acceptor_.async_accept(kTuple);
      if (ec) {
        if (ec == asio::error::operation_aborted || !acceptor_.is_open()) co_return;
        continue;  // EMFILE and friends: keep serving the connections we have
      }
      asio::co_spawn(ioc_, session(beast::tcp_stream(std::move(sock))), asio::detached);
    }
  }

  // The dashboard and the API on a worker thread, at most max_queued at once (running or waiting);
  // beyond that a 503 at once, so a burst of heavy requests queues neither here nor in memory.
  asio::awaitable<Response> answer(const Request& r) {
    if (!is_heavy(r)) co_return api_.handle(r);
    if (heavy_in_flight_ >= opt_.max_queued) {
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
        pool_, [this, &r]() -> asio::awaitable<Response> { co_return api_.handle(r); }, asio::use_awaitable);
  }

  asio::awaitable<void> session(beast::tcp_stream stream) {
    open_.insert(&stream);
    beast::flat_buffer buf(opt_.max_header + opt_.max_body);
    for (;;) {
      http::request_parser<http::string_body> parser;
      parser.header_limit(static_cast<std::uint32_t>(opt_.max_header));
      parser.body_limit(opt_.max_body);
      stream.expires_after(opt_.timeout);
      auto [ec, n] = co_await http::async_read(stream, buf, parser, kTuple);
      if (ec) {
        if (ec == http::error::header_limit || ec == http::error::body_limit) {
          Response too_big = error(ec == http::error::header_limit ? 431 : 413, "request too large");
          co_await write(stream, too_big, 11, false, false);
        }
        break;
      }
      auto& req = parser.get();
      Request r;
      r.method = std::string(req.method_string());
      r.target = std::string(req.target());
      r.authorization = std::string(req[http::field::authorization]);
      r.accept = std::string(req[http::field::accept]);
      Response res = co_await answer(r);
      bool keep = req.keep_alive();
      const bool large = res.stream || res.body.size() >= (1 << 20);
      bool written = co_await write(stream, res, req.version(), keep, req.method() == http::verb::head);
      if (is_heavy(r)) give_back_memory(large);
      if (!written || !keep) break;
    }
    beast::error_code ignored;
    stream.socket().shutdown(tcp::socket::shutdown_both, ignored);
    open_.erase(&stream);
  }

  template <class Message>
  void set_headers(Message& out, const Response& res, bool keep) {
    out.set(http::field::server, "brigade");
    out.set(http::field::content_type, res.content_type);
    out.set(http::field::cache_control, "no-store");
    out.set("X-Content-Type-Options", "nosniff");
    for (const auto& [k, v] : res.headers) out.set(k, v);
    out.keep_alive(keep);
  }

  // A HEAD answer has the GET answer's headers and no body. A streamed answer goes out in chunks
  // as it is made (HTTP/1.0 has no chunks: it gets the whole body).
  asio::awaitable<bool> write(beast::tcp_stream& stream, Response& res, unsigned version, bool keep,
                              bool head) {
    beast::error_code ec;
    if (res.stream && !head && version >= 11) {
      http::response<http::empty_body> out{static_cast<http::status>(res.status), version};
      set_headers(out, res, keep);
      out.chunked(true);
      http::response_serializer<http::empty_body> sr{out};
      stream.expires_after(opt_.timeout);
      std::tie(ec, std::ignore) = co_await http::async_write_header(stream, sr, kTuple);
      std::string piece = std::move(res.body);
      for (bool more = true; !ec && (more || !piece.empty());) {
        if (more) more = res.stream(piece);
        if (piece.empty()) continue;
        stream.expires_after(opt_.timeout);
        std::tie(ec, std::ignore) =
            co_await asio::async_write(stream, http::make_chunk(asio::buffer(piece)), kTuple);
        piece.clear();
      }
      if (!ec)
        std::tie(ec, std::ignore) = co_await asio::async_write(stream, http::make_chunk_last(), kTuple);
    } else {
      http::response<http::string_body> out{static_cast<http::status>(res.status), version};
      set_headers(out, res, keep);
      if (head && res.stream) {  // the length is unknown without making the body: say chunked, send none
        out.chunked(true);
      } else {
        out.body() = res.full_body();
        out.prepare_payload();
      }
      http::response_serializer<http::string_body> sr{out};
      stream.expires_after(opt_.timeout);
      if (head)
        std::tie(ec, std::ignore) = co_await http::async_write_header(stream, sr, kTuple);
      else
        std::tie(ec, std::ignore) = co_await http::async_write(stream, sr, kTuple);
    }
    res = Response{};
    co_return !ec;
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
  asio::io_context ioc_{1};
  tcp::acceptor acceptor_;
  std::uint16_t port_ = 0;
  std::set<beast::tcp_stream*> open_;                  // io thread only
  std::atomic<std::size_t> heavy_in_flight_{0};        // changed on the io thread; read by stats()
  std::chrono::steady_clock::time_point last_trim_{};  // io thread only
  asio::thread_pool pool_;                             // after ioc_: joined before the io_context goes
  std::thread thread_;
};

}  // namespace

std::unique_ptr<Server> start_server(const ServerOptions& opt, Api& api) {
  return std::make_unique<BeastServer>(opt, api);
}

std::pair<int, std::string> probe_healthz(const std::string& addr, std::chrono::milliseconds timeout) {
  auto hp = config::parse_host_port(addr);
  if (!hp) return {0, "'" + addr + "' is not host:port"};
  std::string host = hp->host;
  if (host == "0.0.0.0" || host.empty()) host = "127.0.0.1";
  if (host == "::") host = "::1";
  // Every step is asynchronous on this io_context, and run_for bounds them all: Beast's
  // expires_after only times out async operations, so blocking calls could hang forever on a
  // server that accepts and never answers.
  const std::string within = " within " + std::to_string(timeout.count()) + " ms";
  std::pair<int, std::string> result{0, "no answer from " + addr + within};
  const char* step = "resolving";
  bool done = false;
  asio::io_context ioc;  // after what the coroutine writes: its frame goes first if it never finished
  auto probe = [&]() -> asio::awaitable<void> {
    tcp::resolver resolver(ioc);
    auto [rec, results] = co_await resolver.async_resolve(host, std::to_string(hp->port), kTuple);
    if (rec) {
      result = {0, "cannot resolve " + host + ": " + rec.message()};
      done = true;
      co_return;
    }
    beast::tcp_stream stream(ioc);
    step = "connecting";
    auto [cec, ep] = co_await stream.async_connect(results, kTuple);
    if (cec) {
      result = {0, "nothing answers on " + addr + ": " + cec.message()};
      done = true;
      co_return;
    }
    http::request<http::empty_body> req{http::verb::get, "/healthz", 11};
    req.set(http::field::host, host);
    req.keep_alive(false);
    step = "sending the request";
    auto [wec, wn] = co_await http::async_write(stream, req, kTuple);
    beast::flat_buffer buf;
    http::response_parser<http::string_body> parser;
    parser.body_limit(64 * 1024);
    step = "waiting for the answer";
    beast::error_code ec = wec;
    if (!ec) std::tie(ec, std::ignore) = co_await http::async_read(stream, buf, parser, kTuple);
    result = ec ? std::pair<int, std::string>{0, addr + ": " + ec.message()}
                : std::pair<int, std::string>{parser.get().result_int(), parser.get().body()};
    done = true;
  };
  asio::co_spawn(ioc, probe(), asio::detached);
  ioc.run_for(timeout);
  if (!done) result = {0, "no answer from " + addr + within + " (" + step + ")"};
  return result;
}

}  // namespace brigade::web
