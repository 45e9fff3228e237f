// Schema 2: K numbers, correction entries, the audit chain, privacy, erasure, retention and
// allowance slots — against a real LMDB store.
#include <gtest/gtest.h>

#include "store/codec.hpp"
#include "tests/unit/store_test_util.hpp"

namespace brigade::store::testing {
namespace {

class TrustStore : public ::testing::Test {
 protected:
  void SetUp() override { store_ = open_store(dir_); }

  std::uint64_t audit(const std::string& actor, const std::string& action, const std::string& subject,
                      const std::string& detail, Millis ts = kNov18Ten) {
    auto w = store_->write();
    AuditEntry e;
    e.ts = ts;
    e.actor = actor;
    e.action = action;
    e.subject = subject;
    e.detail = detail;
    auto seq = w->append_audit(e);
    w->commit();
    return seq;
  }

  TempDir dir_{"brigade-trust"};
  std::unique_ptr<Store> store_;
};

TEST_F(TrustStore, KudosGetShortStableNumbersInOrder) {
  const auto a = add(*store_, make("alice", "bob", "ops", kNov18Ten));
  const auto b = add(*store_, make("bob", "carol", "ops", kNov18Ten + kSecond));
  auto r = store_->read();
  EXPECT_EQ(r->kudos(a)->number, 1u);
  EXPECT_EQ(r->kudos(b)->number, 2u);
  EXPECT_EQ(r->kudos_numbered(2)->id, b);
  EXPECT_FALSE(r->kudos_numbered(3));
  EXPECT_FALSE(r->kudos_numbered(0));
  EXPECT_EQ(kudos_label(42), "K42");
  EXPECT_EQ(parse_kudos_label("k42"), 42u);
  EXPECT_EQ(parse_kudos_label("42"), 42u);
  EXPECT_FALSE(parse_kudos_label("K"));
  EXPECT_FALSE(parse_kudos_label("K0"));
  EXPECT_FALSE(parse_kudos_label("K4x"));
  EXPECT_FALSE(parse_kudos_label("K99999999999"));
}

TEST_F(TrustStore, RevokeLeavesTheRecordAndAddsACorrection) {
  const auto id = add(*store_, make("alice", "bob", "ops", kNov18Ten, Kind::thanks, "for the review"));
  {
    auto w = store_->write();
    Revocation why{kNov18Ten + kHour, RevokeHow::revoke, user("root"), "given twice"};
    EXPECT_TRUE(w->revoke_kudos(id, why, Period::day));
    EXPECT_FALSE(w->revoke_kudos(id, why, Period::day)) << "revoke twice changes nothing";
    w->commit();
  }
  auto r = store_->read();
  const auto k = r->kudos(id);
  ASSERT_TRUE(k);
  EXPECT_TRUE(k->revoked);
  EXPECT_EQ(k->reason, "for the review") << "the original stays as it was";
  ASSERT_TRUE(k->revocation);
  EXPECT_EQ(k->revocation->how, RevokeHow::revoke);
  EXPECT_EQ(k->revocation->by, user("root"));
  EXPECT_EQ(k->revocation->reason, "given twice");
  EXPECT_EQ(r->counts(user("bob"), "", Period::all, 0).received, 0u);
  EXPECT_TRUE(r->verify().ok());
}

TEST_F(TrustStore, AuditChainVerifiesAndNamesTheFirstEditedEntry) {
  BRIGADE_LMDB_ONLY("edits the audit log with raw LMDB writes (see StorePg.AuditChainNamesAnEditedEntry)");
  audit(user("alice"), "privacy", user("alice"), "public → hidden");
  audit("cli:root", "revoke", "K1", "thanks given 2026-11-18; reason: duplicate");
  audit("cli:root", "export", user("bob"), "data export");
  {
    auto r = store_->read();
    const auto check = r->verify_audit();
    EXPECT_TRUE(check.ok()) << check.problem;
    EXPECT_EQ(check.entries, 3u);
    const auto entries = r->audit(0, 0);
    ASSERT_EQ(entries.size(), 3u);
    EXPECT_EQ(entries[1].prev_hash, entries[0].hash);
    EXPECT_EQ(entries[2].prev_hash, entries[1].hash);
    EXPECT_EQ(check.head, entries[2].hash);
    EXPECT_EQ(entries[1].subject, "K1");
    EXPECT_EQ(entries[0].subject, user("alice"));
  }
  store_.reset();
  // Someone edits entry 2's detail in the data file (same length, so only the hash can tell).
  raw_write(dir_.path(), [](MDB_txn* txn) {
    auto db = raw_dbi(txn, "audit");
    const auto k = codec::key64(2);
    MDB_val data;
    ASSERT_TRUE(db.get(txn, lmdb::val(k), data));
    std::string rec(lmdb::view(data));
    const auto at = rec.find("duplicate");
    ASSERT_NE(at, std::string::npos);
    rec.replace(at, 9, "legitimat");
    db.put(txn, lmdb::val(k), lmdb::val(rec));
  });
  store_ = open_store(dir_);
  const auto check = store_->read()->verify_audit();
  EXPECT_FALSE(check.ok());
  EXPECT_EQ(check.first_bad, 3u) << "entry 3 no longer carries entry 2's hash: " << check.problem;
}

TEST_F(TrustStore, AuditChainNoticesARemovedLastEntry) {
  BRIGADE_LMDB_ONLY("deletes an audit entry with raw LMDB writes (see StorePg.AuditChainNoticesALostEntry)");
  audit("cli:root", "revoke", "K1", "a");
  audit("cli:root", "revoke", "K2", "b");
  store_.reset();
  raw_write(dir_.path(), [](MDB_txn* txn) {
    auto db = raw_dbi(txn, "audit");
    const auto k = codec::key64(2);
    db.del(txn, lmdb::val(k));
  });
  store_ = open_store(dir_);
  const auto check = store_->read()->verify_audit();
  EXPECT_FALSE(check.ok());
  EXPECT_EQ(check.first_bad, 1u) << check.problem;
}

TEST_F(TrustStore, HiddenGoneAndOffPeopleAreCountedButNeverRanked) {
  add(*store_, make("alice", "bob", "ops", kNov18Ten));
  add(*store_, make("alice", "bob", "ops", kNov18Ten + 1));
  add(*store_, make("bob", "carol", "ops", kNov18Ten + 2));
  add(*store_, make("carol", "dave", "ops", kNov18Ten + 3));
  {
    auto w = store_->write();
    w->set_privacy(user("bob"), Privacy::hidden);
    w->set_gone(user("carol"), true);
    w->commit();
  }
  auto r = store_->read();
  const auto week = core::Calendar("UTC", 1).bucket(Period::week, kNov18Ten);
  for (auto [p, b] : {std::pair{Period::week, week}, std::pair{Period::all, 0}, std::pair{Period::day, 0}}) {
    if (p == Period::day) b = core::Calendar("UTC", 1).day(kNov18Ten);
    const auto board = r->leaderboard("", p, b, 10);
    ASSERT_EQ(board.size(), 1u) << static_cast<int>(p);
    EXPECT_EQ(board[0].user, user("dave"));
    EXPECT_EQ(r->leaderboard(chan("ops"), p, b, 10).size(), 1u);
  }
  EXPECT_EQ(r->counts(user("bob"), "", Period::all, 0).received, 2u) << "they still see their own stats";
  EXPECT_EQ(r->person(user("bob")).privacy, Privacy::hidden);
  EXPECT_TRUE(r->person(user("carol")).gone);
  SummaryQuery q;
  q.from = 0;
  q.until = kDec01;
  for (const auto& p : r->summary(q).people)
    EXPECT_EQ(p.ranked, p.user == user("dave") || p.user == user("alice")) << p.user;
}

TEST_F(TrustStore, ForgetLeavesATombstoneAndEveryTotal) {
  add(*store_, make("alice", "bob", "ops", kNov18Ten, Kind::thanks, "for the review by alice"));
  add(*store_, make("bob", "alice", "ops", kNov18Ten + 1, Kind::thanks, "for being alice's mentor"));
  {
    auto w = store_->write();
    w->set_name(user("alice"), "Alice Liddell");
    core::Reply r;
    r.audience = core::Audience::private_;
    r.channel = chan("ops");
    r.user = user("alice");
    r.body = core::BodyBuilder().text("hi").take();
    w->enqueue("console", r);
    r.user = user("bob");
    w->enqueue("console", r);
    w->commit();
  }
  std::string tomb;
  {
    auto w = store_->write();
    tomb = w->forget(user("alice"));
    EXPECT_THROW(w->forget(user("alice")), StoreError) << "the id no longer resolves";
    w->commit();
  }
  EXPECT_EQ(tomb.rfind("forgotten:", 0), 0u);
  auto r = store_->read();
  EXPECT_TRUE(r->verify().ok());
  EXPECT_EQ(r->name_of(user("alice")), "");
  EXPECT_TRUE(r->ids_named("Alice Liddell").empty());
  EXPECT_EQ(r->counts(user("bob"), "", Period::all, 0).received, 1u);
  EXPECT_EQ(r->counts(user("bob"), "", Period::all, 0).given, 1u);
  const auto all = r->kudos_between(0, kDec01, 0);
  ASSERT_EQ(all.size(), 2u);
  EXPECT_EQ(all[0].giver, tomb);
  EXPECT_EQ(all[0].reason, "") << "the reasons they wrote are gone";
  EXPECT_EQ(all[1].recipient, tomb);
  EXPECT_EQ(all[1].reason, "for being alice's mentor") << "others' words stay";
  const auto out = r->outbox(10);
  ASSERT_EQ(out.size(), 1u) << "replies naming them are dropped";
  EXPECT_EQ(out[0].reply.user, user("bob"));
  EXPECT_TRUE(r->person(tomb).forgotten);
  EXPECT_FALSE(r->export_person(user("alice")));
}

TEST_F(TrustStore, ForgetKeepsTheAuditChainAndNamesTheTombstone) {
  audit(user("alice"), "privacy", user("alice"), "public → off");
  std::string tomb;
  {
    auto w = store_->write();
    tomb = w->forget(user("alice"));
    AuditEntry e;
    e.ts = kNov18Ten;
    e.actor = "cli:root";
    e.action = "forget";
    e.subject = tomb;
    w->append_audit(e);
    w->commit();
  }
  auto r = store_->read();
  EXPECT_TRUE(r->verify_audit().ok());
  const auto entries = r->audit(0, 0);
  ASSERT_EQ(entries.size(), 2u);
  EXPECT_EQ(entries[0].actor, tomb);
  EXPECT_EQ(entries[1].subject, tomb);
}

TEST_F(TrustStore, ExportHoldsEverythingAboutOnePerson) {
  const auto a = add(*store_, make("alice", "bob", "ops", kNov18Ten, Kind::thanks, "review"));
  add(*store_, make("carol", "alice", "ops", kNov18Ten + 1));
  add(*store_, make("carol", "dave", "ops", kNov18Ten + 2));
  {
    auto w = store_->write();
    w->revoke_kudos(a, Revocation{kNov18Ten + 5, RevokeHow::undo, user("alice"), ""}, Period::day);
    w->set_privacy(user("alice"), Privacy::hidden);
    Ask ask;
    ask.channel = chan("ops");
    ask.requester = user("alice");
    ask.text = "help with certs";
    ask.created = ask.updated = kNov18Ten;
    w->add_ask(ask);
    w->commit();
  }
  audit(user("alice"), "privacy", user("alice"), "public → hidden");
  audit("cli:root", "revoke", "K2", "about carol's kudos to alice");
  audit("cli:root", "revoke", "K3", "about carol's kudos to dave");
  const auto rec = store_->read()->export_person(user("alice"));
  ASSERT_TRUE(rec);
  EXPECT_EQ(rec->given.size(), 1u);
  EXPECT_TRUE(rec->given[0].revoked);
  EXPECT_EQ(rec->received.size(), 1u);
  EXPECT_EQ(rec->asks.size(), 1u);
  EXPECT_EQ(rec->audit.size(), 2u) << "their own entry and the one about a kudos they received";
  EXPECT_EQ(rec->state.privacy, Privacy::hidden);
}

TEST_F(TrustStore, RetentionDropsOldReasonsAndKeepsCounts) {
  add(*store_, make("alice", "bob", "ops", kOct05, Kind::thanks, "old reason", {"teamwork"}));
  add(*store_, make("alice", "bob", "ops", kNov18Ten, Kind::thanks, "new reason"));
  {
    auto w = store_->write();
    EXPECT_EQ(w->drop_reasons_before(kNov01), 1u);
    EXPECT_EQ(w->drop_reasons_before(kNov01), 0u) << "nothing left to drop";
    w->commit();
  }
  auto r = store_->read();
  const auto all = r->kudos_between(0, kDec01, 0);
  ASSERT_EQ(all.size(), 2u);
  EXPECT_EQ(all[0].reason, "");
  EXPECT_EQ(all[0].values, std::vector<std::string>{"teamwork"});
  EXPECT_EQ(all[1].reason, "new reason");
  EXPECT_EQ(r->counts(user("bob"), "", Period::all, 0).received, 2u);
  EXPECT_TRUE(r->verify().ok());
}

TEST_F(TrustStore, AllowanceSlotsCountPerPeriodAndPerRecipient) {
  const core::Calendar cal("UTC", 1);
  const AllowanceSlot week{Period::week, cal.bucket(Period::week, kNov18Ten)};
  auto w = store_->write();
  EXPECT_TRUE(w->debit_allowance(user("alice"), week, 3, 4));
  EXPECT_FALSE(w->debit_allowance(user("alice"), week, 2, 4)) << "never a partial debit";
  EXPECT_EQ(w->allowance_used(user("alice"), week), 3u);
  EXPECT_TRUE(w->debit_allowance(user("alice"), week, 1, 2, user("bob")));
  EXPECT_TRUE(w->debit_allowance(user("alice"), week, 1, 2, user("bob")));
  EXPECT_FALSE(w->debit_allowance(user("alice"), week, 1, 2, user("bob")));
  EXPECT_EQ(w->allowance_used(user("alice"), week, user("bob")), 2u);
  EXPECT_EQ(w->allowance_used(user("alice"), week, user("carol")), 0u);
  EXPECT_EQ(w->allowance_used(user("alice"), AllowanceSlot{Period::day, cal.day(kNov18Ten)}), 0u)
      << "a day slot is not the week slot";
  EXPECT_THROW(w->debit_allowance(user("alice"), AllowanceSlot{Period::year, 0}, 1, 0), StoreError);
}

TEST_F(TrustStore, MessageReferencesAreRememberedAndPruned) {
  {
    auto w = store_->write();
    w->set_message_ref("kudos:1", "C1|1700.000100", kNov18Ten);
    w->commit();
  }
  EXPECT_EQ(store_->read()->message_ref("kudos:1"), "C1|1700.000100");
  EXPECT_FALSE(store_->read()->message_ref("kudos:2"));
  EXPECT_EQ(store_->read()->message_tag("C1|1700.000100"), "kudos:1") << "and the way back";
  EXPECT_FALSE(store_->read()->message_tag("C1|1700.000200"));
  EXPECT_FALSE(store_->read()->message_ref(std::string(1, '\x01') + "C1|1700.000100"))
      << "the way back is not a tag";
  {
    auto w = store_->write();
    w->prune_seen(kNov18Ten + 1);
    w->commit();
  }
  EXPECT_FALSE(store_->read()->message_ref("kudos:1"));
  EXPECT_FALSE(store_->read()->message_tag("C1|1700.000100")) << "pruned together";
}

}  // namespace
}  // namespace brigade::store::testing

namespace brigade::store::testing {
namespace {

// A schema 1 file (no numbers, no corrections, 8-byte daily quota keys) is numbered in time order
// on first open, its taken-back kudos get a legacy correction, and today's quota carries over.
TEST(TrustMigration, SchemaOneIsNumberedOnFirstOpen) {
  BRIGADE_LMDB_ONLY("the LMDB schema 1 to 2 migration, planted with raw LMDB writes");
  TempDir dir("brigade-migrate");
  const core::Calendar cal("UTC", 1);
  std::uint64_t a = 0, b = 0;
  {
    auto s = open_store(dir, cal);
    a = add(*s, make("alice", "bob", "ops", kNov18Ten));
    b = add(*s, make("bob", "carol", "ops", kNov18Ten + kSecond));
    auto w = s->write();
    w->revoke_kudos(a);
    w->debit_quota(user("bob"), cal.day(kNov18Ten), 2, 5);
    w->commit();
  }
  raw_write(dir.path(), [&](MDB_txn* txn) {
    auto meta = raw_dbi(txn, "meta");
    meta.put(txn, lmdb::val(std::string_view("store.schema_version")), lmdb::val(std::string_view("1")));
    meta.del(txn, lmdb::val(std::string_view("store.seq.kudos")));
    auto kudos = raw_dbi(txn, "kudos");
    for (auto id : {a, b}) {
      const auto k = codec::key64(id);
      MDB_val data;
      ASSERT_TRUE(kudos.get(txn, lmdb::val(k), data));
      auto r = codec::decode_kudos(id, lmdb::view(data));
      std::vector<std::string> values;
      codec::each_value(r, [&](std::string_view v) { values.emplace_back(v); });
      r.number = 0;
      const auto rec = codec::encode_kudos(id, r, values);
      kudos.put(txn, lmdb::val(k), lmdb::val(rec));
    }
    for (const char* name : {"numbers", "corrections"}) {
      auto db = raw_dbi(txn, name);
      ASSERT_EQ(mdb_drop(txn, db.get(), 0), MDB_SUCCESS);
    }
    auto quota = raw_dbi(txn, "quota");
    ASSERT_EQ(mdb_drop(txn, quota.get(), 0), MDB_SUCCESS);
  });
  // Plant bob's schema 1 quota key with his interned number.
  raw_write(dir.path(), [&](MDB_txn* txn) {
    auto ids = raw_dbi(txn, "ids");
    MDB_val num;
    ASSERT_TRUE(ids.get(txn, lmdb::val(std::string_view("console:bob")), num));
    const auto key = codec::quota_key_v1(codec::read32(lmdb::view(num), "id"), cal.day(kNov18Ten));
    const auto two = codec::key32(2);
    raw_dbi(txn, "quota").put(txn, lmdb::val(key), lmdb::val(two));
  });
  auto s = open_store(dir, cal);
  EXPECT_EQ(s->schema_version(), kSchemaVersion);
  auto r = s->read();
  EXPECT_EQ(r->kudos(a)->number, 1u);
  EXPECT_EQ(r->kudos(b)->number, 2u);
  EXPECT_EQ(r->kudos_numbered(2)->id, b);
  ASSERT_TRUE(r->kudos(a)->revocation);
  EXPECT_EQ(r->kudos(a)->revocation->how, RevokeHow::legacy);
  EXPECT_EQ(r->quota_used(user("bob"), cal.day(kNov18Ten)), 2u);
  EXPECT_TRUE(r->verify().ok());
  r.reset();
  EXPECT_EQ(add(*s, make("carol", "dave", "ops", kNov18Ten + 2 * kSecond)) != 0, true);
  EXPECT_EQ(s->read()->kudos_numbered(3)->recipient, user("dave")) << "numbering carries on";
}

}  // namespace
}  // namespace brigade::store::testing
