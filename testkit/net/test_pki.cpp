// The test PKI: an EC P-256 CA valid for a day and a server certificate it signs for
// IP:127.0.0.1 and DNS:localhost.
#include "testkit/net/test_pki.hpp"

#include <openssl/bio.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include <stdexcept>

namespace brigade::testing {

namespace {

std::string bio_string(BIO* b) {
  char* data = nullptr;
  long n = BIO_get_mem_data(b, &data);
  return std::string(data, static_cast<std::size_t>(n));
}

void add_ext(X509* cert, X509* issuer, int nid, const char* value) {
  X509V3_CTX ctx;
  X509V3_set_ctx_nodb(&ctx);
  X509V3_set_ctx(&ctx, issuer, cert, nullptr, nullptr, 0);
  X509_EXTENSION* ext = X509V3_EXT_conf_nid(nullptr, &ctx, nid, value);
  if (!ext) throw std::runtime_error("X509V3_EXT_conf_nid failed");
  X509_add_ext(cert, ext, -1);
  X509_EXTENSION_free(ext);
}

X509* make_cert(EVP_PKEY* key, const char* cn, X509* issuer, EVP_PKEY* issuer_key, long serial, bool ca) {
  X509* x = X509_new();
  X509_set_version(x, 2);
  ASN1_INTEGER_set(X509_get_serialNumber(x), serial);
  X509_gmtime_adj(X509_getm_notBefore(x), -3600);
  X509_gmtime_adj(X509_getm_notAfter(x), 86400);
  X509_set_pubkey(x, key);
  X509_NAME* name = X509_get_subject_name(x);
  X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC, reinterpret_cast<const unsigned char*>(cn), -1, -1, 0);
  X509_set_issuer_name(x, issuer ? X509_get_subject_name(issuer) : name);
  X509* iss = issuer ? issuer : x;
  if (ca) {
    add_ext(x, iss, NID_basic_constraints, "critical,CA:TRUE");
    add_ext(x, iss, NID_key_usage, "critical,keyCertSign,cRLSign");
    add_ext(x, iss, NID_subject_key_identifier, "hash");
  } else {
    add_ext(x, iss, NID_basic_constraints, "CA:FALSE");
    add_ext(x, iss, NID_subject_alt_name, "IP:127.0.0.1,DNS:localhost");
    add_ext(x, iss, NID_ext_key_usage, "serverAuth");
    add_ext(x, iss, NID_authority_key_identifier, "keyid");
  }
  X509_sign(x, issuer_key, EVP_sha256());
  return x;
}

std::string pem_cert(X509* x) {
  BIO* b = BIO_new(BIO_s_mem());
  PEM_write_bio_X509(b, x);
  auto s = bio_string(b);
  BIO_free(b);
  return s;
}

}  // namespace

TestPki TestPki::generate() {
  EVP_PKEY* ca_key = EVP_EC_gen("P-256");
  EVP_PKEY* srv_key = EVP_EC_gen("P-256");
  if (!ca_key || !srv_key) throw std::runtime_error("EVP_EC_gen failed");
  X509* ca = make_cert(ca_key, "Brigade Test CA", nullptr, ca_key, 1, true);
  X509* srv = make_cert(srv_key, "localhost", ca, ca_key, 2, false);
  TestPki p;
  p.ca_pem = pem_cert(ca);
  p.cert_pem = pem_cert(srv);
  BIO* b = BIO_new(BIO_s_mem());
  PEM_write_bio_PrivateKey(b, srv_key, nullptr, nullptr, 0, nullptr, nullptr);
  p.key_pem = bio_string(b);
  BIO_free(b);
  X509_free(ca);
  X509_free(srv);
  EVP_PKEY_free(ca_key);
  EVP_PKEY_free(srv_key);
  return p;
}

}  // namespace brigade::testing
