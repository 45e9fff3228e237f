// A throw-away certificate authority and a server certificate for 127.0.0.1/localhost, made with
// OpenSSL at test time (no key is checked in). Servers use cert_pem/key_pem; clients trust ca_pem.
#pragma once

#include <string>

namespace brigade::testing {

struct TestPki {
  std::string ca_pem, cert_pem, key_pem;
  static TestPki generate();
};

}  // namespace brigade::testing
