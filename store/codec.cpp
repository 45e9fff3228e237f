// Encoding and strict decoding of keys and records; any malformed byte sequence becomes a StoreError.
#include "store/codec.hpp"

#include <openssl/evp.h>

namespace brigade::store::codec {

void corrupt(std::string_view what, std::string_view why) {
  throw StoreError("corrupt " + std::string(what) + " in the store: " + std::string(why),
                   StoreError::Code::damaged);
}

std::uint32_t read32(std::string_view bytes, std::string_view what) {
  if (bytes.size() != 4) corrupt(what, "expected 4 bytes, found " + std::to_string(bytes.size()));
  return get_be32(bytes.data());
}

std::uint64_t read64(std::string_view bytes, std::string_view what) {
  if (bytes.size() != 8) corrupt(what, "expected 8 bytes, found " + std::to_string(bytes.size()));
  return get_be64(bytes.data());
}

namespace {
void put_prefix(char* p, std::uint8_t period, std::int32_t bucket, std::uint32_t scope) {
  p[0] = static_cast<char>(period);
  put_be32(p + 1, order_i32(bucket));
  put_be32(p + 5, scope);
}
void get_prefix(const char* p, TallyKey& k) {
  k.period = static_cast<std::uint8_t>(p[0]);
  k.bucket = unorder_i32(get_be32(p + 1));
  k.scope = get_be32(p + 5);
}
}  // namespace

TallyMain tally_main(const TallyKey& t) {
  TallyMain k;
  put_prefix(k.data(), t.period, t.bucket, t.scope);
  k[9] = static_cast<char>(t.role);
  return k;
}

Key8 tally_dup(std::uint32_t user, std::uint32_t count) {
  Key8 k;
  put_be32(k.data(), user);
  put_be32(k.data() + 4, count);
  return k;
}

TallyKey parse_tally(std::string_view main, std::string_view dup, std::uint32_t& count) {
  if (main.size() != 10 || dup.size() != 8) corrupt("tally key", "wrong size");
  TallyKey t;
  get_prefix(main.data(), t);
  t.role = static_cast<std::uint8_t>(main[9]);
  t.user = get_be32(dup.data());
  count = get_be32(dup.data() + 4);
  if (t.period > static_cast<std::uint8_t>(Period::all) || t.role > 1)
    corrupt("tally key", "bad period or role");
  return t;
}

AllowanceKey allowance_key(std::uint32_t giver, std::uint8_t period, std::int32_t bucket,
                           std::uint32_t recipient) {
  AllowanceKey k;
  put_be32(k.data(), giver);
  k[4] = static_cast<char>(period);
  put_be32(k.data() + 5, order_i32(bucket));
  put_be32(k.data() + 9, recipient);
  return k;
}

Key8 quota_key_v1(std::uint32_t giver, std::int32_t day) {
  Key8 k;
  put_be32(k.data(), giver);
  put_be32(k.data() + 4, order_i32(day));
  return k;
}

// kudos: giver, recipient, channel (varints), kind|flags (byte), ts as the difference from the
// id's own millisecond (almost always 0: one byte), ask, reason, value count, values.
std::string encode_kudos(std::uint64_t id, const KudosRec& r, const std::vector<std::string>& values) {
  Encoder e;
  e.varint(r.giver);
  e.varint(r.recipient);
  e.varint(r.channel);
  e.u8(static_cast<std::uint8_t>(static_cast<std::uint8_t>(r.kind) | (r.revoked ? kRevokedBit : 0) |
                                 (r.number != 0 ? kNumberedBit : 0)));
  if (r.number != 0) e.varint(r.number);
  e.zigzag(static_cast<std::int64_t>(id >> kIdShift) - r.ts);
  e.varint(r.ask);
  e.str(r.reason);
  e.varint(values.size());
  for (const auto& v : values) e.str(v);
  return std::move(e.bytes());
}

KudosRec decode_kudos(std::uint64_t id, std::string_view bytes) {
  Decoder d(bytes, "kudos record");
  KudosRec r;
  r.giver = d.varint32();
  r.recipient = d.varint32();
  r.channel = d.varint32();
  r.flags_at = d.pos();
  std::uint8_t kf = d.u8();
  std::uint8_t kind = kf & 0x0f;
  if (kind < 1 || kind > 3 || (kf & 0x30) != 0) d.fail("bad kind");
  r.kind = static_cast<Kind>(kind);
  r.revoked = (kf & kRevokedBit) != 0;
  if ((kf & kNumberedBit) != 0) {
    r.number = d.varint32();
    if (r.number == 0) d.fail("kudos number 0");
  }
  // ts = (id's millisecond) - delta must land in [0, kMaxTs]; checked before subtracting, as a
  // corrupt delta may be any int64 (base < 2^52, so base - kMaxTs cannot overflow).
  const std::int64_t delta = d.zigzag();
  const auto base = static_cast<std::int64_t>(id >> kIdShift);
  if (delta > base || delta < base - kMaxTs) d.fail("timestamp out of range");
  r.ts = base - delta;
  r.ask = d.varint();
  r.reason = d.str();
  r.value_count = d.varint32();
  r.values = d.rest();
  if (r.giver == 0 || r.recipient == 0) d.fail("missing person");
  if (r.value_count > r.values.size()) d.fail("bad value count");
  return r;
}

std::string encode_ask(const AskRec& a) {
  Encoder e;
  e.varint(a.channel);
  e.varint(a.requester);
  e.str(a.text);
  e.u8(static_cast<std::uint8_t>(a.state));
  e.varint(a.taker);
  e.varint(a.helpers.size());
  for (auto h : a.helpers) e.varint(h);
  e.zigzag(a.created);
  e.zigzag(a.updated);
  return std::move(e.bytes());
}

AskRec decode_ask(std::string_view bytes) {
  Decoder d(bytes, "ask record");
  AskRec a;
  a.channel = d.varint32();
  a.requester = d.varint32();
  a.text = d.str();
  std::uint8_t st = d.u8();
  if (st < 1 || st > 4) d.fail("bad state");
  a.state = static_cast<AskState>(st);
  a.taker = d.varint32();
  std::uint64_t n = d.varint();
  if (n > bytes.size()) d.fail("bad helper count");
  a.helpers.reserve(static_cast<std::size_t>(n));
  for (std::uint64_t i = 0; i < n; ++i) a.helpers.push_back(d.varint32());
  a.created = d.zigzag();
  a.updated = d.zigzag();
  d.finish();
  return a;
}

// seen: ts, then the kudos ids delta-coded (they are usually consecutive).
std::string encode_seen(Millis ts, const std::vector<std::uint64_t>& kudos) {
  Encoder e;
  e.zigzag(ts);
  e.varint(kudos.size());
  std::uint64_t prev = 0;
  for (auto id : kudos) {
    e.zigzag(static_cast<std::int64_t>(id - prev));
    prev = id;
  }
  return std::move(e.bytes());
}

SeenRec decode_seen(std::string_view bytes) {
  Decoder d(bytes, "seen record");
  SeenRec s;
  s.ts = d.zigzag();
  std::uint64_t n = d.varint();
  if (n > bytes.size()) d.fail("bad count");
  std::uint64_t prev = 0;
  for (std::uint64_t i = 0; i < n; ++i) {
    prev += static_cast<std::uint64_t>(d.zigzag());
    s.kudos.push_back(prev);
  }
  d.finish();
  return s;
}

std::string encode_name(std::string_view id, std::string_view name) {
  Encoder e;
  e.str(id);
  e.raw(name);
  return std::move(e.bytes());
}

std::pair<std::string_view, std::string_view> decode_name(std::string_view bytes) {
  Decoder d(bytes, "name record");
  auto id = d.str();
  if (id.empty()) d.fail("empty id");
  return {id, d.rest()};
}

std::string encode_correction(const CorrectionRec& c) {
  Encoder e;
  e.zigzag(c.ts);
  e.u8(static_cast<std::uint8_t>(c.how));
  e.varint(c.by);
  e.str(c.reason);
  return std::move(e.bytes());
}

CorrectionRec decode_correction(std::string_view bytes) {
  Decoder d(bytes, "correction record");
  CorrectionRec c;
  c.ts = d.zigzag();
  const auto how = d.u8();
  if (how < 1 || how > 5) d.fail("bad kind of correction");
  c.how = static_cast<RevokeHow>(how);
  c.by = d.varint32();
  c.reason = d.str();
  d.finish();
  return c;
}

std::string encode_audit_body(const AuditRec& a) {
  Encoder e;
  e.zigzag(a.ts);
  e.varint(a.actor);
  e.str(a.action);
  e.u8(a.subject_kind);
  if (a.subject_kind == 1) e.varint(a.subject);
  if (a.subject_kind == 2) e.str(a.subject_text);
  e.str(a.detail);
  return std::move(e.bytes());
}

AuditRec decode_audit(std::string_view bytes) {
  if (bytes.size() < kHashBytes) corrupt("audit entry", "shorter than a hash");
  AuditRec a;
  a.body = bytes.substr(0, bytes.size() - kHashBytes);
  a.prev = bytes.substr(bytes.size() - kHashBytes);
  Decoder d(a.body, "audit entry");
  a.ts = d.zigzag();
  a.actor = d.varint32();
  a.action = d.str();
  a.subject_kind = d.u8();
  if (a.subject_kind > 2) d.fail("bad subject kind");
  if (a.subject_kind == 1) a.subject = d.varint32();
  if (a.subject_kind == 2) a.subject_text = d.str();
  a.detail = d.str();
  d.finish();
  return a;
}

std::string sha256(std::string_view a, std::string_view b) {
  std::string out(kHashBytes, '\0');
  EVP_MD_CTX* ctx = EVP_MD_CTX_new();
  if (ctx == nullptr) throw StoreError("out of memory hashing the audit log");
  const bool ok = EVP_DigestInit_ex(ctx, EVP_sha256(), nullptr) == 1 &&
                  EVP_DigestUpdate(ctx, a.data(), a.size()) == 1 &&
                  EVP_DigestUpdate(ctx, b.data(), b.size()) == 1 &&
                  EVP_DigestFinal_ex(ctx, reinterpret_cast<unsigned char*>(out.data()), nullptr) == 1;
  EVP_MD_CTX_free(ctx);
  if (!ok) throw StoreError("SHA-256 failed while hashing the audit log");
  return out;
}

std::string hex(std::string_view bytes) {
  static constexpr char kDigits[] = "0123456789abcdef";
  std::string out;
  out.reserve(bytes.size() * 2);
  for (unsigned char c : bytes) {
    out.push_back(kDigits[c >> 4]);
    out.push_back(kDigits[c & 0x0f]);
  }
  return out;
}

std::string encode_person(const PersonRec& p) {
  Encoder e;
  e.u8(static_cast<std::uint8_t>(static_cast<std::uint8_t>(p.state.privacy) | (p.state.gone ? 0x04 : 0) |
                                 (p.state.forgotten ? 0x08 : 0)));
  e.zigzag(p.ts);
  return std::move(e.bytes());
}

PersonRec decode_person(std::string_view bytes) {
  Decoder d(bytes, "person record");
  PersonRec p;
  const auto f = d.u8();
  if ((f & 0x03) > 2 || (f & 0xf0) != 0) d.fail("bad flags");
  p.state.privacy = static_cast<Privacy>(f & 0x03);
  p.state.gone = (f & 0x04) != 0;
  p.state.forgotten = (f & 0x08) != 0;
  p.ts = d.zigzag();
  d.finish();
  return p;
}

std::string encode_message(Millis ts, std::string_view ref) {
  Encoder e;
  e.zigzag(ts);
  e.raw(ref);
  return std::move(e.bytes());
}

std::pair<Millis, std::string_view> decode_message(std::string_view bytes) {
  Decoder d(bytes, "message reference");
  const auto ts = d.zigzag();
  return {ts, d.rest()};
}

}  // namespace brigade::store::codec
