// The outbox record: a queued reply with its adapter, attempts and retry time, and the reply's
// optional trailing parts (thread, tag, edit, link, blocks, buttons) that older records lack.
#include "store/codec.hpp"

namespace brigade::store::codec {

namespace {

// A reply's link, blocks and buttons: (link_to, n blocks × (kind, n spans × (text, user)),
// n buttons × (action, label, value, reaction, style)).
void encode_spans(Encoder& e, const std::vector<core::Span>& spans) {
  e.varint(spans.size());
  for (const auto& s : spans) {
    e.str(s.text);
    e.str(s.user_id);
  }
}

void encode_layout(Encoder& e, const core::Reply& r) {
  e.str(r.link_to);
  e.varint(r.blocks.size());
  for (const auto& b : r.blocks) {
    e.u8(static_cast<std::uint8_t>(b.kind));
    encode_spans(e, b.text);
  }
  e.varint(r.buttons.size());
  for (const auto& b : r.buttons) {
    e.str(b.action);
    e.str(b.label);
    e.str(b.value);
    e.str(b.reaction);
    e.u8(static_cast<std::uint8_t>(b.style));
  }
}

std::vector<core::Span> decode_spans(Decoder& d, std::size_t limit) {
  std::uint64_t n = d.varint();
  if (n > limit) d.fail("bad span count");
  std::vector<core::Span> out;
  out.reserve(static_cast<std::size_t>(n));
  for (std::uint64_t i = 0; i < n; ++i) {
    core::Span s;
    s.text = d.str();
    s.user_id = d.str();
    out.push_back(std::move(s));
  }
  return out;
}

void decode_layout(Decoder& d, core::Reply& r, std::size_t limit) {
  r.link_to = d.str();
  std::uint64_t blocks = d.varint();
  if (blocks > limit) d.fail("bad block count");
  for (std::uint64_t i = 0; i < blocks; ++i) {
    core::Block b;
    std::uint8_t kind = d.u8();
    if (kind < 1 || kind > 4) d.fail("bad block kind");
    b.kind = static_cast<core::Block::Kind>(kind);
    b.text = decode_spans(d, limit);
    r.blocks.push_back(std::move(b));
  }
  std::uint64_t buttons = d.varint();
  if (buttons > limit) d.fail("bad button count");
  for (std::uint64_t i = 0; i < buttons; ++i) {
    core::Button b;
    b.action = d.str();
    b.label = d.str();
    b.value = d.str();
    b.reaction = d.str();
    std::uint8_t style = d.u8();
    if (style > 2) d.fail("bad button style");
    b.style = static_cast<core::Button::Style>(style);
    r.buttons.push_back(std::move(b));
  }
}

}  // namespace

std::string encode_outbox(const OutboxItem& item) {
  Encoder e;
  e.str(item.adapter);
  e.varint(item.attempts);
  e.zigzag(item.not_before);
  e.u8(static_cast<std::uint8_t>(item.reply.audience));
  e.str(item.reply.channel);
  e.str(item.reply.user);
  e.u8(item.reply.ping ? 1 : 0);
  e.varint(item.reply.body.size());
  for (const auto& s : item.reply.body) {
    e.str(s.text);
    e.str(s.user_id);
  }
  // Optional trailing fields: records written before they existed simply end here.
  const auto& r = item.reply;
  const bool laid_out = !r.link_to.empty() || !r.blocks.empty() || !r.buttons.empty();
  const bool edits = !r.tag.empty() || !r.replaces.empty() || laid_out;
  if (!r.reply_to.empty() || edits) e.str(r.reply_to);
  if (edits) {
    e.str(r.tag);
    e.str(r.replaces);
  }
  if (laid_out) encode_layout(e, r);
  return std::move(e.bytes());
}

OutboxItem decode_outbox(std::uint64_t seq, std::string_view bytes) {
  Decoder d(bytes, "outbox record");
  OutboxItem it;
  it.seq = seq;
  it.adapter = d.str();
  it.attempts = d.varint32();
  it.not_before = d.zigzag();
  std::uint8_t aud = d.u8();
  if (aud < 1 || aud > 5) d.fail("bad audience");
  it.reply.audience = static_cast<core::Audience>(aud);
  it.reply.channel = d.str();
  it.reply.user = d.str();
  std::uint8_t ping = d.u8();
  if (ping > 1) d.fail("bad ping flag");
  it.reply.ping = ping == 1;
  std::uint64_t n = d.varint();
  if (n > bytes.size()) d.fail("bad span count");
  it.reply.body.reserve(static_cast<std::size_t>(n));
  for (std::uint64_t i = 0; i < n; ++i) {
    core::Span s;
    s.text = d.str();
    s.user_id = d.str();
    it.reply.body.push_back(std::move(s));
  }
  if (!d.done()) it.reply.reply_to = d.str();
  if (!d.done()) {
    it.reply.tag = d.str();
    it.reply.replaces = d.str();
  }
  if (!d.done()) decode_layout(d, it.reply, bytes.size());
  d.finish();
  return it;
}

}  // namespace brigade::store::codec
