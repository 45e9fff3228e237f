// Reading an LMDB ledger for `brigade store copy`: one read transaction (a snapshot, so a running
// bot may keep writing) walked database by database with the record codec, every record turned
// into the backend-neutral rows of store/transfer.hpp. The environment is the copy's own.
#include <charconv>
#include <filesystem>

#include "store/transfer_lmdb.hpp"

namespace brigade::store::transfer {

using codec::key32;
using lmdb::val;
using lmdb::view;

RawEnv::RawEnv(const Options& o, bool read_only) : where(o.dir.string()) {
  std::error_code ec;
  if (!std::filesystem::exists(o.dir / "data.mdb", ec))
    throw StoreError("no brigade data in " + where + " (no data.mdb)", StoreError::Code::not_ready);
  env.set_max_dbs(kDbCount + 8);
  env.set_max_readers(256);
  if (o.map_size > 0) env.set_map_size(o.map_size);
  unsigned flags = MDB_NOTLS;
  if (read_only) flags |= MDB_RDONLY;
  if (!o.durable) flags |= MDB_NOSYNC;
  if (int rc = env.open(o.dir, flags); rc != MDB_SUCCESS) lmdb::fail(rc, "cannot open the ledger in " + where);
}

bool RawEnv::try_open_dbs(MDB_txn* txn) {
  for (unsigned i = 0; i < kDbCount; ++i)
    if (!lmdb::Dbi::open(txn, kDbSpecs[i].name, kDbSpecs[i].flags, dbis[i])) return false;
  return true;
}

void RawEnv::open_dbs(MDB_txn* txn) {
  if (!try_open_dbs(txn))
    throw StoreError("no brigade ledger in " + where + " (a named database is missing)", StoreError::Code::not_ready);
}

void check_schema(Ledger& l, const std::string& where) {
  const auto v = l.meta(kMetaSchema).value_or("0");
  if (v != std::to_string(kSchemaVersion))
    throw StoreError("the ledger in " + where + " has schema " + v + ", not " + std::to_string(kSchemaVersion) +
                         " as this build writes; start this build's bot on it once to migrate it, then copy",
                     StoreError::Code::not_ready);
}

namespace {

std::uint64_t number_of(std::string_view key, std::string_view text) {
  std::uint64_t n = 0;
  auto [p, ec] = std::from_chars(text.data(), text.data() + text.size(), n);
  if (ec != std::errc() || p != text.data() + text.size()) codec::corrupt("meta " + std::string(key), "not a number");
  return n;
}

class LmdbSource final : public Source {
 public:
  LmdbSource(const Options& o, const core::Calendar& cal) : cal_(cal), raw_(o, true) {
    txn_ = lmdb::Txn(raw_.env.get(), nullptr, MDB_RDONLY);
    raw_.open_dbs(txn_.get());
    ledger_.emplace(txn_.get(), raw_.dbis, cal_, false);
    check_schema(*ledger_, raw_.where);
    view_.emplace(*ledger_);
  }
  ~LmdbSource() override {
    view_.reset();
    ledger_.reset();  // its cursors before the transaction
  }

  Counters read(const std::function<void(Batch&)>& sink) override {
    Batcher out(sink);
    Counters c;
    read_people(out);
    read_kudos(out, c);
    walk(kCorrect, [&](std::string_view k, std::string_view v) {
      const auto r = codec::decode_correction(v);
      out.add(&Batch::corrections, Correction{codec::read64(k, "correction key"), r.ts, r.how, r.by,
                                              std::string(r.reason)});
    });
    read_allowance(out);
    read_asks(out, c);
    walk(kSeen, [&](std::string_view k, std::string_view v) {
      auto r = codec::decode_seen(v);
      out.add(&Batch::seen, Seen{std::string(k), r.ts, std::move(r.kudos)});
    });
    walk(kOutbox, [&](std::string_view k, std::string_view v) {
      auto item = codec::decode_outbox(codec::read64(k, "outbox key"), v);
      c.outbox = std::max(c.outbox, item.seq);
      out.add(&Batch::outbox, std::move(item));
    });
    walk(kCursor, [&](std::string_view k, std::string_view v) {
      out.add(&Batch::cursors, KeyValue{std::string(k), std::string(v)});
    });
    read_meta(out, c);
    read_messages_and_audit(out, c);
    out.flush();
    return c;
  }

  Reader& reader() override { return *view_; }

 private:
  template <class F>
  void walk(Db d, F&& f) {
    lmdb::Cursor c(txn_.get(), raw_.dbis[d]);
    MDB_val k, v;
    for (bool ok = c.get(k, v, MDB_FIRST); ok; ok = c.get(k, v, MDB_NEXT)) f(view(k), view(v));
  }

  void read_people(Batcher& out) {
    walk(kNames, [&](std::string_view k, std::string_view v) {
      Person p;
      p.num = codec::read32(k, "name key");
      const auto [id, name] = codec::decode_name(v);
      p.id = id;
      p.name = name;
      MDB_val data;
      const auto pk = key32(p.num);
      if (raw_.dbis[kPeople].get(txn_.get(), val(pk), data)) {
        const auto rec = codec::decode_person(view(data));
        p.state = rec.state;
        p.changed = rec.ts;
      }
      out.add(&Batch::people, std::move(p));
    });
  }

  void read_kudos(Batcher& out, Counters& c) {
    walk(kKudos, [&](std::string_view k, std::string_view v) {
      KudosRow row;
      row.id = codec::read64(k, "kudos key");
      const auto r = codec::decode_kudos(row.id, v);
      row.number = r.number;
      row.ts = r.ts;
      row.giver = r.giver;
      row.recipient = r.recipient;
      row.channel = r.channel;
      row.kind = r.kind;
      row.ask = r.ask;
      row.reason = r.reason;
      codec::each_value(r, [&](std::string_view s) { row.values.emplace_back(s); });
      row.revoked = r.revoked;
      c.kudos_last_id = row.id;
      c.kudos_number = std::max<std::uint64_t>(c.kudos_number, row.number);
      out.add(&Batch::kudos, std::move(row));
    });
  }

  // Keys (giver, period, bucket) for a giver's total in a slot, + recipient for one person.
  void read_allowance(Batcher& out) {
    walk(kQuota, [&](std::string_view k, std::string_view v) {
      if (k.size() != 9 && k.size() != 13) codec::corrupt("allowance key", "wrong size");
      Allowance a;
      a.giver = codec::get_be32(k.data());
      const auto period = static_cast<std::uint8_t>(k[4]);
      if (period > static_cast<std::uint8_t>(Period::month)) codec::corrupt("allowance key", "bad period");
      a.period = static_cast<Period>(period);
      a.bucket = codec::unorder_i32(codec::get_be32(k.data() + 5));
      if (k.size() == 13) a.recipient = codec::get_be32(k.data() + 9);
      a.used = codec::read32(v, "allowance count");
      out.add(&Batch::allowance, std::move(a));
    });
  }

  void read_asks(Batcher& out, Counters& c) {
    walk(kAsks, [&](std::string_view k, std::string_view v) {
      auto r = codec::decode_ask(v);
      AskRow a;
      a.id = codec::read64(k, "ask key");
      a.channel = r.channel;
      a.requester = r.requester;
      a.taker = r.taker;
      a.text = r.text;
      a.state = r.state;
      a.helpers = std::move(r.helpers);
      a.created = r.created;
      a.updated = r.updated;
      c.ask = std::max(c.ask, a.id);
      out.add(&Batch::asks, std::move(a));
    });
  }

  void read_meta(Batcher& out, Counters& c) {
    walk(kMeta, [&](std::string_view k, std::string_view v) {
      if (k == kMetaKudosSeq) c.kudos_number = std::max(c.kudos_number, number_of(k, v));
      if (k == kMetaAskSeq) c.ask = std::max(c.ask, number_of(k, v));
      if (k == kMetaOutboxSeq) c.outbox = std::max(c.outbox, number_of(k, v));
      if (!skipped_meta(k)) out.add(&Batch::meta, KeyValue{std::string(k), std::string(v)});
    });
  }

  // Messages by tag (the way back from a reference, under '\x01' + ref, is the target's to
  // rebuild), then the audit log as stored: body ‖ 32-byte previous hash.
  void read_messages_and_audit(Batcher& out, Counters& c) {
    walk(kMessages, [&](std::string_view k, std::string_view v) {
      if (!k.empty() && k.front() == '\x01') return;
      const auto [ts, ref] = codec::decode_message(v);
      out.add(&Batch::messages, Message{std::string(k), std::string(ref), ts});
    });
    walk(kAudit, [&](std::string_view k, std::string_view v) {
      const auto a = codec::decode_audit(v);
      AuditRow row{codec::read64(k, "audit key"), a.ts, std::string(a.body), std::string(a.prev)};
      c.audit = row.seq;
      out.add(&Batch::audit, std::move(row));
    });
  }

  core::Calendar cal_;
  RawEnv raw_;
  lmdb::Txn txn_;
  std::optional<Ledger> ledger_;
  std::optional<LedgerView> view_;
};

}  // namespace

std::unique_ptr<Source> open_lmdb_source(const Options& o, const core::Calendar& cal) {
  return std::make_unique<LmdbSource>(o, cal);
}

}  // namespace brigade::store::transfer
