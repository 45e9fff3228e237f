// Schema migrations of the PostgreSQL backend: the versioned SQL files in store/pg/sql/ (embedded
// at build time by cmake/embed_sql.cmake), applied in order at open, each in its own transaction
// with its row in brigade_migrations, under an advisory lock so replicas starting together
// migrate once.
#pragma once

#include <cstdint>
#include <vector>

#include "store/pg/pg.hpp"

namespace brigade::store::pg {

struct Migration {
  std::uint32_t version;  // NNNN of NNNN_what.sql
  const char* name;
  const char* sql;
};
// Every migration, by version (generated: build/store/pg_migrations.cpp).
const std::vector<Migration>& migrations();
// The schema version this binary writes: the last migration's.
std::uint32_t latest_version();

// The schema version the database has (0: none yet).
std::uint32_t schema_version(Conn& c);

// Session-level advisory lock on "this Brigade database" (the current schema), held while a
// process migrates or rebuilds, so replicas starting together do it once. RAII.
class MigrationLock {
 public:
  explicit MigrationLock(Conn& c);
  ~MigrationLock();
  MigrationLock(const MigrationLock&) = delete;
  MigrationLock& operator=(const MigrationLock&) = delete;

 private:
  Conn& c_;
};

// Brings the schema up to latest_version(); call under MigrationLock. Throws
// StoreError(not_ready) with a one-line reason for a database newer than this binary, and, when
// `read_only`, for one that is older or empty (a reader never migrates).
void migrate(Conn& c, bool read_only);

}  // namespace brigade::store::pg
