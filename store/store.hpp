// The ledger's public interface: records, queries and the single-writer transaction API.
// The LMDB implementation lives behind it (store/lmdb_store.cpp); no LMDB type leaks out,
// so another backend (PostgreSQL for several replicas) can implement the same interface.
#pragma once

#include <array>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "core/calendar.hpp"
#include "core/types.hpp"
#include "store/records.hpp"

namespace brigade::store {

using core::Millis;
using core::Period;

class StoreError : public std::runtime_error {
 public:
  // What kind of failure, for callers that decide on it (never on the message).
  enum class Code {
    failed,     // an LMDB or I/O failure that may pass (trying again later is reasonable)
    full,       // the data file reached its map size, or one transaction grew too big
    damaged,    // the data file is damaged: a record or page does not read as it must
    invalid,    // the write itself is wrong (an empty id, an unknown kind, a reserved key)
    misuse,     // a transaction used in a way the store forbids: a programming error
    not_ready,  // no ledger here yet, one from a newer Brigade, or one opened read-only
  };
  explicit StoreError(const std::string& what, Code code = Code::failed)
      : std::runtime_error(what), code_(code) {}
  Code code() const noexcept { return code_; }

 private:
  Code code_;
};

// Queries, available in read transactions and inside the write transaction.
// "channel" arguments: empty = the whole workspace.
class Reader {
 public:
  virtual ~Reader() = default;

  // The most recognised people, most first; `limit` of them (0 = all) plus everyone tied with the
  // last of those, so a tie at the cut-off is never decided by who has the lower id.
  virtual std::vector<LeaderEntry> leaderboard(std::string_view channel, Period p, std::int32_t bucket,
                                               std::size_t limit) = 0;
  // What `user` received and gave in a period, in the workspace (channel "") or one channel. On
  // LMDB a day, and what someone gave in one channel, are counted from the log (no counters kept):
  // cheap for a day, a scan of the period's kudos otherwise.
  virtual PersonCounts counts(std::string_view user, std::string_view channel, Period p,
                              std::int32_t bucket) = 0;
  virtual Summary summary(const SummaryQuery& q) = 0;
  // kudos given by `giver` that consumed quota on local day `day`
  std::uint32_t quota_used(std::string_view giver, std::int32_t day) {
    return allowance_used(giver, AllowanceSlot{Period::day, day});
  }
  // kudos `giver` gave in `slot`; with a recipient, those given to that recipient
  virtual std::uint32_t allowance_used(std::string_view giver, AllowanceSlot slot,
                                       std::string_view recipient = {}) = 0;

  virtual std::optional<Kudos> kudos(std::uint64_t id) = 0;
  // Kudos with from <= ts < until in id order, at most `limit` (0 = no limit); newest first if
  // `newest_first`.
  virtual std::vector<Kudos> kudos_between(Millis from, Millis until, std::size_t limit,
                                           bool newest_first = false) = 0;
  virtual std::uint64_t kudos_count() = 0;
  // The kudos shown as K<number>.
  virtual std::optional<Kudos> kudos_numbered(std::uint32_t number) = 0;
  // Kudos given or received by `user` with from <= ts < until, in id order (newest first if asked),
  // at most `limit` (0 = all); revoked ones included.
  virtual std::vector<Kudos> kudos_of(std::string_view user, Millis from, Millis until, std::size_t limit,
                                      bool newest_first = false) = 0;

  virtual std::optional<Ask> ask(std::uint64_t id) = 0;
  // open and taken requests; in `channel` unless empty; oldest first
  virtual std::vector<Ask> open_asks(std::string_view channel, std::size_t limit) = 0;

  virtual bool seen(std::string_view source) = 0;
  // the kudos ids recorded with mark_seen (for taking them back)
  virtual std::vector<std::uint64_t> seen_kudos(std::string_view source) = 0;

  virtual std::vector<OutboxItem> outbox(std::size_t limit) = 0;  // by seq
  // The same, starting at the first item whose seq is >= first_seq.
  virtual std::vector<OutboxItem> outbox_from(std::uint64_t first_seq, std::size_t limit) = 0;
  virtual std::size_t outbox_depth() = 0;

  virtual std::optional<std::string> cursor(std::string_view adapter) = 0;
  virtual std::optional<std::string> meta(std::string_view key) = 0;
  virtual std::string name_of(std::string_view id) = 0;  // last known display name, or ""
  // Resolve a display name back to ids (case-insensitive exact match), for filters like "@alice".
  virtual std::vector<std::string> ids_named(std::string_view name) = 0;

  virtual PersonState person(std::string_view user) = 0;
  // Everything about one person; nullopt when the store has never seen the id.
  virtual std::optional<PersonRecord> export_person(std::string_view user) = 0;

  // Audit entries with ts >= since, oldest first, at most `limit` (0 = all).
  virtual std::vector<AuditEntry> audit(Millis since, std::size_t limit) = 0;
  // Recomputes the hash chain and names the first entry that does not match.
  virtual AuditCheck verify_audit() = 0;

  // The platform's reference for a message sent with Reply::tag (Slack "C1|1700.1", Matrix event id).
  virtual std::optional<std::string> message_ref(std::string_view tag) = 0;
  // The other way: the tag of the message at a platform reference (a reaction on a help request's
  // notice names the notice; its tag "ask:7" names the request).
  virtual std::optional<std::string> message_tag(std::string_view ref) = 0;

  // Recomputes every tally and rank entry from the kudos log and lists any difference.
  virtual VerifyReport verify() = 0;
};

// What a filter or an admin command names: a qualified id ("console:alice", "slack:T1:C2") as
// given; else the name, trimmed and without one leading `sigil` ('@' for people, '#' for
// channels), through Reader::ids_named, less the ids of the other kind (store::id_kind: a
// Slack channel for '@', a Slack or Matrix person for '#'). Empty when it names nothing; several
// when several ids carry that name (callers that need one say so and list them with id_list).
std::vector<std::string> ids_given(Reader& r, std::string_view given, char sigil);
// "a, b, c".
std::string id_list(const std::vector<std::string>& ids);
// The refusal of a name that several ids carry: "'general' names 2 ids (a, b); give one".
std::string names_several(std::string_view given, const std::vector<std::string>& ids);

// The write transaction. Aborts in its destructor unless committed. Only one exists at a time.
class Writer : public Reader {
 public:
  // Appends to the log and updates tallies, ranks and indexes. Assigns and returns k.id.
  virtual std::uint64_t add_kudos(Kudos& k) = 0;
  // Takes a kudos back with a correction entry: tallies drop, it leaves summaries, and the giver's
  // allowance (slot of `allowance` holding the kudos' time) has it back; the kudos record stays.
  // Returns false when unknown or already revoked.
  virtual bool revoke_kudos(std::uint64_t id, const Revocation& why, Period allowance) = 0;
  bool revoke_kudos(std::uint64_t id) { return revoke_kudos(id, Revocation{}, Period::day); }
  // Adds n to giver's use in `slot` (and, with a recipient, to the giver→recipient count) unless
  // that would pass `limit` (0 = unlimited); false when refused, and then nothing changed.
  virtual bool debit_allowance(std::string_view giver, AllowanceSlot slot, std::uint32_t n,
                               std::uint32_t limit, std::string_view recipient = {}) = 0;
  bool debit_quota(std::string_view giver, std::int32_t day, std::uint32_t n, std::uint32_t limit) {
    return debit_allowance(giver, AllowanceSlot{Period::day, day}, n, limit);
  }

  // Privacy (/kudos privacy) and automatic hiding (deactivated, left). Unknown ids are interned.
  virtual void set_privacy(std::string_view user, Privacy p) = 0;
  virtual void set_gone(std::string_view user, bool gone) = 0;
  // Erasure: the id becomes the tombstone "forgotten:N" (returned), the reasons they wrote and the
  // text of their help requests are removed, their names are dropped, queued replies naming them
  // are deleted; counts stay. Throws StoreError(invalid) for an id the store does not know.
  virtual std::string forget(std::string_view user) = 0;
  // Retention: removes the reason text of kudos with ts < cutoff; returns how many lost one.
  virtual std::size_t drop_reasons_before(Millis cutoff) = 0;

  // Appends to the audit log; fills e.seq, e.prev_hash and e.hash.
  virtual std::uint64_t append_audit(AuditEntry& e) = 0;

  // Remembers where a tagged reply landed, so a later reply can edit it; pruned with prune_seen.
  virtual void set_message_ref(std::string_view tag, std::string_view ref, Millis ts) = 0;

  virtual std::uint64_t add_ask(Ask& a) = 0;  // assigns a.id
  virtual void put_ask(const Ask& a) = 0;

  // Exactly once across processes: false when `source` is already seen (a duplicate); otherwise
  // true, and no other transaction, in this process or another replica, can claim it until this
  // one ends (PostgreSQL: the row is inserted now and its unique key waits out the others; LMDB:
  // the single writer already excludes them). mark_seen then records it with its kudos ids; a
  // rollback lets the claim go.
  virtual bool claim_seen(std::string_view source, Millis ts) = 0;
  virtual void mark_seen(std::string_view source, Millis ts,
                         const std::vector<std::uint64_t>& kudos_ids = {}) = 0;
  virtual std::size_t prune_seen(Millis older_than) = 0;

  virtual std::uint64_t enqueue(std::string_view adapter, const core::Reply& r) = 0;
  virtual void outbox_done(std::uint64_t seq) = 0;
  virtual void outbox_retry(std::uint64_t seq, std::uint32_t attempts, Millis not_before) = 0;

  virtual void set_cursor(std::string_view adapter, std::string_view token) = 0;
  virtual void set_meta(std::string_view key, std::string_view value) = 0;
  virtual void set_name(std::string_view id, std::string_view name) = 0;

  // A nested transaction: its writes join this one on commit, vanish on abort/destruction.
  // Used so one failing command in a commit group does not spoil the others.
  virtual std::unique_ptr<Writer> child() = 0;
  virtual void commit() = 0;
};

struct Options {
  // Which backend: empty = LMDB in `dir`; "postgresql://…", "postgres://…" or a libpq key=value
  // conninfo = PostgreSQL (store/pg/), where `dir` is not used. The password may come from
  // PGPASSWORD or ~/.pgpass as libpq reads them.
  std::string url;
  std::filesystem::path dir;                     // created if missing (unless read_only)
  bool read_only = false;                        // for `brigade report` beside a running bot
  std::size_t map_size = std::size_t{32} << 30;  // virtual; the file grows as needed
  bool durable = true;                           // fsync on commit
  // PostgreSQL: a password that overrides the URL's (from PGPASSWORD_FILE); never logged.
  std::string password;
};

// True for "postgresql://…", "postgres://…" and libpq key=value conninfo strings (with host= or
// dbname=): what Options::url accepts.
// Inline: config/ checks it without linking the store.
inline bool is_postgres_url(std::string_view s) {
  if (s.rfind("postgresql://", 0) == 0 || s.rfind("postgres://", 0) == 0) return true;
  return s.find('=') != std::string_view::npos &&
         (s.find("host=") != std::string_view::npos || s.find("dbname=") != std::string_view::npos);
}

class Store {
 public:
  virtual ~Store() = default;
  // Opens (creating when allowed), runs schema migrations, and rebuilds tallies when the
  // calendar signature (time zone, week start) differs from the one they were built with.
  static std::unique_ptr<Store> open(const Options& opt, const core::Calendar& cal);

  virtual std::unique_ptr<Reader> read() = 0;
  virtual std::unique_ptr<Writer> write() = 0;  // blocks while another write transaction is open
  virtual const core::Calendar& calendar() const = 0;
  virtual std::uint32_t schema_version() = 0;
  // A hot, consistent, compacted copy of the data file at `file` (LMDB mdb_env_copy2 with
  // MDB_CP_COMPACT), safe while other transactions run. See store/backup.hpp.
  virtual void backup(const std::filesystem::path& file) = 0;

  // ---- several replicas on one database (PostgreSQL; LMDB has one process, so these are trivial)
  // Takes or renews the lease `name` for `holder` until ttl_ms from now (the database's clock);
  // false while another holder's lease is live. LMDB: always true (the data-directory lock
  // already makes this process the only one).
  virtual bool hold_lease(std::string_view name, std::string_view holder, Millis ttl_ms) {
    (void)name, (void)holder, (void)ttl_ms;
    return true;
  }
  // Gives the lease up at once (a graceful stop), if `holder` has it.
  virtual void drop_lease(std::string_view name, std::string_view holder) { (void)name, (void)holder; }
  // Calls `fn` (on a thread of the store's) whenever any process queues a reply, and once after
  // each reconnect, until called again (nullptr: stop; returns once no call runs). LMDB: never
  // (the Committer's commit hook already covers the one process).
  virtual void watch_outbox(std::function<void()> fn) { (void)fn; }
  // Whether a failed commit can pass by reconnecting (a database server restarting): the
  // Committer then tries the group again, with backoff, before giving up.
  virtual bool reconnects() const { return false; }
};

inline constexpr std::uint32_t kSchemaVersion = 4;

}  // namespace brigade::store
