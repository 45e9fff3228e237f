// The keep-alive load client (web_load.hpp).
#include "bench/web_load.hpp"

#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <fstream>
#include <sstream>
#include <vector>

#include <boost/asio.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>

namespace brigade::bench {

namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using Clock = std::chrono::steady_clock;

struct Shared {
  std::uint16_t port;
  std::string target;
  Clock::time_point until;
  const std::atomic<bool>* stop;
  std::vector<double> latencies_ms;
  LoadResult out;
  bool going() const { return Clock::now() < until && (stop == nullptr || !stop->load()); }
};

// One client: connect, then request after request on the same connection until the time is up;
// a lost connection counts as a failure and is made anew.
asio::awaitable<void> client(Shared& sh) {
  auto ex = co_await asio::this_coro::executor;
  const asio::ip::tcp::endpoint server(asio::ip::make_address("127.0.0.1"), sh.port);
  http::request<http::empty_body> req{http::verb::get, sh.target, 11};
  req.set(http::field::host, "127.0.0.1");
  req.keep_alive(true);
  while (sh.going()) {
    beast::tcp_stream stream(ex);
    beast::error_code ec;
    co_await stream.async_connect(server, asio::redirect_error(asio::use_awaitable, ec));
    beast::flat_buffer buf;
    while (!ec && sh.going()) {
      const auto t0 = Clock::now();
      stream.expires_after(std::chrono::seconds(30));
      co_await http::async_write(stream, req, asio::redirect_error(asio::use_awaitable, ec));
      if (ec) break;
      http::response_parser<http::string_body> p;
      p.body_limit(boost::none);
      co_await http::async_read(stream, buf, p, asio::redirect_error(asio::use_awaitable, ec));
      if (ec) break;
      const int status = p.get().result_int();
      if (status == 503) {
        ++sh.out.shed;
      } else if (status != 200) {
        ++sh.out.failures;
      } else {
        ++sh.out.answers;
        sh.out.bytes += p.get().body().size();
        sh.latencies_ms.push_back(std::chrono::duration<double, std::milli>(Clock::now() - t0).count());
      }
      if (!p.get().keep_alive()) break;
    }
    if (ec && sh.going()) ++sh.out.failures;
  }
}

double percentile(std::vector<double>& v, double q) {
  if (v.empty()) return 0;
  auto at = v.begin() + static_cast<std::ptrdiff_t>(q * static_cast<double>(v.size() - 1));
  std::nth_element(v.begin(), at, v.end());
  return *at;
}

}  // namespace

LoadResult keepalive_load(std::uint16_t port, const std::string& target, std::size_t clients, double seconds,
                          const std::atomic<bool>* stop) {
  asio::io_context ioc;
  Shared sh{port, target, {}, stop, {}, {}};
  const auto start = Clock::now();
  sh.until = start + std::chrono::duration_cast<Clock::duration>(std::chrono::duration<double>(seconds));
  for (std::size_t i = 0; i < clients; ++i) asio::co_spawn(ioc, client(sh), asio::detached);
  ioc.run();
  sh.out.seconds = std::chrono::duration<double>(Clock::now() - start).count();
  sh.out.p50_ms = percentile(sh.latencies_ms, 0.50);
  sh.out.p99_ms = percentile(sh.latencies_ms, 0.99);
  sh.out.max_ms = sh.latencies_ms.empty() ? 0 : *std::max_element(sh.latencies_ms.begin(), sh.latencies_ms.end());
  return sh.out;
}

double cpu_seconds(int pid) {
  std::ifstream in("/proc/" + std::to_string(pid) + "/stat");
  std::string all((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  auto close = all.rfind(')');  // the command name may hold spaces
  if (close == std::string::npos) return 0;
  std::istringstream rest(all.substr(close + 2));
  std::string field;
  unsigned long long utime = 0, stime = 0;
  for (int i = 3; i <= 15 && rest >> field; ++i) {
    if (i == 14) utime = std::stoull(field);
    if (i == 15) stime = std::stoull(field);
  }
  return static_cast<double>(utime + stime) / static_cast<double>(sysconf(_SC_CLK_TCK));
}

}  // namespace brigade::bench
