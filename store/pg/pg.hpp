// A thin RAII layer over libpq for the PostgreSQL backend: one connection, parameterised
// statements, results read by column, and every failure as a StoreError with a code callers can
// decide on (connection lost → failed, constraint broken → invalid, out of space → full).
// Store-internal (store/pg/ only): libpq stays out of store/store.hpp.
#pragma once

#include <libpq-fe.h>

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "store/store.hpp"

namespace brigade::store::pg {

// libpq is not linked: store/pg/libpq.cpp opens it when the first connection is made, so a bot on
// LMDB never maps it (nor Kerberos, LDAP and GnuTLS, which it needs).
inline constexpr const char* kLibpqSoname = "libpq.so.5";
// Opens kLibpqSoname once per process (later calls repeat the outcome); throws StoreError(failed)
// saying what is missing. Conn calls it first; any libpq function calls it too.
void load_libpq();
// Opens `soname` and finds every libpq function Brigade uses, without keeping any of it: "" when
// all are there, else what is missing (for tests and `brigade health`-style checks).
std::string probe_libpq(const char* soname);

// Bytes for a bytea parameter (sent in binary, never as text).
struct Bytes {
  std::string_view data;
};

// Statement parameters, built left to right: $1, $2, …  Integers and text go as text; Bytes in
// binary; an empty optional is NULL.
class Params {
 public:
  Params() = default;
  template <class... T>
  explicit Params(const T&... v) {
    (add(v), ...);
  }
  Params& add(std::string_view s);
  Params& add(const std::string& s) { return add(std::string_view(s)); }
  Params& add(const char* s) { return add(std::string_view(s)); }
  Params& add(std::int64_t v);
  Params& add(std::uint64_t v);  // must fit a bigint
  Params& add(std::int32_t v) { return add(static_cast<std::int64_t>(v)); }
  Params& add(std::uint32_t v) { return add(static_cast<std::int64_t>(v)); }
  Params& add(std::uint8_t v) { return add(static_cast<std::int64_t>(v)); }
  Params& add(bool v);
  Params& add(Bytes b);
  // A text[] / bigint[] literal ({"a","b"} / {1,2}).
  Params& add_array(const std::vector<std::string>& v);
  Params& add_array(const std::vector<std::uint64_t>& v);
  template <class T>
  Params& add(const std::optional<T>& v) {
    return v ? add(*v) : add_null();
  }
  Params& add_null();

  int size() const { return static_cast<int>(values_.size()); }
  const char* const* values() const { return ptrs_.data(); }
  const int* lengths() const { return lengths_.data(); }
  const int* formats() const { return formats_.data(); }

 private:
  void push(std::string v, bool null, int format);
  void fix();
  std::vector<std::string> values_;
  std::vector<const char*> ptrs_;
  std::vector<int> lengths_;
  std::vector<int> formats_;
  std::vector<bool> null_;
};

// A statement's answer. Columns are read by index; text results (the default).
class Result {
 public:
  Result() = default;
  explicit Result(PGresult* r) : r_(r, &PQclear) {}
  int rows() const { return r_ ? PQntuples(r_.get()) : 0; }
  bool empty() const { return rows() == 0; }
  bool null(int row, int col) const { return PQgetisnull(r_.get(), row, col) != 0; }
  std::string_view text(int row, int col) const;
  std::string str(int row, int col) const { return std::string(text(row, col)); }
  std::int64_t i64(int row, int col) const;  // NULL reads as 0
  std::uint64_t u64(int row, int col) const { return static_cast<std::uint64_t>(i64(row, col)); }
  std::uint32_t u32(int row, int col) const { return static_cast<std::uint32_t>(i64(row, col)); }
  bool boolean(int row, int col) const { return text(row, col) == "t"; }
  std::string bytes(int row, int col) const;  // a bytea column (hex output decoded)
  std::vector<std::uint64_t> u64_array(int row, int col) const;  // a bigint[] column
  std::vector<std::string> text_array(int row, int col) const;   // a text[] column
  // Rows a statement changed (UPDATE/DELETE/INSERT without RETURNING).
  std::uint64_t affected() const;

 private:
  std::shared_ptr<PGresult> r_;
};

// One connection. Not thread-safe; the store hands each transaction its own.
class Conn {
 public:
  // Connects with a libpq conninfo string or URI; a non-empty `password` overrides the one it
  // names. Throws StoreError(failed) naming the host (never the password).
  explicit Conn(const std::string& conninfo, const std::string& password = {});
  ~Conn();
  Conn(const Conn&) = delete;
  Conn& operator=(const Conn&) = delete;

  // Runs a statement and returns its answer. Statements sent() before it travel with it: one round
  // trip for all, and an error in any of them is thrown here.
  Result exec(std::string_view sql, const Params& p = Params());
  // Sends a statement whose answer nobody reads (a write) without waiting for it: it goes to the
  // server with the next exec() or run(), in order, in one round trip (libpq's pipeline mode).
  // Its error, if any, is thrown by that call; the transaction is then aborted, as it would have
  // been. Nothing waits longer than kMaxSent statements.
  void send(std::string_view sql, const Params& p = Params());
  static constexpr std::size_t kMaxSent = 512;
  // Statements sent and not yet answered.
  std::size_t sent() const { return sent_.size(); }
  // Reads the answers of sent statements and forgets them, errors included: before a rollback,
  // which undoes them anyway.
  void drop_sent() noexcept;
  // While on, exec() prepares each statement text once on this connection (one extra round trip
  // the first time) and runs it by name from then on, so the server neither parses nor plans it
  // again (after five runs it may keep one generic plan). Writers turn it on: a group commit runs
  // the same few dozen statements for every command. Readers leave it off, so that leaderboard
  // and report queries are planned for their own values. At most kMaxPrepared texts are kept.
  void prepare_statements(bool on) { prepare_ = on; }
  static constexpr std::size_t kMaxPrepared = 128;
  // Several statements without parameters (schema scripts, BEGIN/COMMIT). A single statement
  // (COMMIT, SAVEPOINT …) travels with the statements sent before it.
  void run(std::string_view sql);
  bool ok() const;  // the connection is usable
  // How many times this connection waited for the server since it opened (for tests and
  // benchmarks): once per statement run alone, once per pipeline of sent statements.
  std::uint64_t round_trips() const { return round_trips_; }
  PGconn* get() { return c_; }

 private:
  [[noreturn]] void fail(PGresult* r, std::string_view sql);
  // One wait for the server, for `statements` statements: this connection's round_trips() and the
  // process's store::database_traffic().
  void waited(std::size_t statements);
  // The name `text` is prepared under, preparing it now if there is room (ending a pipeline
  // first); nullptr when statements are not prepared or there is no room.
  const std::string* statement(const std::string& text, const Params& p);
  // Puts one statement into the pipeline, entering pipeline mode first.
  void queue(const std::string& text, const std::string* name, const Params& p);
  // Ends the pipeline: a Sync, then every sent statement's answer in order. Returns the last
  // one's; throws the first error once everything was read.
  Result end_pipeline();
  PGconn* c_ = nullptr;
  std::uint64_t round_trips_ = 0;
  bool prepare_ = false;
  bool pipeline_ = false;
  bool broken_ = false;  // a pipeline's answers were lost midway
  std::vector<std::string> sent_;  // the sent statements' texts, for error messages
  std::unordered_map<std::string, std::string> prepared_;  // statement text → its name here
};

// The host (and port) a conninfo names, for error messages; never the password.
std::string describe_target(const std::string& conninfo);

}  // namespace brigade::store::pg
