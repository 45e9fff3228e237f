// The hash-chained audit log, and where tagged replies landed (for editing them later).
#include "store/audit_chain.hpp"
#include "store/ledger.hpp"
#include "store/rules.hpp"

namespace brigade::store {

using codec::key64;
using lmdb::val;
using lmdb::view;

namespace {

const std::string kZeroHash(codec::kHashBytes, '\0');

}  // namespace

// A person's number; a tombstone ("forgotten:7") is the number it names, never a new person.
std::uint32_t Ledger::person_number(std::string_view id) {
  if (auto n = tombstone_number(id)) {
    name_rec(*n);  // throws when no such number
    return *n;
  }
  return intern(id);
}

std::uint64_t Ledger::append_audit(AuditEntry& e) {
  need_write("append_audit");
  if (e.action.empty()) throw StoreError("an audit entry needs an action", StoreError::Code::invalid);
  std::string prev = kZeroHash;
  std::uint64_t seq = 1;
  {
    lmdb::Cursor c(txn_, db(kAudit));
    MDB_val k, d;
    if (c.get(k, d, MDB_LAST)) {
      seq = codec::read64(view(k), "audit key") + 1;
      const auto last = codec::decode_audit(view(d));
      prev = codec::sha256(last.prev, last.body);
    }
  }
  const std::string body =
      codec::encode_audit_body(rules::audit_record(e, [this](std::string_view id) { return person_number(id); }));
  const std::string hash = codec::sha256(prev, body);
  const auto sk = key64(seq);
  db(kAudit).put(txn_, val(sk), val(body + prev), MDB_NOOVERWRITE);
  put_meta(kMetaAuditHead, codec::hex(hash));
  e.seq = seq;
  e.prev_hash = seq == 1 ? std::string() : codec::hex(prev);
  e.hash = codec::hex(hash);
  return seq;
}

AuditEntry Ledger::to_audit(std::uint64_t seq, const codec::AuditRec& a, NameCache& cache) {
  AuditEntry e;
  e.seq = seq;
  e.ts = a.ts;
  if (a.actor != 0) e.actor = cached_name(a.actor, cache).first;
  e.action = a.action;
  if (a.subject_kind == 1) e.subject = cached_name(a.subject, cache).first;
  if (a.subject_kind == 2) e.subject = a.subject_text;
  e.detail = a.detail;
  e.prev_hash = a.prev == kZeroHash && seq == 1 ? std::string() : codec::hex(a.prev);
  e.hash = codec::hex(codec::sha256(a.prev, a.body));
  return e;
}

std::vector<AuditEntry> Ledger::audit(Millis since, std::size_t limit) {
  std::vector<AuditEntry> out;
  NameCache cache;
  lmdb::Cursor c(txn_, db(kAudit));
  MDB_val k, d;
  for (bool ok = c.get(k, d, MDB_FIRST); ok; ok = c.get(k, d, MDB_NEXT)) {
    const auto a = codec::decode_audit(view(d));
    if (a.ts < since) continue;
    out.push_back(to_audit(codec::read64(view(k), "audit key"), a, cache));
    if (limit != 0 && out.size() == limit) break;
  }
  return out;
}

AuditCheck Ledger::verify_audit() {
  AuditChain chain;
  lmdb::Cursor c(txn_, db(kAudit));
  MDB_val k, d;
  for (bool ok = c.get(k, d, MDB_FIRST); ok; ok = c.get(k, d, MDB_NEXT)) {
    std::uint64_t seq = 0;
    try {
      seq = codec::read64(view(k), "audit key");
    } catch (const StoreError& e) {
      chain.fail(chain.next_seq(), e.what());
      break;
    }
    if (!chain.add(seq, view(d))) break;
  }
  return chain.finish(meta(kMetaAuditHead));
}

// ---- message references ------------------------------------------------------------------------

// Each tag has its reference under the tag, and the way back under kRefKey + the reference; tags
// never start with that byte. Both carry the time, so prune_seen drops them together.
namespace {
constexpr char kRefKey = '\x01';
std::string ref_key(std::string_view ref) {
  std::string k(1, kRefKey);
  k += ref;
  return k;
}
}  // namespace

std::optional<std::string> Ledger::message_tag(std::string_view ref) {
  if (ref.empty() || ref.size() + 1 > kMaxIdBytes) return std::nullopt;
  MDB_val data;
  const auto key = ref_key(ref);
  if (!db(kMessages).get(txn_, val(key), data)) return std::nullopt;
  return std::string(codec::decode_message(view(data)).second);
}

std::optional<std::string> Ledger::message_ref(std::string_view tag) {
  if (tag.empty() || tag.size() > kMaxIdBytes || tag.front() == kRefKey) return std::nullopt;
  MDB_val data;
  if (!db(kMessages).get(txn_, val(tag), data)) return std::nullopt;
  return std::string(codec::decode_message(view(data)).second);
}

void Ledger::set_message_ref(std::string_view tag, std::string_view ref, Millis ts) {
  need_write("set_message_ref");
  if (tag.empty() || tag.size() > kMaxIdBytes || tag.front() == kRefKey)
    throw StoreError("a message tag must be 1 to " + std::to_string(kMaxIdBytes) + " bytes",
                     StoreError::Code::invalid);
  db(kMessages).put(txn_, val(tag), val(codec::encode_message(ts, ref)));
  if (!ref.empty() && ref.size() + 1 <= kMaxIdBytes)
    db(kMessages).put(txn_, val(ref_key(ref)), val(codec::encode_message(ts, tag)));
}

}  // namespace brigade::store
