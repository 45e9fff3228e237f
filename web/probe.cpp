// GET /healthz from a running bot, for `brigade health --http` (declared in server.hpp).
#include <tuple>

#include "config/config.hpp"
#include "web/http_io.hpp"
#include "web/server.hpp"

namespace brigade::web {

using asio::ip::tcp;

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
