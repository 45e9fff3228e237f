// Help requests, seen source ids (exactly once) and the reply outbox on PostgreSQL. Same meaning
// as store/ledger_asks.cpp and store/ledger_outbox.cpp: an outbox item keeps the record of
// store/codec_outbox.cpp, a seen row is keyed by store/names.hpp's seen_key.
#include <algorithm>
#include <cstdint>

#include "store/codec.hpp"
#include "store/pg/pg_ledger.hpp"

namespace brigade::store::pg {

namespace {

constexpr std::string_view kAskColumns = "id, channel, requester, text, state, taker, helpers, created, updated";

// LIMIT $n: NULL (no limit) for 0.
std::optional<std::int64_t> limit_of(std::size_t limit) {
  if (limit == 0) return std::nullopt;
  return static_cast<std::int64_t>(std::min<std::size_t>(limit, INT64_MAX));
}

void check_ask(const Ask& a) {
  auto st = static_cast<std::uint8_t>(a.state);
  if (st < 1 || st > 4)
    throw StoreError("unknown help request state " + std::to_string(st), StoreError::Code::invalid);
  if (a.requester.empty()) throw StoreError("a help request needs a requester", StoreError::Code::invalid);
}

// One asks row (kAskColumns) with its numbers read back as ids.
Ask ask_row(PgLedger& l, const Result& r, int i) {
  Ask a;
  a.id = r.u64(i, 0);
  if (auto c = r.u32(i, 1); c != 0) a.channel = l.id_of(c);
  a.requester = l.id_of(r.u32(i, 2));
  a.text = r.str(i, 3);
  const auto st = r.i64(i, 4);
  if (st < 1 || st > 4) throw StoreError("help request #" + std::to_string(a.id) + " has an unknown state",
                                         StoreError::Code::damaged);
  a.state = static_cast<AskState>(st);
  if (auto t = r.u32(i, 5); t != 0) a.taker = l.id_of(t);
  for (auto h : r.u64_array(i, 6)) a.helpers.push_back(l.id_of(static_cast<std::uint32_t>(h)));
  a.created = r.i64(i, 7);
  a.updated = r.i64(i, 8);
  return a;
}

}  // namespace

// ---- asks --------------------------------------------------------------------------------------

std::optional<Ask> PgLedger::ask(std::uint64_t id) {
  if (id > static_cast<std::uint64_t>(INT64_MAX)) return std::nullopt;
  auto r = c_.exec("SELECT " + std::string(kAskColumns) + " FROM asks WHERE id = $1", Params(id));
  if (r.empty()) return std::nullopt;
  return ask_row(*this, r, 0);
}

std::vector<Ask> PgLedger::open_asks(std::string_view channel, std::size_t limit) {
  std::vector<Ask> out;
  Result r;
  const std::string cols = "SELECT " + std::string(kAskColumns) + " FROM asks WHERE state IN (1, 2) ";
  if (channel.empty()) {
    r = c_.exec(cols + "ORDER BY id LIMIT $1", Params(limit_of(limit)));
  } else {
    auto chan = find_num(channel);
    if (!chan) return out;
    r = c_.exec(cols + "AND channel = $1 ORDER BY id LIMIT $2", Params(*chan, limit_of(limit)));
  }
  out.reserve(static_cast<std::size_t>(r.rows()));
  for (int i = 0; i < r.rows(); ++i) out.push_back(ask_row(*this, r, i));
  return out;
}

std::uint64_t PgLedger::add_ask(Ask& a) {
  need_write("add_ask");
  check_ask(a);
  const auto id = next_counter("ask");
  // Interned in the order LMDB interns them (numbers decide ties on boards).
  const std::uint32_t chan = a.channel.empty() ? 0 : intern(a.channel);
  const auto requester = intern(a.requester);
  const std::uint32_t taker = a.taker.empty() ? 0 : intern(a.taker);
  std::vector<std::uint64_t> helpers;
  for (const auto& h : a.helpers) helpers.push_back(intern(h));
  Params p(id, chan, requester, a.text, static_cast<std::uint8_t>(a.state), taker);
  p.add_array(helpers).add(static_cast<std::int64_t>(a.created)).add(static_cast<std::int64_t>(a.updated));
  c_.exec("INSERT INTO asks (" + std::string(kAskColumns) + ") VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)", p);
  a.id = id;
  return id;
}

void PgLedger::put_ask(const Ask& a) {
  need_write("put_ask");
  auto found = a.id == 0 || a.id > static_cast<std::uint64_t>(INT64_MAX)
                   ? Result()
                   : c_.exec("SELECT 1 FROM asks WHERE id = $1 FOR UPDATE", Params(a.id));
  if (found.empty()) throw StoreError("no help request #" + std::to_string(a.id), StoreError::Code::invalid);
  check_ask(a);
  const std::uint32_t chan = a.channel.empty() ? 0 : intern(a.channel);
  const auto requester = intern(a.requester);
  const std::uint32_t taker = a.taker.empty() ? 0 : intern(a.taker);
  std::vector<std::uint64_t> helpers;
  for (const auto& h : a.helpers) helpers.push_back(intern(h));
  Params p(a.id, chan, requester, a.text, static_cast<std::uint8_t>(a.state), taker);
  p.add_array(helpers).add(static_cast<std::int64_t>(a.created)).add(static_cast<std::int64_t>(a.updated));
  c_.exec("UPDATE asks SET channel = $2, requester = $3, text = $4, state = $5, taker = $6, helpers = $7, "
          "created = $8, updated = $9 WHERE id = $1",
          p);
}

// ---- seen --------------------------------------------------------------------------------------

bool PgLedger::seen(std::string_view source) {
  if (source.empty()) return false;
  const auto key = seen_key(source);
  return !c_.exec("SELECT 1 FROM seen WHERE source = $1", Params(Bytes{key})).empty();
}

std::vector<std::uint64_t> PgLedger::seen_kudos(std::string_view source) {
  if (source.empty()) return {};
  const auto key = seen_key(source);
  auto r = c_.exec("SELECT kudos FROM seen WHERE source = $1", Params(Bytes{key}));
  if (r.empty()) return {};
  return r.u64_array(0, 0);
}

void PgLedger::mark_seen(std::string_view source, Millis ts, const std::vector<std::uint64_t>& kudos_ids) {
  need_write("mark_seen");
  if (source.empty()) throw StoreError("a source id must not be empty", StoreError::Code::invalid);
  const auto key = seen_key(source);
  Params p(Bytes{key}, static_cast<std::int64_t>(ts));
  p.add_array(kudos_ids);
  c_.send("INSERT INTO seen (source, ts, kudos) VALUES ($1, $2, $3) "
          "ON CONFLICT (source) DO UPDATE SET ts = EXCLUDED.ts, kudos = EXCLUDED.kudos",
          p);
}

std::size_t PgLedger::prune_seen(Millis older_than) {
  need_write("prune_seen");
  const Params p(static_cast<std::int64_t>(older_than));
  const auto n = c_.exec("DELETE FROM seen WHERE ts < $1", p).affected();
  // Message references age with the seen records: edits (undo) come within minutes.
  c_.exec("DELETE FROM messages WHERE ts < $1", p);
  return static_cast<std::size_t>(n);
}

// ---- outbox ------------------------------------------------------------------------------------

std::uint64_t PgLedger::enqueue(std::string_view adapter, const core::Reply& r) {
  need_write("enqueue");
  if (adapter.empty()) throw StoreError("an outbox item needs an adapter", StoreError::Code::invalid);
  OutboxItem it;
  it.adapter = adapter;
  it.reply = r;
  const auto item = codec::encode_outbox(it);  // the sequence number is the row's, not the item's
  if (outbox_seq_) {  // this transaction holds the counter's row: the next number is known
    const auto seq = *outbox_seq_ + 1;
    c_.send("WITH n AS (UPDATE counters SET value = $1 WHERE name = 'outbox') "
            "INSERT INTO outbox (seq, adapter, attempts, not_before, item) VALUES ($1, $2, 0, 0, $3)",
            Params(seq, adapter, Bytes{item}));
    return *(outbox_seq_ = seq);
  }
  // The next number of counters.outbox (its row lock held to commit, so replies go out in commit
  // order across replicas) and the row, in one round trip.
  auto q = c_.exec(
      "WITH n AS (UPDATE counters SET value = value + 1 WHERE name = 'outbox' RETURNING value) "
      "INSERT INTO outbox (seq, adapter, attempts, not_before, item) SELECT n.value, $1, 0, 0, $2 FROM n "
      "RETURNING seq",
      Params(adapter, Bytes{item}));
  if (q.empty()) throw StoreError("no counter 'outbox'", StoreError::Code::damaged);
  return *(outbox_seq_ = q.u64(0, 0));
}

std::vector<OutboxItem> PgLedger::outbox(std::size_t limit) {
  return outbox_from(0, limit);
}

std::vector<OutboxItem> PgLedger::outbox_from(std::uint64_t first_seq, std::size_t limit) {
  std::vector<OutboxItem> out;
  if (first_seq > static_cast<std::uint64_t>(INT64_MAX)) return out;
  auto r = c_.exec("SELECT seq, item FROM outbox WHERE seq >= $1 ORDER BY seq LIMIT $2",
                   Params(first_seq, limit_of(limit)));
  out.reserve(static_cast<std::size_t>(r.rows()));
  for (int i = 0; i < r.rows(); ++i) out.push_back(codec::decode_outbox(r.u64(i, 0), r.bytes(i, 1)));
  return out;
}

std::size_t PgLedger::outbox_depth() {
  return static_cast<std::size_t>(c_.exec("SELECT count(*) FROM outbox").u64(0, 0));
}

void PgLedger::outbox_done(std::uint64_t seq) {
  need_write("outbox_done");
  if (seq > static_cast<std::uint64_t>(INT64_MAX)) return;
  c_.send("DELETE FROM outbox WHERE seq = $1", Params(seq));
}

void PgLedger::outbox_retry(std::uint64_t seq, std::uint32_t attempts, Millis not_before) {
  need_write("outbox_retry");
  if (seq > static_cast<std::uint64_t>(INT64_MAX)) return;
  auto r = c_.exec("SELECT item FROM outbox WHERE seq = $1 FOR UPDATE", Params(seq));
  if (r.empty()) return;  // already delivered: nothing to retry
  auto it = codec::decode_outbox(seq, r.bytes(0, 0));
  it.attempts = attempts;
  it.not_before = not_before;
  const auto item = codec::encode_outbox(it);
  c_.exec("UPDATE outbox SET attempts = $2, not_before = $3, item = $4 WHERE seq = $1",
          Params(seq, attempts, static_cast<std::int64_t>(not_before), Bytes{item}));
}

}  // namespace brigade::store::pg
