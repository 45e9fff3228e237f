// The web API served by Beast over loopback: keep-alive, limits, HEAD, /healthz while a heavy route
// runs, 503 when the workers are busy, the CSV streamed in chunks, and the health probe.
#include "tests/integration/web_test.hpp"

#include <condition_variable>
#include <future>
#include <mutex>

#include <boost/asio.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>

#include "testkit/net/http_client.hpp"
#include "web/server.hpp"

namespace brigade::web {
namespace {

using nlohmann::json;

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;

TEST_F(WebApiTest, ServerKeepsConnectionsAliveAndEnforcesLimits) {
  auto a = api("tok");
  ServerOptions so;
  so.addr = "127.0.0.1:0";
  auto server = start_server(so, a);
  ASSERT_NE(server->port(), 0);
  asio::io_context ioc;
  asio::ip::tcp::socket sock(ioc);
  sock.connect({asio::ip::make_address("127.0.0.1"), server->port()});
  beast::flat_buffer buf;
  for (int i = 0; i < 3; ++i) {  // one connection, several requests
    http::request<http::empty_body> req{http::verb::get, "/api/v1/leaderboard?period=week", 11};
    req.set(http::field::host, "127.0.0.1");
    req.set(http::field::authorization, "Bearer tok");
    http::write(sock, req);
    http::response<http::string_body> res;
    http::read(sock, buf, res);
    EXPECT_EQ(res.result_int(), 200);
    EXPECT_TRUE(res.keep_alive());
    EXPECT_EQ(json::parse(res.body())["entries"][0]["user"], "console:alice");
  }
  {  // the same connection without the token
    http::request<http::empty_body> req{http::verb::get, "/api/v1/summary.csv", 11};
    req.set(http::field::host, "127.0.0.1");
    http::write(sock, req);
    http::response<http::string_body> res;
    http::read(sock, buf, res);
    EXPECT_EQ(res.result_int(), 401);
    EXPECT_EQ(res[http::field::www_authenticate], "Bearer");
    EXPECT_EQ(res.body().find("alice"), std::string::npos);
  }
  {
    http::request<http::empty_body> head{http::verb::head, "/healthz", 11};
    head.set(http::field::host, "127.0.0.1");
    http::write(sock, head);
    http::response_parser<http::empty_body> p;
    p.skip(true);
    http::read(sock, buf, p);
    EXPECT_EQ(p.get().result_int(), 200);
  }
  {
    http::request<http::string_body> big{http::verb::post, "/api/v1/summary", 11};
    big.set(http::field::host, "127.0.0.1");
    big.body() = std::string(64 * 1024, 'x');
    big.prepare_payload();
    beast::error_code ec;
    http::write(sock, big, ec);
    http::response<http::string_body> res;
    http::read(sock, buf, res, ec);
    EXPECT_EQ(res.result_int(), 413);
  }
  server->stop();
}

TEST_F(WebApiTest, ProbeHealthzReadsARunningServer) {
  auto a = api("tok");
  ServerOptions so;
  so.addr = "127.0.0.1:0";
  auto server = start_server(so, a);
  auto [status, body] =
      probe_healthz("127.0.0.1:" + std::to_string(server->port()), std::chrono::seconds(10));
  EXPECT_EQ(status, 200);
  EXPECT_EQ(body, "ok\n");
  server->stop();
}

// An Api whose summary waits at a gate: a heavy request still running while others arrive.
class GatedApi : public Api {
 public:
  using Api::Api;
  ~GatedApi() override { open(); }
  Response handle(const Request& r) override {
    if (r.target.rfind("/api/v1/summary", 0) == 0) {
      std::unique_lock lk(mu_);
      ++entered_;
      cv_.notify_all();
      cv_.wait_for(lk, std::chrono::seconds(60), [&] { return open_; });
    }
    return Api::handle(r);
  }
  bool wait_entered(int n) {
    std::unique_lock lk(mu_);
    return cv_.wait_for(lk, std::chrono::seconds(10), [&] { return entered_ >= n; });
  }
  void open() {
    std::lock_guard lk(mu_);
    open_ = true;
    cv_.notify_all();
  }

 private:
  std::mutex mu_;
  std::condition_variable cv_;
  int entered_ = 0;
  bool open_ = false;
};

TEST_F(WebApiTest, HealthzAnswersWhileAHeavyRouteRuns) {
  GatedApi a(ApiContext{*store_, clock_, metrics_, "", {}, {}});
  ServerOptions so;
  so.addr = "127.0.0.1:0";
  auto server = start_server(so, a);
  const auto port = server->port();
  std::atomic<int> finished{0};
  int heavy_finished = 0;
  auto heavy = std::async(std::launch::async, [&] {
    auto r = testing::http_get(port, "/api/v1/summary?since=2026-11-01", std::chrono::seconds(60));
    heavy_finished = ++finished;
    return r;
  });
  ASSERT_TRUE(a.wait_entered(1)) << "the summary never reached the API";
  auto health = testing::http_get(port, "/healthz", std::chrono::seconds(10));
  const int health_finished = ++finished;
  auto metrics = testing::http_get(port, "/metrics", std::chrono::seconds(10));
  a.open();
  auto summary = heavy.get();
  EXPECT_EQ(health.status, 200) << health.error;
  EXPECT_EQ(metrics.status, 200) << metrics.error;
  EXPECT_EQ(summary.status, 200) << summary.error;
  EXPECT_LT(health_finished, heavy_finished) << "/healthz waited for the summary";
  server->stop();
}

TEST_F(WebApiTest, BusyWorkersAnswer503WithRetryAfter) {
  GatedApi a(ApiContext{*store_, clock_, metrics_, "", {}, {}});
  ServerOptions so;
  so.addr = "127.0.0.1:0";
  so.workers = 1;
  so.max_queued = 2;  // one running, one waiting
  auto server = start_server(so, a);
  const auto port = server->port();
  auto one = std::async(std::launch::async, [&] {
    return testing::http_get(port, "/api/v1/summary?since=2026-11-01", std::chrono::seconds(60));
  });
  ASSERT_TRUE(a.wait_entered(1));
  auto two = std::async(std::launch::async, [&] {
    return testing::http_get(port, "/api/v1/summary?since=2026-11-02", std::chrono::seconds(60));
  });
  auto until = std::chrono::steady_clock::now() + std::chrono::seconds(10);
  while (server->stats().heavy_in_flight < 2 && std::chrono::steady_clock::now() < until)
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  ASSERT_EQ(server->stats().heavy_in_flight, 2u);
  auto three = testing::http_get(port, "/api/v1/summary?since=2026-11-03", std::chrono::seconds(10));
  auto page = testing::http_get(port, "/", std::chrono::seconds(10));
  auto health = testing::http_get(port, "/healthz", std::chrono::seconds(10));
  a.open();
  EXPECT_EQ(three.status, 503) << three.error;
  EXPECT_EQ(three.headers["Retry-After"], "1");
  EXPECT_NE(three.body.find("\"error\""), std::string::npos) << three.body;
  EXPECT_EQ(page.status, 503) << "the dashboard shares the workers";
  EXPECT_EQ(health.status, 200) << health.error;
  EXPECT_EQ(one.get().status, 200);
  EXPECT_EQ(two.get().status, 200);
  EXPECT_EQ(testing::http_get(port, "/api/v1/summary?since=2026-11-03").status, 200) << "free again";
  server->stop();
}

TEST_F(WebApiTest, SummaryCsvIsStreamedInChunks) {
  {
    bot::Committer c(*store_, rules_, clock_, metrics_);
    for (int i = 0; i < 3000; ++i)
      c.submit(
          thanks("csv" + std::to_string(i), "giver" + std::to_string(i % 50),
                 "person" + std::to_string(i % 2000), "for a long enough reason, item " + std::to_string(i)),
          [](const commands::Result&) {});
  }
  auto a = api();
  ServerOptions so;
  so.addr = "127.0.0.1:0";
  auto server = start_server(so, a);
  auto csv = testing::http_get(server->port(), "/api/v1/summary.csv?since=2026-11-01&until=2026-11-30");
  ASSERT_EQ(csv.status, 200) << csv.error;
  EXPECT_TRUE(csv.chunked) << "sent in pieces, not built whole";
  EXPECT_EQ(csv.headers["Content-Type"], "text/csv; charset=utf-8");
  EXPECT_EQ(csv.body.rfind("user,name,received,given,", 0), 0u);
  // 2,000 recipients, 50 givers, the fixture's four people, the header
  EXPECT_EQ(std::count(csv.body.begin(), csv.body.end(), '\n'), 2000 + 50 + 4 + 1);
  EXPECT_EQ(csv.body, get(a, "/api/v1/summary.csv?since=2026-11-01&until=2026-11-30").body)
      << "the same bytes as the route gives directly";
  auto old =
      testing::http_raw(server->port(),
                        "GET /api/v1/summary.csv?since=2026-11-01&until=2026-11-30 HTTP/1.0\r\n\r\n", 1)
          .front();
  EXPECT_EQ(old.status, 200) << old.error;
  EXPECT_FALSE(old.chunked) << "HTTP/1.0 has no chunked encoding";
  EXPECT_EQ(old.body, csv.body);
  server->stop();
}

// A listener that completes the TCP handshake (the kernel does, from the backlog) but never answers:
// the probe gives up within its timeout and says why, instead of hanging the Docker HEALTHCHECK.
TEST(ProbeHealthz, GivesUpOnAServerThatNeverAnswers) {
  asio::io_context ioc;
  asio::ip::tcp::acceptor silent(ioc, {asio::ip::make_address("127.0.0.1"), 0});
  const auto port = silent.local_endpoint().port();
  auto probe = std::async(std::launch::async, [port] {
    return probe_healthz("127.0.0.1:" + std::to_string(port), std::chrono::milliseconds(1000));
  });
  // Generous: the point is that it returns at all. Closing the listener resets the queued
  // connection, so a probe that ignores its deadline still comes back and the test ends.
  bool returned = probe.wait_for(std::chrono::seconds(30)) == std::future_status::ready;
  silent.close();
  auto [status, message] = probe.get();
  EXPECT_TRUE(returned) << "probe_healthz ignored its 1 s timeout";
  EXPECT_EQ(status, 0);
  EXPECT_NE(message.find("no answer"), std::string::npos) << message;
  EXPECT_NE(message.find("1000 ms"), std::string::npos) << message;
}

TEST(ProbeHealthz, SaysWhenNothingListens) {
  asio::io_context ioc;
  std::uint16_t port = 0;
  {
    asio::ip::tcp::acceptor a(ioc, {asio::ip::make_address("127.0.0.1"), 0});
    port = a.local_endpoint().port();
  }  // closed: connecting is refused
  auto [status, message] =
      probe_healthz("127.0.0.1:" + std::to_string(port), std::chrono::milliseconds(1000));
  EXPECT_EQ(status, 0);
  EXPECT_NE(message.find("nothing answers on 127.0.0.1:" + std::to_string(port)), std::string::npos)
      << message;
}

}  // namespace
}  // namespace brigade::web
