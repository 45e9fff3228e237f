// Byte layouts of the ledger: big-endian fixed-width keys that sort like the numbers they hold,
// and compact varint records (a kudos with no reason is about 12 bytes).
#pragma once

#include <array>
#include <compare>
#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "store/store.hpp"

namespace brigade::store::codec {

// Timestamps the store accepts: ids are ts << 12 and must fit in 63 bits with room for skew.
inline constexpr Millis kMaxTs = (Millis{1} << 50) - 1;  // year ~37,000
inline constexpr int kIdShift = 12;

[[noreturn]] void corrupt(std::string_view what, std::string_view why);

inline void put_be32(char* p, std::uint32_t v) {
  p[0] = static_cast<char>(v >> 24);
  p[1] = static_cast<char>(v >> 16);
  p[2] = static_cast<char>(v >> 8);
  p[3] = static_cast<char>(v);
}
inline std::uint32_t get_be32(const char* p) {
  auto b = [p](int i) { return static_cast<std::uint32_t>(static_cast<unsigned char>(p[i])); };
  return (b(0) << 24) | (b(1) << 16) | (b(2) << 8) | b(3);
}
inline void put_be64(char* p, std::uint64_t v) {
  put_be32(p, static_cast<std::uint32_t>(v >> 32));
  put_be32(p + 4, static_cast<std::uint32_t>(v));
}
inline std::uint64_t get_be64(const char* p) {
  return (static_cast<std::uint64_t>(get_be32(p)) << 32) | get_be32(p + 4);
}
// Flipping the sign bit makes big-endian byte order match numeric order for negative buckets too.
inline std::uint32_t order_i32(std::int32_t v) {
  return static_cast<std::uint32_t>(v) ^ 0x8000'0000u;
}
inline std::int32_t unorder_i32(std::uint32_t v) {
  return static_cast<std::int32_t>(v ^ 0x8000'0000u);
}

using Key4 = std::array<char, 4>;
using Key8 = std::array<char, 8>;
inline Key4 key32(std::uint32_t v) {
  Key4 k;
  put_be32(k.data(), v);
  return k;
}
inline Key8 key64(std::uint64_t v) {
  Key8 k;
  put_be64(k.data(), v);
  return k;
}
// Fixed-width reads that reject a wrong size instead of reading past the value.
std::uint32_t read32(std::string_view bytes, std::string_view what);
std::uint64_t read64(std::string_view bytes, std::string_view what);

// ---- tally and rank ----------------------------------------------------------------------------

enum class Role : std::uint8_t { received = 0, given = 1 };

// One counter: how many kudos `user` received/gave in `scope` (0 = workspace, else a channel
// number) during bucket `bucket` of `period`. Member order is the on-disk sort order: time first,
// so a commit group's updates for the current week/month/… land on a few neighbouring pages
// instead of one page per channel (measured: commit groups took half the time).
struct TallyKey {
  std::uint8_t period = 0;
  std::int32_t bucket = 0;
  std::uint32_t scope = 0;
  std::uint8_t role = 0;
  std::uint32_t user = 0;
  auto operator<=>(const TallyKey&) const = default;
};
// A counter's key from its parts, scope first as callers name them.
inline TallyKey tally_key(std::uint32_t scope, std::uint8_t period, std::int32_t bucket, Role role,
                          std::uint32_t user) {
  return TallyKey{.period = period,
                  .bucket = bucket,
                  .scope = scope,
                  .role = static_cast<std::uint8_t>(role),
                  .user = user};
}
// TallyKey packed into 112 bits that compare like the on-disk key.
inline unsigned __int128 sort_key(const TallyKey& k) {
  using U = unsigned __int128;
  return (U{k.period} << 104) | (U{order_i32(k.bucket)} << 72) | (U{k.scope} << 40) | (U{k.role} << 32) |
         U{k.user};
}

// The tally database is DUPSORT|DUPFIXED: main key (period, bucket, scope, role) → 8-byte
// duplicates (user, count) sorted by user. Fixed-size duplicates cost 8 bytes each, no node
// header, so the pages a commit group dirties stay few (plain 14-byte keys measured 15% more
// dirty pages per commit and no faster).
using TallyMain = std::array<char, 10>;
TallyMain tally_main(const TallyKey& k);  // ignores k.user
Key8 tally_dup(std::uint32_t user, std::uint32_t count);
TallyKey parse_tally(std::string_view main, std::string_view dup, std::uint32_t& count);

// allowance (kQuota): (giver, period, bucket) → u32 kudos given in that slot; with a recipient
// appended, (giver, period, bucket, recipient) → u32 given to that person. Schema 1 keyed
// (giver, day) in 8 bytes; migrate_1_to_2 moves those.
using AllowanceKey = std::array<char, 13>;
AllowanceKey allowance_key(std::uint32_t giver, std::uint8_t period, std::int32_t bucket,
                           std::uint32_t recipient = 0);
inline std::string_view allowance_view(const AllowanceKey& k, bool with_recipient) {
  return {k.data(), with_recipient ? k.size() : std::size_t{9}};
}
Key8 quota_key_v1(std::uint32_t giver, std::int32_t day);

// by_user / by_chan: (UTC day of the id, number) → duplicate u64 ids. Day first for the same
// reason as tallies: a commit group appends to today's small region, not to one page per person.
inline constexpr std::uint64_t kMsPerDay = 86'400'000;
inline std::uint32_t index_day(std::uint64_t id) {
  return static_cast<std::uint32_t>((id >> kIdShift) / kMsPerDay);
}
inline Key8 index_key(std::uint32_t day, std::uint32_t num) {
  Key8 k;
  put_be32(k.data(), day);
  put_be32(k.data() + 4, num);
  return k;
}

// ---- varint records ----------------------------------------------------------------------------

class Encoder {
 public:
  void u8(std::uint8_t v) { buf_.push_back(static_cast<char>(v)); }
  void varint(std::uint64_t v) {
    while (v >= 0x80) {
      buf_.push_back(static_cast<char>((v & 0x7f) | 0x80));
      v >>= 7;
    }
    buf_.push_back(static_cast<char>(v));
  }
  void zigzag(std::int64_t v) {
    varint((static_cast<std::uint64_t>(v) << 1) ^ static_cast<std::uint64_t>(v >> 63));
  }
  void str(std::string_view s) {
    varint(s.size());
    buf_.append(s);
  }
  void raw(std::string_view s) { buf_.append(s); }
  std::string& bytes() { return buf_; }

 private:
  std::string buf_;
};

// Every read is bounds-checked; a short or malformed record throws StoreError naming `what`.
class Decoder {
 public:
  Decoder(std::string_view in, std::string_view what) : in_(in), what_(what) {}
  std::uint8_t u8() {
    if (pos_ >= in_.size()) fail("truncated");
    return static_cast<std::uint8_t>(in_[pos_++]);
  }
  std::uint64_t varint() {
    std::uint64_t v = 0;
    for (int shift = 0; shift < 64; shift += 7) {
      std::uint8_t b = u8();
      if (shift == 63 && b > 1) fail("varint overflow");
      v |= static_cast<std::uint64_t>(b & 0x7f) << shift;
      if ((b & 0x80) == 0) return v;
    }
    fail("varint overflow");
  }
  std::uint32_t varint32() {
    std::uint64_t v = varint();
    if (v > 0xffff'ffffu) fail("number out of range");
    return static_cast<std::uint32_t>(v);
  }
  std::int64_t zigzag() {
    std::uint64_t v = varint();
    return static_cast<std::int64_t>((v >> 1) ^ (~(v & 1) + 1));
  }
  std::string_view str() {
    std::uint64_t n = varint();
    if (n > in_.size() - pos_) fail("string past the end");
    auto s = in_.substr(pos_, static_cast<std::size_t>(n));
    pos_ += static_cast<std::size_t>(n);
    return s;
  }
  std::string_view rest() {
    auto s = in_.substr(pos_);
    pos_ = in_.size();
    return s;
  }
  std::size_t pos() const { return pos_; }
  bool done() const { return pos_ == in_.size(); }
  void finish() const {
    if (!done()) fail("trailing bytes");
  }
  [[noreturn]] void fail(std::string_view why) const { corrupt(what_, why); }

 private:
  std::string_view in_;
  std::string_view what_;
  std::size_t pos_ = 0;
};

// A kudos as stored: people and channel as interned numbers, strings pointing into the record.
struct KudosRec {
  std::uint32_t giver = 0;
  std::uint32_t recipient = 0;
  std::uint32_t channel = 0;  // 0 = none
  Kind kind = Kind::thanks;
  bool revoked = false;
  Millis ts = 0;
  std::uint64_t ask = 0;
  std::string_view reason;
  std::string_view values;  // still encoded; walk with each_value
  std::uint32_t value_count = 0;
  std::uint32_t number = 0;  // K number (0: a schema 1 record not yet numbered)
  std::size_t flags_at = 0;  // offset of the kind/flags byte, so a revoke rewrites one byte
};
inline constexpr std::uint8_t kRevokedBit = 0x80;
inline constexpr std::uint8_t kNumberedBit = 0x40;  // a varint K number follows the flags byte

std::string encode_kudos(std::uint64_t id, const KudosRec& r, const std::vector<std::string>& values);
KudosRec decode_kudos(std::uint64_t id, std::string_view bytes);
template <class F>
void each_value(const KudosRec& r, F&& f) {
  Decoder d(r.values, "kudos values");
  for (std::uint32_t i = 0; i < r.value_count; ++i) f(d.str());
  d.finish();
}
// A decoded record encoded again after fields were changed (number, reason); its values are
// copied out of `r.values` first, so `r` may still point into the bytes being replaced.
inline std::string reencode_kudos(std::uint64_t id, const KudosRec& r) {
  std::vector<std::string> values;
  each_value(r, [&](std::string_view v) { values.emplace_back(v); });
  return encode_kudos(id, r, values);
}

struct AskRec {
  std::uint32_t channel = 0;
  std::uint32_t requester = 0;
  std::string_view text;
  AskState state = AskState::open;
  std::uint32_t taker = 0;  // 0 = nobody
  std::vector<std::uint32_t> helpers;
  Millis created = 0;
  Millis updated = 0;
};
std::string encode_ask(const AskRec& a);
AskRec decode_ask(std::string_view bytes);

struct SeenRec {
  Millis ts = 0;
  std::vector<std::uint64_t> kudos;
};
std::string encode_seen(Millis ts, const std::vector<std::uint64_t>& kudos);
SeenRec decode_seen(std::string_view bytes);

std::string encode_outbox(const OutboxItem& item);  // seq is the key, not stored
OutboxItem decode_outbox(std::uint64_t seq, std::string_view bytes);

// corrections: kudos id → how, when, by whom (interned; 0 = unknown) and why it was taken back
struct CorrectionRec {
  Millis ts = 0;
  RevokeHow how = RevokeHow::revoke;
  std::uint32_t by = 0;
  std::string_view reason;
};
std::string encode_correction(const CorrectionRec& c);
CorrectionRec decode_correction(std::string_view bytes);

// audit: seq → body, then the 32-byte SHA-256 of the previous entry (zeros for the first). The
// entry's own hash is SHA-256(previous hash ‖ body). People are interned numbers (subject_kind 1),
// anything else is text (subject_kind 2); 0 = no subject.
struct AuditRec {
  Millis ts = 0;
  std::uint32_t actor = 0;
  std::string_view action;
  std::uint8_t subject_kind = 0;
  std::uint32_t subject = 0;
  std::string_view subject_text;
  std::string_view detail;
  std::string_view prev;  // 32 bytes
  std::string_view body;  // the bytes the hash covers after `prev`
};
inline constexpr std::size_t kHashBytes = 32;
std::string encode_audit_body(const AuditRec& a);  // without prev
AuditRec decode_audit(std::string_view bytes);
std::string sha256(std::string_view a, std::string_view b);  // of a ‖ b, 32 raw bytes
std::string hex(std::string_view bytes);

// people: user number → flags (privacy in bits 0–1, gone 0x04, forgotten 0x08), when they changed
struct PersonRec {
  PersonState state;
  Millis ts = 0;
};
std::string encode_person(const PersonRec& p);
PersonRec decode_person(std::string_view bytes);

// messages: tag → when it was sent, the platform's reference
std::string encode_message(Millis ts, std::string_view ref);
std::pair<Millis, std::string_view> decode_message(std::string_view bytes);

// names: number → (qualified id, last display name)
std::string encode_name(std::string_view id, std::string_view name);
std::pair<std::string_view, std::string_view> decode_name(std::string_view bytes);

}  // namespace brigade::store::codec
