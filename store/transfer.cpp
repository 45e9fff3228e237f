// `brigade store copy` (store/transfer.hpp): the source's snapshot streamed into the target's
// transaction, then both asked the same questions — kudos count, audit chain and head, every
// all-time leaderboard, the all-time summary — and the target's tallies checked against its log;
// the target commits only when every answer agrees, and is opened once more the ordinary way.
#include "store/transfer.hpp"

#include <filesystem>
#include <optional>
#include <set>
#include <unordered_map>

#include "store/backup.hpp"
#include "store/codec.hpp"
#include "store/ledger.hpp"
#include "store/pg/pg.hpp"

namespace brigade::store {

namespace transfer {

bool skipped_meta(std::string_view key) {
  return key == kMetaSchema || key == kMetaCalendar || key == kMetaRebuilt || key == kMetaSkew ||
         key.starts_with("store.seq.");
}

}  // namespace transfer

namespace {

using transfer::Batch;

// The answers compared on both sides.
struct Facts {
  std::uint64_t kudos = 0;
  AuditCheck audit;
  std::vector<std::vector<LeaderEntry>> boards;  // the workspace's, then each channel's
  Summary summary;                               // all time, without reasons
};

Facts facts_of(Reader& r, const std::vector<std::string>& channels) {
  Facts f;
  f.kudos = r.kudos_count();
  f.audit = r.verify_audit();
  f.boards.push_back(r.leaderboard("", Period::all, 0, 0));
  for (const auto& c : channels) f.boards.push_back(r.leaderboard(c, Period::all, 0, 0));
  SummaryQuery q;
  q.from = 0;
  q.until = codec::kMaxTs + 1;
  q.max_reasons = 0;
  f.summary = r.summary(q);
  return f;
}

std::string entry_text(const std::vector<LeaderEntry>& board, std::size_t i) {
  if (i >= board.size()) return "nobody";
  return board[i].user + " with " + std::to_string(board[i].count);
}

// What the first difference between two leaderboards is, or "" when they are the same.
std::string board_difference(const std::vector<LeaderEntry>& a, const std::vector<LeaderEntry>& b) {
  for (std::size_t i = 0; i < std::max(a.size(), b.size()); ++i) {
    const bool same = i < a.size() && i < b.size() && a[i].user == b[i].user && a[i].name == b[i].name &&
                      a[i].count == b[i].count;
    if (!same)
      return "place " + std::to_string(i + 1) + " is " + entry_text(a, i) + " in the source, " + entry_text(b, i) +
             " in the target";
  }
  return {};
}

bool same_person(const PersonSummary& a, const PersonSummary& b) {
  return a.user == b.user && a.name == b.name && a.received == b.received && a.given == b.given &&
         a.received_by_kind == b.received_by_kind && a.given_by_kind == b.given_by_kind &&
         a.helps_resolved == b.helps_resolved && a.values == b.values && a.ranked == b.ranked;
}

std::string summary_difference(const Summary& a, const Summary& b) {
  if (a.total != b.total)
    return "the all-time summary counts " + std::to_string(a.total) + " kudos in the source, " +
           std::to_string(b.total) + " in the target";
  if (a.people.size() != b.people.size())
    return "the all-time summary lists " + std::to_string(a.people.size()) + " people in the source, " +
           std::to_string(b.people.size()) + " in the target";
  for (std::size_t i = 0; i < a.people.size(); ++i)
    if (!same_person(a.people[i], b.people[i]))
      return "the all-time summary of " + a.people[i].user + " differs (received " +
             std::to_string(a.people[i].received) + " in the source, " + b.people[i].user + " received " +
             std::to_string(b.people[i].received) + " in the target)";
  return {};
}

// The first way the target's answers differ from the source's, or "" when none does.
std::string difference(const Facts& src, const Facts& dst, const std::vector<std::string>& channels) {
  if (src.kudos != dst.kudos)
    return "the target holds " + std::to_string(dst.kudos) + " kudos, the source " + std::to_string(src.kudos);
  if (!dst.audit.ok())
    return "the target's audit chain does not verify at entry " + std::to_string(dst.audit.first_bad) + ": " +
           dst.audit.problem;
  if (src.audit.entries != dst.audit.entries || src.audit.head != dst.audit.head)
    return "the audit chain ends at head " + src.audit.head + " after " + std::to_string(src.audit.entries) +
           " entries in the source, " + dst.audit.head + " after " + std::to_string(dst.audit.entries) +
           " in the target";
  for (std::size_t i = 0; i < src.boards.size(); ++i)
    if (auto d = board_difference(src.boards[i], dst.boards[i]); !d.empty())
      return "the all-time leaderboard of " + (i == 0 ? std::string("the workspace") : channels[i - 1]) +
             " differs: " + d;
  return summary_difference(src.summary, dst.summary);
}

void count(CopyCounts& c, const Batch& b) {
  c.people += b.people.size();
  c.kudos += b.kudos.size();
  c.corrections += b.corrections.size();
  c.allowance += b.allowance.size();
  c.asks += b.asks.size();
  c.seen += b.seen.size();
  c.outbox += b.outbox.size();
  c.cursors += b.cursors.size();
  c.meta += b.meta.size();
  c.messages += b.messages.size();
  c.audit += b.audit.size();
}

bool is_pg(const Options& o) {
  return !o.url.empty();
}

void refuse_same(const Options& from, const Options& to) {
  std::error_code ec;
  const bool same = is_pg(from) ? is_pg(to) && from.url == to.url
                                : !is_pg(to) && std::filesystem::equivalent(from.dir, to.dir, ec);
  if (same) throw StoreError("the source and the target are the same ledger", StoreError::Code::invalid);
}

// An LMDB target: no bot may start on it (the lock) and no process may have it open already.
std::unique_ptr<DataDirLock> hold_target(const Options& to) {
  if (is_pg(to)) return nullptr;
  auto lock = std::make_unique<DataDirLock>(to.dir);
  if (auto pid = ledger_user(to.dir))
    throw StoreError("process " + std::to_string(*pid) + " has the ledger in " + to.dir.string() +
                         " open; stop it before copying into it",
                     StoreError::Code::not_ready);
  return lock;
}

// Streams the source into the target; returns the channels the kudos name (their ids).
std::vector<std::string> stream(transfer::Source& src, transfer::Target& dst, CopyCounts& counts,
                                const std::function<void(const std::string&)>& say) {
  std::unordered_map<std::uint32_t, std::string> ids;
  std::set<std::uint32_t> channels;
  std::uint64_t next_report = 100000;
  const auto c = src.read([&](Batch& b) {
    for (const auto& p : b.people) ids.emplace(p.num, p.id);
    for (const auto& k : b.kudos)
      if (k.channel != 0) channels.insert(k.channel);
    dst.load(b);
    count(counts, b);
    if (counts.kudos >= next_report && say) {
      say("copied " + std::to_string(counts.kudos) + " kudos");
      next_report += 100000;
    }
  });
  if (say) say("rebuilding the target's tallies and indexes");
  dst.finish(c);
  std::vector<std::string> out;
  for (auto num : channels) {
    auto it = ids.find(num);
    if (it == ids.end()) codec::corrupt("kudos", "channel number " + std::to_string(num) + " has no id");
    out.push_back(it->second);
  }
  return out;
}

// The committed target opened the ordinary way: the same count, audit head and leaderboard.
void reopen_check(const Options& to, const core::Calendar& cal, const Facts& want) {
  auto st = Store::open(to, cal);
  auto r = st->read();
  const auto audit = r->verify_audit();
  if (r->kudos_count() != want.kudos || !audit.ok() || audit.head != want.audit.head ||
      r->leaderboard("", Period::all, 0, 0).size() != want.boards.front().size())
    throw StoreError("the copy was committed but does not read back as it was written; check " +
                         describe_ledger(to) + " with brigade report --verify",
                     StoreError::Code::damaged);
}

std::unique_ptr<transfer::Source> open_source(const Options& o, const core::Calendar& cal) {
  return is_pg(o) ? transfer::open_pg_source(o, cal) : transfer::open_lmdb_source(o, cal);
}

std::unique_ptr<transfer::Target> open_target(const Options& o, const core::Calendar& cal) {
  return is_pg(o) ? transfer::open_pg_target(o, cal) : transfer::open_lmdb_target(o, cal);
}

}  // namespace

std::string describe_ledger(const Options& o) {
  if (is_pg(o)) return "the PostgreSQL ledger at " + pg::describe_target(o.url);
  return "the LMDB ledger in " + o.dir.string();
}

CopyReport copy_ledger(const Options& from, const Options& to, const core::Calendar& cal,
                       const std::function<void(const std::string&)>& say) {
  refuse_same(from, to);
  Options source = from;
  source.read_only = true;
  Options target = to;
  target.read_only = false;
  std::unique_ptr<DataDirLock> lock;
  CopyReport rep;
  Facts want;
  {
    auto src = open_source(source, cal);
    const auto audit = src->reader().verify_audit();
    if (!audit.ok())
      throw StoreError("the source's audit chain does not verify at entry " + std::to_string(audit.first_bad) +
                           " (" + audit.problem + "); nothing was copied",
                       StoreError::Code::damaged);
    lock = hold_target(target);
    auto dst = open_target(target, cal);
    if (say) say("copying " + describe_ledger(source) + " into " + describe_ledger(target));
    const auto channels = stream(*src, *dst, rep.copied, say);
    if (say) say("checking the copy against the source");
    const auto verified = dst->reader().verify();
    if (!verified.ok())
      throw StoreError("the copy's tallies do not match its log (" + verified.drift.front() +
                           "); nothing was committed",
                       StoreError::Code::damaged);
    want = facts_of(src->reader(), channels);
    const auto got = facts_of(dst->reader(), channels);
    if (auto d = difference(want, got, channels); !d.empty())
      throw StoreError("the copy does not answer as the source does: " + d + "; nothing was committed",
                       StoreError::Code::damaged);
    dst->commit();
    rep.live_kudos = verified.kudos;
    rep.tally_keys = verified.tally_keys;
    rep.boards = want.boards.size();
  }
  reopen_check(target, cal, want);
  rep.summary_total = want.summary.total;
  rep.audit_entries = want.audit.entries;
  rep.audit_head = want.audit.head;
  return rep;
}

}  // namespace brigade::store
