// The loopback server base: bind 127.0.0.1:0, accept on its own thread, TLS handshake, hand over.
#include "testkit/net/loopback_server.hpp"

#include <future>

#include "testkit/net/test_pki.hpp"

namespace brigade::testing {

using asio::ip::tcp;

LoopbackServer::LoopbackServer(Options options, Sessions sessions)
    : options_(options), sessions_(std::move(sessions)) {
  if (options_.pki) {
    tls_ = std::make_unique<asio::ssl::context>(asio::ssl::context::tls_server);
    tls_->use_certificate_chain(asio::buffer(options_.pki->cert_pem));
    tls_->use_private_key(asio::buffer(options_.pki->key_pem), asio::ssl::context::pem);
  }
  tcp::endpoint ep(asio::ip::make_address("127.0.0.1"), 0);
  acceptor_.open(ep.protocol());
  acceptor_.set_option(asio::socket_base::reuse_address(true));
  acceptor_.bind(ep);
  acceptor_.listen(options_.backlog);
  port_ = acceptor_.local_endpoint().port();
  asio::co_spawn(ioc_, accept_loop(), asio::detached);
  thread_ = std::thread([this] { ioc_.run(); });
}

LoopbackServer::~LoopbackServer() {
  stop();
}

void LoopbackServer::sync() {
  std::promise<void> turned;
  asio::post(ioc_, [&turned] { turned.set_value(); });
  turned.get_future().wait();
}

void LoopbackServer::stop() {
  if (!thread_.joinable()) return;
  asio::post(ioc_, [this] {
    beast::error_code ec;
    acceptor_.close(ec);
    ioc_.stop();  // sessions still open stay suspended; the loop's destruction takes them
  });
  thread_.join();
}

std::string LoopbackServer::url(const char* plain, const char* secure) const {
  return std::string(tls() ? secure : plain) + "://127.0.0.1:" + std::to_string(port_);
}

asio::awaitable<void> LoopbackServer::accept_loop() {
  for (;;) {
    auto [ec, sock] = co_await acceptor_.async_accept(kTuple);
    if (ec) co_return;
    if (options_.no_delay) sock.set_option(tcp::no_delay(true), ec);
    asio::co_spawn(ioc_, session(std::move(sock)), asio::detached);
  }
}

asio::awaitable<void> LoopbackServer::session(tcp::socket sock) {
  struct Open {
    std::atomic<std::size_t>& n;
    explicit Open(std::atomic<std::size_t>& c) : n(c) { ++n; }
    ~Open() { --n; }
  } open(open_);
  if (tls_) {
    TlsStream s(std::move(sock), *tls_);
    auto [ec] = co_await s.async_handshake(asio::ssl::stream_base::server, kTuple);
    if (ec) co_return;
    co_await sessions_.tls(std::move(s));
  } else {
    co_await sessions_.plain(PlainStream(std::move(sock)));
  }
}

}  // namespace brigade::testing
