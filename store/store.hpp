// The ledger's public interface: records, queries and the single-writer transaction API.
// The LMDB implementation lives behind it (store/lmdb_store.cpp); no LMDB type leaks out,
// so another backend (PostgreSQL for several replicas) can implement the same interface.
#pragma once

#include <array>
#include <cstdint>
#include <filesystem>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "core/calendar.hpp"
#include "core/types.hpp"

namespace brigade::store {

using core::Millis;
using core::Period;

enum class Kind : std::uint8_t { thanks = 1, praise = 2, help = 3 };
inline constexpr std::size_t kKindSlots = 4;  // index by static_cast<size_t>(Kind)
std::string_view to_string(Kind k);

// How a kudos was taken back. Every way is a correction entry beside the untouched kudos record.
enum class RevokeHow : std::uint8_t {
  undo = 1,      // the giver, within kudos.undo_minutes (/kudos undo)
  revoke = 2,    // an admin (/kudos revoke, brigade admin revoke), with a reason
  reaction = 3,  // the giver removed the reaction that gave it
  redacted = 4,  // the message that gave it was deleted (Matrix redaction)
  legacy = 5,    // taken back before corrections were recorded (schema 1)
};
std::string_view to_string(RevokeHow h);

// The correction entry of a kudos that was taken back.
struct Revocation {
  Millis ts = 0;
  RevokeHow how = RevokeHow::revoke;
  std::string by;      // qualified user id of who took it back ("" when unknown)
  std::string reason;  // admins' reason; may be empty
};

// One kudos: one giver recognising one recipient. A /thanks to three people is three kudos.
struct Kudos {
  std::uint64_t id = 0;  // assigned by the store; increases with time (encodes ts_ms << 12)
  Millis ts = 0;
  std::string giver;  // qualified user ids
  std::string recipient;
  std::string channel;  // qualified channel id
  Kind kind = Kind::thanks;
  std::string reason;               // may be empty
  std::vector<std::string> values;  // lower-case, without '#'
  std::uint64_t ask = 0;            // the help request, for kind == help
  std::uint32_t number = 0;         // short, stable and workspace-wide, shown as K42; set by the store
  bool revoked = false;             // taken back; `revocation` says how, when, by whom and why
  std::optional<Revocation> revocation;
};
std::string kudos_label(std::uint32_t number);  // "K42"
// 42 for "K42" / "k42" / "42"; nullopt for anything else.
std::optional<std::uint32_t> parse_kudos_label(std::string_view text);

// How visible a person chooses to be (/kudos privacy).
enum class Privacy : std::uint8_t {
  public_ = 0,  // counted and ranked
  hidden = 1,   // counted and celebrated, left out of every ranking
  off = 2,      // nothing recorded for them
};
std::string_view to_string(Privacy p);
std::optional<Privacy> parse_privacy(std::string_view text);

struct PersonState {
  Privacy privacy = Privacy::public_;
  bool gone = false;       // deactivated, or left the workspace/room: hidden from rankings
  bool forgotten = false;  // erased; the id is a tombstone ("forgotten:7")
  bool ranked() const { return privacy == Privacy::public_ && !gone && !forgotten; }
};

// One entry of the hash-chained audit log. People are stored as interned numbers, so erasing a
// person later changes how an entry reads (their tombstone) but not the bytes its hash covers.
struct AuditEntry {
  std::uint64_t seq = 0;  // assigned by the store, from 1
  Millis ts = 0;
  std::string actor;      // who did it: a qualified user id, or "cli:<login>" for the command line
  std::string action;     // "revoke", "undo", "privacy", "forget", "restore", ...
  std::string subject;    // whom or what it is about: a qualified user id, "K42", "" (none)
  std::string detail;     // why / what changed, in words
  std::string prev_hash;  // hex SHA-256 of the previous entry ("" for the first); set by the store
  std::string hash;       // hex SHA-256 of this entry; set by the store
};

struct AuditCheck {
  std::uint64_t entries = 0;
  std::uint64_t first_bad = 0;  // seq of the first entry that does not chain; 0 = all good
  std::string problem;          // what is wrong with it
  std::string head;             // hash of the last entry
  bool ok() const { return first_bad == 0 && problem.empty(); }
};

// The bucket of an allowance: `period` (day/week/month) and which one, in the organisation's zone.
struct AllowanceSlot {
  Period period = Period::day;
  std::int32_t bucket = 0;
};

enum class AskState : std::uint8_t { open = 1, taken = 2, done = 3, cancelled = 4 };
std::string_view to_string(AskState s);

// A help request (/ask). ids are a workspace-wide sequence starting at 1, shown as #N.
struct Ask {
  std::uint64_t id = 0;
  std::string channel;
  std::string requester;
  std::string text;
  AskState state = AskState::open;
  std::string taker;                 // who claimed it (take)
  std::vector<std::string> helpers;  // who was credited on done
  Millis created = 0;
  Millis updated = 0;
};

// Everything the store holds about one person (brigade admin export).
struct PersonRecord {
  std::string user;
  std::string name;
  PersonState state;
  std::vector<Kudos> given;       // oldest first, revoked ones included
  std::vector<Kudos> received;    // oldest first, revoked ones included
  std::vector<Ask> asks;          // opened, taken or resolved by them
  std::vector<AuditEntry> audit;  // entries by or about them
};

// A reply waiting to be delivered by an adapter.
struct OutboxItem {
  std::uint64_t seq = 0;
  std::string adapter;  // "console", "slack", "matrix"
  core::Reply reply;
  std::uint32_t attempts = 0;
  Millis not_before = 0;  // retry no earlier than this
  // Not stored: the platform reference of the message reply.replaces names, filled in by the
  // outbox sender just before delivery when the store knows it (empty: post as a new message).
  std::string edit_ref;
  // Not stored either: the platform reference of the message reply.link_to names, filled in the
  // same way (empty: no link is shown).
  std::string link_ref;
};

struct LeaderEntry {
  std::string user;  // qualified id
  std::string name;  // last known display name (may be empty)
  std::uint32_t count = 0;
};

struct PersonCounts {
  std::uint32_t received = 0;
  std::uint32_t given = 0;
};

// Filters for a recognition summary. Empty users and channel mean "everyone, everywhere".
struct SummaryQuery {
  Millis from = 0;                 // inclusive
  Millis until = 0;                // exclusive
  std::vector<std::string> users;  // people to report on (as giver or recipient)
  std::string channel;             // only kudos given in this channel
  std::size_t max_reasons = 50;    // per person, newest first
};

struct PersonSummary {
  std::string user;
  std::string name;
  std::uint32_t received = 0;
  std::uint32_t given = 0;
  std::array<std::uint32_t, kKindSlots> received_by_kind{};
  std::array<std::uint32_t, kKindSlots> given_by_kind{};
  std::uint32_t helps_resolved = 0;                           // help requests they resolved as helper
  std::vector<std::pair<std::string, std::uint32_t>> values;  // values received, most first
  std::vector<Kudos> reasons;                                 // received kudos, newest first (capped)
  bool ranked = true;  // false: hidden, gone or forgotten (PersonState::ranked)
};

struct Summary {
  Millis from = 0;
  Millis until = 0;
  std::uint32_t total = 0;            // kudos matching the filter
  std::vector<PersonSummary> people;  // by received desc, then given desc, then id
};

struct VerifyReport {
  std::uint64_t kudos = 0;         // live (not revoked) kudos in the log
  std::uint64_t tally_keys = 0;    // tally entries checked
  std::vector<std::string> drift;  // human-readable differences; empty when consistent
  bool ok() const { return drift.empty(); }
};

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
  std::filesystem::path dir;                     // created if missing (unless read_only)
  bool read_only = false;                        // for `brigade report` beside a running bot
  std::size_t map_size = std::size_t{32} << 30;  // virtual; the file grows as needed
  bool durable = true;                           // fsync on commit
};

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
};

inline constexpr std::uint32_t kSchemaVersion = 2;

}  // namespace brigade::store
