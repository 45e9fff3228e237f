// The hash-chained audit log and where tagged replies landed, on PostgreSQL. An audit row keeps
// store/codec.cpp's body and the previous entry's hash as bytea, so the chain (and every hash)
// is byte for byte the one the LMDB backend computes (store/ledger_audit.cpp).
#include <algorithm>
#include <cstdint>

#include "store/codec.hpp"
#include "store/audit_chain.hpp"
#include "store/pg/pg_ledger.hpp"
#include "store/rules.hpp"

namespace brigade::store::pg {

namespace {

const std::string kZeroHash(codec::kHashBytes, '\0');

// Rows are read in pages so verifying a long log never holds it all at once.
constexpr std::int64_t kPage = 2000;

}  // namespace

std::uint64_t PgLedger::append_audit(AuditEntry& e) {
  need_write("append_audit");
  if (e.action.empty()) throw StoreError("an audit entry needs an action", StoreError::Code::invalid);
  // The counter's row lock orders appends across replicas: the last row read below is final.
  std::uint64_t seq = next_counter("audit");
  std::string prev = kZeroHash;
  auto last = c_.exec("SELECT seq, body, prev FROM audit ORDER BY seq DESC LIMIT 1");
  if (!last.empty()) {
    prev = codec::sha256(last.bytes(0, 2), last.bytes(0, 1));
    if (last.u64(0, 0) >= seq) {  // rows written without the counter (a copied ledger): follow them
      seq = last.u64(0, 0) + 1;
      c_.exec("UPDATE counters SET value = $1 WHERE name = 'audit'", Params(seq));
    }
  }
  const std::string body =
      codec::encode_audit_body(rules::audit_record(e, [this](std::string_view id) { return person_number(id); }));
  const std::string hash = codec::sha256(prev, body);
  c_.exec("INSERT INTO audit (seq, ts, body, prev) VALUES ($1, $2, $3, $4)",
          Params(seq, static_cast<std::int64_t>(e.ts), Bytes{body}, Bytes{prev}));
  put_meta(kMetaAuditHead, codec::hex(hash));
  e.seq = seq;
  e.prev_hash = seq == 1 ? std::string() : codec::hex(prev);
  e.hash = codec::hex(hash);
  return seq;
}

std::vector<AuditEntry> PgLedger::audit(Millis since, std::size_t limit) {
  std::vector<AuditEntry> out;
  std::optional<std::int64_t> lim;
  if (limit != 0) lim = static_cast<std::int64_t>(std::min<std::size_t>(limit, INT64_MAX));
  auto r = c_.exec("SELECT seq, body, prev FROM audit WHERE ts >= $1 ORDER BY seq LIMIT $2",
                   Params(static_cast<std::int64_t>(since), lim));
  out.reserve(static_cast<std::size_t>(r.rows()));
  for (int i = 0; i < r.rows(); ++i) {
    const auto seq = r.u64(i, 0);
    const std::string stored = r.bytes(i, 1) + r.bytes(i, 2);  // body ‖ prev, as LMDB keeps it
    const auto a = codec::decode_audit(stored);
    AuditEntry e;
    e.seq = seq;
    e.ts = a.ts;
    if (a.actor != 0) e.actor = id_of(a.actor);
    e.action = a.action;
    if (a.subject_kind == 1) e.subject = id_of(a.subject);
    if (a.subject_kind == 2) e.subject = a.subject_text;
    e.detail = a.detail;
    e.prev_hash = a.prev == kZeroHash && seq == 1 ? std::string() : codec::hex(a.prev);
    e.hash = codec::hex(codec::sha256(a.prev, a.body));
    out.push_back(std::move(e));
  }
  return out;
}

AuditCheck PgLedger::verify_audit() {
  AuditChain chain;
  for (std::int64_t after = -1;;) {
    auto r = c_.exec("SELECT seq, body, prev FROM audit WHERE seq > $1 ORDER BY seq LIMIT $2", Params(after, kPage));
    for (int i = 0; i < r.rows(); ++i)
      if (!chain.add(r.u64(i, 0), r.bytes(i, 1) + r.bytes(i, 2))) return chain.finish(std::nullopt);
    if (r.rows() < kPage) break;
    after = r.i64(r.rows() - 1, 0);
  }
  return chain.finish(meta(kMetaAuditHead));
}

// ---- message references ------------------------------------------------------------------------

// LMDB keeps the way back under kRefKey + the reference in the same table, so a tag may not
// start with that byte, nor a reference be longer than a key allows: the same limits here.
namespace {
constexpr char kRefKey = '\x01';
}  // namespace

std::optional<std::string> PgLedger::message_tag(std::string_view ref) {
  if (ref.empty() || ref.size() + 1 > kMaxIdBytes) return std::nullopt;
  // Several tags may name one message (an edit with another tag): the latest wins, as LMDB's
  // overwritten way back does (by time; the same millisecond is decided by the tag).
  auto r = c_.exec("SELECT tag FROM messages WHERE ref = $1 ORDER BY ts DESC, tag DESC LIMIT 1", Params(ref));
  if (r.empty()) return std::nullopt;
  return r.str(0, 0);
}

std::optional<std::string> PgLedger::message_ref(std::string_view tag) {
  if (tag.empty() || tag.size() > kMaxIdBytes || tag.front() == kRefKey) return std::nullopt;
  auto r = c_.exec("SELECT ref FROM messages WHERE tag = $1", Params(tag));
  if (r.empty()) return std::nullopt;
  return r.str(0, 0);
}

void PgLedger::set_message_ref(std::string_view tag, std::string_view ref, Millis ts) {
  need_write("set_message_ref");
  if (tag.empty() || tag.size() > kMaxIdBytes || tag.front() == kRefKey)
    throw StoreError("a message tag must be 1 to " + std::to_string(kMaxIdBytes) + " bytes",
                     StoreError::Code::invalid);
  c_.send("INSERT INTO messages (tag, ref, ts) VALUES ($1, $2, $3) "
          "ON CONFLICT (tag) DO UPDATE SET ref = EXCLUDED.ref, ts = EXCLUDED.ts",
          Params(tag, ref, static_cast<std::int64_t>(ts)));
}

}  // namespace brigade::store::pg
