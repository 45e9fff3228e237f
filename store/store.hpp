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
  bool revoked = false;             // taken back (reaction removed, message redacted)
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

// A reply waiting to be delivered by an adapter.
struct OutboxItem {
  std::uint64_t seq = 0;
  std::string adapter;  // "console", "slack", "matrix"
  core::Reply reply;
  std::uint32_t attempts = 0;
  Millis not_before = 0;  // retry no earlier than this
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
  virtual std::uint32_t quota_used(std::string_view giver, std::int32_t day) = 0;

  virtual std::optional<Kudos> kudos(std::uint64_t id) = 0;
  // Kudos with from <= ts < until in id order, at most `limit` (0 = no limit); newest first if
  // `newest_first`.
  virtual std::vector<Kudos> kudos_between(Millis from, Millis until, std::size_t limit,
                                           bool newest_first = false) = 0;
  virtual std::uint64_t kudos_count() = 0;

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

  // Recomputes every tally and rank entry from the kudos log and lists any difference.
  virtual VerifyReport verify() = 0;
};

// The write transaction. Aborts in its destructor unless committed. Only one exists at a time.
class Writer : public Reader {
 public:
  // Appends to the log and updates tallies, ranks and indexes. Assigns and returns k.id.
  virtual std::uint64_t add_kudos(Kudos& k) = 0;
  // Marks a kudos taken back: tallies drop, it leaves summaries, and the giver's quota for the
  // kudos' day has it back; the record stays in the log. Returns false when unknown or already revoked.
  virtual bool revoke_kudos(std::uint64_t id) = 0;
  // Adds n to giver's use on `day` unless that would pass `limit` (0 = unlimited); false when refused.
  virtual bool debit_quota(std::string_view giver, std::int32_t day, std::uint32_t n,
                           std::uint32_t limit) = 0;

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
};

inline constexpr std::uint32_t kSchemaVersion = 1;

}  // namespace brigade::store
