// The basics every other pg_*.cpp builds on: ids and names, meta, adapter cursors, counters and
// the tally lock.
#include "store/pg/pg_ledger.hpp"

#include <algorithm>
#include <charconv>

namespace brigade::store::pg {

KudosBuckets buckets_of(const core::Calendar& cal, Millis ts) {
  return KudosBuckets{cal.bucket(Period::week, ts), cal.bucket(Period::month, ts),
                      cal.bucket(Period::quarter, ts), cal.bucket(Period::year, ts)};
}

PersonState person_state(const Result& r, int row, int col) {
  PersonState st;
  const auto p = r.i64(row, col);
  if (p < 0 || p > 2)
    throw StoreError("the ids table holds an unknown privacy " + std::to_string(p), StoreError::Code::damaged);
  st.privacy = static_cast<Privacy>(p);
  st.gone = r.boolean(row, col + 1);
  st.forgotten = r.boolean(row, col + 2);
  return st;
}

void PgLedger::need_write(const char* op) const {
  if (!writable_) throw StoreError(std::string(op) + " needs a write transaction", StoreError::Code::misuse);
}

// ---- ids and names -----------------------------------------------------------------------------

PgLedger::Known& PgLedger::known(std::string_view id) {
  auto it = known_.find(id);
  if (it == known_.end()) it = known_.emplace(std::string(id), Known{}).first;
  return it->second;
}

PgLedger::Known& PgLedger::row(std::string_view id) {
  auto& k = known(id);
  if (k.read) return k;
  auto r = c_.exec("SELECT num, privacy, gone, forgotten, name FROM ids WHERE id = $1", Params(id));
  if (r.empty()) {
    k = Known{};
    k.read = k.no_row = true;
    return k;
  }
  return remember_row(id, r);
}

PgLedger::Known& PgLedger::remember_row(std::string_view id, const Result& r) {
  auto& k = known(id);
  k = Known{};
  k.read = true;
  k.num = r.u32(0, 0);
  ids_.try_emplace(*k.num, id);
  k.state = person_state(r, 0, 1);
  k.name = r.str(0, 4);
  return k;
}

std::optional<std::uint32_t> PgLedger::find_num(std::string_view id) {
  if (id.empty() || id.size() > kMaxIdBytes) return std::nullopt;
  return row(id).num;
}

std::uint32_t PgLedger::intern(std::string_view id) {
  need_write("intern");
  check_key(id, "a user or channel id");
  if (auto it = known_.find(id); it != known_.end() && it->second.num) return *it->second.num;
  // The whole row comes back, new or old, so later reads of it in this transaction ask nothing.
  // Two replicas may intern the same id at once: the loser's insert waits, then finds the row.
  auto r = c_.exec(
      "WITH ins AS (INSERT INTO ids (id) VALUES ($1) ON CONFLICT (id) DO NOTHING "
      "RETURNING num, privacy, gone, forgotten, name) "
      "SELECT * FROM ins UNION ALL SELECT num, privacy, gone, forgotten, name FROM ids WHERE id = $1",
      Params(id));
  // The loser's SELECT ran in the statement's snapshot, from before the winner committed: ask again.
  if (r.empty()) r = c_.exec("SELECT num, privacy, gone, forgotten, name FROM ids WHERE id = $1", Params(id));
  if (r.empty()) throw StoreError("cannot intern '" + std::string(id) + "'", StoreError::Code::failed);
  return *remember_row(id, r).num;
}

std::uint32_t PgLedger::person_number(std::string_view id) {
  if (auto n = tombstone_number(id)) {
    id_of(*n);  // throws when no such number
    return *n;
  }
  return intern(id);
}

const std::string& PgLedger::id_of(std::uint32_t num) {
  static const std::string kNone;
  if (num == 0) return kNone;
  auto it = ids_.find(num);
  if (it != ids_.end()) return it->second;
  auto r = c_.exec("SELECT id FROM ids WHERE num = $1", Params(num));
  if (r.empty())
    throw StoreError("the ids table has no entry for number " + std::to_string(num), StoreError::Code::damaged);
  return ids_.emplace(num, r.str(0, 0)).first->second;
}

std::string PgLedger::name_of(std::string_view id) {
  if (id.empty() || id.size() > kMaxIdBytes) return {};
  return row(id).name.value_or(std::string());
}

void PgLedger::set_name(std::string_view id, std::string_view name) {
  need_write("set_name");
  check_key(id, "a user or channel id");
  auto& k = known(id);
  if (k.name && *k.name == name) return;
  if (k.num) {
    c_.send("UPDATE ids SET name = $2 WHERE num = $1 AND name <> $2", Params(*k.num, name));
  } else {
    // Interned and named in one statement: the row as inserted, or as renamed, or as it was
    // (a rename returns the row twice, new and old: they differ only in the name).
    auto r = c_.exec(
        "WITH ins AS (INSERT INTO ids (id, name) VALUES ($1, $2) ON CONFLICT (id) DO UPDATE SET name = $2 "
        "WHERE ids.name <> $2 RETURNING num, privacy, gone, forgotten, name) "
        "SELECT * FROM ins UNION ALL SELECT num, privacy, gone, forgotten, name FROM ids WHERE id = $1",
        Params(id, name));
    if (r.empty()) {  // another replica's insert won the race (see intern): name the row it made
      const auto num = intern(id);
      c_.exec("UPDATE ids SET name = $2 WHERE num = $1 AND name <> $2", Params(num, name));
    } else {
      remember_row(id, r);
    }
  }
  known(id).name = std::string(name);
}

std::vector<std::string> PgLedger::ids_named(std::string_view name) {
  std::vector<std::string> out;
  if (name.empty()) return out;
  // The display name by index; the id's own parts (its last part, an @localpart) need the rule in
  // store/names.cpp, so candidates whose id contains the name are checked here.
  auto r = c_.exec(
      "SELECT id, name FROM ids WHERE lower(name) = lower($1) OR strpos(lower(id), lower($1)) > 0",
      Params(name));
  for (int i = 0; i < r.rows(); ++i) {
    auto id = r.text(i, 0);
    if (iequal(r.text(i, 1), name) || id_is_named(id, name)) out.emplace_back(id);
  }
  std::sort(out.begin(), out.end());
  return out;
}

// ---- meta --------------------------------------------------------------------------------------

std::optional<std::string> PgLedger::meta(std::string_view key) {
  if (key.empty() || key.size() > kMaxIdBytes) return std::nullopt;
  auto r = c_.exec("SELECT value FROM meta WHERE key = $1", Params(key));
  if (r.empty()) return std::nullopt;
  return r.str(0, 0);
}

void PgLedger::put_meta(std::string_view key, std::string_view value) {
  need_write("set_meta");
  check_key(key, "a meta key");
  c_.exec("INSERT INTO meta (key, value) VALUES ($1, $2) ON CONFLICT (key) DO UPDATE SET value = EXCLUDED.value",
          Params(key, value));
}

void PgLedger::set_meta(std::string_view key, std::string_view value) {
  if (key.substr(0, kInternalPrefix.size()) == kInternalPrefix)
    throw StoreError("meta key '" + std::string(key) + "' is reserved for the store", StoreError::Code::invalid);
  put_meta(key, value);
}

std::optional<std::string> PgLedger::cursor(std::string_view adapter) {
  if (adapter.empty() || adapter.size() > kMaxIdBytes) return std::nullopt;
  auto r = c_.exec("SELECT token FROM cursors WHERE adapter = $1", Params(adapter));
  if (r.empty()) return std::nullopt;
  return r.str(0, 0);
}

void PgLedger::set_cursor(std::string_view adapter, std::string_view token) {
  need_write("set_cursor");
  check_key(adapter, "an adapter name");
  c_.send("INSERT INTO cursors (adapter, token) VALUES ($1, $2) "
          "ON CONFLICT (adapter) DO UPDATE SET token = EXCLUDED.token",
          Params(adapter, token));
}

// ---- exactly once -----------------------------------------------------------------------------

bool PgLedger::claim_seen(std::string_view source, Millis ts) {
  need_write("claim_seen");
  if (source.empty()) throw StoreError("a source id must not be empty", StoreError::Code::invalid);
  // Another replica's uncommitted claim of the same key makes this insert wait for its outcome:
  // committed → a duplicate here; rolled back → ours.
  const auto key = seen_key(source);
  auto r = c_.exec("INSERT INTO seen (source, ts) VALUES ($1, $2) ON CONFLICT (source) DO NOTHING RETURNING 1",
                   Params(Bytes{key}, ts));
  return !r.empty();
}

// ---- counters ----------------------------------------------------------------------------------

std::uint64_t PgLedger::next_counter(std::string_view name) {
  need_write("next_counter");
  auto r = c_.exec("UPDATE counters SET value = value + 1 WHERE name = $1 RETURNING value", Params(name));
  if (r.empty()) throw StoreError("no counter '" + std::string(name) + "'", StoreError::Code::damaged);
  if (name == "kudos") tallies_locked_ = true;
  return r.u64(0, 0);
}

void PgLedger::lock_tallies() {
  need_write("lock_tallies");
  if (tallies_locked_) return;
  c_.exec("SELECT 1 FROM counters WHERE name = 'kudos' FOR UPDATE");
  tallies_locked_ = true;
}

}  // namespace brigade::store::pg
