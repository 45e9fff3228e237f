// A Beast server base for tests and benchmarks: bound to 127.0.0.1:0, accepting on its own
// io_context thread, each connection handed (after the TLS handshake, when it serves TLS) to a
// session coroutine of the fake's; it stops by itself when destroyed. Includes Asio and Beast:
// only the fakes' .cpp files and the benchmarks include it.
#pragma once

#include <atomic>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <thread>

#include <boost/asio.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/ssl.hpp>

#include "testkit/net/awaitable.hpp"

namespace brigade::testing {

namespace asio = boost::asio;
namespace beast = boost::beast;

using PlainStream = beast::tcp_stream;
using TlsStream = beast::ssl_stream<beast::tcp_stream>;

struct TestPki;

class LoopbackServer {
 public:
  // What serves one accepted connection; it owns the stream and returns when the connection ends.
  struct Sessions {
    std::function<asio::awaitable<void>(PlainStream)> plain;
    std::function<asio::awaitable<void>(TlsStream)> tls;  // needed only with a TestPki
  };
  struct Options {
    const TestPki* pki = nullptr;  // serve TLS with its server certificate (clients trust pki->ca_pem)
    int backlog = asio::socket_base::max_listen_connections;
    bool no_delay = false;  // TCP_NODELAY on every accepted socket
  };

  // Listening and accepting on return. Declare the server before every member of the fake that
  // holds an I/O object of ioc() (a timer, a socket), and call stop() first in the fake's
  // destructor: its thread is then joined before those members go, and the loop, destroyed last
  // with the server, takes the sessions still suspended in it.
  LoopbackServer(Options options, Sessions sessions);
  ~LoopbackServer();  // stop()
  LoopbackServer(const LoopbackServer&) = delete;
  LoopbackServer& operator=(const LoopbackServer&) = delete;

  // Closes the listener, stops the loop and joins its thread; handlers posted before this ran
  // first. Idempotent; never from the loop's own thread.
  void stop();
  // Waits for one turn of the loop, so what the calling thread did before (constructing the fake's
  // members declared after the server, its mutex among them) happens before everything the loop
  // does next. The loop's requests come over sockets, often from another process, which
  // ThreadSanitizer cannot see as ordering: fakes call this at the end of their constructor.
  void sync();

  asio::io_context& ioc() { return ioc_; }
  std::uint16_t port() const { return port_; }
  bool tls() const { return tls_ != nullptr; }
  // "http://127.0.0.1:PORT" or "https://…" (`secure`/`plain` name other schemes, e.g. "wss"/"ws").
  std::string url(const char* plain = "http", const char* secure = "https") const;
  // Connections accepted and not yet ended (their session coroutine is still running).
  std::size_t open_sessions() const { return open_.load(); }

 private:
  asio::awaitable<void> accept_loop();
  asio::awaitable<void> session(asio::ip::tcp::socket sock);

  Options options_;
  Sessions sessions_;
  std::atomic<std::size_t> open_{0};         // before ioc_: sessions destroyed with it still count down
  std::unique_ptr<asio::ssl::context> tls_;  // likewise: their TLS streams use it
  asio::io_context ioc_{1};
  asio::ip::tcp::acceptor acceptor_{ioc_};
  std::uint16_t port_ = 0;
  std::thread thread_;
};

}  // namespace brigade::testing
