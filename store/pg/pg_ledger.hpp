// Every query and update of the ledger on one PostgreSQL transaction: the same operations, with
// the same meaning, as the LMDB Ledger (store/ledger.hpp), answered in SQL against the schema in
// store/pg/sql/. pg_store.cpp wraps a PgLedger in the Reader/Writer objects of store.hpp.
// One file per part: pg_ledger.cpp (ids, names, meta, cursors, counters), pg_kudos.cpp (the log,
// allowances), pg_tally.cpp (leaderboards, counts, verify, rebuild), pg_summary.cpp,
// pg_people.cpp (privacy, erasure, export, retention), pg_audit.cpp (audit chain, message refs),
// pg_queue.cpp (asks, seen, outbox).
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <tuple>
#include <unordered_map>
#include <vector>

#include "core/calendar.hpp"
#include "store/names.hpp"
#include "store/pg/pg.hpp"
#include "store/store.hpp"

namespace brigade::store::pg {

// Meta keys the store owns (the same names as the LMDB backend's).
inline constexpr std::string_view kInternalPrefix = "store.";
inline constexpr std::string_view kMetaSchema = "store.schema_version";  // store::kSchemaVersion
inline constexpr std::string_view kMetaCalendar = "store.calendar";
inline constexpr std::string_view kMetaRebuilt = "store.tallies_rebuilt";
inline constexpr std::string_view kMetaAuditHead = "store.audit.head";
inline constexpr std::string_view kMetaRetention = "store.retention.done";

class PgLedger {
 public:
  PgLedger(Conn& c, const core::Calendar& cal, bool writable) : c_(c), cal_(cal), writable_(writable) {}
  PgLedger(const PgLedger&) = delete;
  PgLedger& operator=(const PgLedger&) = delete;

  // ---- Reader ----
  std::vector<LeaderEntry> leaderboard(std::string_view channel, Period p, std::int32_t bucket,
                                       std::size_t limit);
  PersonCounts counts(std::string_view user, std::string_view channel, Period p, std::int32_t bucket);
  Summary summary(const SummaryQuery& q);
  std::uint32_t allowance_used(std::string_view giver, AllowanceSlot slot, std::string_view recipient);
  std::optional<Kudos> kudos(std::uint64_t id);
  std::vector<Kudos> kudos_between(Millis from, Millis until, std::size_t limit, bool newest_first);
  std::uint64_t kudos_count();
  std::optional<Kudos> kudos_numbered(std::uint32_t number);
  std::vector<Kudos> kudos_of(std::string_view user, Millis from, Millis until, std::size_t limit,
                              bool newest_first);
  std::optional<Ask> ask(std::uint64_t id);
  std::vector<Ask> open_asks(std::string_view channel, std::size_t limit);
  bool seen(std::string_view source);
  std::vector<std::uint64_t> seen_kudos(std::string_view source);
  std::vector<OutboxItem> outbox(std::size_t limit);
  std::vector<OutboxItem> outbox_from(std::uint64_t first_seq, std::size_t limit);
  std::size_t outbox_depth();
  std::optional<std::string> cursor(std::string_view adapter);
  std::optional<std::string> meta(std::string_view key);
  std::string name_of(std::string_view id);
  std::vector<std::string> ids_named(std::string_view name);
  VerifyReport verify();
  PersonState person(std::string_view user);
  std::optional<PersonRecord> export_person(std::string_view user);
  std::vector<AuditEntry> audit(Millis since, std::size_t limit);
  AuditCheck verify_audit();
  std::optional<std::string> message_ref(std::string_view tag);
  std::optional<std::string> message_tag(std::string_view ref);

  // ---- Writer ----
  std::uint64_t add_kudos(Kudos& k);
  bool revoke_kudos(std::uint64_t id, const Revocation& why, Period allowance);
  bool debit_allowance(std::string_view giver, AllowanceSlot slot, std::uint32_t n, std::uint32_t limit,
                       std::string_view recipient);
  void set_privacy(std::string_view user, Privacy p);
  void set_gone(std::string_view user, bool gone);
  std::string forget(std::string_view user);
  std::size_t drop_reasons_before(Millis cutoff);
  std::uint64_t append_audit(AuditEntry& e);
  void set_message_ref(std::string_view tag, std::string_view ref, Millis ts);
  std::uint64_t add_ask(Ask& a);
  void put_ask(const Ask& a);
  bool claim_seen(std::string_view source, Millis ts);
  void mark_seen(std::string_view source, Millis ts, const std::vector<std::uint64_t>& kudos_ids);
  std::size_t prune_seen(Millis older_than);
  std::uint64_t enqueue(std::string_view adapter, const core::Reply& r);
  void outbox_done(std::uint64_t seq);
  void outbox_retry(std::uint64_t seq, std::uint32_t attempts, Millis not_before);
  void set_cursor(std::string_view adapter, std::string_view token);
  void set_meta(std::string_view key, std::string_view value);  // refuses kInternalPrefix
  void set_name(std::string_view id, std::string_view name);

  // ---- store-internal ----
  void put_meta(std::string_view key, std::string_view value);
  // Rewrites every kudos' calendar buckets for cal_ and recomputes the tally table from the log;
  // returns the live kudos counted.
  std::uint64_t rebuild_tallies();

  // ---- shared by the pg_*.cpp parts ----
  void need_write(const char* op) const;
  std::optional<std::uint32_t> find_num(std::string_view id);
  std::uint32_t intern(std::string_view id);  // needs a write transaction
  // A person's number; a tombstone ("forgotten:7") is the number it names, never a new person.
  std::uint32_t person_number(std::string_view id);
  // The qualified id (or tombstone) of a number; "" for 0. Cached per ledger.
  const std::string& id_of(std::uint32_t num);
  // Takes the next value of counters.<name>, holding its row lock until this transaction ends
  // (numbers follow commit order across replicas).
  std::uint64_t next_counter(std::string_view name);
  // Locks the 'kudos' counter row: every transaction that changes tallies takes it first, so
  // concurrent replicas queue there instead of deadlocking on tally rows.
  void lock_tallies();
  // The transaction took the tally lock when it began (pg_store.cpp's writers do).
  void note_tallies_locked() { tallies_locked_ = locked_at_begin_ = true; }
  // A child transaction (savepoint) was rolled back: what this object remembers may be gone.
  void rolled_back() {
    tallies_locked_ = locked_at_begin_;  // a savepoint's rollback keeps what was locked before it
    ids_.clear();
    known_.clear();
    added_.clear();
    kudos_counter_.reset();
    outbox_seq_.reset();
    used_.clear();
  }
  Conn& conn() { return c_; }
  const core::Calendar& calendar() const { return cal_; }

 private:
  Conn& c_;
  const core::Calendar& cal_;
  bool writable_;
  bool tallies_locked_ = false;
  bool locked_at_begin_ = false;
  std::unordered_map<std::uint32_t, std::string> ids_;  // num → id, for this transaction

  // What this transaction already read or wrote about an id, so that a group of commands asks the
  // database once per person instead of once per use (a command touches its giver's row up to ten
  // times). It stays true to the end of the transaction: a reader sees one snapshot, and every
  // writer holds the tally lock from its BEGIN, so no other replica changes ids meanwhile. This
  // ledger's own changes keep it true (intern, set_name, set_privacy, set_gone, forget); a
  // rolled-back child clears it.
  struct Known {
    bool read = false;                 // the row was read (or found missing) in this transaction
    bool no_row = false;               // … and there was none, nor has one been made since
    std::optional<std::uint32_t> num;
    std::optional<PersonState> state;  // privacy, gone, forgotten as the row holds them
    std::optional<std::string> name;   // the display name as the row holds it
  };
  struct IdHash {
    using is_transparent = void;
    std::size_t operator()(std::string_view s) const noexcept { return std::hash<std::string_view>{}(s); }
  };
  std::unordered_map<std::string, Known, IdHash, std::equal_to<>> known_;
  Known& known(std::string_view id);
  // The id's row as known_ holds it, read from the database the first time (id must fit a key).
  Known& row(std::string_view id);
  // The row r holds in its first row (num, privacy, gone, forgotten, name) is id's.
  Known& remember_row(std::string_view id, const Result& r);
  // This transaction changed the row's state: read it again when next asked.
  void reread(std::string_view id) {
    if (auto it = known_.find(id); it != known_.end()) it->second.read = false;
  }

  // The kudos this transaction added, as a read would return them (the celebration reads each one
  // back for its number); dropped when a change in this transaction may alter how they read.
  std::unordered_map<std::uint64_t, Kudos> added_;

  // The last numbers this transaction took from counters 'kudos' and 'outbox'. It holds their
  // rows' locks until it ends, so the next numbers are known here: the first kudos (reply) of a
  // transaction takes its number in a statement that answers it, every later one is sent without
  // waiting (Conn::send) with its number and the counter's new value.
  struct KudosCounter {
    std::uint64_t value = 0;   // the last K number
    std::int64_t last_id = 0;  // the last kudos id
  };
  std::optional<KudosCounter> kudos_counter_;
  std::optional<std::uint64_t> outbox_seq_;

  // Allowance slots this transaction read or debited, with their count as it is now: a writer
  // holds the tally lock from its BEGIN and a reader sees one snapshot, so no one else changes
  // them meanwhile. Key: giver, period, bucket, recipient (0: the giver's total).
  using SlotKey = std::tuple<std::uint32_t, std::uint8_t, std::int32_t, std::uint32_t>;
  std::map<SlotKey, std::uint32_t> used_;
};

// Every read of kudos selects these columns (kudos k with its people, channel and correction), so
// one function turns a row into a Kudos (both in pg_kudos.cpp; pg_summary.cpp uses them too).
extern const std::string_view kKudosSelect;
Kudos kudos_row(const Result& r, int row);

// The privacy, gone and forgotten columns of an ids row, starting at column col.
PersonState person_state(const Result& r, int row, int col);

// Fills the calendar bucket columns' values for ts: week, month, quarter, year.
struct KudosBuckets {
  std::int32_t week = 0, month = 0, quarter = 0, year = 0;
};
KudosBuckets buckets_of(const core::Calendar& cal, Millis ts);

}  // namespace brigade::store::pg
