// Copying a whole ledger between backends (`brigade store copy`): a backend-neutral dump of every
// record the ledger holds, streamed in batches from a Source (one consistent snapshot of an LMDB
// data directory or a PostgreSQL database) into a Target (an empty ledger, filled in one
// transaction), then checked answer for answer before the target commits.
// People and channels keep their interned numbers and audit entries their bytes, so the audit
// chain's hashes, and its head, are the same on both sides.
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "core/calendar.hpp"
#include "store/store.hpp"

namespace brigade::store {

namespace transfer {

// A user or channel number (ids/names): a forgotten person's id is their tombstone.
struct Person {
  std::uint32_t num = 0;
  std::string id;
  std::string name;  // last display name
  PersonState state;
  Millis changed = 0;  // when the state last changed (LMDB keeps it; PostgreSQL does not)
};

struct KudosRow {
  std::uint64_t id = 0;
  std::uint32_t number = 0;
  Millis ts = 0;
  std::uint32_t giver = 0, recipient = 0, channel = 0;  // numbers; channel 0 = none
  Kind kind = Kind::thanks;
  std::uint64_t ask = 0;
  std::string reason;
  std::vector<std::string> values;
  bool revoked = false;
};

struct Correction {
  std::uint64_t kudos = 0;
  Millis ts = 0;
  RevokeHow how = RevokeHow::revoke;
  std::uint32_t by = 0;  // 0 = unknown
  std::string reason;
};

// One allowance slot: recipient 0 is the giver's total in the slot.
struct Allowance {
  std::uint32_t giver = 0;
  Period period = Period::day;
  std::int32_t bucket = 0;
  std::uint32_t recipient = 0;
  std::uint32_t used = 0;
};

struct AskRow {
  std::uint64_t id = 0;
  std::uint32_t channel = 0, requester = 0, taker = 0;
  std::string text;
  AskState state = AskState::open;
  std::vector<std::uint32_t> helpers;
  Millis created = 0, updated = 0;
};

// A seen source id under its stored key (store/names.hpp seen_key: may hold a NUL and a hash).
struct Seen {
  std::string key;
  Millis ts = 0;
  std::vector<std::uint64_t> kudos;
};

struct Message {
  std::string tag, ref;
  Millis ts = 0;
};

// An audit entry as stored: the body its hash covers and the previous entry's 32-byte hash.
struct AuditRow {
  std::uint64_t seq = 0;
  Millis ts = 0;
  std::string body;
  std::string prev;
};

struct KeyValue {
  std::string key, value;
};

// The sequences: the last K number and kudos id, the last ask id, outbox seq and audit seq given.
struct Counters {
  std::uint64_t kudos_number = 0, kudos_last_id = 0, ask = 0, outbox = 0, audit = 0;
};

// Up to kBatchRecords records. A Source sends the kinds in member order (people first, so every
// number a record names is known before it; kudos before their corrections), each in key order.
struct Batch {
  std::vector<Person> people;
  std::vector<KudosRow> kudos;
  std::vector<Correction> corrections;
  std::vector<Allowance> allowance;
  std::vector<AskRow> asks;
  std::vector<Seen> seen;
  std::vector<OutboxItem> outbox;  // seq, adapter, attempts, not_before and the reply
  std::vector<KeyValue> cursors;
  std::vector<KeyValue> meta;  // every key but the target's own (kTargetMeta) and the sequences
  std::vector<Message> messages;
  std::vector<AuditRow> audit;

  std::size_t size() const {
    return people.size() + kudos.size() + corrections.size() + allowance.size() + asks.size() + seen.size() +
           outbox.size() + cursors.size() + meta.size() + messages.size() + audit.size();
  }
  void clear() { *this = Batch(); }
};
inline constexpr std::size_t kBatchRecords = 10000;

// Meta keys a copy never carries: the target has its own schema version and calendar stamp, and
// the sequences travel as Counters (LMDB keeps them in meta, PostgreSQL in its counters table).
bool skipped_meta(std::string_view key);

// Collects records into batches and hands each full one to the sink.
class Batcher {
 public:
  explicit Batcher(const std::function<void(Batch&)>& sink) : sink_(sink) {}
  template <class T>
  void add(std::vector<T> Batch::*kind, T&& v) {
    (b_.*kind).push_back(std::move(v));
    if (b_.size() >= kBatchRecords) flush();
  }
  void flush() {
    if (b_.size() == 0) return;
    sink_(b_);
    b_.clear();
  }

 private:
  const std::function<void(Batch&)>& sink_;
  Batch b_;
};

// One consistent snapshot of a ledger (an LMDB read transaction; a PostgreSQL REPEATABLE READ one).
class Source {
 public:
  virtual ~Source() = default;
  // Sends every record to `sink` in batches (see Batch) and returns the sequences.
  virtual Counters read(const std::function<void(Batch&)>& sink) = 0;
  // The same snapshot through the Reader API, for the checks.
  virtual Reader& reader() = 0;
};

// An empty ledger being filled in one transaction, rolled back unless commit() is called.
class Target {
 public:
  virtual ~Target() = default;
  virtual void load(const Batch& b) = 0;
  // After the last batch: the sequences, then tallies and indexes rebuilt from the loaded log.
  virtual void finish(const Counters& c) = 0;
  virtual Reader& reader() = 0;  // the loaded ledger, uncommitted
  virtual void commit() = 0;
};

// LMDB (store/transfer_lmdb*.cpp): the source is read with its own read-only environment and the
// target is written with its own; neither directory may be open in this process meanwhile.
// Open and check that the ledger has the current schema; the target is created when missing and
// must be empty (StoreError invalid, one line, otherwise).
std::unique_ptr<Source> open_lmdb_source(const Options& o, const core::Calendar& cal);
std::unique_ptr<Target> open_lmdb_target(const Options& o, const core::Calendar& cal);
// PostgreSQL (store/pg/pg_transfer*.cpp): the target's schema is migrated first; its tables are
// locked against writers until the copy commits or rolls back.
std::unique_ptr<Source> open_pg_source(const Options& o, const core::Calendar& cal);
std::unique_ptr<Target> open_pg_target(const Options& o, const core::Calendar& cal);

}  // namespace transfer

// How many records of each kind were copied.
struct CopyCounts {
  std::uint64_t people = 0, kudos = 0, corrections = 0, allowance = 0, asks = 0, seen = 0, outbox = 0,
                cursors = 0, meta = 0, messages = 0, audit = 0;
};

struct CopyReport {
  CopyCounts copied;
  std::uint64_t live_kudos = 0;     // not revoked: what the tallies count (verify())
  std::uint64_t tally_keys = 0;     // tally entries checked on the target
  std::size_t boards = 0;           // all-time leaderboards compared (workspace + channels)
  std::uint32_t summary_total = 0;  // kudos in the all-time summary, equal on both sides
  std::uint64_t audit_entries = 0;
  std::string audit_head;  // hex SHA-256 of the last audit entry, the same on both sides
};

// A short name of a ledger for messages: "the LMDB ledger in ./data", "the PostgreSQL ledger at
// db.example:5432" (never a password).
std::string describe_ledger(const Options& o);

// `brigade store copy`: copies the ledger at `from` into the empty ledger at `to` (either backend;
// `cal` is the organisation's calendar, which the target's tallies are built for). The target's
// transaction commits only once it verifies (tallies against its log, audit chain with the
// source's head) and answers as the source does (kudos count, every all-time leaderboard, the
// all-time summary); otherwise it rolls back and StoreError says what differed. An LMDB target
// is held with DataDirLock throughout. `progress` (may be empty) hears a line per stage.
CopyReport copy_ledger(const Options& from, const Options& to, const core::Calendar& cal,
                       const std::function<void(const std::string&)>& progress = {});

}  // namespace brigade::store
