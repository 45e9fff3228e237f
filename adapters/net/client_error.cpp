// The platform clients' one error type (see client_error.hpp).
#include "adapters/net/client_error.hpp"

namespace brigade::net {

std::string ClientError::describe() const {
  std::string s = answered() ? std::to_string(status) : std::string("no answer");
  if (!code.empty()) s += " " + code;
  if (!message.empty())
    s += ": " + message.substr(0, 200);
  else if (transport)
    s += ": " + transport.message();
  return s;
}

ClientError transport_error(std::error_code ec, std::string message) {
  ClientError e;
  e.transport = ec ? ec : std::make_error_code(std::errc::io_error);
  e.message = std::move(message);
  return e;
}

}  // namespace brigade::net
