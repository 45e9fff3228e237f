// People's choices and rights: privacy and automatic hiding, everything held about one person,
// erasure that keeps every total, and the retention of reason text.
#include <algorithm>
#include <set>

#include "store/ledger.hpp"
#include "store/names.hpp"
#include "store/rules.hpp"

namespace brigade::store {

using codec::key32;
using codec::key64;
using lmdb::val;
using lmdb::view;

PersonState Ledger::person_state(std::uint32_t num) {
  MDB_val data;
  const auto k = key32(num);
  if (!db(kPeople).get(txn_, val(k), data)) return {};
  return codec::decode_person(view(data)).state;
}

bool Ledger::ranked(std::uint32_t num) {
  // Most stores have few entries here; an empty table costs one lookup per ranked row.
  return person_state(num).ranked();
}

void Ledger::put_person(std::uint32_t num, const PersonState& st) {
  const auto k = key32(num);
  if (st.privacy == Privacy::public_ && !st.gone && !st.forgotten) {
    db(kPeople).del(txn_, val(k));
    return;
  }
  codec::PersonRec rec;
  rec.state = st;
  db(kPeople).put(txn_, val(k), val(codec::encode_person(rec)));
}

PersonState Ledger::person(std::string_view user) {
  const auto num = find_num(user);
  if (!num) {
    PersonState st;
    st.forgotten = user.substr(0, kTombstone.size()) == kTombstone;
    return st;
  }
  return person_state(*num);
}

void Ledger::set_privacy(std::string_view user, Privacy p) {
  need_write("set_privacy");
  const auto num = intern(user);
  auto st = person_state(num);
  if (st.forgotten) throw StoreError("that person was erased", StoreError::Code::invalid);
  st.privacy = p;
  put_person(num, st);
}

void Ledger::set_gone(std::string_view user, bool gone) {
  need_write("set_gone");
  const auto num = find_num(user);
  if (!num) return;  // nothing recorded about them: nothing to hide
  auto st = person_state(*num);
  if (st.gone == gone || st.forgotten) return;
  st.gone = gone;
  put_person(*num, st);
}

std::string Ledger::forget(std::string_view user) {
  need_write("forget");
  const auto num = find_num(user);
  if (!num || user.substr(0, kTombstone.size()) == kTombstone)
    throw StoreError("Brigade holds nothing about '" + std::string(user) + "'", StoreError::Code::invalid);
  const std::string tomb = std::string(kTombstone) + std::to_string(*num);
  const std::string id(user);

  // Their identity: the id no longer resolves, the number now reads as the tombstone.
  db(kIds).del(txn_, val(id));
  const auto nk = key32(*num);
  db(kNames).put(txn_, val(nk), val(codec::encode_name(tomb, "")));
  auto st = person_state(*num);
  st.forgotten = true;
  put_person(*num, st);

  // What they wrote: the reasons of the kudos they gave, the text of their help requests.
  std::vector<std::uint64_t> ids;
  collect_index(kByUser, *num, 0, ~std::uint64_t{0}, ids);
  for (auto kid : ids) {
    MDB_val data;
    const auto idk = key64(kid);
    if (!db(kKudos).get(txn_, val(idk), data)) continue;
    const auto r = codec::decode_kudos(kid, view(data));
    if (r.giver != *num || r.reason.empty()) continue;
    auto copy = r;
    copy.reason = {};
    const auto rec = codec::reencode_kudos(kid, copy);
    db(kKudos).put(txn_, val(idk), val(rec));
  }
  forget_asks(*num);

  // Replies waiting to go out that name them.
  lmdb::Cursor c(txn_, db(kOutbox));
  MDB_val k, d;
  for (bool ok = c.get(k, d, MDB_FIRST); ok; ok = c.get(k, d, MDB_NEXT)) {
    const auto item = codec::decode_outbox(codec::read64(view(k), "outbox key"), view(d));
    if (reply_names(item.reply, id)) c.del();
  }
  return tomb;
}

void Ledger::forget_asks(std::uint32_t num) {
  lmdb::Cursor c(txn_, db(kAsks));
  MDB_val k, d;
  std::vector<std::pair<std::uint64_t, std::string>> rewrites;
  for (bool ok = c.get(k, d, MDB_FIRST); ok; ok = c.get(k, d, MDB_NEXT)) {
    auto a = codec::decode_ask(view(d));
    if (a.requester != num || a.text.empty()) continue;
    a.text = {};
    rewrites.emplace_back(codec::read64(view(k), "ask key"), codec::encode_ask(a));
  }
  for (const auto& [id, rec] : rewrites) {
    const auto ak = key64(id);
    db(kAsks).put(txn_, val(ak), val(rec));
  }
}

std::size_t Ledger::drop_reasons_before(Millis cutoff) {
  need_write("drop_reasons_before");
  auto [lo, hi] = id_range(0, cutoff);
  std::size_t n = 0;
  if (lo >= hi) return n;
  // Every kudos below the last run's watermark has ts < that run's cutoff <= this one: done.
  const std::uint64_t from = meta_number(kMetaRetention).value_or(0);
  std::vector<std::pair<std::uint64_t, std::string>> rewrites;
  lmdb::Cursor c(txn_, db(kKudos));
  const auto start = key64(from);
  MDB_val k = val(start), d;
  for (bool ok = c.get(k, d, MDB_SET_RANGE); ok; ok = c.get(k, d, MDB_NEXT)) {
    const auto id = codec::read64(view(k), "kudos key");
    if (id >= hi) break;
    const auto r = codec::decode_kudos(id, view(d));
    if (r.ts >= cutoff || r.reason.empty()) continue;
    auto copy = r;
    copy.reason = {};
    rewrites.emplace_back(id, codec::reencode_kudos(id, copy));
  }
  for (const auto& [id, rec] : rewrites) {
    const auto idk = key64(id);
    db(kKudos).put(txn_, val(idk), val(rec));
    ++n;
  }
  // ids start at ts << 12, so every kudos with an id below cutoff << 12 has ts < cutoff.
  const auto watermark = static_cast<std::uint64_t>(std::clamp<Millis>(cutoff, 0, codec::kMaxTs))
                         << codec::kIdShift;
  if (watermark > from) put_meta(kMetaRetention, std::to_string(watermark));
  return n;
}

std::optional<PersonRecord> Ledger::export_person(std::string_view user) {
  const auto num = find_num(user);
  if (!num) return std::nullopt;
  PersonRecord out;
  NameCache cache;
  out.user = cached_name(*num, cache).first;
  out.name = cached_name(*num, cache).second;
  out.state = person_state(*num);
  for (auto& k : kudos_of(user, 0, codec::kMaxTs + 1, 0, false))
    (k.giver == out.user ? out.given : out.received).push_back(std::move(k));
  lmdb::Cursor c(txn_, db(kAsks));
  MDB_val k, d;
  for (bool ok = c.get(k, d, MDB_FIRST); ok; ok = c.get(k, d, MDB_NEXT)) {
    const auto a = codec::decode_ask(view(d));
    const bool helped = std::find(a.helpers.begin(), a.helpers.end(), *num) != a.helpers.end();
    if (a.requester == *num || a.taker == *num || helped)
      out.asks.push_back(to_ask(codec::read64(view(k), "ask key"), a, cache));
  }
  rules::add_person_audit(out, audit(0, 0));
  return out;
}

}  // namespace brigade::store
