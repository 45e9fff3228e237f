// What this process asked of a PostgreSQL ledger, for /metrics and the benchmarks: statements,
// and the round trips they took (statements sent without waiting share one, store/pg/pg.hpp's
// Conn::send). Both stay 0 on LMDB.
#pragma once

#include <cstdint>

namespace brigade::store {

struct DatabaseTraffic {
  std::uint64_t statements = 0;
  std::uint64_t round_trips = 0;
};

// Since the process started, over every connection.
DatabaseTraffic database_traffic();

}  // namespace brigade::store
