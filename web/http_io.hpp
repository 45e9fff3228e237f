// Reading and writing HTTP/1.1 messages on a Beast stream for web/server.cpp (web-internal:
// includes Asio): refusals of unreadable requests, lingering closes, plain and chunked answers.
#pragma once

#include <chrono>
#include <optional>

#include <boost/asio.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>

#include "web/api.hpp"

namespace brigade::web {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;

// Completion token for coroutines: errors come back as values, never as exceptions.
inline constexpr auto kTuple = asio::as_tuple(asio::use_awaitable);

// The answer to a request that cannot be read (nullopt: nothing to say, the peer left or timed out).
std::optional<Response> refusal(const beast::error_code& ec);

// After refusing a request whose bytes are still arriving: stop sending and read (and drop) what
// comes for a moment, so the close does not reset the connection before the client reads why.
asio::awaitable<void> linger(beast::tcp_stream& stream);

// Writes `res` (and empties it), each write within `timeout`; false when the peer is gone. A HEAD
// answer has the GET answer's headers and no body. A streamed answer goes out in chunks as it is
// made (HTTP/1.0 has no chunks: it gets the whole body).
asio::awaitable<bool> write_response(beast::tcp_stream& stream, Response& res, unsigned version, bool keep,
                                     bool head, std::chrono::milliseconds timeout);

}  // namespace brigade::web
