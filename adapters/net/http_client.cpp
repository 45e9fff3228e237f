// The keep-alive HTTP(S) client.
#include "adapters/net/http_client.hpp"

#include <algorithm>
#include <cctype>

#include <boost/beast/http.hpp>

#include "adapters/net/connect.hpp"
#include "adapters/net/url.hpp"

namespace brigade::net {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;

struct HttpClient::Conn {
  std::unique_ptr<beast::tcp_stream> plain;
  std::unique_ptr<beast::ssl_stream<beast::tcp_stream>> tls;
  beast::flat_buffer buffer;
  beast::tcp_stream& lowest() { return tls ? beast::get_lowest_layer(*tls) : *plain; }
};

std::string HttpResponse::header(const std::string& lower_name) const {
  auto it = headers.find(lower_name);
  return it == headers.end() ? std::string{} : it->second;
}

HttpClient::HttpClient(asio::any_io_executor ex, std::shared_ptr<asio::ssl::context> tls,
                       std::chrono::milliseconds timeout)
    : ex_(std::move(ex)), tls_(std::move(tls)), timeout_(timeout) {}

HttpClient::~HttpClient() = default;

void HttpClient::close_idle() {
  idle_.clear();
}

namespace {

template <class Stream>
asio::awaitable<std::pair<beast::error_code, http::response<http::string_body>>> exchange(
    Stream& s, beast::tcp_stream& lowest, beast::flat_buffer& buffer,
    const http::request<http::string_body>& req, std::chrono::milliseconds timeout) {
  http::response_parser<http::string_body> parser;
  parser.body_limit(32 * 1024 * 1024);
  lowest.expires_after(timeout);
  auto [wec, wn] = co_await http::async_write(s, req, kTuple);
  if (wec) co_return std::pair{wec, http::response<http::string_body>{}};
  lowest.expires_after(timeout);
  auto [rec, rn] = co_await http::async_read(s, buffer, parser, kTuple);
  lowest.expires_never();
  co_return std::pair{rec, parser.release()};
}

http::request<http::string_body> beast_request(HttpRequest& in, const Url& url) {
  http::request<http::string_body> req;
  req.method(http::string_to_verb(in.method));
  req.target(url.target);
  req.version(11);
  req.set(http::field::host, url.host_header());
  req.set(http::field::user_agent, "brigade");
  req.keep_alive(true);
  for (auto& [k, v] : in.headers) req.set(k, v);
  if (in.method != "GET") {
    req.body() = std::move(in.body);
    req.prepare_payload();
  }
  return req;
}

void take_answer(http::response<http::string_body>& res, HttpResponse& out) {
  out.status = static_cast<int>(res.result_int());
  for (auto& f : res) {
    std::string name(f.name_string());
    std::transform(name.begin(), name.end(), name.begin(),
                   [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
    out.headers[name] = std::string(f.value());
  }
  out.body = std::move(res.body());
}

}  // namespace

// A pooled connection to `key` if one is idle (reused = true), else a new one, connected.
asio::awaitable<std::unique_ptr<HttpClient::Conn>> HttpClient::checkout(const std::string& key,
                                                                        const Url& url, bool& reused,
                                                                        HttpResponse& out) {
  if (auto it = idle_.find(key); it != idle_.end() && !it->second.empty()) {
    auto conn = std::move(it->second.back());
    it->second.pop_back();
    reused = true;
    co_return conn;
  }
  reused = false;
  auto conn = std::make_unique<Conn>();
  if (url.tls())
    conn->tls = std::make_unique<beast::ssl_stream<beast::tcp_stream>>(ex_, *tls_);
  else
    conn->plain = std::make_unique<beast::tcp_stream>(ex_);
  auto err = co_await detail::connect_tcp(conn->lowest(), url.host, url.port, timeout_);
  if (!err.transport && conn->tls) err = co_await detail::tls_handshake(*conn->tls, url.host, timeout_);
  if (err.transport) {
    out.ec = err.transport;
    out.error = err.message;
    co_return nullptr;
  }
  co_return conn;
}

asio::awaitable<HttpResponse> HttpClient::request(HttpRequest in) {
  HttpResponse out;
  auto url = parse_url(in.url);
  if (!url || url->websocket()) {
    out.ec = std::make_error_code(std::errc::invalid_argument);
    out.error = "bad URL";
    co_return out;
  }
  if (url->tls() && !tls_) {
    out.ec = std::make_error_code(std::errc::protocol_not_supported);
    out.error = "https needs a TLS context";
    co_return out;
  }
  const std::string key = url->scheme + "://" + url->host + ":" + std::to_string(url->port);
  auto req = beast_request(in, *url);
  // A pooled connection may have been closed by the server while idle; that shows up as an
  // error before any response byte, and one retry on a fresh connection is then safe.
  for (int attempt = 0; attempt < 2; ++attempt) {
    bool reused = false;
    std::unique_ptr<Conn> conn = co_await checkout(key, *url, reused, out);
    if (!conn) co_return out;
    // Two statements, not a conditional of co_awaits: g++ 12 mis-handles the latter's temporaries.
    std::pair<beast::error_code, http::response<http::string_body>> result;
    if (conn->tls)
      result = co_await exchange(*conn->tls, conn->lowest(), conn->buffer, req, timeout_);
    else
      result = co_await exchange(*conn->plain, conn->lowest(), conn->buffer, req, timeout_);
    beast::error_code ec = result.first;
    if (ec) {
      if (reused && attempt == 0 && ec != beast::error::timeout) continue;
      out.ec = ec;
      out.error = std::string(in.method) + " " + url->host + ": " + ec.message();
      co_return out;
    }
    take_answer(result.second, out);
    if (result.second.keep_alive()) idle_[key].push_back(std::move(conn));
    co_return out;
  }
  co_return out;
}

}  // namespace brigade::net
