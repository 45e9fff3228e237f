// The ledger's records as the store hands them out and takes them in: kudos, corrections, people,
// help requests, audit entries, queued replies, leaderboard rows and summaries. Part of the
// store's public interface (store/store.hpp includes it); no backend type appears here.
#pragma once

#include <array>
#include <cstdint>
#include <optional>
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

}  // namespace brigade::store
