// Hostile HTTP clients against the web server over loopback: headers sent a byte at a time or never
// finished, a thousand connections at once, a full connection cap, oversized heads and bodies, path
// traversal, bad query encodings, odd methods, HTTP/1.0 without Host, pipelining (no file
// descriptors left: web_fd_limit_test.cpp). After each test the server still answers /healthz on a fresh
// connection within a deadline and the process's memory stays within a generous bound.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include <fcntl.h>
#include <poll.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <cstdlib>
#include <fstream>
#include <iostream>
#include <string>
#include <thread>
#include <vector>

#include <boost/asio.hpp>

#include "testkit/net/awaitable.hpp"
#include "tests/integration/web_hostile_test.hpp"
#include "testkit/net/http_client.hpp"
#include "web/api.hpp"
#include "web/server.hpp"

namespace brigade::web {
namespace {

namespace asio = boost::asio;
using nlohmann::json;
using namespace std::chrono_literals;
using testing::http_get;
using testing::http_raw;
using testing::kTuple;
using testing::request_text;

long rss_kb() {
  std::ifstream in("/proc/self/status");
  std::string line;
  while (std::getline(in, line))
    if (line.rfind("VmRSS:", 0) == 0) return std::stol(line.substr(6));
  return -1;
}

// Whether the peer closed `s` (EOF or reset) within `ms`.
bool closed_within(asio::ip::tcp::socket& s, int ms) {
  pollfd p{s.native_handle(), POLLIN, 0};
  if (::poll(&p, 1, ms) <= 0) return false;
  char c;
  auto r = ::recv(s.native_handle(), &c, 1, MSG_PEEK | MSG_DONTWAIT);
  return r == 0 || (r < 0 && errno != EAGAIN && errno != EWOULDBLOCK);
}

class HostileTest : public ::testing::Test, protected testing::EngineHarness<core::ManualClock> {
 protected:
  HostileTest() : EngineHarness("brigade-hostile", core::ManualClock(kHostileNow)) {
    apply_all(seed_events());
    api_ = std::make_unique<Api>(ApiContext{*store_, clock_, metrics_, "", {}, {}});
    rss_before_ = rss_kb();
  }
  void SetUp() override { start({}); }
  void TearDown() override {
    ExpectHealthy("at the end");
    server_->stop();
  }

  void start(ServerOptions so) {
    if (server_) server_->stop();
    so.addr = "127.0.0.1:0";
    server_ = start_server(so, *api_);
    port_ = server_->port();
  }

  // /healthz from a fresh connection, and memory within +100 MB of the test's start.
  void ExpectHealthy(const std::string& when) {
    auto h = http_get(port_, "/healthz", 10s);
    EXPECT_EQ(h.status, 200) << when << ": " << h.error;
    EXPECT_EQ(h.body, "ok\n") << when;
    EXPECT_LT(rss_kb() - rss_before_, 100 * 1024) << when << ": memory grew by more than 100 MB";
  }

  std::unique_ptr<Api> api_;
  std::unique_ptr<Server> server_;
  std::uint16_t port_ = 0;
  long rss_before_ = 0;
};

// Clients that send a request head a byte at a time, or start one and stall, never finishing:
// each is cut at the head timeout (or evicted at the cap) while /healthz keeps answering.
TEST_F(HostileTest, SlowlorisClientsAreCutAndHealthzStillAnswers) {
  ServerOptions so;
  so.head_timeout = 1s;  // the whole-request timeout stays 30 s: only the head timeout can cut them
  so.max_connections = 64;
  start(so);
  constexpr int kClients = 200;
  asio::io_context ioc;
  std::atomic<int> cut{0}, connected{0};
  const auto attack_ends = std::chrono::steady_clock::now() + 6s;
  for (int i = 0; i < kClients; ++i) {
    asio::co_spawn(
        ioc,
        [&, i]() -> asio::awaitable<void> {
          asio::ip::tcp::socket s(ioc);
          auto [cec] = co_await s.async_connect({asio::ip::make_address("127.0.0.1"), port_}, kTuple);
          if (cec) co_return;
          ++connected;
          const std::string head =
              "GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Slow: " + std::string(400, 'a');
          asio::steady_timer t(ioc);
          // 16 bytes at once, then one byte every 50 ms (even clients) or nothing more (odd ones).
          const bool trickle = i % 2 == 0;
          std::size_t sent = 0;
          for (;;) {
            if (std::chrono::steady_clock::now() >= attack_ends) co_return;  // never cut: not counted
            const std::size_t n = sent == 0 ? 16 : trickle ? 1 : 0;
            if (n > 0 && sent + n <= head.size()) {
              auto [wec, wn] = co_await asio::async_write(s, asio::buffer(head.data() + sent, n), kTuple);
              if (wec) break;
              sent += n;
            }
            // A closed connection shows up as a readable socket with EOF (or a reset).
            if (s.available() == 0) {
              int fd = s.native_handle();
              char c;
              auto r = ::recv(fd, &c, 1, MSG_DONTWAIT | MSG_PEEK);
              if (r == 0 || (r < 0 && errno != EAGAIN && errno != EWOULDBLOCK)) break;
            }
            t.expires_after(50ms);
            co_await t.async_wait(kTuple);
          }
          ++cut;
        },
        asio::detached);
  }
  std::thread attacker([&] { ioc.run_for(20s); });
  std::this_thread::sleep_for(1500ms);  // the attack is under way (a window, not a synchronisation)
  for (int i = 0; i < 3; ++i) ExpectHealthy("during the attack");
  attacker.join();
  EXPECT_EQ(connected.load(), kClients);
  EXPECT_EQ(cut.load(), kClients) << "every slow client is cut long before the 30 s request timeout";
  EXPECT_GT(server_->stats().evicted, 0u) << "200 clients on 64 places: some were evicted";
}

// A connection that finished one request and then idles is closed at the head timeout too.
TEST_F(HostileTest, IdleKeepAliveConnectionsAreClosedAtTheHeadTimeout) {
  ServerOptions so;
  so.head_timeout = 500ms;
  start(so);
  auto answers = http_raw(port_, request_text("GET", "/healthz", {}, false), 2, 20s);
  EXPECT_EQ(answers[0].status, 200);
  EXPECT_TRUE(answers[0].keep_alive);
  EXPECT_EQ(answers[1].status, 0);
  EXPECT_NE(answers[1].error.find("end of stream"), std::string::npos)
      << "closed by the server, not by the 20 s deadline: " << answers[1].error;
}

// A thousand clients connect at once and each asks /healthz: every one is answered, through the
// connection cap (the idle ones make room).
TEST_F(HostileTest, AThousandConcurrentConnections) {
  rlimit lim{};
  getrlimit(RLIMIT_NOFILE, &lim);
  lim.rlim_cur = lim.rlim_max;  // this process holds both ends of every connection
  setrlimit(RLIMIT_NOFILE, &lim);
  int clients = 1000;
  if (lim.rlim_cur < 2 * 1000 + 200) {
    clients = static_cast<int>((lim.rlim_cur - 200) / 2);
    std::cerr << "[ note ] RLIMIT_NOFILE hard limit " << lim.rlim_cur << ": " << clients << " clients\n";
  }
  asio::io_context ioc;
  std::atomic<int> ok{0}, open{0};
  std::vector<std::string> errors;
  asio::steady_timer all_open(ioc, std::chrono::steady_clock::time_point::max());
  for (int i = 0; i < clients; ++i)
    asio::co_spawn(
        ioc,
        [&]() -> asio::awaitable<void> {
          boost::beast::tcp_stream s(ioc);
          auto [cec] = co_await s.async_connect({asio::ip::make_address("127.0.0.1"), port_}, kTuple);
          if (cec) {
            errors.push_back("connect: " + cec.message());
            co_return;
          }
          if (++open == clients)
            all_open.cancel();  // the last one in wakes the others
          else
            co_await all_open.async_wait(kTuple);  // everyone is connected before anyone asks
          auto req = request_text("GET", "/healthz", {}, false);
          auto [wec, wn] = co_await asio::async_write(s, asio::buffer(req), kTuple);
          boost::beast::flat_buffer buf;
          boost::beast::http::response<boost::beast::http::string_body> res;
          auto [rec, rn] = co_await boost::beast::http::async_read(s, buf, res, kTuple);
          if (wec || rec)
            errors.push_back((wec ? wec : rec).message());
          else if (res.result_int() == 200)
            ++ok;
        },
        asio::detached);
  ioc.run_for(90s);
  EXPECT_EQ(ok.load(), clients) << (errors.empty() ? "" : errors.front()) << " (" << errors.size()
                                << " errors)";
  EXPECT_LE(server_->stats().connections, 512u);
}

TEST_F(HostileTest, OversizedHeadsAndBodiesAreRefused) {
  auto big_head = http_raw(port_, request_text("GET", "/healthz", {{"X-Big", std::string(20000, 'h')}}), 1);
  EXPECT_EQ(big_head[0].status, 431) << big_head[0].error;
  auto long_target =
      http_raw(port_, request_text("GET", "/api/v1/leaderboard?x=" + std::string(20000, 'x')), 1);
  EXPECT_EQ(long_target[0].status, 431) << long_target[0].error;
  auto big_body = http_raw(
      port_,
      "POST /api/v1/summary HTTP/1.1\r\nHost: x\r\nContent-Length: 100000\r\n\r\n" + std::string(100000, 'b'),
      1);
  EXPECT_EQ(big_body[0].status, 413) << big_body[0].error;
  // Declared but never sent: refused from the header alone, without waiting for the body.
  auto declared =
      http_raw(port_, "POST /healthz HTTP/1.1\r\nHost: x\r\nContent-Length: 999999999\r\n\r\n", 1);
  EXPECT_EQ(declared[0].status, 413) << declared[0].error;
  std::string chunks = "POST /healthz HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n";
  for (int i = 0; i < 40; ++i) chunks += "400\r\n" + std::string(1024, 'c') + "\r\n";
  auto chunked = http_raw(port_, chunks + "0\r\n\r\n", 1);
  EXPECT_EQ(chunked[0].status, 413) << chunked[0].error;
  for (const auto& a : {big_head[0], big_body[0], declared[0], chunked[0]})
    EXPECT_TRUE(json::parse(a.body).contains("error")) << a.body;
}

TEST_F(HostileTest, PathTraversalFindsNoFile) {
  for (const char* target :
       {"/../../etc/passwd", "/%2e%2e/%2e%2e/etc/passwd", "/..%2f..%2fetc%2fpasswd",
        "/api/v1/../../../etc/passwd", "//etc/passwd", "/api/v1/summary/../../../../etc/passwd",
        "/.%2e/.%2e/etc/passwd", "/%2fetc%2fpasswd", "/healthz/../../etc/passwd",
        "/static/..%5c..%5cetc%5cpasswd"}) {
    auto a = http_get(port_, target);
    EXPECT_EQ(a.status, 404) << target << " " << a.error;
    EXPECT_EQ(a.body.find("root:"), std::string::npos) << target;
    EXPECT_EQ(a.headers["Content-Type"], "application/json") << target;
  }
}

TEST_F(HostileTest, BadQueryEncodingsGet400WithTheJsonError) {
  for (const char* target :
       {"/api/v1/leaderboard?period=%zz", "/api/v1/leaderboard?period=week%", "/?period=%zz",
        "/api/v1/leaderboard?period=week%00", "/api/v1/leaderboard?channel=a%00b", "/?channel=%C3%28",
        "/api/v1/summary?channel=%ff%fe", "/api/v1/summary?user=a:%80", "/?user=%ED%A0%80",
        "/api/v1/leaderboard?%zz=week", "/?summary_channel=%C0%AF"}) {
    auto a = http_get(port_, target);
    EXPECT_EQ(a.status, 400) << target << " " << a.error;
    auto j = json::parse(a.body, nullptr, false);
    EXPECT_TRUE(j.is_object() && j.contains("error")) << target << " " << a.body;
  }
  // Raw bytes outside ASCII in the target, and a control character: 400, not a silent close.
  for (std::string target :
       {std::string("/api/v1/leaderboard?channel=\xff\xfe"), std::string("/heal\x01thz")}) {
    auto a = http_raw(port_, "GET " + target + " HTTP/1.1\r\nHost: x\r\n\r\n", 1)[0];
    EXPECT_EQ(a.status, 400) << a.error;
    EXPECT_TRUE(json::parse(a.body, nullptr, false).contains("error")) << a.body;
  }
}

TEST_F(HostileTest, OddMethodsGet405AndGarbageGets400) {
  for (const char* method : {"FOO", "OPTIONS", "TRACE", "PROPFIND", "get", "CONNECT", "M-SEARCH", "BREW"}) {
    auto a = http_raw(port_, request_text(method, "/healthz"), 1)[0];
    EXPECT_EQ(a.status, 405) << method << " " << a.error;
    EXPECT_EQ(a.headers["Allow"], "GET, HEAD") << method;
  }
  for (const char* garbage :
       {"CONNECT 127.0.0.1:443 HTTP/1.1\r\nHost: x\r\n\r\n", "OPTIONS * HTTP/1.1\r\nHost: x\r\n\r\n",
        "GET http://elsewhere.example/healthz HTTP/1.1\r\nHost: x\r\n\r\n",
        "\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03\r\n\r\n", "GET /healthz\r\n\r\n",
        "GET  /healthz  HTTP/1.1\r\n\r\n", "GET /healthz HTTP/1.1\r\nBad Header\r\n\r\n"}) {
    auto a = http_raw(port_, garbage, 1)[0];
    EXPECT_EQ(a.status, 400) << garbage << " " << a.error;
  }
  auto future = http_raw(port_, "GET /healthz HTTP/2.0\r\nHost: x\r\n\r\n", 1)[0];
  EXPECT_EQ(future.status, 400) << future.error;
  EXPECT_NE(future.body.find("bad version"), std::string::npos) << future.body;
  auto head = http_raw(port_, request_text("HEAD", "/api/v1/summary.csv"), 1, 10s, true)[0];
  EXPECT_EQ(head.status, 200) << head.error;
  EXPECT_TRUE(head.body.empty());
}

TEST_F(HostileTest, Http10WithoutHostIsAnsweredAndClosed) {
  auto a = http_raw(port_, "GET /healthz HTTP/1.0\r\n\r\n", 2, 10s);
  EXPECT_EQ(a[0].status, 200) << a[0].error;
  EXPECT_EQ(a[0].body, "ok\n");
  EXPECT_FALSE(a[0].keep_alive);
  EXPECT_NE(a[1].error.find("end of stream"), std::string::npos) << "closed after the answer: " << a[1].error;
  auto lb = http_raw(port_, "GET /api/v1/leaderboard?period=week HTTP/1.0\r\n\r\n", 1)[0];
  EXPECT_EQ(lb.status, 200) << lb.error;
  EXPECT_EQ(json::parse(lb.body)["entries"].size(), 7u);
  auto no_host = http_raw(port_, "GET /healthz HTTP/1.1\r\n\r\n", 1)[0];
  EXPECT_EQ(no_host.status, 400) << "HTTP/1.1 requires Host";
  // A bad parameter is an ordinary answer: the connection stays open for the next request.
  auto two = http_raw(port_,
                      request_text("GET", "/api/v1/leaderboard?period=fortnight", {}, false) +
                          request_text("GET", "/healthz"),
                      2);
  EXPECT_EQ(two[0].status, 400);
  EXPECT_TRUE(two[0].keep_alive);
  EXPECT_EQ(two[1].status, 200) << two[1].error;
}

TEST_F(HostileTest, PipelinedRequestsAreAnsweredInOrder) {
  std::string raw = request_text("GET", "/healthz", {}, false) +
                    request_text("GET", "/api/v1/leaderboard?period=week", {}, false) +
                    request_text("POST", "/metrics", {}, false) + request_text("GET", "/nowhere", {}, false) +
                    request_text("GET", "/?period=week", {}, false) +
                    request_text("GET", "/metrics", {}, true);
  auto a = http_raw(port_, raw, 6, 20s);
  std::vector<int> statuses;
  for (const auto& x : a) statuses.push_back(x.status);
  EXPECT_EQ(statuses, (std::vector<int>{200, 200, 405, 404, 200, 200}));
  EXPECT_EQ(a[0].body, "ok\n");
  EXPECT_NE(a[1].body.find("\"entries\""), std::string::npos);
  EXPECT_NE(a[4].body.find("<!doctype html>"), std::string::npos);
  EXPECT_NE(a[5].body.find("brigade_kudos 20"), std::string::npos);
  // A thousand pipelined in one write.
  std::string many;
  for (int i = 0; i < 1000; ++i) many += request_text("GET", "/healthz", {}, i == 999);
  auto all = http_raw(port_, many, 1000, 30s);
  int ok = 0;
  for (const auto& x : all) ok += x.status == 200;
  EXPECT_EQ(ok, 1000);
}

// With every place taken by clients that send nothing, a new one still gets in: the connection that
// has waited longest for a request is closed to make room.
TEST_F(HostileTest, AtTheConnectionCapTheLongestWaitingIsClosed) {
  ServerOptions so;
  so.max_connections = 8;
  so.head_timeout = 60s;  // only eviction can make room within the test's deadlines
  start(so);
  asio::io_context ioc;
  std::vector<asio::ip::tcp::socket> idle;
  for (int i = 0; i < 8; ++i) {
    idle.emplace_back(ioc);
    idle.back().connect({asio::ip::make_address("127.0.0.1"), port_});
    std::this_thread::sleep_for(20ms);  // distinct ages
  }
  auto deadline = std::chrono::steady_clock::now() + 10s;
  while (server_->stats().connections < 8 && std::chrono::steady_clock::now() < deadline)
    std::this_thread::sleep_for(5ms);
  ASSERT_EQ(server_->stats().connections, 8u);
  std::this_thread::sleep_for(300ms);  // older than the eviction grace
  ExpectHealthy("at the cap");
  EXPECT_GE(server_->stats().evicted, 1u);
  EXPECT_LE(server_->stats().connections, 8u);
  // The first idle client was the one closed; the newest is still open.
  EXPECT_TRUE(closed_within(idle.front(), 5000)) << "the longest-waiting connection was closed";
  EXPECT_FALSE(closed_within(idle.back(), 0)) << "the newest idle connection stays";
}

}  // namespace
}  // namespace brigade::web
