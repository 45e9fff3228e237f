// The ledger's named databases and the basics every other ledger_*.cpp builds on: cursors, ids and
// names, meta and adapter cursors.
#include "store/ledger.hpp"
#include "store/names.hpp"

#include <algorithm>
#include <charconv>

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
    {"numbers", 0},
    {"corrections", 0},
    {"audit", 0},
    {"people", 0},
    {"messages", 0},
}};

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

std::uint32_t Ledger::last_number() {
  lmdb::Cursor c(txn_, db(kNames));
  MDB_val k, d;
  return c.get(k, d, MDB_LAST) ? codec::read32(view(k), "name key") : 0;
}

std::uint32_t Ledger::intern(std::string_view id) {
  need_write("intern");
  check_key(id, "a user or channel id");
  if (auto n = find_num(id)) return *n;
  const std::uint32_t last = last_number();
  if (last == 0xffff'ffffu) throw StoreError("too many distinct users and channels", StoreError::Code::full);
  const std::uint32_t num = last + 1;
  auto nk = key32(num);
  db(kIds).put(txn_, val(id), val(nk), MDB_NOOVERWRITE);
  db(kNames).put(txn_, val(nk), val(codec::encode_name(id, "")), MDB_APPEND);
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

}  // namespace brigade::store
