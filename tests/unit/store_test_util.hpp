// Shared helpers for the store tests: a store in a scratch directory, kudos builders, fixed dates.
// With BRIGADE_TEST_STORE=postgresql (tests/support/with_postgres.sh) every store they open is on
// PostgreSQL, in a schema of its own per scratch directory (tests/support/pg_test.hpp).
#pragma once

#include <filesystem>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "core/calendar.hpp"
#include "store/store.hpp"
#include "tests/support/pg_test.hpp"
#include "tests/support/temp_dir.hpp"

namespace brigade::store::testing {

using brigade::testing::TempDir;
using brigade::testing::testing_postgres;

inline constexpr Millis kSecond = 1000;
inline constexpr Millis kHour = 3600 * kSecond;
inline constexpr Millis kDay = 24 * kHour;
inline constexpr Millis kNov01 = 1793491200000;      // 2026-11-01 00:00 UTC, a Sunday
inline constexpr Millis kNov16 = 1794787200000;      // 2026-11-16 00:00 UTC, a Monday
inline constexpr Millis kNov18Ten = 1794996000000;   // 2026-11-18 10:00 UTC, a Wednesday
inline constexpr Millis kNov22Noon = 1795348800000;  // 2026-11-22 12:00 UTC, a Sunday
inline constexpr Millis kNov23Noon = 1795435200000;  // 2026-11-23 12:00 UTC, a Monday
inline constexpr Millis kNov30Late = 1796081400000;  // 2026-11-30 23:30 UTC (already December in Berlin)
inline constexpr Millis kDec01 = 1796083200000;      // 2026-12-01 00:00 UTC
inline constexpr Millis kOct05 = 1791158400000;      // 2026-10-05 00:00 UTC

// LMDB in `dir`, or under BRIGADE_TEST_STORE=postgresql the PostgreSQL schema of `dir`.
inline Options options(const std::filesystem::path& dir, bool read_only = false) {
  Options o;
  if (testing_postgres()) o.url = brigade::testing::test_store_url(dir);
  o.dir = dir;
  o.read_only = read_only;
  o.durable = false;
  o.map_size = std::size_t{1} << 30;
  return o;
}

inline std::unique_ptr<Store> open_store(const TempDir& dir,
                                         const core::Calendar& cal = core::Calendar("UTC", 1),
                                         bool read_only = false) {
  return Store::open(options(dir.path(), read_only), cal);
}

inline std::string user(const std::string& name) {
  return "console:" + name;
}
inline std::string chan(const std::string& name) {
  return "console:#" + name;
}

inline Kudos make(const std::string& giver, const std::string& recipient, const std::string& channel,
                  Millis ts, Kind kind = Kind::thanks, std::string reason = "",
                  std::vector<std::string> values = {}) {
  Kudos k;
  k.giver = user(giver);
  k.recipient = user(recipient);
  k.channel = channel.empty() ? std::string() : chan(channel);
  k.ts = ts;
  k.kind = kind;
  k.reason = std::move(reason);
  k.values = std::move(values);
  return k;
}

// Adds one kudos in its own transaction and returns its id.
inline std::uint64_t add(Store& s, Kudos k) {
  auto w = s.write();
  auto id = w->add_kudos(k);
  w->commit();
  return id;
}

}  // namespace brigade::store::testing

#include "store/codec.hpp"
#include "store/lmdb.hpp"

namespace brigade::store::testing {

// Runs `f(txn)` in a raw LMDB write transaction on a closed store, to plant corruption or
// future-format data that the Store API would never write.
template <class F>
void raw_write(const std::filesystem::path& dir, F&& f) {
  lmdb::Env env;
  env.set_max_dbs(32);
  env.set_map_size(std::size_t{1} << 30);
  env.open(dir, MDB_NOTLS);
  lmdb::Txn txn(env.get(), nullptr, 0);
  f(txn.get());
  txn.commit();
}

inline lmdb::Dbi raw_dbi(MDB_txn* txn, const char* name, unsigned flags = 0) {
  lmdb::Dbi d;
  if (!lmdb::Dbi::open(txn, name, flags, d)) throw StoreError(std::string("no database ") + name);
  return d;
}

}  // namespace brigade::store::testing
