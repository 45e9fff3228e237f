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


// ---- the outbox record: a reply's optional parts --------------------------------------------------

OutboxItem laid_out_item() {
  OutboxItem it;
  it.adapter = "slack";
  it.reply.audience = core::Audience::home;
  it.reply.user = "slack:T1:U1";
  it.reply.body = core::BodyBuilder().text("Your recognition").take();
  it.reply.link_to = "kudos:9";
  core::Block header;
  header.kind = core::Block::Kind::header;
  header.text = core::BodyBuilder().text("Your recognition").take();
  core::Block section;
  section.text = core::BodyBuilder().text("Top: ").mention("slack:T1:U2", "bob").take();
  it.reply.blocks = {header, core::Block{core::Block::Kind::divider, {}}, section};
  core::Button give;
  give.action = "kudos.give";
  give.label = "Give kudos";
  give.style = core::Button::Style::primary;
  core::Button take;
  take.action = "ask.take";
  take.label = "I'll take it";
  take.value = "7";
  take.reaction = "✋";
  it.reply.buttons = {give, take};
  return it;
}

TEST(CodecOutbox, BlocksButtonsAndLinksRoundTrip) {
  const OutboxItem it = laid_out_item();
  const OutboxItem b = decode_outbox(3, encode_outbox(it));
  EXPECT_EQ(b.reply.audience, core::Audience::home);
  EXPECT_EQ(b.reply.link_to, "kudos:9");
  ASSERT_EQ(b.reply.blocks.size(), 3u);
  EXPECT_EQ(b.reply.blocks[0].kind, core::Block::Kind::header);
  EXPECT_EQ(b.reply.blocks[1].kind, core::Block::Kind::divider);
  ASSERT_EQ(b.reply.blocks[2].text.size(), 2u);
  EXPECT_EQ(b.reply.blocks[2].text[1].user_id, "slack:T1:U2");
  ASSERT_EQ(b.reply.buttons.size(), 2u);
  EXPECT_EQ(b.reply.buttons[0].style, core::Button::Style::primary);
  EXPECT_EQ(b.reply.buttons[1].value, "7");
  EXPECT_EQ(b.reply.buttons[1].reaction, "✋");
}

TEST(CodecOutbox, RecordsWrittenBeforeTheLayoutStillDecode) {
  OutboxItem it = laid_out_item();
  it.reply.audience = core::Audience::channel;
  it.reply.link_to.clear();
  it.reply.blocks.clear();
  it.reply.buttons.clear();
  it.reply.tag = "kudos:1";
  const std::string bytes = encode_outbox(it);
  const OutboxItem b = decode_outbox(3, bytes);
  EXPECT_EQ(b.reply.tag, "kudos:1");
  EXPECT_TRUE(b.reply.blocks.empty() && b.reply.buttons.empty() && b.reply.link_to.empty());
}

TEST(CodecOutbox, ABadBlockKindOrButtonStyleIsDamage) {
  std::string bytes = encode_outbox(laid_out_item());
  // The header block's kind byte follows link_to ("kudos:9") and the block count.
  const auto at = bytes.find("kudos:9") + 7 + 1;
  ASSERT_EQ(bytes[at], static_cast<char>(core::Block::Kind::header));
  std::string bad = bytes;
  bad[at] = 9;
  EXPECT_THROW(decode_outbox(3, bad), StoreError);
  bad = bytes;
  bad.back() = 7;  // the last button's style
  EXPECT_THROW(decode_outbox(3, bad), StoreError);
  bad = bytes;
  bad.pop_back();
  EXPECT_THROW(decode_outbox(3, bad), StoreError) << "a record cut short";
}

}  // namespace
}  // namespace brigade::store::codec
