// The audit log's hash chain, checked the same way on every backend: entries are fed in seq
// order as stored (seq, and the record bytes: body then the previous entry's hash), and the
// first one that does not follow — a gap, a changed entry, a broken link — or a head hash that
// does not match the last entry becomes AuditCheck's problem, in words an admin can act on.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "store/records.hpp"

namespace brigade::store {

class AuditChain {
 public:
  // false once a problem was found (then stop feeding).
  bool add(std::uint64_t seq, std::string_view stored);
  // Records a problem the caller found itself (an unreadable key); returns false.
  bool fail(std::uint64_t seq, std::string why);
  std::uint64_t next_seq() const { return want_seq_; }
  // The result, given the head hash the store recorded (hex; nullopt when none).
  AuditCheck finish(const std::optional<std::string>& recorded_head);

 private:
  AuditCheck out_;
  std::string expected_;  // the hash the next entry must carry (32 zero bytes before the first)
  std::uint64_t want_seq_ = 1;
  bool broken_ = false;
};

}  // namespace brigade::store
