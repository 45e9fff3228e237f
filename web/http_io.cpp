// Reading and writing HTTP/1.1 messages on a Beast stream: refusals, lingering closes, plain and
// chunked answers (see http_io.hpp).
#include "web/http_io.hpp"

#include <tuple>

namespace brigade::web {

using asio::ip::tcp;

namespace {

template <class Message>
void set_headers(Message& out, const Response& res, bool keep) {
  out.set(http::field::server, "brigade");
  out.set(http::field::content_type, res.content_type);
  out.set(http::field::cache_control, "no-store");
  out.set("X-Content-Type-Options", "nosniff");
  for (const auto& [k, v] : res.headers) out.set(k, v);
  out.keep_alive(keep);
}

}  // namespace

std::optional<Response> refusal(const beast::error_code& ec) {
  if (ec == http::error::header_limit) return error(431, "request head too large");
  if (ec == http::error::body_limit) return error(413, "request body too large (the API takes none)");
  if (ec == http::error::end_of_stream || ec == http::error::partial_message ||
      ec.category() != beast::http::make_error_code(http::error::bad_target).category())
    return std::nullopt;
  return error(400, "malformed HTTP request: " + ec.message());
}

asio::awaitable<void> linger(beast::tcp_stream& stream) {
  beast::error_code ec;
  stream.socket().shutdown(tcp::socket::shutdown_send, ec);
  stream.expires_after(std::chrono::seconds(1));
  char sink[4096];
  for (std::size_t total = 0; total < 1024 * 1024;) {
    auto [rec, n] = co_await stream.async_read_some(asio::buffer(sink), kTuple);
    if (rec) break;
    total += n;
  }
}

asio::awaitable<bool> write_response(beast::tcp_stream& stream, Response& res, unsigned version, bool keep,
                                     bool head, std::chrono::milliseconds timeout) {
  beast::error_code ec;
  if (res.stream && !head && version >= 11) {
    http::response<http::empty_body> out{static_cast<http::status>(res.status), version};
    set_headers(out, res, keep);
    out.chunked(true);
    http::response_serializer<http::empty_body> sr{out};
    stream.expires_after(timeout);
    std::tie(ec, std::ignore) = co_await http::async_write_header(stream, sr, kTuple);
    std::string piece = std::move(res.body);
    for (bool more = true; !ec && (more || !piece.empty());) {
      if (more) more = res.stream(piece);
      if (piece.empty()) continue;
      stream.expires_after(timeout);
      std::tie(ec, std::ignore) =
          co_await asio::async_write(stream, http::make_chunk(asio::buffer(piece)), kTuple);
      piece.clear();
    }
    if (!ec) std::tie(ec, std::ignore) = co_await asio::async_write(stream, http::make_chunk_last(), kTuple);
  } else {
    http::response<http::string_body> out{static_cast<http::status>(res.status), version};
    set_headers(out, res, keep);
    if (head && res.stream) {  // the length is unknown without making the body: say chunked, send none
      out.chunked(true);
    } else {
      out.body() = res.full_body();
      out.prepare_payload();
    }
    http::response_serializer<http::string_body> sr{out};
    stream.expires_after(timeout);
    if (head)
      std::tie(ec, std::ignore) = co_await http::async_write_header(stream, sr, kTuple);
    else
      std::tie(ec, std::ignore) = co_await http::async_write(stream, sr, kTuple);
  }
  res = Response{};
  co_return !ec;
}

}  // namespace brigade::web
