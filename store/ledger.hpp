// The ledger's schema (named databases, internal meta keys) and every query and update on one
// LMDB transaction. lmdb_store.cpp wraps a Ledger in the Reader/Writer objects of store.hpp.
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "store/buckets.hpp"
#include "store/codec.hpp"
#include "store/lmdb.hpp"
#include "store/names.hpp"
#include "store/store.hpp"

namespace brigade::store {

// The named databases. Keys are big-endian so cursors walk them in numeric order.
enum Db : unsigned {
  kMeta,      // key → value: schema version, calendar signature, sequences, caller metadata
  kIds,       // qualified id → u32 number (users and channels share one numbering; 0 = none/workspace)
  kNames,     // u32 → (qualified id, last display name)
  kKudos,     // u64 id → KudosRec (ids are ts_ms << 12, bumped to stay unique and increasing)
  kByUser,    // (u32 day, u32 user) → dup u64 kudos id, for giver and recipient
  kByChan,    // (u32 day, u32 channel) → dup u64 kudos id
  kTally,     // (period, bucket, scope, role) → dup (user, count); week, month, all (schema 4)
  kRank,      // schema ≤ 2: (period, bucket, scope) → dup (~count, user); emptied by migrate_2_to_3, unused
  kQuota,     // (giver, day) → u32 used
  kAsks,      // u64 id → AskRec
  kOpenAsks,  // u64 id → u32 channel, for asks that are open or taken
  kSeen,      // source id → (ts, kudos ids)
  kOutbox,    // u64 seq → OutboxItem
  kCursor,    // adapter → resume token
  kNumbers,   // u32 kudos number (K42) → u64 kudos id                                  (schema 2)
  kCorrect,   // u64 kudos id → correction entry (when, how, by whom, why it was taken back)
  kAudit,     // u64 seq → audit entry, each carrying the SHA-256 of the one before
  kPeople,    // u32 user → privacy and visibility flags (absent = public)
  kMessages,  // reply tag → (ts, platform message reference), for edits
  kDbCount
};
struct DbSpec {
  const char* name;
  unsigned flags;
};
extern const std::array<DbSpec, kDbCount> kDbSpecs;
using Dbis = std::array<lmdb::Dbi, kDbCount>;

// Meta keys the store owns; set_meta refuses the prefix so callers cannot clobber them.
inline constexpr std::string_view kInternalPrefix = "store.";
inline constexpr std::string_view kMetaSchema = "store.schema_version";
inline constexpr std::string_view kMetaCalendar = "store.calendar";
inline constexpr std::string_view kMetaSkew = "store.max_skew_ms";  // max over kudos of (id >> 12) - ts
inline constexpr std::string_view kMetaAskSeq = "store.seq.ask";
inline constexpr std::string_view kMetaOutboxSeq = "store.seq.outbox";
inline constexpr std::string_view kMetaRebuilt = "store.tallies_rebuilt";  // what the last rebuild did
inline constexpr std::string_view kMetaKudosSeq = "store.seq.kudos";       // last K number given
inline constexpr std::string_view kMetaAuditHead = "store.audit.head";     // hex hash of the last entry
inline constexpr std::string_view kMetaRetention =
    "store.retention.done";  // kudos ids below: reasons dropped

// Tally changes not yet written, summed per counter as they come. add/revoke queue them; a flush
// writes the sums in key order, so a commit group touches each counter once. A celebration reads a
// count with the queued change added (queued()): one lookup, where a pass over every queued change
// made a 1,000-command Matrix batch quadratic (13% of its committer's samples).
class TallyDeltas {
 public:
  using Entry = std::pair<codec::TallyKey, std::int64_t>;
  void add(const codec::TallyKey& key, std::int64_t delta);
  void add(const TallyDeltas& other);
  // The queued sum for `key` (0 when none).
  std::int64_t queued(const codec::TallyKey& key) const;
  // The counters with a non-zero sum, in key order.
  std::vector<Entry> in_key_order() const;
  bool empty() const { return items_.empty(); }
  void clear();

 private:
  struct Item {
    unsigned __int128 order;  // codec::sort_key(entry.first)
    Entry entry;
  };
  // Open addressing over items_ (no allocation per counter, as the plain list it replaced):
  // slots_ holds index + 1 into items_ (0: free), a power of two in size, at most half full.
  std::size_t slot_of(unsigned __int128 order) const;
  void grow();
  std::vector<Item> items_;
  std::vector<std::uint32_t> slots_;
};

class Ledger {
 public:
  // `deferred`: where tally changes queue up (nullptr: written at once). `buckets`: a bucket cache
  // that may outlive this transaction (nullptr: a private one).
  Ledger(MDB_txn* txn, const Dbis& dbis, const core::Calendar& cal, bool writable,
         TallyDeltas* deferred = nullptr, Buckets* buckets = nullptr);
  ~Ledger() { close_cursors(); }
  Ledger(const Ledger&) = delete;
  Ledger& operator=(const Ledger&) = delete;
  // Cursors of a write transaction must go before it ends.
  void close_cursors() noexcept;

  // ---- Reader ----
  std::vector<LeaderEntry> leaderboard(std::string_view channel, Period p, std::int32_t bucket,
                                       std::size_t limit);
  // `queued`: tally changes not written yet (a write transaction's and its ancestors'), added to
  // the stored counts, so a read inside a group commit does not have to write them first.
  PersonCounts counts(std::string_view user, std::string_view channel, Period p, std::int32_t bucket,
                      std::span<const TallyDeltas* const> queued = {});
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
  // Drops every tally and rank entry and recomputes them from the log; returns live kudos replayed.
  std::uint64_t rebuild_tallies();
  // Writes queued tally changes (summed per counter, in key order) and empties `deltas`.
  void write_tallies(TallyDeltas& deltas);
  // Schema 1 → 2: numbers every kudos (K1, K2, … in id order), gives revoked ones a legacy
  // correction entry, and moves daily quota keys to the allowance layout.
  void migrate_1_to_2();
  void migrate_2_to_3();
  void migrate_3_to_4();

 private:
  struct Recomputed;
  using NameCache = std::unordered_map<std::uint32_t, std::pair<std::string, std::string>>;

  const lmdb::Dbi& db(Db d) const { return dbis_[d]; }
  MDB_cursor* cursor_of(Db d);  // cached per transaction; callers position it before use
  void need_write(const char* op) const;

  std::optional<std::uint32_t> find_num(std::string_view id);
  std::uint32_t intern(std::string_view id);
  // The highest user or channel number given out so far (numbers are dense, from 1); 0 when none.
  std::uint32_t last_number();
  // (qualified id, display name) of a number; a dangling number is corruption.
  std::pair<std::string_view, std::string_view> name_rec(std::uint32_t num);
  const std::pair<std::string, std::string>& cached_name(std::uint32_t num, NameCache& cache);
  Kudos to_kudos(std::uint64_t id, const codec::KudosRec& r, NameCache& cache);
  Ask to_ask(std::uint64_t id, const codec::AskRec& r, NameCache& cache);
  void write_ask(std::uint64_t id, const Ask& a);
  // One kudos of `giver`'s use in `slot` back, in total and towards `recipient` (revoke_kudos: the
  // report no longer counts it either).
  void refund_allowance(std::uint32_t giver, std::uint32_t recipient, AllowanceSlot slot);
  // Whether `num` may appear in rankings (PersonState::ranked; absent from kPeople = public).
  bool ranked(std::uint32_t num);
  PersonState person_state(std::uint32_t num);
  void put_person(std::uint32_t num, const PersonState& st);
  void forget_asks(std::uint32_t num);
  std::uint32_t person_number(std::string_view id);  // intern(), except that tombstones resolve  // clears
                                                     // the text of the help requests `num` opened
  // An audit entry as the API shows it (people by their current id or tombstone).
  AuditEntry to_audit(std::uint64_t seq, const codec::AuditRec& a, NameCache& cache);
  std::optional<std::uint64_t> meta_number(std::string_view key);
  std::uint64_t next_seq(std::string_view key);
  // [lo, hi) ids that can hold a kudos with from <= ts < until (hi allows for skewed ids).
  std::pair<std::uint64_t, std::uint64_t> id_range(Millis from, Millis until);
  void collect_index(Db index, std::uint32_t num, std::uint64_t lo, std::uint64_t hi,
                     std::vector<std::uint64_t>& out);
  // summary()'s parts (ledger_summary.cpp): one person's counts while it runs; fn(id, record bytes)
  // for every kudos in ids [lo, hi) that can match, read through the index of `users` (sorted,
  // distinct), else of channel `chan`, else the whole log; the ids such an index gives; one
  // person's result.
  struct SummaryAcc;
  template <class Fn>
  void for_each_kudos(const std::vector<std::uint32_t>& users, std::uint32_t chan, std::uint64_t lo,
                      std::uint64_t hi, Fn&& fn);
  std::vector<std::uint64_t> summary_ids(const std::vector<std::uint32_t>& users, std::uint32_t chan,
                                         std::uint64_t lo, std::uint64_t hi);
  PersonSummary person_summary(std::uint32_t num, SummaryAcc& a, std::size_t max_reasons, NameCache& cache);

  // Adds `delta` to every tally of kudos `r` (queued when deferred) and keeps rank in step.
  void apply_tallies(const codec::KudosRec& r, int delta);
  void bump(const codec::TallyKey& key, std::int64_t delta);
  Recomputed recompute();
  // verify()'s parts: each compares what is stored with what the log implies and notes the differences.
  struct Drift;
  void verify_tallies(const Recomputed& r, Drift& drift);
  void verify_indexes(const Recomputed& r, Drift& drift);
  // Received/given per user from the log itself, for periods without tallies (day).
  std::unordered_map<std::uint32_t, PersonCounts> scan_counts(core::Range r, std::uint32_t scope);
  std::string describe(const codec::TallyKey& k, NameCache& cache);

  MDB_txn* txn_;
  const Dbis& dbis_;
  const core::Calendar& cal_;
  bool writable_;
  TallyDeltas* deferred_;
  Buckets own_buckets_;
  Buckets& buckets_;
  std::array<MDB_cursor*, kDbCount> cursors_{};
};

}  // namespace brigade::store
