// Resolve → connect → SNI + host-name verification → TLS handshake, as coroutines (adapter-internal).
#pragma once

#include <chrono>
#include <string>

#include <openssl/ssl.h>

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/awaitable.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/ssl.hpp>

#include "adapters/net/client_error.hpp"
#include "adapters/net/tuple_token.hpp"

namespace brigade::net::detail {

namespace asio = boost::asio;
namespace beast = boost::beast;

// A failure (transport set, log-safe message) or success (nothing set).
inline asio::awaitable<ClientError> connect_tcp(beast::tcp_stream& s, const std::string& host,
                                                std::uint16_t port, std::chrono::milliseconds timeout) {
  asio::ip::tcp::resolver resolver(s.get_executor());
  auto [rec, results] = co_await resolver.async_resolve(host, std::to_string(port), kTuple);
  if (rec) co_return transport_error(rec, "resolve " + host + ": " + rec.message());
  s.expires_after(timeout);
  auto [cec, ep] = co_await s.async_connect(results, kTuple);
  if (cec)
    co_return transport_error(cec, "connect " + host + ":" + std::to_string(port) + ": " + cec.message());
  s.socket().set_option(asio::ip::tcp::no_delay(true));
  co_return ClientError{};
}

inline asio::awaitable<ClientError> tls_handshake(beast::ssl_stream<beast::tcp_stream>& s,
                                                  const std::string& host,
                                                  std::chrono::milliseconds timeout) {
  // SNI, or virtual-hosted servers (Slack's edge) present the wrong certificate.
  if (!SSL_set_tlsext_host_name(s.native_handle(), host.c_str()))
    co_return transport_error(std::make_error_code(std::errc::invalid_argument),
                              "TLS SNI for " + host + " failed");
  s.set_verify_callback(asio::ssl::host_name_verification(host));
  beast::get_lowest_layer(s).expires_after(timeout);
  auto [ec] = co_await s.async_handshake(asio::ssl::stream_base::client, kTuple);
  if (ec) co_return transport_error(ec, "TLS handshake with " + host + ": " + ec.message());
  co_return ClientError{};
}

}  // namespace brigade::net::detail
