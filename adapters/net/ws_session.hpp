// A client WebSocket with one writer queue, idle timeout and keep-alive pings (adapter-internal: includes
// Asio).
#pragma once

#include <chrono>
#include <cstddef>
#include <deque>
#include <memory>
#include <string>
#include <system_error>

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/awaitable.hpp>
#include <boost/asio/ssl/context.hpp>
#include <boost/asio/steady_timer.hpp>

namespace brigade::net {

struct WsOptions {
  std::chrono::milliseconds handshake_timeout{30000};
  // No frame (data, ping or pong) for this long means the link is dead; a ping goes out at half
  // of it, so a live peer always answers in time and a half-open TCP link is noticed.
  std::chrono::milliseconds idle_timeout{30000};
  std::size_t max_message = 16 * 1024 * 1024;
};

struct WsRead {
  bool ok = false;
  bool binary = false;
  std::string text;             // the frame when ok
  std::error_code ec;           // why not, when !ok
  std::string error;            // … in log-safe words
  bool closed_cleanly() const;  // the peer sent a close frame
};

class WsStream;  // the Beast stream, plain or TLS

// Beast allows one read and one write at a time: every send() goes through a queue that a single
// writer coroutine drains, and close() is queued behind what is already there.
class WsSession : public std::enable_shared_from_this<WsSession> {
 public:
  struct Connected {
    std::shared_ptr<WsSession> session;
    std::error_code ec;  // set when session is null
    std::string error;   // … in log-safe words
  };
  // `url` is ws:// or wss://, used as-is (the handshake target keeps the query string).
  static boost::asio::awaitable<Connected> connect(boost::asio::any_io_executor ex, std::string url,
                                                   std::shared_ptr<boost::asio::ssl::context> tls,
                                                   WsOptions opt);
  ~WsSession();

  boost::asio::awaitable<WsRead> read();  // one reader at a time
  void send(std::string text);            // queued; dropped once closing
  void close();                           // flush the queue, then a close frame (code 1000)
  void abort();                           // drop the TCP connection now
  std::size_t queued() const { return queue_.size(); }
  bool closing() const { return closing_; }

  explicit WsSession(std::unique_ptr<WsStream> s, boost::asio::any_io_executor ex);

 private:
  boost::asio::awaitable<void> write_loop();

  std::unique_ptr<WsStream> stream_;
  boost::asio::steady_timer wake_;
  std::deque<std::string> queue_;
  bool closing_ = false;
  bool dead_ = false;
};

}  // namespace brigade::net
