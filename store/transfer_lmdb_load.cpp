// Filling an empty LMDB ledger for `brigade store copy`: the rows of store/transfer.hpp written
// with the record codec in one write transaction (so a failed copy leaves the target as empty as
// it was), with the indexes add_kudos keeps (by_user, by_chan, numbers, open_asks); then the
// sequences, and the tallies and ranks rebuilt from the log by the Ledger's own rebuild_tallies.
#include <algorithm>
#include <filesystem>
#include <tuple>

#include "store/transfer_lmdb.hpp"

namespace brigade::store::transfer {

using codec::key32;
using codec::key64;
using lmdb::val;

namespace {

// "2 kudos, 1 seen source id": the ledger records a target already holds.
std::string held_records(MDB_txn* txn, const Dbis& dbis) {
  static constexpr std::pair<Db, const char*> kKinds[] = {
      {kNames, "people and channels"}, {kKudos, "kudos"}, {kAsks, "help requests"}, {kAudit, "audit entries"},
      {kSeen, "seen source ids"}, {kOutbox, "queued replies"}, {kQuota, "allowance slots"},
      {kMessages, "message references"}, {kCursor, "adapter cursors"}, {kCorrect, "corrections"}};
  std::string out;
  for (const auto& [d, what] : kKinds)
    if (const auto n = dbis[d].entries(txn); n > 0) out += (out.empty() ? "" : ", ") + std::to_string(n) + " " + what;
  lmdb::Cursor c(txn, dbis[kMeta]);
  MDB_val k, v;
  std::size_t meta = 0;
  for (bool ok = c.get(k, v, MDB_FIRST); ok; ok = c.get(k, v, MDB_NEXT))
    if (!lmdb::view(k).starts_with(kInternalPrefix)) ++meta;
  if (meta > 0) out += (out.empty() ? "" : ", ") + std::to_string(meta) + " meta keys";
  return out;
}

void refuse_held(const std::string& where, const std::string& held) {
  if (!held.empty())
    throw StoreError("the LMDB ledger in " + where + " is not empty (" + held +
                         "); brigade store copy only fills an empty ledger",
                     StoreError::Code::invalid);
}

// A ledger already in `o.dir` is looked at before Store::open, which would migrate it or rebuild
// its tallies for another calendar: a refused target is left exactly as it was.
void refuse_filled(const Options& o) {
  std::error_code ec;
  if (!std::filesystem::exists(o.dir / "data.mdb", ec)) return;
  RawEnv probe(o, true);
  lmdb::Txn txn(probe.env.get(), nullptr, MDB_RDONLY);
  if (probe.try_open_dbs(txn.get())) refuse_held(probe.where, held_records(txn.get(), probe.dbis));
}

class LmdbTarget final : public Target {
 public:
  LmdbTarget(const Options& o, const core::Calendar& cal) : cal_(cal) {
    refuse_filled(o);
    Store::open(o, cal_);  // creates the ledger, or checks the empty one there; closed again
    raw_.emplace(o, false);
    txn_ = lmdb::Txn(raw_->env.get(), nullptr, 0);
    raw_->open_dbs(txn_.get());
    ledger_.emplace(txn_.get(), raw_->dbis, cal_, true);
    check_schema(*ledger_, raw_->where);
    refuse_held(raw_->where, held_records(txn_.get(), raw_->dbis));
    view_.emplace(*ledger_);
  }
  ~LmdbTarget() override { end(); }

  void load(const Batch& b) override {
    load_people(b.people);
    for (const auto& k : b.kudos) put_kudos(k);
    for (const auto& c : b.corrections) {
      const codec::CorrectionRec r{c.ts, c.how, c.by, c.reason};
      put(kCorrect, key64(c.kudos), codec::encode_correction(r), MDB_APPEND);
    }
    for (const auto& a : b.allowance) {
      const auto key = codec::allowance_key(a.giver, static_cast<std::uint8_t>(a.period), a.bucket, a.recipient);
      put(kQuota, codec::allowance_view(key, a.recipient != 0), key32(a.used));
    }
    for (const auto& a : b.asks) put_ask(a);
    for (const auto& s : b.seen) put(kSeen, s.key, codec::encode_seen(s.ts, s.kudos));
    for (const auto& item : b.outbox) {
      put(kOutbox, key64(item.seq), codec::encode_outbox(item), MDB_APPEND);
      outbox_ = std::max(outbox_, item.seq);
    }
    for (const auto& c : b.cursors) ledger_->set_cursor(c.key, c.value);
    for (const auto& m : b.meta) ledger_->put_meta(m.key, m.value);
    messages_.insert(messages_.end(), b.messages.begin(), b.messages.end());
    for (const auto& a : b.audit) put(kAudit, key64(a.seq), a.body + a.prev, MDB_APPEND);
  }

  void finish(const Counters& c) override {
    // The newest reference of a message wins its way back (as PostgreSQL's message_tag answers).
    std::sort(messages_.begin(), messages_.end(),
              [](const Message& a, const Message& b) { return std::tie(a.ts, a.tag) < std::tie(b.ts, b.tag); });
    for (const auto& m : messages_) ledger_->set_message_ref(m.tag, m.ref, m.ts);
    messages_ = {};
    auto put_seq = [&](std::string_view key, std::uint64_t n) {
      if (n > 0) ledger_->put_meta(key, std::to_string(n));
    };
    put_seq(kMetaKudosSeq, std::max(c.kudos_number, number_));
    put_seq(kMetaAskSeq, std::max(c.ask, ask_));
    put_seq(kMetaOutboxSeq, std::max(c.outbox, outbox_));
    put_seq(kMetaSkew, skew_);
    ledger_->rebuild_tallies();
    ledger_->put_meta(kMetaCalendar, cal_.signature());
  }

  Reader& reader() override { return *view_; }

  void commit() override {
    view_.reset();
    ledger_.reset();  // cursors go before the transaction
    txn_.commit();
    end();
  }

 private:
  template <class K, class V>
  void put(Db d, const K& key, const V& value, unsigned flags = 0) {
    raw_->dbis[d].put(txn_.get(), val(key), val(value), flags);
  }

  void load_people(const std::vector<Person>& people) {
    for (const auto& p : people) {
      if (p.num == 0 || p.id.empty()) codec::corrupt("person " + std::to_string(p.num), "no id");
      put(kNames, key32(p.num), codec::encode_name(p.id, p.name), MDB_APPEND);
      // A forgotten person's id no longer resolves: only the tombstone under the number remains.
      if (!p.state.forgotten && !raw_->dbis[kIds].put_new(txn_.get(), val(p.id), val(key32(p.num))))
        codec::corrupt("ids", "'" + p.id + "' has two numbers");
      if (p.state.privacy != Privacy::public_ || p.state.gone || p.state.forgotten)
        put(kPeople, key32(p.num), codec::encode_person(codec::PersonRec{p.state, p.changed}));
    }
  }

  void put_kudos(const KudosRow& k) {
    if (k.ts < 0 || k.ts > codec::kMaxTs || k.number == 0 || k.giver == 0 || k.recipient == 0)
      codec::corrupt("kudos " + std::to_string(k.id), "a field is out of range");
    codec::KudosRec r;
    r.giver = k.giver;
    r.recipient = k.recipient;
    r.channel = k.channel;
    r.kind = k.kind;
    r.revoked = k.revoked;
    r.ts = k.ts;
    r.ask = k.ask;
    r.reason = k.reason;
    r.number = k.number;
    const auto idk = key64(k.id);
    put(kKudos, idk, codec::encode_kudos(k.id, r, k.values), MDB_APPEND);
    const auto day = codec::index_day(k.id);
    raw_->dbis[kByUser].put_new(txn_.get(), val(codec::index_key(day, k.giver)), val(idk), MDB_NODUPDATA);
    if (k.recipient != k.giver)
      raw_->dbis[kByUser].put_new(txn_.get(), val(codec::index_key(day, k.recipient)), val(idk), MDB_NODUPDATA);
    if (k.channel != 0)
      raw_->dbis[kByChan].put_new(txn_.get(), val(codec::index_key(day, k.channel)), val(idk), MDB_NODUPDATA);
    if (!raw_->dbis[kNumbers].put_new(txn_.get(), val(key32(k.number)), val(idk)))
      codec::corrupt("kudos " + std::to_string(k.id), "K" + std::to_string(k.number) + " is taken twice");
    number_ = std::max<std::uint64_t>(number_, k.number);
    const std::int64_t skew = static_cast<std::int64_t>(k.id >> codec::kIdShift) - k.ts;
    if (skew > 0) skew_ = std::max(skew_, static_cast<std::uint64_t>(skew));
  }

  void put_ask(const AskRow& a) {
    codec::AskRec r;
    r.channel = a.channel;
    r.requester = a.requester;
    r.text = a.text;
    r.state = a.state;
    r.taker = a.taker;
    r.helpers = a.helpers;
    r.created = a.created;
    r.updated = a.updated;
    put(kAsks, key64(a.id), codec::encode_ask(r), MDB_APPEND);
    if (a.state == AskState::open || a.state == AskState::taken) put(kOpenAsks, key64(a.id), key32(a.channel));
    ask_ = std::max(ask_, a.id);
  }

  void end() noexcept {
    view_.reset();
    ledger_.reset();
    txn_.abort();
    raw_.reset();  // the environment closes: Store::open may have the directory again
  }

  core::Calendar cal_;
  std::optional<RawEnv> raw_;
  lmdb::Txn txn_;
  std::optional<Ledger> ledger_;
  std::optional<LedgerView> view_;
  std::vector<Message> messages_;  // written last, oldest first
  std::uint64_t number_ = 0, ask_ = 0, outbox_ = 0, skew_ = 0;
};

}  // namespace

std::unique_ptr<Target> open_lmdb_target(const Options& o, const core::Calendar& cal) {
  return std::make_unique<LmdbTarget>(o, cal);
}

}  // namespace brigade::store::transfer
