// Reading a PostgreSQL ledger for `brigade store copy` (store/transfer.hpp): one REPEATABLE READ
// READ ONLY transaction (a snapshot, so replicas may keep writing), each table read in key order
// through a server-side cursor, 10,000 rows at a time, into the backend-neutral rows.
#include <optional>

#include "store/codec.hpp"
#include "store/facade.hpp"
#include "store/pg/pg_ledger.hpp"
#include "store/pg/pg_migrate.hpp"
#include "store/transfer.hpp"

namespace brigade::store::transfer {

namespace {

using pg::Conn;
using pg::PgLedger;
using pg::Result;

constexpr int kFetch = 10000;

class PgView final : public ReadFacade<Reader, PgLedger> {
 public:
  explicit PgView(PgLedger& l) : l_(l) {}

 private:
  PgLedger& ledger() override { return l_; }
  PgLedger& l_;
};

// A small enum column, checked against its range.
template <class E>
E enum_of(const Result& r, int row, int col, int lo, int hi, const char* what) {
  const auto v = r.i64(row, col);
  if (v < lo || v > hi)
    throw StoreError(std::string("the PostgreSQL ledger holds an unknown ") + what + " (" + std::to_string(v) + ")",
                     StoreError::Code::damaged);
  return static_cast<E>(v);
}

std::vector<std::uint32_t> nums_of(const std::vector<std::uint64_t>& v) {
  return std::vector<std::uint32_t>(v.begin(), v.end());
}

class PgSource final : public Source {
 public:
  PgSource(const Options& o, const core::Calendar& cal) : cal_(cal), c_(o.url, o.password) {
    c_.run("BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY");
    const auto have = pg::schema_version(c_), want = pg::latest_version();
    if (have != want)
      throw StoreError(have == 0 ? "no Brigade ledger in this PostgreSQL database (" + pg::describe_target(o.url) + ")"
                                 : "the PostgreSQL ledger has schema version " + std::to_string(have) +
                                       ", not " + std::to_string(want) + " as this build writes; start this "
                                       "build's bot on it once to migrate it, then copy",
                       StoreError::Code::not_ready);
    ledger_.emplace(c_, cal_, false);
    view_.emplace(*ledger_);
  }
  ~PgSource() override {
    view_.reset();
    ledger_.reset();
    try {
      if (c_.ok()) c_.run("ROLLBACK");
    } catch (const StoreError&) {
    }
  }

  Counters read(const std::function<void(Batch&)>& sink) override {
    Batcher out(sink);
    read_people(out);
    read_kudos(out);
    fetch("SELECT kudos, ts, how, by_num, reason FROM corrections ORDER BY kudos", [&](const Result& r, int i) {
      out.add(&Batch::corrections, Correction{r.u64(i, 0), r.i64(i, 1),
                                              enum_of<RevokeHow>(r, i, 2, 1, 5, "correction kind"), r.u32(i, 3),
                                              r.str(i, 4)});
    });
    fetch("SELECT giver, period, bucket, recipient, used FROM allowance ORDER BY giver, period, bucket, recipient",
          [&](const Result& r, int i) {
            out.add(&Batch::allowance, Allowance{r.u32(i, 0), enum_of<Period>(r, i, 1, 0, 2, "allowance period"),
                                                 static_cast<std::int32_t>(r.i64(i, 2)), r.u32(i, 3), r.u32(i, 4)});
          });
    read_asks(out);
    fetch("SELECT source, ts, kudos FROM seen ORDER BY source", [&](const Result& r, int i) {
      out.add(&Batch::seen, Seen{r.bytes(i, 0), r.i64(i, 1), r.u64_array(i, 2)});
    });
    fetch("SELECT seq, adapter, attempts, not_before, item FROM outbox ORDER BY seq", [&](const Result& r, int i) {
      auto item = codec::decode_outbox(r.u64(i, 0), r.bytes(i, 4));
      item.adapter = r.str(i, 1);
      item.attempts = r.u32(i, 2);
      item.not_before = r.i64(i, 3);
      out.add(&Batch::outbox, std::move(item));
    });
    fetch("SELECT adapter, token FROM cursors ORDER BY adapter", [&](const Result& r, int i) {
      out.add(&Batch::cursors, KeyValue{r.str(i, 0), r.str(i, 1)});
    });
    fetch("SELECT key, value FROM meta ORDER BY key", [&](const Result& r, int i) {
      if (!skipped_meta(r.text(i, 0))) out.add(&Batch::meta, KeyValue{r.str(i, 0), r.str(i, 1)});
    });
    fetch("SELECT tag, ref, ts FROM messages ORDER BY tag", [&](const Result& r, int i) {
      out.add(&Batch::messages, Message{r.str(i, 0), r.str(i, 1), r.i64(i, 2)});
    });
    fetch("SELECT seq, ts, body, prev FROM audit ORDER BY seq", [&](const Result& r, int i) {
      out.add(&Batch::audit, AuditRow{r.u64(i, 0), r.i64(i, 1), r.bytes(i, 2), r.bytes(i, 3)});
    });
    out.flush();
    return counters();
  }

  Reader& reader() override { return *view_; }

 private:
  // Every row of `select`, through a cursor so a large table never arrives at once.
  template <class F>
  void fetch(const std::string& select, F&& row) {
    c_.run("DECLARE brigade_copy NO SCROLL CURSOR FOR " + select);
    for (;;) {
      const auto r = c_.exec("FETCH " + std::to_string(kFetch) + " FROM brigade_copy");
      for (int i = 0; i < r.rows(); ++i) row(r, i);
      if (r.rows() < kFetch) break;
    }
    c_.run("CLOSE brigade_copy");
  }

  void read_people(Batcher& out) {
    fetch("SELECT num, id, name, privacy, gone, forgotten FROM ids ORDER BY num", [&](const Result& r, int i) {
      Person p;
      p.num = r.u32(i, 0);
      p.id = r.str(i, 1);
      p.name = r.str(i, 2);
      p.state.privacy = enum_of<Privacy>(r, i, 3, 0, 2, "privacy setting");
      p.state.gone = r.boolean(i, 4);
      p.state.forgotten = r.boolean(i, 5);
      out.add(&Batch::people, std::move(p));
    });
  }

  void read_kudos(Batcher& out) {
    fetch("SELECT id, number, ts, giver, recipient, channel, kind, ask, reason, vals, revoked FROM kudos ORDER BY id",
          [&](const Result& r, int i) {
            KudosRow k;
            k.id = r.u64(i, 0);
            k.number = r.u32(i, 1);
            k.ts = r.i64(i, 2);
            k.giver = r.u32(i, 3);
            k.recipient = r.u32(i, 4);
            k.channel = r.u32(i, 5);
            k.kind = enum_of<Kind>(r, i, 6, 1, 3, "kudos kind");
            k.ask = r.u64(i, 7);
            k.reason = r.str(i, 8);
            k.values = r.text_array(i, 9);
            k.revoked = r.boolean(i, 10);
            out.add(&Batch::kudos, std::move(k));
          });
  }

  void read_asks(Batcher& out) {
    fetch("SELECT id, channel, requester, text, state, taker, helpers, created, updated FROM asks ORDER BY id",
          [&](const Result& r, int i) {
            AskRow a;
            a.id = r.u64(i, 0);
            a.channel = r.u32(i, 1);
            a.requester = r.u32(i, 2);
            a.text = r.str(i, 3);
            a.state = enum_of<AskState>(r, i, 4, 1, 4, "help request state");
            a.taker = r.u32(i, 5);
            a.helpers = nums_of(r.u64_array(i, 6));
            a.created = r.i64(i, 7);
            a.updated = r.i64(i, 8);
            out.add(&Batch::asks, std::move(a));
          });
  }

  Counters counters() {
    Counters c;
    const auto r = c_.exec("SELECT name, value, last_id FROM counters");
    for (int i = 0; i < r.rows(); ++i) {
      const auto name = r.text(i, 0);
      if (name == "kudos") {
        c.kudos_number = r.u64(i, 1);
        c.kudos_last_id = r.u64(i, 2);
      }
      if (name == "ask") c.ask = r.u64(i, 1);
      if (name == "outbox") c.outbox = r.u64(i, 1);
      if (name == "audit") c.audit = r.u64(i, 1);
    }
    return c;
  }

  core::Calendar cal_;
  Conn c_;
  std::optional<PgLedger> ledger_;
  std::optional<PgView> view_;
};

}  // namespace

std::unique_ptr<Source> open_pg_source(const Options& o, const core::Calendar& cal) {
  return std::make_unique<PgSource>(o, cal);
}

}  // namespace brigade::store::transfer
