// A thin RAII layer over the LMDB C API, in the spirit of lmdbxx: handles close themselves, a
// transaction aborts unless committed, "not found" is a bool and every other failure a StoreError.
#pragma once

#include <lmdb.h>

#include <array>
#include <cstddef>
#include <filesystem>
#include <string>
#include <string_view>
#include <utility>

#include "store/store.hpp"

namespace brigade::store::lmdb {

inline StoreError::Code code_of(int rc) {
  switch (rc) {
    case MDB_MAP_FULL:
    case MDB_TXN_FULL:
    case MDB_CURSOR_FULL:
    case MDB_PAGE_FULL:
      return StoreError::Code::full;
    case MDB_CORRUPTED:
    case MDB_PAGE_NOTFOUND:
    case MDB_INVALID:
    case MDB_VERSION_MISMATCH:
      return StoreError::Code::damaged;
    case MDB_BAD_TXN:
    case MDB_BAD_VALSIZE:
    case MDB_BAD_DBI:
      return StoreError::Code::misuse;
    default:
      return StoreError::Code::failed;
  }
}

[[noreturn]] inline void fail(int rc, std::string_view what) {
  throw StoreError(std::string(what) + ": " + mdb_strerror(rc), code_of(rc));
}
inline void check(int rc, std::string_view what) {
  if (rc != MDB_SUCCESS) fail(rc, what);
}
// For calls where MDB_NOTFOUND is an answer rather than a failure.
inline bool found(int rc, std::string_view what) {
  if (rc == MDB_NOTFOUND) return false;
  check(rc, what);
  return true;
}

// LMDB never writes through an MDB_val it was given as input; the const_cast only satisfies its C signature.
inline MDB_val val(std::string_view s) {
  return MDB_val{s.size(), const_cast<char*>(s.data())};
}
template <std::size_t N>
inline MDB_val val(const std::array<char, N>& a) {
  return MDB_val{N, const_cast<char*>(a.data())};
}
inline std::string_view view(const MDB_val& v) {
  return {static_cast<const char*>(v.mv_data), v.mv_size};
}

class Env {
 public:
  Env() { check(mdb_env_create(&env_), "mdb_env_create"); }
  ~Env() {
    if (env_ != nullptr) mdb_env_close(env_);
  }
  Env(const Env&) = delete;
  Env& operator=(const Env&) = delete;

  void set_map_size(std::size_t bytes) { check(mdb_env_set_mapsize(env_, bytes), "mdb_env_set_mapsize"); }
  void set_max_dbs(unsigned n) { check(mdb_env_set_maxdbs(env_, n), "mdb_env_set_maxdbs"); }
  void set_max_readers(unsigned n) { check(mdb_env_set_maxreaders(env_, n), "mdb_env_set_maxreaders"); }
  // The files are the owner's only: they hold who thanked whom, and adapters' sessions.
  // Returns LMDB's code; the caller decides what a failure means.
  int open(const std::filesystem::path& dir, unsigned flags) {
    return mdb_env_open(env_, dir.c_str(), flags, 0600);
  }
  // Frees reader slots left by processes that died (kill -9) so they do not pin old pages forever.
  int clear_stale_readers() {
    int dead = 0;
    check(mdb_reader_check(env_, &dead), "mdb_reader_check");
    return dead;
  }
  MDB_env* get() const { return env_; }

 private:
  MDB_env* env_ = nullptr;
};

class Txn {
 public:
  Txn() = default;
  explicit Txn(MDB_txn* adopted) : txn_(adopted) {}
  Txn(MDB_env* env, MDB_txn* parent, unsigned flags) {
    check(mdb_txn_begin(env, parent, flags, &txn_), "cannot begin a transaction");
  }
  ~Txn() { abort(); }
  Txn(Txn&& o) noexcept : txn_(std::exchange(o.txn_, nullptr)) {}
  Txn& operator=(Txn&& o) noexcept {
    if (this != &o) {
      abort();
      txn_ = std::exchange(o.txn_, nullptr);
    }
    return *this;
  }
  Txn(const Txn&) = delete;
  Txn& operator=(const Txn&) = delete;

  // LMDB frees the handle whether or not the commit succeeds, so it is released first.
  void commit() { check(mdb_txn_commit(std::exchange(txn_, nullptr)), "commit failed"); }
  void abort() noexcept {
    if (txn_ != nullptr) mdb_txn_abort(std::exchange(txn_, nullptr));
  }
  MDB_txn* get() const { return txn_; }
  explicit operator bool() const { return txn_ != nullptr; }

 private:
  MDB_txn* txn_ = nullptr;
};

// A named database. Handles stay valid for the environment's life, so there is nothing to close.
class Dbi {
 public:
  Dbi() = default;
  explicit Dbi(MDB_dbi d) : dbi_(d) {}
  // false when the database does not exist and `flags` lacks MDB_CREATE.
  static bool open(MDB_txn* txn, const char* name, unsigned flags, Dbi& out) {
    MDB_dbi d = 0;
    if (!found(mdb_dbi_open(txn, name, flags, &d), std::string("cannot open database ") + name)) return false;
    out = Dbi(d);
    return true;
  }

  bool get(MDB_txn* txn, MDB_val key, MDB_val& data) const {
    return found(mdb_get(txn, dbi_, &key, &data), "mdb_get");
  }
  void put(MDB_txn* txn, MDB_val key, MDB_val data, unsigned flags = 0) const {
    check(mdb_put(txn, dbi_, &key, &data, flags), "mdb_put");
  }
  // With MDB_NOOVERWRITE / MDB_NODUPDATA: false when the key (or pair) already exists.
  bool put_new(MDB_txn* txn, MDB_val key, MDB_val data, unsigned flags = MDB_NOOVERWRITE) const {
    int rc = mdb_put(txn, dbi_, &key, &data, flags);
    if (rc == MDB_KEYEXIST) return false;
    check(rc, "mdb_put");
    return true;
  }
  bool del(MDB_txn* txn, MDB_val key) const { return found(mdb_del(txn, dbi_, &key, nullptr), "mdb_del"); }
  bool del(MDB_txn* txn, MDB_val key, MDB_val data) const {
    return found(mdb_del(txn, dbi_, &key, &data), "mdb_del");
  }
  // Entries, counting every duplicate in a DUPSORT database.
  std::size_t entries(MDB_txn* txn) const {
    MDB_stat st;
    check(mdb_stat(txn, dbi_, &st), "mdb_stat");
    return st.ms_entries;
  }
  void clear(MDB_txn* txn) const { check(mdb_drop(txn, dbi_, 0), "mdb_drop"); }
  MDB_dbi get() const { return dbi_; }

 private:
  MDB_dbi dbi_ = 0;
};

// Must be destroyed before its transaction ends (LMDB frees write-transaction cursors itself).
class Cursor {
 public:
  Cursor(MDB_txn* txn, Dbi dbi) { check(mdb_cursor_open(txn, dbi.get(), &cur_), "mdb_cursor_open"); }
  ~Cursor() { close(); }
  Cursor(const Cursor&) = delete;
  Cursor& operator=(const Cursor&) = delete;
  Cursor(Cursor&& o) noexcept : cur_(std::exchange(o.cur_, nullptr)) {}

  bool get(MDB_val& key, MDB_val& data, MDB_cursor_op op) {
    return found(mdb_cursor_get(cur_, &key, &data, op), "mdb_cursor_get");
  }
  void put(MDB_val key, MDB_val data, unsigned flags = 0) {
    check(mdb_cursor_put(cur_, &key, &data, flags), "mdb_cursor_put");
  }
  // Deletes the item under the cursor (one duplicate, unless flags is MDB_NODUPDATA).
  void del(unsigned flags = 0) { check(mdb_cursor_del(cur_, flags), "mdb_cursor_del"); }
  void close() noexcept {
    if (cur_ != nullptr) mdb_cursor_close(std::exchange(cur_, nullptr));
  }
  MDB_cursor* get() const { return cur_; }

 private:
  MDB_cursor* cur_ = nullptr;
};

}  // namespace brigade::store::lmdb
