// The client WebSocket session.
#include "adapters/net/ws_session.hpp"

#include <spdlog/spdlog.h>

#include <boost/asio/co_spawn.hpp>
#include <boost/beast/websocket.hpp>
#include <boost/beast/websocket/ssl.hpp>

#include "adapters/net/connect.hpp"
#include "adapters/net/url.hpp"

namespace brigade::net {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace websocket = beast::websocket;

class WsStream {
 public:
  virtual ~WsStream() = default;
  virtual asio::awaitable<WsRead> read() = 0;
  virtual asio::awaitable<std::string> write(const std::string& text) = 0;
  virtual asio::awaitable<void> close() = 0;
  virtual void abort() = 0;
};

namespace {

template <class Next>
class WsStreamImpl final : public WsStream {
 public:
  template <class... Args>
  explicit WsStreamImpl(Args&&... args) : ws_(std::forward<Args>(args)...) {}
  websocket::stream<Next>& ws() { return ws_; }

  asio::awaitable<WsRead> read() override {
    WsRead r;
    buffer_.clear();
    auto [ec, n] = co_await ws_.async_read(buffer_, kTuple);
    if (ec) {
      r.ec = ec;
      r.error = ec == beast::error::timeout ? std::string("idle timeout (no pong)") : ec.message();
      co_return r;
    }
    r.ok = true;
    r.binary = ws_.got_binary();
    r.text = beast::buffers_to_string(buffer_.data());
    co_return r;
  }
  asio::awaitable<std::string> write(const std::string& text) override {
    ws_.text(true);
    auto [ec, n] = co_await ws_.async_write(asio::buffer(text), kTuple);
    co_return ec ? ec.message() : std::string{};
  }
  asio::awaitable<void> close() override {
    auto [ec] = co_await ws_.async_close(websocket::close_code::normal, kTuple);
    (void)ec;
  }
  void abort() override {
    beast::error_code ec;
    beast::get_lowest_layer(ws_).socket().close(ec);
  }

 private:
  websocket::stream<Next> ws_;
  beast::flat_buffer buffer_;
};

// The steps after the transport is up, the same over TCP and TLS: hand timeouts to the
// WebSocket layer (idle timeout with keep-alive pings), cap message size, then handshake.
// Returns an error text, empty on success.
template <class Impl>
asio::awaitable<ClientError> websocket_handshake(Impl& impl, const Url& url, const WsOptions& opt) {
  auto& ws = impl.ws();
  beast::get_lowest_layer(ws).expires_never();
  websocket::stream_base::timeout t;
  t.handshake_timeout = opt.handshake_timeout;
  t.idle_timeout = opt.idle_timeout;
  t.keep_alive_pings = true;
  ws.set_option(t);
  ws.read_message_max(opt.max_message);
  ws.set_option(websocket::stream_base::decorator(
      [](websocket::request_type& req) { req.set(beast::http::field::user_agent, "brigade"); }));
  auto [ec] = co_await ws.async_handshake(url.host_header(), url.target, kTuple);
  if (ec) co_return transport_error(ec, "WebSocket handshake with " + url.host + ": " + ec.message());
  co_return ClientError{};
}

}  // namespace

WsSession::WsSession(std::unique_ptr<WsStream> s, asio::any_io_executor ex)
    : stream_(std::move(s)), wake_(ex, asio::steady_timer::time_point::max()) {}

WsSession::~WsSession() = default;

bool WsRead::closed_cleanly() const {
  return ec == std::error_code(beast::error_code(websocket::error::closed));
}

asio::awaitable<WsSession::Connected> WsSession::connect(asio::any_io_executor ex, std::string url_text,
                                                         std::shared_ptr<asio::ssl::context> tls,
                                                         WsOptions opt) {
  Connected out;
  auto url = parse_url(url_text);
  if (!url || !url->websocket()) {
    out.error = "not a ws:// or wss:// URL";
    co_return out;
  }
  std::unique_ptr<WsStream> stream;
  if (url->tls()) {
    if (!tls) {
      out.error = "wss needs a TLS context";
      co_return out;
    }
    auto impl = std::make_unique<WsStreamImpl<beast::ssl_stream<beast::tcp_stream>>>(ex, *tls);
    auto& ws = impl->ws();
    auto err = co_await detail::connect_tcp(beast::get_lowest_layer(ws), url->host, url->port,
                                            opt.handshake_timeout);
    if (!err.transport)
      err = co_await detail::tls_handshake(ws.next_layer(), url->host, opt.handshake_timeout);
    if (!err.transport) err = co_await websocket_handshake(*impl, *url, opt);
    if (err.transport) {
      out.ec = err.transport;
      out.error = err.message;
      co_return out;
    }
    stream = std::move(impl);
  } else {
    auto impl = std::make_unique<WsStreamImpl<beast::tcp_stream>>(ex);
    auto& ws = impl->ws();
    auto err = co_await detail::connect_tcp(beast::get_lowest_layer(ws), url->host, url->port,
                                            opt.handshake_timeout);
    if (!err.transport) err = co_await websocket_handshake(*impl, *url, opt);
    if (err.transport) {
      out.ec = err.transport;
      out.error = err.message;
      co_return out;
    }
    stream = std::move(impl);
  }
  out.session = std::make_shared<WsSession>(std::move(stream), ex);
  auto self = out.session;
  auto on_done = [](std::exception_ptr e) {
    if (e) try {
        std::rethrow_exception(e);
      } catch (const std::exception& x) {
        spdlog::error("websocket writer: {}", x.what());
      }
  };
  asio::co_spawn(ex, self->write_loop(), on_done);
  co_return out;
}

asio::awaitable<WsRead> WsSession::read() {
  auto self = shared_from_this();
  auto r = co_await stream_->read();
  if (!r.ok) {
    dead_ = true;
    wake_.cancel();
  }
  co_return r;
}

void WsSession::send(std::string text) {
  if (closing_ || dead_) return;
  queue_.push_back(std::move(text));
  wake_.cancel();
}

void WsSession::close() {
  if (closing_) return;
  closing_ = true;
  wake_.cancel();
}

void WsSession::abort() {
  dead_ = true;
  closing_ = true;
  stream_->abort();
  wake_.cancel();
}

asio::awaitable<void> WsSession::write_loop() {
  auto self = shared_from_this();
  for (;;) {
    while (!queue_.empty() && !dead_) {
      std::string msg = std::move(queue_.front());
      queue_.pop_front();
      auto err = co_await stream_->write(msg);
      if (!err.empty()) {
        spdlog::warn("websocket write failed: {}", err);
        dead_ = true;
      }
    }
    if (dead_) co_return;
    if (closing_) {
      co_await stream_->close();
      co_return;
    }
    wake_.expires_at(asio::steady_timer::time_point::max());
    auto [ec] = co_await wake_.async_wait(kTuple);
    (void)ec;
  }
}

}  // namespace brigade::net
