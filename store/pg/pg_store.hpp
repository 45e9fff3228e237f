// Entry point of the PostgreSQL backend (Store::open forwards here when Options::url names one).
#pragma once

#include <memory>

#include "store/store.hpp"

namespace brigade::store {

// Connects, applies missing migrations under an advisory lock (store/pg/pg_migrate.hpp), and
// rebuilds the tallies when the calendar changed, as the LMDB backend does.
std::unique_ptr<Store> open_pg_store(const Options& opt, const core::Calendar& cal);

}  // namespace brigade::store
