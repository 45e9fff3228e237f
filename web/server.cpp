// The HTTP/1.1 server: one io_context thread, keep-alive, size limits and timeouts; routes in api.cpp.
#include "web/server.hpp"

#include <spdlog/spdlog.h>

#include <set>
#include <stdexcept>
#include <thread>

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
  BeastServer(const ServerOptions& opt, Api& api) : opt_(opt), api_(api), acceptor_(ioc_) {
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

  void stop() override {
    if (!thread_.joinable()) return;
    asio::post(ioc_, [this] {
      beast::error_code ec;
      acceptor_.close(ec);
      for (auto* s : open_) s->socket().close(ec);
    });
    asio::post(ioc_, [this] { ioc_.stop(); });
    thread_.join();
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
          co_await write(stream, too_big, 11, false);
        }
        break;
      }
      auto& req = parser.get();
      Request r;
      r.method = std::string(req.method_string());
      r.target = std::string(req.target());
      r.authorization = std::string(req[http::field::authorization]);
      r.accept = std::string(req[http::field::accept]);
      Response res = api_.handle(r);
      if (req.method() == http::verb::head) res.body.clear();
      bool keep = req.keep_alive();
      if (!co_await write(stream, res, req.version(), keep) || !keep) break;
    }
    beast::error_code ignored;
    stream.socket().shutdown(tcp::socket::shutdown_both, ignored);
    open_.erase(&stream);
  }

  asio::awaitable<bool> write(beast::tcp_stream& stream, const Response& res, unsigned version, bool keep) {
    http::response<http::string_body> out{static_cast<http::status>(res.status), version};
    out.set(http::field::server, "brigade");
    out.set(http::field::content_type, res.content_type);
    out.set(http::field::cache_control, "no-store");
    out.set("X-Content-Type-Options", "nosniff");
    for (const auto& [k, v] : res.headers) out.set(k, v);
    out.keep_alive(keep);
    out.body() = res.body;
    out.prepare_payload();
    stream.expires_after(opt_.timeout);
    auto [ec, n] = co_await http::async_write(stream, out, kTuple);
    co_return !ec;
  }

  ServerOptions opt_;
  Api& api_;
  asio::io_context ioc_{1};
  tcp::acceptor acceptor_;
  std::uint16_t port_ = 0;
  std::set<beast::tcp_stream*> open_;  // io thread only
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
