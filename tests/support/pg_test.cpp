// The backend choice of the store tests and the schema per scratch directory (pg_test.hpp).
#include "tests/support/pg_test.hpp"

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <mutex>
#include <set>
#include <stdexcept>

#include "store/pg/pg.hpp"

namespace brigade::testing {

namespace {

std::string env(const char* name) {
  const char* v = std::getenv(name);
  return v != nullptr ? std::string(v) : std::string();
}

// Creates the schema once per process (the cluster lives as long as the test process does).
void ensure_schema(const std::string& base, const std::string& schema) {
  static std::mutex mu;
  static std::set<std::string> made;
  std::lock_guard lock(mu);
  if (made.count(schema) != 0) return;
  store::pg::Conn c(base);
  try {
    c.exec("CREATE SCHEMA IF NOT EXISTS " + schema);
  } catch (const store::StoreError&) {
    // Another process creating it at the same instant loses the race with a unique violation.
    auto r = c.exec("SELECT 1 FROM pg_namespace WHERE nspname = $1", store::pg::Params(schema));
    if (r.empty()) throw;
  }
  made.insert(schema);
}

}  // namespace

bool testing_postgres() {
  static const bool pg = [] {
    const auto v = env("BRIGADE_TEST_STORE");
    if (v.empty() || v == "lmdb") return false;
    if (v == "postgresql" || v == "postgres") return true;
    throw std::runtime_error("BRIGADE_TEST_STORE must be lmdb or postgresql, not '" + v + "'");
  }();
  return pg;
}

std::string test_server_conninfo() {
  auto base = env("BRIGADE_TEST_PG_CONNINFO");
  if (!base.empty()) return base;
  auto db = env("PGDATABASE");
  return "dbname=" + (db.empty() ? std::string("postgres") : db);
}

std::string test_schema(const std::filesystem::path& dir) {
  std::uint64_t h = 0xcbf29ce484222325ull;  // FNV-1a 64 over the normalised path
  for (unsigned char c : dir.lexically_normal().string()) h = (h ^ c) * 0x100000001b3ull;
  char hex[17];
  std::snprintf(hex, sizeof hex, "%016llx", static_cast<unsigned long long>(h));
  return std::string("brigade_t_") + hex;
}

std::string test_store_url(const std::filesystem::path& dir) {
  const auto base = test_server_conninfo();
  const auto schema = test_schema(dir);
  ensure_schema(base, schema);
  return base + " options='-c search_path=" + schema + "'";
}

}  // namespace brigade::testing
