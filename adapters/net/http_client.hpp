// A keep-alive HTTP(S) client with timeouts and a coroutine API (adapter-internal: includes Asio).
#pragma once

#include <chrono>
#include <map>
#include <memory>
#include <string>
#include <system_error>
#include <utility>
#include <vector>

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/awaitable.hpp>
#include <boost/asio/ssl/context.hpp>

namespace brigade::net {

struct Url;  // url.hpp

struct HttpRequest {
  std::string method = "POST";
  std::string url;  // absolute http:// or https://
  std::vector<std::pair<std::string, std::string>> headers;
  std::string body;
};

struct HttpResponse {
  int status = 0;  // 0 when the request never got an answer
  std::string body;
  std::map<std::string, std::string> headers;  // names lower-case
  std::error_code ec;                          // the transport failure when status == 0
  std::string error;                           // … in log-safe words
  std::string header(const std::string& lower_name) const;
};

// Connections are kept per scheme+host+port and reused; concurrent requests each get their own.
// All calls must come from the executor's thread (one io_context thread).
class HttpClient {
 public:
  HttpClient(boost::asio::any_io_executor ex, std::shared_ptr<boost::asio::ssl::context> tls,
             std::chrono::milliseconds timeout = std::chrono::seconds(15));
  ~HttpClient();
  HttpClient(const HttpClient&) = delete;
  HttpClient& operator=(const HttpClient&) = delete;

  boost::asio::awaitable<HttpResponse> request(HttpRequest req);
  void close_idle();  // drops every pooled connection

  struct Conn;

 private:
  boost::asio::awaitable<std::unique_ptr<Conn>> checkout(const std::string& key, const Url& url, bool& reused,
                                                         HttpResponse& out);

  boost::asio::any_io_executor ex_;
  std::shared_ptr<boost::asio::ssl::context> tls_;
  std::chrono::milliseconds timeout_;
  std::map<std::string, std::vector<std::unique_ptr<Conn>>> idle_;
};

}  // namespace brigade::net
