// The audit chain check shared by the LMDB and PostgreSQL ledgers (store/audit_chain.hpp).
#include "store/audit_chain.hpp"

#include "store/codec.hpp"

namespace brigade::store {

bool AuditChain::fail(std::uint64_t seq, std::string why) {
  out_.first_bad = seq;
  out_.problem = std::move(why);
  broken_ = true;
  return false;
}

bool AuditChain::add(std::uint64_t seq, std::string_view stored) {
  if (broken_) return false;
  if (expected_.empty()) expected_.assign(codec::kHashBytes, '\0');
  if (seq != want_seq_)
    return fail(want_seq_, seq > want_seq_ ? "entries " + std::to_string(want_seq_) + "–" +
                                                std::to_string(seq - 1) + " are missing"
                                          : "entry out of order");
  try {
    const auto a = codec::decode_audit(stored);
    if (a.prev != expected_)
      return fail(seq, seq == 1 ? "the first entry does not start the chain"
                               : "it does not carry the hash of entry " + std::to_string(seq - 1) +
                                     " (that entry or this one was changed)");
    expected_ = codec::sha256(a.prev, a.body);
  } catch (const StoreError& e) {
    return fail(seq, e.what());
  }
  ++out_.entries;
  ++want_seq_;
  return true;
}

AuditCheck AuditChain::finish(const std::optional<std::string>& recorded_head) {
  if (broken_) return out_;
  out_.head = out_.entries == 0 ? std::string() : codec::hex(expected_);
  if (out_.entries == 0 && recorded_head) fail(1, "the log is empty but its head hash says entries existed");
  else if (out_.entries > 0 && recorded_head != out_.head)
    fail(out_.entries,
        "the last entry does not match the recorded head hash (it was changed or the entries after it "
        "were removed)");
  return out_;
}

}  // namespace brigade::store
