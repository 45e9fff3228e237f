// Fuzz target: the ledger's record and key codec (store/codec.hpp). Any byte string either decodes to
// a record within the store's ranges, which re-encodes and decodes to the same record, or throws
// StoreError. Input: one selector byte, then the bytes of the record or key (kudos: 8-byte id first).
#include <cstring>

#include "store/codec.hpp"
#include "tests/fuzz/fuzz_support.hpp"

namespace {

using namespace brigade::store;
using namespace brigade::store::codec;

std::uint64_t take_be64(std::string_view& in) {
  char b[8] = {};
  std::memcpy(b, in.data(), std::min<std::size_t>(8, in.size()));
  in.remove_prefix(std::min<std::size_t>(8, in.size()));
  return get_be64(b);
}

std::vector<std::string> values_of(const KudosRec& r) {
  std::vector<std::string> out;
  each_value(r, [&](std::string_view v) { out.emplace_back(v); });
  return out;
}

void kudos(std::string_view in) {
  const std::uint64_t id = take_be64(in);
  KudosRec r = decode_kudos(id, in);
  FUZZ_CHECK(r.ts >= 0 && r.ts <= kMaxTs);
  FUZZ_CHECK(r.giver != 0 && r.recipient != 0);
  FUZZ_CHECK(static_cast<int>(r.kind) >= 1 && static_cast<int>(r.kind) <= 3);
  FUZZ_CHECK(r.flags_at < in.size());
  auto values = values_of(r);  // may throw: the store reads values lazily, and so do we
  FUZZ_CHECK(values.size() == r.value_count);
  std::string again = encode_kudos(id, r, values);
  KudosRec b = decode_kudos(id, again);
  FUZZ_CHECK(b.giver == r.giver && b.recipient == r.recipient && b.channel == r.channel);
  FUZZ_CHECK(b.kind == r.kind && b.revoked == r.revoked && b.ts == r.ts && b.ask == r.ask);
  FUZZ_CHECK(b.reason == r.reason && values_of(b) == values);
  // A revoke rewrites the flags byte in place: the record must still decode, revoked.
  again[b.flags_at] = static_cast<char>(static_cast<std::uint8_t>(again[b.flags_at]) | kRevokedBit);
  KudosRec c = decode_kudos(id, again);
  FUZZ_CHECK(c.revoked && c.kind == r.kind && c.ts == r.ts);
}

void ask(std::string_view in) {
  AskRec a = decode_ask(in);
  FUZZ_CHECK(static_cast<int>(a.state) >= 1 && static_cast<int>(a.state) <= 4);
  const std::string again = encode_ask(a);  // b's text points into it
  AskRec b = decode_ask(again);
  FUZZ_CHECK(b.channel == a.channel && b.requester == a.requester && b.text == a.text);
  FUZZ_CHECK(b.state == a.state && b.taker == a.taker && b.helpers == a.helpers);
  FUZZ_CHECK(b.created == a.created && b.updated == a.updated);
}

void seen(std::string_view in) {
  SeenRec s = decode_seen(in);
  SeenRec b = decode_seen(encode_seen(s.ts, s.kudos));
  FUZZ_CHECK(b.ts == s.ts && b.kudos == s.kudos);
}

void outbox(std::string_view in) {
  OutboxItem it = decode_outbox(42, in);
  FUZZ_CHECK(it.seq == 42);
  OutboxItem b = decode_outbox(42, encode_outbox(it));
  FUZZ_CHECK(b.adapter == it.adapter && b.attempts == it.attempts && b.not_before == it.not_before);
  FUZZ_CHECK(b.reply.audience == it.reply.audience && b.reply.channel == it.reply.channel);
  FUZZ_CHECK(b.reply.user == it.reply.user && b.reply.ping == it.reply.ping);
  FUZZ_CHECK(b.reply.reply_to == it.reply.reply_to && b.reply.body.size() == it.reply.body.size());
  for (std::size_t i = 0; i < b.reply.body.size(); ++i)
    FUZZ_CHECK(b.reply.body[i].text == it.reply.body[i].text &&
               b.reply.body[i].user_id == it.reply.body[i].user_id);
  FUZZ_CHECK(b.reply.tag == it.reply.tag && b.reply.replaces == it.reply.replaces);
  FUZZ_CHECK(b.reply.link_to == it.reply.link_to && b.reply.blocks.size() == it.reply.blocks.size());
  for (std::size_t i = 0; i < b.reply.blocks.size(); ++i)
    FUZZ_CHECK(b.reply.blocks[i].kind == it.reply.blocks[i].kind &&
               b.reply.blocks[i].text.size() == it.reply.blocks[i].text.size());
  FUZZ_CHECK(b.reply.buttons.size() == it.reply.buttons.size());
  for (std::size_t i = 0; i < b.reply.buttons.size(); ++i)
    FUZZ_CHECK(b.reply.buttons[i].action == it.reply.buttons[i].action &&
               b.reply.buttons[i].value == it.reply.buttons[i].value &&
               b.reply.buttons[i].style == it.reply.buttons[i].style);
}

void name(std::string_view in) {
  auto [id, display] = decode_name(in);
  FUZZ_CHECK(!id.empty());
  const std::string again = encode_name(id, display);  // the decoded views point into it
  auto [id2, display2] = decode_name(again);
  FUZZ_CHECK(id2 == id && display2 == display);
}

void tally(std::string_view in) {
  std::string_view main = in.substr(0, std::min<std::size_t>(10, in.size())), dup = in.substr(main.size());
  std::uint32_t count = 0;
  TallyKey k = parse_tally(main, dup, count);
  TallyMain m = tally_main(k);
  Key8 d = tally_dup(k.user, count);
  FUZZ_CHECK(std::string_view(m.data(), m.size()) == main && std::string_view(d.data(), d.size()) == dup);
}

// The primitives with encoder-first round trips: 8-byte numbers as varints and zigzags, the rest a string.
void primitives(std::string_view in) {
  Encoder e;
  std::vector<std::uint64_t> nums;
  while (in.size() >= 8 && nums.size() < 16) nums.push_back(take_be64(in));
  for (auto n : nums) {
    e.varint(n);
    e.zigzag(static_cast<std::int64_t>(n));
  }
  e.str(in);
  Decoder d(e.bytes(), "fuzz");
  for (auto n : nums) {
    FUZZ_CHECK(d.varint() == n);
    FUZZ_CHECK(d.zigzag() == static_cast<std::int64_t>(n));
  }
  FUZZ_CHECK(d.str() == in);
  d.finish();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  std::string_view in = brigade::fuzz::as_view(data, size);
  if (in.empty()) return 0;
  const auto selector = static_cast<std::uint8_t>(in.front()) % 8;
  in.remove_prefix(1);
  try {
    switch (selector) {
      case 0:
        kudos(in);
        break;
      case 1:
        ask(in);
        break;
      case 2:
        seen(in);
        break;
      case 3:
        outbox(in);
        break;
      case 4:
        name(in);
        break;
      case 5:
        tally(in);
        break;
      default:
        primitives(in);
        break;
    }
  } catch (const StoreError&) {
    // Malformed bytes: the documented outcome.
  }
  return 0;
}
