// The TLS client context.
#include "adapters/net/tls_context.hpp"

#include <stdexcept>

namespace brigade::net {

std::shared_ptr<boost::asio::ssl::context> make_tls_context(const std::string& ca_file) {
  namespace ssl = boost::asio::ssl;
  auto ctx = std::make_shared<ssl::context>(ssl::context::tls_client);
  ctx->set_options(ssl::context::default_workarounds | ssl::context::no_sslv2 | ssl::context::no_sslv3 |
                   ssl::context::no_tlsv1 | ssl::context::no_tlsv1_1);
  ctx->set_default_verify_paths();
  if (!ca_file.empty()) {
    boost::system::error_code ec;
    ctx->load_verify_file(ca_file, ec);
    if (ec) throw std::runtime_error("cannot load CA file " + ca_file + ": " + ec.message());
  }
  ctx->set_verify_mode(ssl::verify_peer);
  return ctx;
}

}  // namespace brigade::net
