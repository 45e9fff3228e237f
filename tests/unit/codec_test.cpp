// The record codec on hostile bytes: every value decode_* accepts is in the store's range, and
// arithmetic on stored numbers never overflows (inputs found by tests/fuzz/codec_fuzz.cpp).
#include <gtest/gtest.h>

#include <string>

#include "store/codec.hpp"

namespace brigade::store::codec {
namespace {

constexpr Millis kTs = 1794996000000;  // 2026-11-18 10:00 UTC

std::string kudos_with_delta(std::int64_t delta) {
  Encoder e;
  e.varint(2);  // giver
  e.varint(1);  // recipient
  e.varint(1);  // channel
  e.u8(1);      // thanks
  e.zigzag(delta);
  e.varint(0);  // ask
  e.str("");    // reason
  e.varint(0);  // values
  return std::move(e.bytes());
}

TEST(CodecKudos, TimestampsAtTheEdgesOfTheRangeRoundTrip) {
  for (Millis ts : {Millis{0}, kTs, kMaxTs}) {
    KudosRec r;
    r.giver = 1;
    r.recipient = 2;
    r.ts = ts;
    const std::uint64_t id = (static_cast<std::uint64_t>(ts) << kIdShift) + 5;
    EXPECT_EQ(decode_kudos(id, encode_kudos(id, r, {})).ts, ts);
    // A kudos filed under a later millisecond (a crowded one) keeps its own time.
    const std::uint64_t late = id + (std::uint64_t{3} << kIdShift);
    EXPECT_EQ(decode_kudos(late, encode_kudos(late, r, {})).ts, ts);
  }
}

// The fuzzer's first find: ts = (id >> 12) - delta with delta = INT64_MIN overflowed (undefined
// behaviour) before the record was found truncated.
TEST(CodecKudos, TimestampDeltaThatWouldOverflowIsCorruption) {
  const std::string record("\x02\x01\x01\x01\xff\xff\xff\xff\xff\xff\xff\xff\xff\x01", 14);
  EXPECT_THROW(decode_kudos(0, record), StoreError);
  try {
    decode_kudos(0, record);
  } catch (const StoreError& e) {
    EXPECT_EQ(e.code(), StoreError::Code::damaged) << "a record that does not decode is damage";
  }
  EXPECT_THROW(decode_kudos(0, kudos_with_delta(INT64_MIN)), StoreError);
  EXPECT_THROW(decode_kudos(std::uint64_t{kTs} << kIdShift, kudos_with_delta(INT64_MIN)), StoreError);
  EXPECT_THROW(decode_kudos(~std::uint64_t{0}, kudos_with_delta(INT64_MIN + 1)), StoreError);
}

TEST(CodecKudos, TimestampOutsideTheStoreRangeIsCorruption) {
  const std::uint64_t id = std::uint64_t{kTs} << kIdShift;
  EXPECT_EQ(decode_kudos(id, kudos_with_delta(kTs)).ts, 0);
  EXPECT_THROW(decode_kudos(id, kudos_with_delta(kTs + 1)), StoreError);  // before 1970
  EXPECT_EQ(decode_kudos(id, kudos_with_delta(kTs - kMaxTs)).ts, kMaxTs);
  EXPECT_THROW(decode_kudos(id, kudos_with_delta(kTs - kMaxTs - 1)), StoreError);  // past kMaxTs
  EXPECT_THROW(decode_kudos(id, kudos_with_delta(INT64_MAX)), StoreError);
}

}  // namespace
}  // namespace brigade::store::codec
