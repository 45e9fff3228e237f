// Entry point of the LMDB backend (Store::open forwards here).
#pragma once

#include <memory>

#include "store/store.hpp"

namespace brigade::store {

std::unique_ptr<Store> open_lmdb_store(const Options& opt, const core::Calendar& cal);

}  // namespace brigade::store
