// Running a test against the PostgreSQL backend: BRIGADE_TEST_STORE=postgresql (set by
// tests/support/with_postgres.sh inside a throwaway pg_virtualenv cluster) makes the store tests
// open PostgreSQL instead of LMDB, one schema per scratch directory. Linked as brigade_pg_test.
#pragma once

#include <filesystem>
#include <string>

namespace brigade::testing {

// True when BRIGADE_TEST_STORE is "postgresql" (or "postgres"); false when unset, empty or
// "lmdb". Any other value is a typo that would silently test LMDB: it throws.
bool testing_postgres();

// A libpq conninfo for Options::url whose search_path is a schema of its own for `dir`: the
// name is a hash of the path, so reopening the same directory reopens the same ledger. The
// schema is created (IF NOT EXISTS) before this returns. The server comes from the PG*
// environment (PGHOST, PGPORT, PGUSER, PGPASSWORD, PGDATABASE — what pg_virtualenv exports);
// BRIGADE_TEST_PG_CONNINFO (key=value form) replaces "dbname=$PGDATABASE" as the base.
std::string test_store_url(const std::filesystem::path& dir);

// The schema test_store_url(dir) uses ("brigade_t_" + 16 hex digits).
std::string test_schema(const std::filesystem::path& dir);

// The base conninfo without a search_path (for tests that talk to the server themselves).
std::string test_server_conninfo();

}  // namespace brigade::testing

// First statement of a test that cannot apply to PostgreSQL (raw LMDB writes, the crash writer
// process, data files, backups, the map size): skipped there, with the reason.
//   BRIGADE_LMDB_ONLY("plants bytes with raw LMDB writes");
#define BRIGADE_LMDB_ONLY(...)                      \
  if (!::brigade::testing::testing_postgres()) {    \
  } else                                            \
    GTEST_SKIP() << "LMDB-only: " __VA_ARGS__

// First statement of a test only the PostgreSQL backend has: skipped on LMDB.
#define BRIGADE_POSTGRES_ONLY()                     \
  if (::brigade::testing::testing_postgres()) {     \
  } else                                            \
    GTEST_SKIP() << "PostgreSQL-only (run it with tests/support/with_postgres.sh)"
