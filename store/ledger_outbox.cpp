// Idempotency keys (seen) and the reply outbox: what makes a command count once and its replies
// go out after the commit.
#include "store/ledger.hpp"
#include "store/names.hpp"

namespace brigade::store {

using codec::key64;
using lmdb::val;
using lmdb::view;

// ---- seen --------------------------------------------------------------------------------------

bool Ledger::seen(std::string_view source) {
  if (source.empty()) return false;
  MDB_val data;
  return db(kSeen).get(txn_, val(seen_key(source)), data);
}

std::vector<std::uint64_t> Ledger::seen_kudos(std::string_view source) {
  if (source.empty()) return {};
  MDB_val data;
  if (!db(kSeen).get(txn_, val(seen_key(source)), data)) return {};
  return codec::decode_seen(view(data)).kudos;
}

bool Ledger::claim_seen(std::string_view source, Millis) {
  need_write("claim_seen");
  if (source.empty()) throw StoreError("a source id must not be empty", StoreError::Code::invalid);
  return !seen(source);  // the one writer excludes every other claim until it ends
}

void Ledger::mark_seen(std::string_view source, Millis ts, const std::vector<std::uint64_t>& kudos_ids) {
  need_write("mark_seen");
  if (source.empty()) throw StoreError("a source id must not be empty", StoreError::Code::invalid);
  db(kSeen).put(txn_, val(seen_key(source)), val(codec::encode_seen(ts, kudos_ids)));
}

std::size_t Ledger::prune_seen(Millis older_than) {
  need_write("prune_seen");
  std::size_t n = 0;
  lmdb::Cursor c(txn_, db(kSeen));
  MDB_val k, d;
  bool ok = c.get(k, d, MDB_FIRST);
  while (ok) {
    if (codec::decode_seen(view(d)).ts < older_than) {
      c.del();
      ++n;
    }
    ok = c.get(k, d, MDB_NEXT);  // after a delete, MDB_NEXT lands on the item that followed it
  }
  // Message references age with the seen records: edits (undo) come within minutes.
  lmdb::Cursor m(txn_, db(kMessages));
  for (bool more = m.get(k, d, MDB_FIRST); more; more = m.get(k, d, MDB_NEXT))
    if (codec::decode_message(view(d)).first < older_than) m.del();
  return n;
}

// ---- outbox ------------------------------------------------------------------------------------

std::uint64_t Ledger::enqueue(std::string_view adapter, const core::Reply& r) {
  need_write("enqueue");
  if (adapter.empty()) throw StoreError("an outbox item needs an adapter", StoreError::Code::invalid);
  OutboxItem it;
  it.seq = next_seq(kMetaOutboxSeq);
  it.adapter = adapter;
  it.reply = r;
  const auto sk = key64(it.seq);
  db(kOutbox).put(txn_, val(sk), val(codec::encode_outbox(it)), MDB_NOOVERWRITE);
  return it.seq;
}

std::vector<OutboxItem> Ledger::outbox(std::size_t limit) {
  return outbox_from(0, limit);
}

std::vector<OutboxItem> Ledger::outbox_from(std::uint64_t first_seq, std::size_t limit) {
  std::vector<OutboxItem> out;
  lmdb::Cursor c(txn_, db(kOutbox));
  const auto start = key64(first_seq);
  MDB_val k = val(start), d;
  for (bool ok = c.get(k, d, MDB_SET_RANGE); ok && (limit == 0 || out.size() < limit);
       ok = c.get(k, d, MDB_NEXT))
    out.push_back(codec::decode_outbox(codec::read64(view(k), "outbox key"), view(d)));
  return out;
}

std::size_t Ledger::outbox_depth() {
  return db(kOutbox).entries(txn_);
}

void Ledger::outbox_done(std::uint64_t seq) {
  need_write("outbox_done");
  const auto sk = key64(seq);
  db(kOutbox).del(txn_, val(sk));
}

void Ledger::outbox_retry(std::uint64_t seq, std::uint32_t attempts, Millis not_before) {
  need_write("outbox_retry");
  const auto sk = key64(seq);
  MDB_val data;
  if (!db(kOutbox).get(txn_, val(sk), data)) return;  // already delivered: nothing to retry
  auto it = codec::decode_outbox(seq, view(data));
  it.attempts = attempts;
  it.not_before = not_before;
  db(kOutbox).put(txn_, val(sk), val(codec::encode_outbox(it)));
}

}  // namespace brigade::store
