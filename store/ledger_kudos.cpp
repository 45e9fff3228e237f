// The kudos log with its per-day user and channel indexes, and the daily quota a kudos draws on.
#include <algorithm>
#include <limits>

#include "store/ledger.hpp"
#include "store/rules.hpp"

namespace brigade::store {

using codec::key32;
using codec::key64;
using lmdb::val;
using lmdb::view;

// ---- kudos log ---------------------------------------------------------------------------------

Kudos Ledger::to_kudos(std::uint64_t id, const codec::KudosRec& r, NameCache& cache) {
  Kudos k;
  k.id = id;
  k.ts = r.ts;
  k.giver = cached_name(r.giver, cache).first;
  k.recipient = cached_name(r.recipient, cache).first;
  if (r.channel != 0) k.channel = cached_name(r.channel, cache).first;
  k.kind = r.kind;
  k.reason = r.reason;
  codec::each_value(r, [&](std::string_view v) { k.values.emplace_back(v); });
  k.ask = r.ask;
  k.number = r.number;
  k.revoked = r.revoked;
  if (r.revoked) {
    MDB_val data;
    const auto idk = key64(id);
    if (db(kCorrect).get(txn_, val(idk), data)) {
      const auto c = codec::decode_correction(view(data));
      k.revocation = Revocation{c.ts, c.how, c.by != 0 ? cached_name(c.by, cache).first : std::string(),
                                std::string(c.reason)};
    }
  }
  return k;
}

std::uint64_t Ledger::add_kudos(Kudos& k) {
  need_write("add_kudos");
  if (k.ts < 0 || k.ts > codec::kMaxTs)
    throw StoreError("kudos timestamp out of range: " + std::to_string(k.ts), StoreError::Code::invalid);
  auto kind = static_cast<std::uint8_t>(k.kind);
  if (kind < 1 || kind > 3)
    throw StoreError("unknown kudos kind " + std::to_string(kind), StoreError::Code::invalid);
  if (k.giver.empty() || k.recipient.empty())
    throw StoreError("a kudos needs a giver and a recipient", StoreError::Code::invalid);

  codec::KudosRec r;
  r.giver = intern(k.giver);
  r.recipient = intern(k.recipient);
  r.channel = k.channel.empty() ? 0 : intern(k.channel);
  r.kind = k.kind;
  r.revoked = k.revoked;
  r.ts = k.ts;
  r.ask = k.ask;
  r.reason = k.reason;
  const auto number = next_seq(kMetaKudosSeq);
  if (number > 0xffff'ffffu) throw StoreError("too many kudos to number", StoreError::Code::full);
  r.number = static_cast<std::uint32_t>(number);

  MDB_cursor* c = cursor_of(kKudos);
  MDB_val key, data;
  std::uint64_t last = 0;
  if (lmdb::found(mdb_cursor_get(c, &key, &data, MDB_LAST), "mdb_cursor_get"))
    last = codec::read64(view(key), "kudos key");
  const std::uint64_t id = std::max(last + 1, static_cast<std::uint64_t>(k.ts) << codec::kIdShift);
  const auto rec = codec::encode_kudos(id, r, k.values);
  const auto idk = key64(id);
  key = val(idk);
  data = val(rec);
  lmdb::check(mdb_cursor_put(c, &key, &data, MDB_APPEND), "append kudos");

  // Late or crowded kudos get ids past their own millisecond; range scans widen by the worst case.
  const std::int64_t skew = static_cast<std::int64_t>(id >> codec::kIdShift) - k.ts;
  if (skew > 0 && static_cast<std::uint64_t>(skew) > meta_number(kMetaSkew).value_or(0))
    put_meta(kMetaSkew, std::to_string(skew));

  const auto day = codec::index_day(id);
  db(kByUser).put_new(txn_, val(codec::index_key(day, r.giver)), val(idk), MDB_NODUPDATA);
  if (r.recipient != r.giver)
    db(kByUser).put_new(txn_, val(codec::index_key(day, r.recipient)), val(idk), MDB_NODUPDATA);
  if (r.channel != 0)
    db(kByChan).put_new(txn_, val(codec::index_key(day, r.channel)), val(idk), MDB_NODUPDATA);
  const auto nk = key32(r.number);
  db(kNumbers).put(txn_, val(nk), val(idk), MDB_NOOVERWRITE);
  if (!r.revoked) apply_tallies(r, +1);
  k.id = id;
  k.number = r.number;
  return id;
}

bool Ledger::revoke_kudos(std::uint64_t id, const Revocation& why, Period allowance) {
  need_write("revoke_kudos");
  rules::need_allowance_period(allowance);
  const auto idk = key64(id);
  MDB_val data;
  if (!db(kKudos).get(txn_, val(idk), data)) return false;
  auto r = codec::decode_kudos(id, view(data));
  if (r.revoked) return false;
  std::string rec(view(data));
  rec[r.flags_at] = static_cast<char>(static_cast<std::uint8_t>(rec[r.flags_at]) | codec::kRevokedBit);
  r.reason = {};  // the views point into the old value, which the put below may move
  r.values = {};
  db(kKudos).put(txn_, val(idk), val(rec));
  codec::CorrectionRec c;
  c.ts = why.ts;
  c.how = why.how;
  c.by = why.by.empty() ? 0 : intern(why.by);
  c.reason = why.reason;
  db(kCorrect).put(txn_, val(idk), val(codec::encode_correction(c)));
  apply_tallies(r, -1);
  refund_allowance(r.giver, r.recipient, AllowanceSlot{allowance, cal_.bucket(allowance, r.ts)});
  return true;
}

std::optional<Kudos> Ledger::kudos_numbered(std::uint32_t number) {
  MDB_val data;
  const auto nk = key32(number);
  if (number == 0 || !db(kNumbers).get(txn_, val(nk), data)) return std::nullopt;
  return kudos(codec::read64(view(data), "kudos number entry"));
}

std::vector<Kudos> Ledger::kudos_of(std::string_view user, Millis from, Millis until, std::size_t limit,
                                    bool newest_first) {
  std::vector<Kudos> out;
  const auto num = find_num(user);
  auto [lo, hi] = id_range(from, until);
  if (!num || lo >= hi) return out;
  std::vector<std::uint64_t> ids;
  collect_index(kByUser, *num, lo, hi, ids);
  std::sort(ids.begin(), ids.end());
  if (newest_first) std::reverse(ids.begin(), ids.end());
  NameCache cache;
  for (auto id : ids) {
    MDB_val data;
    const auto idk = key64(id);
    if (!db(kKudos).get(txn_, val(idk), data)) codec::corrupt("by_user index", "names a missing kudos");
    const auto r = codec::decode_kudos(id, view(data));
    if (r.ts < from || r.ts >= until) continue;
    out.push_back(to_kudos(id, r, cache));
    if (limit != 0 && out.size() == limit) break;
  }
  return out;
}

std::optional<Kudos> Ledger::kudos(std::uint64_t id) {
  MDB_val data;
  const auto idk = key64(id);
  if (!db(kKudos).get(txn_, val(idk), data)) return std::nullopt;
  NameCache cache;
  return to_kudos(id, codec::decode_kudos(id, view(data)), cache);
}

std::uint64_t Ledger::kudos_count() {
  return db(kKudos).entries(txn_);
}

std::pair<std::uint64_t, std::uint64_t> Ledger::id_range(Millis from, Millis until) {
  const Millis f = std::clamp<Millis>(from, 0, codec::kMaxTs + 1);
  const Millis u = std::clamp<Millis>(until, 0, codec::kMaxTs + 1);
  if (u <= f) return {0, 0};
  const std::uint64_t skew = std::min<std::uint64_t>(meta_number(kMetaSkew).value_or(0), codec::kMaxTs);
  return {static_cast<std::uint64_t>(f) << codec::kIdShift, (static_cast<std::uint64_t>(u) + skew)
                                                                << codec::kIdShift};
}

std::vector<Kudos> Ledger::kudos_between(Millis from, Millis until, std::size_t limit, bool newest_first) {
  std::vector<Kudos> out;
  auto [lo, hi] = id_range(from, until);
  if (lo >= hi) return out;
  NameCache cache;
  lmdb::Cursor c(txn_, db(kKudos));
  MDB_val k, d;
  auto take = [&]() {
    const auto id = codec::read64(view(k), "kudos key");
    auto r = codec::decode_kudos(id, view(d));
    if (r.ts >= from && r.ts < until) out.push_back(to_kudos(id, r, cache));
    return limit == 0 || out.size() < limit;
  };
  if (!newest_first) {
    auto lok = key64(lo);
    k = val(lok);
    for (bool ok = c.get(k, d, MDB_SET_RANGE); ok; ok = c.get(k, d, MDB_NEXT)) {
      if (codec::read64(view(k), "kudos key") >= hi || !take()) break;
    }
  } else {
    auto hik = key64(hi);
    k = val(hik);
    bool ok = c.get(k, d, MDB_SET_RANGE) ? c.get(k, d, MDB_PREV) : c.get(k, d, MDB_LAST);
    for (; ok; ok = c.get(k, d, MDB_PREV)) {
      if (codec::read64(view(k), "kudos key") < lo || !take()) break;
    }
  }
  return out;
}

void Ledger::collect_index(Db index, std::uint32_t num, std::uint64_t lo, std::uint64_t hi,
                           std::vector<std::uint64_t>& out) {
  // Only days that can hold a kudos: the log's first and last ids bound an open-ended range.
  {
    lmdb::Cursor log(txn_, db(kKudos));
    MDB_val k, d;
    if (!log.get(k, d, MDB_FIRST)) return;
    lo = std::max(lo, codec::read64(view(k), "kudos key"));
    if (!log.get(k, d, MDB_LAST)) return;
    hi = std::min(hi, codec::read64(view(k), "kudos key") + 1);
  }
  if (lo >= hi) return;
  lmdb::Cursor c(txn_, db(index));
  const auto lok = key64(lo);
  for (std::uint32_t day = codec::index_day(lo), last = codec::index_day(hi - 1); day <= last; ++day) {
    const auto ik = codec::index_key(day, num);
    MDB_val k = val(ik), d = val(lok);
    for (bool ok = c.get(k, d, MDB_GET_BOTH_RANGE); ok; ok = c.get(k, d, MDB_NEXT_DUP)) {
      const auto id = codec::read64(view(d), "index entry");
      if (id >= hi) break;
      out.push_back(id);
    }
  }
}

// ---- allowance ---------------------------------------------------------------------------------

std::uint32_t Ledger::allowance_used(std::string_view giver, AllowanceSlot slot, std::string_view recipient) {
  auto g = find_num(giver);
  if (!g) return 0;
  std::uint32_t r = 0;
  if (!recipient.empty()) {
    auto n = find_num(recipient);
    if (!n) return 0;
    r = *n;
  }
  const auto key = codec::allowance_key(*g, static_cast<std::uint8_t>(slot.period), slot.bucket, r);
  MDB_val data;
  if (!db(kQuota).get(txn_, val(codec::allowance_view(key, r != 0)), data)) return 0;
  return codec::read32(view(data), "allowance count");
}

bool Ledger::debit_allowance(std::string_view giver, AllowanceSlot slot, std::uint32_t n, std::uint32_t limit,
                             std::string_view recipient) {
  need_write("debit_allowance");
  rules::need_allowance_period(slot.period);
  const std::uint64_t used = allowance_used(giver, slot, recipient);
  if (limit != 0 && used + n > limit) return false;
  if (n == 0) return true;
  if (used + n > 0xffff'ffffu) throw StoreError("allowance counter overflow", StoreError::Code::full);
  const auto g = intern(giver);
  const std::uint32_t r = recipient.empty() ? 0 : intern(recipient);
  const auto p = static_cast<std::uint8_t>(slot.period);
  const auto key = codec::allowance_key(g, p, slot.bucket, r);
  const auto v = key32(static_cast<std::uint32_t>(used + n));
  db(kQuota).put(txn_, val(codec::allowance_view(key, r != 0)), val(v));
  if (used == 0 && r == 0) {
    // First debit of this giver's slot: forget their slots of this period older than about a month.
    lmdb::Cursor c(txn_, db(kQuota));
    const auto first = codec::allowance_key(g, p, std::numeric_limits<std::int32_t>::min());
    const auto stop = codec::allowance_key(g, p, slot.bucket - rules::allowance_buckets_kept(slot.period));
    const auto stop_view = codec::allowance_view(stop, false);
    MDB_val k = val(codec::allowance_view(first, false)), d;
    for (bool ok = c.get(k, d, MDB_SET_RANGE); ok; ok = c.get(k, d, MDB_NEXT)) {
      if (view(k) >= stop_view) break;
      c.del();
    }
  }
  return true;
}

void Ledger::refund_allowance(std::uint32_t giver, std::uint32_t recipient, AllowanceSlot slot) {
  // Only that slot's use goes down: a kudos taken back tomorrow gives nothing back today.
  const auto p = static_cast<std::uint8_t>(slot.period);
  for (std::uint32_t r : {std::uint32_t{0}, recipient}) {
    const auto key = codec::allowance_key(giver, p, slot.bucket, r);
    const auto kv = codec::allowance_view(key, r != 0);
    MDB_val data;
    if (!db(kQuota).get(txn_, val(kv), data)) continue;  // pruned, or given before it was kept
    const auto used = codec::read32(view(data), "allowance count");
    if (used == 0) continue;
    const auto v = key32(used - 1);
    db(kQuota).put(txn_, val(kv), val(v));
  }
}

}  // namespace brigade::store
