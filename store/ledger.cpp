// Ledger operations other than tallies and summaries: ids and names, the kudos log, quota,
// asks, idempotency keys, outbox, cursors and meta.
#include "store/ledger.hpp"

#include <algorithm>
#include <charconv>
#include <cstdio>
#include <limits>

namespace brigade::store {

using codec::key32;
using codec::key64;
using lmdb::val;
using lmdb::view;

const std::array<DbSpec, kDbCount> kDbSpecs = {{
    {"meta", 0},
    {"ids", 0},
    {"names", 0},
    {"kudos", 0},
    {"by_user", MDB_DUPSORT | MDB_DUPFIXED},
    {"by_chan", MDB_DUPSORT | MDB_DUPFIXED},
    {"tally", MDB_DUPSORT | MDB_DUPFIXED},
    {"rank", MDB_DUPSORT | MDB_DUPFIXED},
    {"quota", 0},
    {"asks", 0},
    {"open_asks", 0},
    {"seen", 0},
    {"outbox", 0},
    {"cursor", 0},
}};

namespace {

// Keeps quota history for a month: nothing reads older days, and the table would grow forever.
constexpr std::int32_t kQuotaDaysKept = 31;

std::string seen_key(std::string_view source) {
  if (source.size() <= kMaxIdBytes) return std::string(source);
  std::uint64_t h = 0xcbf29ce484222325ull;  // FNV-1a 64 over the whole id
  for (unsigned char c : source) h = (h ^ c) * 0x100000001b3ull;
  char hex[17];
  std::snprintf(hex, sizeof hex, "%016llx", static_cast<unsigned long long>(h));
  std::string k(source.substr(0, 440));
  k.push_back('\0');
  k += hex;
  k += std::to_string(source.size());
  return k;
}

void check_key(std::string_view key, const char* what) {
  if (key.empty()) throw StoreError(std::string(what) + " must not be empty", StoreError::Code::invalid);
  if (key.size() > kMaxIdBytes)
    throw StoreError(std::string(what) + " is longer than " + std::to_string(kMaxIdBytes) + " bytes",
                     StoreError::Code::invalid);
}

bool iequal(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (std::size_t i = 0; i < a.size(); ++i) {
    auto x = static_cast<unsigned char>(a[i]);
    auto y = static_cast<unsigned char>(b[i]);
    if (x >= 'A' && x <= 'Z') x = static_cast<unsigned char>(x - 'A' + 'a');
    if (y >= 'A' && y <= 'Z') y = static_cast<unsigned char>(y - 'A' + 'a');
    if (x != y) return false;
  }
  return true;
}

// "console:alice" is "alice"; "matrix:@alice:example.org" is "alice" too (its localpart).
bool id_is_named(std::string_view id, std::string_view name) {
  auto last = id.rfind(':');
  if (last != std::string_view::npos && iequal(id.substr(last + 1), name)) return true;
  std::size_t pos = id.find(':');
  while (pos != std::string_view::npos) {
    std::size_t next = id.find(':', pos + 1);
    auto part = id.substr(pos + 1, next == std::string_view::npos ? std::string_view::npos : next - pos - 1);
    if (part.size() > 1 && part.front() == '@' && iequal(part.substr(1), name)) return true;
    pos = next;
  }
  return false;
}

}  // namespace

Ledger::Ledger(MDB_txn* txn, const Dbis& dbis, const core::Calendar& cal, bool writable,
               TallyDeltas* deferred, Buckets* buckets)
    : txn_(txn),
      dbis_(dbis),
      cal_(cal),
      writable_(writable),
      deferred_(deferred),
      own_buckets_(cal),
      buckets_(buckets != nullptr ? *buckets : own_buckets_) {}

void Ledger::close_cursors() noexcept {
  for (auto& c : cursors_) {
    if (c != nullptr) mdb_cursor_close(c);
    c = nullptr;
  }
}

MDB_cursor* Ledger::cursor_of(Db d) {
  if (cursors_[d] == nullptr)
    lmdb::check(mdb_cursor_open(txn_, db(d).get(), &cursors_[d]), "mdb_cursor_open");
  return cursors_[d];
}

void Ledger::need_write(const char* op) const {
  if (!writable_) throw StoreError(std::string(op) + " needs a write transaction", StoreError::Code::misuse);
}

// ---- ids and names -----------------------------------------------------------------------------

std::optional<std::uint32_t> Ledger::find_num(std::string_view id) {
  if (id.empty() || id.size() > kMaxIdBytes) return std::nullopt;
  MDB_val data;
  if (!db(kIds).get(txn_, val(id), data)) return std::nullopt;
  return codec::read32(view(data), "id number");
}

std::uint32_t Ledger::intern(std::string_view id) {
  need_write("intern");
  check_key(id, "a user or channel id");
  if (auto n = find_num(id)) return *n;
  lmdb::Cursor c(txn_, db(kNames));
  MDB_val k, d;
  std::uint32_t last = 0;
  if (c.get(k, d, MDB_LAST)) last = codec::read32(view(k), "name key");
  if (last == 0xffff'ffffu) throw StoreError("too many distinct users and channels", StoreError::Code::full);
  const std::uint32_t num = last + 1;
  auto nk = key32(num);
  db(kIds).put(txn_, val(id), val(nk), MDB_NOOVERWRITE);
  c.put(val(nk), val(codec::encode_name(id, "")), MDB_APPEND);
  return num;
}

std::pair<std::string_view, std::string_view> Ledger::name_rec(std::uint32_t num) {
  MDB_val data;
  auto k = key32(num);
  if (!db(kNames).get(txn_, val(k), data))
    codec::corrupt("name table", "no entry for number " + std::to_string(num));
  return codec::decode_name(view(data));
}

const std::pair<std::string, std::string>& Ledger::cached_name(std::uint32_t num, NameCache& cache) {
  auto it = cache.find(num);
  if (it != cache.end()) return it->second;
  auto [id, name] = name_rec(num);
  return cache.emplace(num, std::pair<std::string, std::string>(id, name)).first->second;
}

std::string Ledger::name_of(std::string_view id) {
  auto n = find_num(id);
  if (!n) return {};
  return std::string(name_rec(*n).second);
}

void Ledger::set_name(std::string_view id, std::string_view name) {
  need_write("set_name");
  auto num = intern(id);
  auto [stored_id, stored_name] = name_rec(num);
  if (stored_name == name) return;
  auto rec = codec::encode_name(stored_id, name);  // encoded before the put invalidates stored_id
  auto k = key32(num);
  db(kNames).put(txn_, val(k), val(rec));
}

std::vector<std::string> Ledger::ids_named(std::string_view name) {
  std::vector<std::string> out;
  if (name.empty()) return out;
  lmdb::Cursor c(txn_, db(kNames));
  MDB_val k, d;
  for (bool ok = c.get(k, d, MDB_FIRST); ok; ok = c.get(k, d, MDB_NEXT)) {
    auto [id, display] = codec::decode_name(view(d));
    if (iequal(display, name) || id_is_named(id, name)) out.emplace_back(id);
  }
  std::sort(out.begin(), out.end());
  return out;
}

// ---- meta --------------------------------------------------------------------------------------

std::optional<std::string> Ledger::meta(std::string_view key) {
  if (key.empty() || key.size() > kMaxIdBytes) return std::nullopt;
  MDB_val data;
  if (!db(kMeta).get(txn_, val(key), data)) return std::nullopt;
  return std::string(view(data));
}

void Ledger::put_meta(std::string_view key, std::string_view value) {
  need_write("set_meta");
  check_key(key, "a meta key");
  db(kMeta).put(txn_, val(key), val(value));
}

void Ledger::set_meta(std::string_view key, std::string_view value) {
  if (key.substr(0, kInternalPrefix.size()) == kInternalPrefix)
    throw StoreError("meta key '" + std::string(key) + "' is reserved for the store",
                     StoreError::Code::invalid);
  put_meta(key, value);
}

std::optional<std::uint64_t> Ledger::meta_number(std::string_view key) {
  auto v = meta(key);
  if (!v) return std::nullopt;
  std::uint64_t n = 0;
  auto [p, ec] = std::from_chars(v->data(), v->data() + v->size(), n);
  if (ec != std::errc() || p != v->data() + v->size())
    codec::corrupt("meta " + std::string(key), "not a number");
  return n;
}

std::uint64_t Ledger::next_seq(std::string_view key) {
  std::uint64_t n = meta_number(key).value_or(0) + 1;
  put_meta(key, std::to_string(n));
  return n;
}

std::optional<std::string> Ledger::cursor(std::string_view adapter) {
  if (adapter.empty() || adapter.size() > kMaxIdBytes) return std::nullopt;
  MDB_val data;
  if (!db(kCursor).get(txn_, val(adapter), data)) return std::nullopt;
  return std::string(view(data));
}

void Ledger::set_cursor(std::string_view adapter, std::string_view token) {
  need_write("set_cursor");
  check_key(adapter, "an adapter name");
  db(kCursor).put(txn_, val(adapter), val(token));
}

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
  k.revoked = r.revoked;
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
  if (!r.revoked) apply_tallies(r, +1);
  k.id = id;
  return id;
}

bool Ledger::revoke_kudos(std::uint64_t id) {
  need_write("revoke_kudos");
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
  apply_tallies(r, -1);
  refund_quota(r.giver, cal_.day(r.ts));
  return true;
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

// ---- quota -------------------------------------------------------------------------------------

std::uint32_t Ledger::quota_used(std::string_view giver, std::int32_t day) {
  auto g = find_num(giver);
  if (!g) return 0;
  MDB_val data;
  auto qk = codec::quota_key(*g, day);
  if (!db(kQuota).get(txn_, val(qk), data)) return 0;
  return codec::read32(view(data), "quota count");
}

bool Ledger::debit_quota(std::string_view giver, std::int32_t day, std::uint32_t n, std::uint32_t limit) {
  need_write("debit_quota");
  const std::uint64_t used = quota_used(giver, day);
  if (limit != 0 && used + n > limit) return false;
  if (n == 0) return true;
  if (used + n > 0xffff'ffffu) throw StoreError("quota counter overflow", StoreError::Code::full);
  const auto g = intern(giver);
  const auto qk = codec::quota_key(g, day);
  const auto v = key32(static_cast<std::uint32_t>(used + n));
  db(kQuota).put(txn_, val(qk), val(v));
  if (used == 0) {
    // First debit of this giver's day: forget their days older than a month.
    lmdb::Cursor c(txn_, db(kQuota));
    auto first = codec::quota_key(g, std::numeric_limits<std::int32_t>::min());
    auto stop = codec::quota_key(g, day - kQuotaDaysKept);
    MDB_val k = val(first), d;
    for (bool ok = c.get(k, d, MDB_SET_RANGE); ok; ok = c.get(k, d, MDB_NEXT)) {
      if (view(k) >= std::string_view(stop.data(), stop.size())) break;
      c.del();
    }
  }
  return true;
}

void Ledger::refund_quota(std::uint32_t giver, std::int32_t day) {
  // Only that day's use goes down: a kudos taken back tomorrow gives nothing back today.
  const auto qk = codec::quota_key(giver, day);
  MDB_val data;
  if (!db(kQuota).get(txn_, val(qk), data)) return;  // pruned, or given before quotas were kept
  const auto used = codec::read32(view(data), "quota count");
  if (used == 0) return;
  const auto v = key32(used - 1);
  db(kQuota).put(txn_, val(qk), val(v));
}

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

// ---- seen --------------------------------------------------------------------------------------

bool Ledger::seen(std::string_view source) {
  if (source.empty()) return false;
  MDB_val data;
  return db(kSeen).get(txn_, val(seen_key(source)), data);
}

std::vector<std::uint64_t> Ledger::seen_kudos(std::string_view source) {
  if (source.empty()) return {};
  MDB_val data;
  if (!db(kSeen).get(txn_, val(seen_key(source)), data)) return {};
  return codec::decode_seen(view(data)).kudos;
}

void Ledger::mark_seen(std::string_view source, Millis ts, const std::vector<std::uint64_t>& kudos_ids) {
  need_write("mark_seen");
  if (source.empty()) throw StoreError("a source id must not be empty", StoreError::Code::invalid);
  db(kSeen).put(txn_, val(seen_key(source)), val(codec::encode_seen(ts, kudos_ids)));
}

std::size_t Ledger::prune_seen(Millis older_than) {
  need_write("prune_seen");
  std::size_t n = 0;
  lmdb::Cursor c(txn_, db(kSeen));
  MDB_val k, d;
  bool ok = c.get(k, d, MDB_FIRST);
  while (ok) {
    if (codec::decode_seen(view(d)).ts < older_than) {
      c.del();
      ++n;
    }
    ok = c.get(k, d, MDB_NEXT);  // after a delete, MDB_NEXT lands on the item that followed it
  }
  return n;
}

// ---- outbox ------------------------------------------------------------------------------------

std::uint64_t Ledger::enqueue(std::string_view adapter, const core::Reply& r) {
  need_write("enqueue");
  if (adapter.empty()) throw StoreError("an outbox item needs an adapter", StoreError::Code::invalid);
  OutboxItem it;
  it.seq = next_seq(kMetaOutboxSeq);
  it.adapter = adapter;
  it.reply = r;
  const auto sk = key64(it.seq);
  db(kOutbox).put(txn_, val(sk), val(codec::encode_outbox(it)), MDB_NOOVERWRITE);
  return it.seq;
}

std::vector<OutboxItem> Ledger::outbox(std::size_t limit) {
  return outbox_from(0, limit);
}

std::vector<OutboxItem> Ledger::outbox_from(std::uint64_t first_seq, std::size_t limit) {
  std::vector<OutboxItem> out;
  lmdb::Cursor c(txn_, db(kOutbox));
  const auto start = key64(first_seq);
  MDB_val k = val(start), d;
  for (bool ok = c.get(k, d, MDB_SET_RANGE); ok && (limit == 0 || out.size() < limit);
       ok = c.get(k, d, MDB_NEXT))
    out.push_back(codec::decode_outbox(codec::read64(view(k), "outbox key"), view(d)));
  return out;
}

std::size_t Ledger::outbox_depth() {
  return db(kOutbox).entries(txn_);
}

void Ledger::outbox_done(std::uint64_t seq) {
  need_write("outbox_done");
  const auto sk = key64(seq);
  db(kOutbox).del(txn_, val(sk));
}

void Ledger::outbox_retry(std::uint64_t seq, std::uint32_t attempts, Millis not_before) {
  need_write("outbox_retry");
  const auto sk = key64(seq);
  MDB_val data;
  if (!db(kOutbox).get(txn_, val(sk), data)) return;  // already delivered: nothing to retry
  auto it = codec::decode_outbox(seq, view(data));
  it.attempts = attempts;
  it.not_before = not_before;
  db(kOutbox).put(txn_, val(sk), val(codec::encode_outbox(it)));
}

}  // namespace brigade::store
