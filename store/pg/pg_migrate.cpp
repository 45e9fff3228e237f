// Applying store/pg/sql/ in order, once, under an advisory lock (store/pg/pg_migrate.hpp).
#include "store/pg/pg_migrate.hpp"

#include <string>

namespace brigade::store::pg {

namespace {
// pg_advisory_lock takes a bigint; this one names Brigade's migrations in the current schema.
constexpr const char* kLockKey = "hashtextextended('brigade.migrate.' || current_schema(), 0)";
}  // namespace

std::uint32_t latest_version() {
  return migrations().empty() ? 0 : migrations().back().version;
}

std::uint32_t schema_version(Conn& c) {
  auto t = c.exec("SELECT to_regclass('brigade_migrations') IS NOT NULL");
  if (!t.boolean(0, 0)) return 0;
  auto r = c.exec("SELECT coalesce(max(version), 0) FROM brigade_migrations");
  return r.u32(0, 0);
}

MigrationLock::MigrationLock(Conn& c) : c_(c) {
  c_.exec(std::string("SELECT pg_advisory_lock(") + kLockKey + ")");
}

MigrationLock::~MigrationLock() {
  try {
    if (c_.ok()) c_.exec(std::string("SELECT pg_advisory_unlock(") + kLockKey + ")");
  } catch (const StoreError&) {
    // The lock goes with the session anyway.
  }
}

void migrate(Conn& c, bool read_only) {
  const auto have = schema_version(c);
  const auto want = latest_version();
  if (have > want)
    throw StoreError("the PostgreSQL ledger has schema version " + std::to_string(have) +
                         ", newer than this Brigade knows (" + std::to_string(want) +
                         "); run the newer Brigade or restore an older backup",
                     StoreError::Code::not_ready);
  if (have == want) return;
  if (read_only)
    throw StoreError(have == 0 ? "no Brigade ledger in this PostgreSQL database yet; start the bot once"
                               : "the PostgreSQL ledger has schema version " + std::to_string(have) +
                                     ", older than this Brigade's " + std::to_string(want) +
                                     "; start the bot once to migrate it",
                     StoreError::Code::not_ready);
  c.run(
      "CREATE TABLE IF NOT EXISTS brigade_migrations (version integer PRIMARY KEY, name text NOT NULL, "
      "applied_at timestamptz NOT NULL DEFAULT now())");
  for (const auto& m : migrations()) {
    if (m.version <= have) continue;
    c.run("BEGIN");
    try {
      c.run(m.sql);
      c.exec("INSERT INTO brigade_migrations (version, name) VALUES ($1, $2)", Params(m.version, m.name));
      c.run("COMMIT");
    } catch (const StoreError& e) {
      try {
        c.run("ROLLBACK");
      } catch (const StoreError&) {
      }
      throw StoreError(std::string("migration ") + m.name + " failed: " + e.what(), e.code());
    }
  }
}

}  // namespace brigade::store::pg
