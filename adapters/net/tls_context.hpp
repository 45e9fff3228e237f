// The TLS client context: system CAs plus BRIGADE_CA_FILE, peer verification on (adapter-internal: includes
// Asio).
#pragma once

#include <memory>
#include <string>

#include <boost/asio/ssl/context.hpp>

namespace brigade::net {

// Verifies peers against the system store and, when `ca_file` is non-empty, that bundle too.
// Host-name verification and SNI are per connection (see connect.hpp). Throws on a bad CA file.
std::shared_ptr<boost::asio::ssl::context> make_tls_context(const std::string& ca_file);

}  // namespace brigade::net
