// Damage checks for an LMDB data file, so a truncated or overwritten file gives a one-line error
// naming the file and what to do, instead of SIGBUS/SIGSEGV inside LMDB or a silent empty ledger.
#pragma once

#include <lmdb.h>

#include <filesystem>
#include <string>

#include "store/store.hpp"

namespace brigade::store {

// The error every damage check throws: "the data file … is damaged (why); restore it from a backup".
[[noreturn]] void damaged(const std::filesystem::path& file, const std::string& why);

// Before LMDB opens `dir`: a data file that exists but is too short to hold even its two meta
// pages (0 bytes after a crash or a bad copy) would be initialised as a new, empty ledger.
void check_before_open(const std::filesystem::path& dir);

// After mdb_env_open: the file must reach the last page its meta page names, or reading the
// missing pages through the map raises SIGBUS.
void check_after_open(MDB_env* env, const std::filesystem::path& dir);

// Reads every page of every database in a forked child (LMDB trusts page contents, so damaged
// bytes can crash whoever walks them): a child that crashes or meets an LMDB error means damage.
// Run before the parent touches anything but the meta pages.
void check_pages(const std::filesystem::path& dir);

// Whether an LMDB error code means the file itself is damaged (not a busy or full map).
bool is_damage(int rc);

}  // namespace brigade::store
