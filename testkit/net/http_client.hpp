// A small HTTP/1.1 client for the web server's tests and the benchmarks: one request (or raw
// bytes) on a fresh loopback connection, every step bounded by a deadline, so a test or a benchmark
// that meets a stuck server ends by itself.
#pragma once

#include <chrono>
#include <map>
#include <string>
#include <utility>
#include <vector>

#include <boost/asio.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>

#include "testkit/net/awaitable.hpp"

namespace brigade::testing {

struct HttpAnswer {
  int status = 0;  // 0: no (complete) answer; `error` says why
  std::string body;
  std::map<std::string, std::string> headers;  // the last value of each, names as sent
  bool chunked = false;
  bool keep_alive = false;
  std::string error;
};

namespace detail {
namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;

inline HttpAnswer to_answer(http::response_parser<http::string_body>& p) {
  HttpAnswer a;
  auto& res = p.get();
  a.status = res.result_int();
  a.body = std::move(res.body());
  for (const auto& f : res) a.headers[std::string(f.name_string())] = std::string(f.value());
  a.chunked = p.chunked();
  a.keep_alive = res.keep_alive();
  return a;
}
}  // namespace detail

// Sends `raw` (one or more requests, pipelined) and reads `answers` responses, all within `deadline`.
// The answers read before the deadline (or a closed connection) are returned; a missing one has
// status 0 and the reason in `error`. HEAD answers need `head` so their body is not awaited.
inline std::vector<HttpAnswer> http_raw(std::uint16_t port, const std::string& raw, std::size_t answers,
                                        std::chrono::milliseconds deadline = std::chrono::seconds(10),
                                        bool head = false) {
  using namespace detail;
  asio::io_context ioc;
  std::vector<HttpAnswer> out(answers);
  for (auto& a : out) a.error = "no answer within " + std::to_string(deadline.count()) + " ms";
  asio::co_spawn(
      ioc,
      [&]() -> asio::awaitable<void> {
        beast::tcp_stream s(ioc);
        auto [cec] = co_await s.async_connect({asio::ip::make_address("127.0.0.1"), port}, kTuple);
        if (cec) {
          for (auto& a : out) a.error = "connect: " + cec.message();
          co_return;
        }
        auto [wec, wn] = co_await asio::async_write(s, asio::buffer(raw), kTuple);
        beast::flat_buffer buf;
        for (auto& a : out) {
          http::response_parser<http::string_body> p;
          p.body_limit(boost::none);
          p.skip(head);
          auto [rec, rn] = co_await http::async_read(s, buf, p, kTuple);
          if (rec) {
            a.error = "read: " + rec.message() + (wec ? " (write: " + wec.message() + ")" : "");
            co_return;
          }
          a = to_answer(p);
        }
      },
      asio::detached);
  ioc.run_for(deadline);
  return out;
}

inline std::string request_text(const std::string& method, const std::string& target,
                                const std::vector<std::pair<std::string, std::string>>& headers = {},
                                bool close = true) {
  std::string r = method + " " + target + " HTTP/1.1\r\nHost: 127.0.0.1\r\n";
  for (const auto& [k, v] : headers) r += k + ": " + v + "\r\n";
  if (close) r += "Connection: close\r\n";
  return r + "\r\n";
}

inline HttpAnswer http_get(std::uint16_t port, const std::string& target,
                           std::chrono::milliseconds deadline = std::chrono::seconds(10),
                           const std::vector<std::pair<std::string, std::string>>& headers = {}) {
  return http_raw(port, request_text("GET", target, headers), 1, deadline).front();
}

}  // namespace brigade::testing
