// Help requests (asks) and the index of those still open or taken.
#include "store/ledger.hpp"

namespace brigade::store {

using codec::key32;
using codec::key64;
using lmdb::val;
using lmdb::view;

// ---- asks --------------------------------------------------------------------------------------

Ask Ledger::to_ask(std::uint64_t id, const codec::AskRec& r, NameCache& cache) {
  Ask a;
  a.id = id;
  if (r.channel != 0) a.channel = cached_name(r.channel, cache).first;
  a.requester = cached_name(r.requester, cache).first;
  a.text = r.text;
  a.state = r.state;
  if (r.taker != 0) a.taker = cached_name(r.taker, cache).first;
  for (auto h : r.helpers) a.helpers.push_back(cached_name(h, cache).first);
  a.created = r.created;
  a.updated = r.updated;
  return a;
}

namespace {
bool is_open(AskState s) {
  return s == AskState::open || s == AskState::taken;
}
}  // namespace

void Ledger::write_ask(std::uint64_t id, const Ask& a) {
  auto st = static_cast<std::uint8_t>(a.state);
  if (st < 1 || st > 4)
    throw StoreError("unknown help request state " + std::to_string(st), StoreError::Code::invalid);
  if (a.requester.empty()) throw StoreError("a help request needs a requester", StoreError::Code::invalid);
  codec::AskRec r;
  r.channel = a.channel.empty() ? 0 : intern(a.channel);
  r.requester = intern(a.requester);
  r.text = a.text;
  r.state = a.state;
  r.taker = a.taker.empty() ? 0 : intern(a.taker);
  for (const auto& h : a.helpers) r.helpers.push_back(intern(h));
  r.created = a.created;
  r.updated = a.updated;
  const auto idk = key64(id);
  db(kAsks).put(txn_, val(idk), val(codec::encode_ask(r)));
  if (is_open(a.state)) {
    auto ck = key32(r.channel);
    db(kOpenAsks).put(txn_, val(idk), val(ck));
  } else {
    db(kOpenAsks).del(txn_, val(idk));
  }
}

void Ledger::put_ask(const Ask& a) {
  need_write("put_ask");
  const auto idk = key64(a.id);
  MDB_val data;
  if (a.id == 0 || !db(kAsks).get(txn_, val(idk), data))
    throw StoreError("no help request #" + std::to_string(a.id), StoreError::Code::invalid);
  write_ask(a.id, a);
}

std::uint64_t Ledger::add_ask(Ask& a) {
  need_write("add_ask");
  auto st = static_cast<std::uint8_t>(a.state);
  if (st < 1 || st > 4)
    throw StoreError("unknown help request state " + std::to_string(st), StoreError::Code::invalid);
  if (a.requester.empty()) throw StoreError("a help request needs a requester", StoreError::Code::invalid);
  const auto id = next_seq(kMetaAskSeq);
  write_ask(id, a);
  a.id = id;
  return id;
}

std::optional<Ask> Ledger::ask(std::uint64_t id) {
  const auto idk = key64(id);
  MDB_val data;
  if (!db(kAsks).get(txn_, val(idk), data)) return std::nullopt;
  NameCache cache;
  return to_ask(id, codec::decode_ask(view(data)), cache);
}

std::vector<Ask> Ledger::open_asks(std::string_view channel, std::size_t limit) {
  std::vector<Ask> out;
  std::uint32_t chan = 0;
  if (!channel.empty()) {
    auto c = find_num(channel);
    if (!c) return out;
    chan = *c;
  }
  NameCache cache;
  lmdb::Cursor c(txn_, db(kOpenAsks));
  MDB_val k, d;
  for (bool ok = c.get(k, d, MDB_FIRST); ok; ok = c.get(k, d, MDB_NEXT)) {
    if (!channel.empty() && codec::read32(view(d), "open ask channel") != chan) continue;
    const auto id = codec::read64(view(k), "ask key");
    MDB_val rec;
    if (!db(kAsks).get(txn_, k, rec))
      codec::corrupt("open ask index", "points at missing #" + std::to_string(id));
    auto r = codec::decode_ask(view(rec));
    if (!is_open(r.state)) continue;
    out.push_back(to_ask(id, r, cache));
    if (limit != 0 && out.size() >= limit) break;
  }
  return out;
}

}  // namespace brigade::store
