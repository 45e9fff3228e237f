// Opening, reopening, schema versions, process-wide sharing, meta/cursor/names and bad data.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "store/codec.hpp"
#include "store/names.hpp"
#include "store/store.hpp"
#include "tests/unit/store_test_util.hpp"

namespace brigade::store {
namespace {

using namespace testing;
using ::testing::HasSubstr;

TEST(StoreOpen, CreatesAndReopens) {
  TempDir dir;
  std::uint64_t id = 0;
  {
    auto s = open_store(dir);
    EXPECT_EQ(s->schema_version(), kSchemaVersion);
    id = add(*s, make("alice", "bob", "general", kNov18Ten, Kind::praise, "shipped it", {"teamwork"}));
  }
  if (!testing_postgres()) {
    EXPECT_TRUE(std::filesystem::exists(dir.path() / "data.mdb"));
  }
  auto s = open_store(dir);
  auto r = s->read();
  EXPECT_EQ(r->kudos_count(), 1u);
  auto k = r->kudos(id);
  ASSERT_TRUE(k);
  EXPECT_EQ(k->giver, "console:alice");
  EXPECT_EQ(k->recipient, "console:bob");
  EXPECT_EQ(k->channel, "console:#general");
  EXPECT_EQ(k->kind, Kind::praise);
  EXPECT_EQ(k->reason, "shipped it");
  EXPECT_EQ(k->values, std::vector<std::string>{"teamwork"});
  EXPECT_EQ(k->ts, kNov18Ten);
  EXPECT_FALSE(k->revoked);
  EXPECT_EQ(r->meta("store.schema_version"), std::to_string(kSchemaVersion));
  EXPECT_EQ(r->meta("store.calendar"), core::Calendar("UTC", 1).signature());
}

TEST(StoreOpen, CreatesMissingDirectory) {
  TempDir dir;
  auto s = Store::open(options(dir.path() / "a" / "b"), core::Calendar());
  EXPECT_EQ(s->read()->kudos_count(), 0u);
}

TEST(StoreOpen, RefusesDataFromNewerVersion) {
  BRIGADE_LMDB_ONLY("plants a newer schema with raw LMDB writes (see StorePg.NewerSchemaIsRefused)");
  TempDir dir;
  open_store(dir).reset();
  raw_write(dir.path(), [](MDB_txn* t) {
    raw_dbi(t, "meta").put(t, lmdb::val("store.schema_version"),
                           lmdb::val(std::to_string(kSchemaVersion + 1)));
  });
  try {
    open_store(dir);
    FAIL() << "opened a newer data file";
  } catch (const StoreError& e) {
    EXPECT_THAT(e.what(), HasSubstr("newer brigade"));
  }
  EXPECT_THROW(open_store(dir, core::Calendar(), true), StoreError);
}

// Schema 2 kept a count-ordered rank index beside the tallies; schema 3 empties it on the first
// writable open and answers leaderboards from the tallies alone (a read-only open asks for that
// first start).
TEST(StoreOpen, SchemaTwoLosesItsRankIndex) {
  BRIGADE_LMDB_ONLY("plants a schema-2 rank index with raw LMDB writes");
  TempDir dir;
  {
    auto s = open_store(dir);
    auto w = s->write();
    for (auto k : {make("alice", "bob", "eng", kNov18Ten), make("carol", "bob", "eng", kNov18Ten + 1),
                   make("bob", "dave", "eng", kNov18Ten + 2)})
      w->add_kudos(k);
    w->commit();
  }
  raw_write(dir.path(), [](MDB_txn* t) {
    raw_dbi(t, "meta").put(t, lmdb::val("store.schema_version"), lmdb::val(std::string_view("2")));
    // An entry as schema 2 wrote them: (period, bucket, scope) → (~count, user).
    std::string main(9, '\0'), dup(8, '\xff');
    raw_dbi(t, "rank", MDB_DUPSORT | MDB_DUPFIXED).put(t, lmdb::val(main), lmdb::val(dup));
  });
  EXPECT_THROW(open_store(dir, core::Calendar(), true), StoreError);
  {
    auto s = open_store(dir);
    EXPECT_EQ(s->schema_version(), kSchemaVersion);
    auto board = s->read()->leaderboard("", Period::all, 0, 10);
    ASSERT_EQ(board.size(), 2u);
    EXPECT_EQ(board[0].user, user("bob"));
    EXPECT_EQ(board[0].count, 2u);
    EXPECT_EQ(board[1].user, user("dave"));
    EXPECT_TRUE(s->read()->verify().ok());
  }
  std::size_t left = 1;
  raw_write(dir.path(), [&left](MDB_txn* t) { left = raw_dbi(t, "rank", MDB_DUPSORT | MDB_DUPFIXED).entries(t); });
  EXPECT_EQ(left, 0u);
}

// Schema 3 kept quarter, year and per-channel "given" counters; schema 4 sums months and reads a
// channel's givers from the log, and its migration rebuilds the tallies without them.
TEST(StoreOpen, SchemaThreeLosesItsQuarterYearAndChannelGivenCounters) {
  BRIGADE_LMDB_ONLY("plants schema-3 counters with raw LMDB writes");
  TempDir dir;
  std::size_t before = 0;
  {
    auto s = open_store(dir);
    auto w = s->write();
    for (auto k : {make("alice", "bob", "eng", kNov18Ten), make("carol", "bob", "eng", kNov18Ten + 1),
                   make("bob", "dave", "eng", kOct05)})
      w->add_kudos(k);
    w->commit();
  }
  const auto quarter = core::Calendar().bucket(Period::quarter, kNov18Ten);
  raw_write(dir.path(), [&](MDB_txn* t) {
    raw_dbi(t, "meta").put(t, lmdb::val("store.schema_version"), lmdb::val(std::string_view("3")));
    auto tally = raw_dbi(t, "tally", MDB_DUPSORT | MDB_DUPFIXED);
    before = tally.entries(t);
    // Quarter counters as schema 3 kept them, in the workspace and in a channel.
    for (std::uint32_t scope : {0u, 3u}) {
      const auto main = codec::tally_main(
          codec::tally_key(scope, static_cast<std::uint8_t>(Period::quarter), quarter, codec::Role::received, 2));
      const auto dup = codec::tally_dup(2, 2);
      tally.put(t, lmdb::val(main), lmdb::val(dup));
    }
  });
  {
    auto s = open_store(dir);
    EXPECT_EQ(s->schema_version(), 4u);
    auto r = s->read();
    EXPECT_TRUE(r->verify().ok()) << ::testing::PrintToString(r->verify().drift);
    auto board = r->leaderboard("", Period::quarter, quarter, 10);
    ASSERT_EQ(board.size(), 2u);
    EXPECT_EQ(board[0].user, user("bob"));
    EXPECT_EQ(board[0].count, 2u);
    EXPECT_EQ(board[1].user, user("dave"));
    EXPECT_EQ(r->counts(user("alice"), chan("eng"), Period::year, core::Calendar().bucket(Period::year, kNov18Ten)).given,
              1u);
  }
  std::size_t after = 0;
  raw_write(dir.path(), [&after](MDB_txn* t) { after = raw_dbi(t, "tally", MDB_DUPSORT | MDB_DUPFIXED).entries(t); });
  EXPECT_EQ(after, before);
}

TEST(StoreOpen, ReadOnlyNeedsExistingData) {
  TempDir dir;
  EXPECT_THROW(open_store(dir, core::Calendar(), true), StoreError);
  EXPECT_THROW(Store::open(options(dir.path() / "missing", true), core::Calendar()), StoreError);
  EXPECT_FALSE(std::filesystem::exists(dir.path() / "missing"));
}

TEST(StoreOpen, ReadOnlyRefusesToRebuildForAnotherCalendar) {
  TempDir dir;
  {
    auto s = open_store(dir, core::Calendar("UTC", 1));
    add(*s, make("alice", "bob", "general", kNov18Ten));
  }
  try {
    open_store(dir, core::Calendar("UTC", 0), true);
    FAIL() << "read-only open accepted another calendar";
  } catch (const StoreError& e) {
    EXPECT_THAT(e.what(), HasSubstr("rebuild"));
  }
  // Nothing was changed: the same calendar still opens read-only.
  EXPECT_NO_THROW(open_store(dir, core::Calendar("UTC", 1), true));
}

TEST(StoreOpen, SecondOpenInProcessSharesTheEnvironment) {
  BRIGADE_LMDB_ONLY("one LMDB environment per data directory and process");
  TempDir dir;
  auto a = open_store(dir);
  auto b = open_store(dir);
  add(*b, make("alice", "bob", "general", kNov18Ten));
  EXPECT_EQ(a->read()->kudos_count(), 1u);
  auto ro = open_store(dir, core::Calendar("UTC", 1), true);
  EXPECT_EQ(ro->read()->kudos_count(), 1u);
  EXPECT_THROW(ro->write(), StoreError);
  EXPECT_THROW(open_store(dir, core::Calendar("Europe/Berlin", 1)), StoreError);
  b.reset();
  a.reset();
  // The read-only handle keeps the environment alive and still works.
  EXPECT_EQ(ro->read()->kudos_count(), 1u);
}

TEST(StoreOpen, MetaAndCursorRoundTrip) {
  TempDir dir;
  auto s = open_store(dir);
  {
    auto w = s->write();
    w->set_meta("slack.team", "T1");
    w->set_meta("slack.team", "T2");
    w->set_cursor("matrix", "s72594_4483_1934");
    EXPECT_THROW(w->set_meta("store.schema_version", "0"), StoreError);
    EXPECT_THROW(w->set_meta("", "x"), StoreError);
    EXPECT_THROW(w->set_cursor("", "x"), StoreError);
    w->commit();
  }
  auto r = s->read();
  EXPECT_EQ(r->meta("slack.team"), "T2");
  EXPECT_EQ(r->meta("nothing"), std::nullopt);
  EXPECT_EQ(r->cursor("matrix"), "s72594_4483_1934");
  EXPECT_EQ(r->cursor("slack"), std::nullopt);
  EXPECT_EQ(r->meta("store.schema_version"), std::to_string(kSchemaVersion));
}

TEST(StoreOpen, NamesResolveBothWays) {
  TempDir dir;
  auto s = open_store(dir);
  {
    auto w = s->write();
    w->set_name(user("alice"), "Alice Liddell");
    w->set_name("matrix:@bob:example.org", "Robert");
    w->set_name("slack:T1:U7", "Ålice");
    w->set_name(user("alice"), "Alice L.");
    w->commit();
  }
  auto r = s->read();
  EXPECT_EQ(r->name_of(user("alice")), "Alice L.");
  EXPECT_EQ(r->name_of("matrix:@bob:example.org"), "Robert");
  EXPECT_EQ(r->name_of(user("nobody")), "");
  EXPECT_EQ(r->ids_named("alice l."), std::vector<std::string>{user("alice")});
  EXPECT_EQ(r->ids_named("ALICE"), std::vector<std::string>{user("alice")});            // bare last component
  EXPECT_EQ(r->ids_named("bob"), std::vector<std::string>{"matrix:@bob:example.org"});  // Matrix localpart
  EXPECT_EQ(r->ids_named("robert"), std::vector<std::string>{"matrix:@bob:example.org"});
  EXPECT_EQ(r->ids_named("Ålice"), std::vector<std::string>{"slack:T1:U7"});
  EXPECT_TRUE(r->ids_named("").empty());
  EXPECT_TRUE(r->ids_named("carol").empty());
}

TEST(StoreOpen, IdsNamedListsEveryMatch) {
  TempDir dir;
  auto s = open_store(dir);
  {
    auto w = s->write();
    w->set_name("slack:T1:U1", "sam");
    w->set_name("console:sam", "");
    w->commit();
  }
  EXPECT_EQ(s->read()->ids_named("Sam"), (std::vector<std::string>{"console:sam", "slack:T1:U1"}));
}

// What a filter or an admin command gives: an id as given, or a name with its sigil.
TEST(StoreOpen, IdsGivenTakesAnIdOrANameWithItsOwnSigil) {
  TempDir dir;
  auto s = open_store(dir);
  {
    auto w = s->write();
    w->set_name("slack:T1:U1", "sam");
    w->set_name("console:sam", "");
    w->set_name("slack:T1:C1", "ops");
    w->commit();
  }
  auto r = s->read();
  const std::vector<std::string> sams{"console:sam", "slack:T1:U1"};
  EXPECT_EQ(ids_given(*r, " @Sam ", '@'), sams);
  EXPECT_EQ(ids_given(*r, "sam", '@'), sams);
  EXPECT_EQ(ids_given(*r, "#ops", '#'), std::vector<std::string>{"slack:T1:C1"});
  EXPECT_TRUE(ids_given(*r, "#ops", '@').empty());  // another kind's sigil is part of the name
  EXPECT_EQ(ids_given(*r, " slack:T9:U9 ", '@'), std::vector<std::string>{"slack:T9:U9"});  // unknown ids too
  EXPECT_TRUE(ids_given(*r, "@", '@').empty());
  EXPECT_TRUE(ids_given(*r, "  ", '#').empty());
  EXPECT_EQ(id_list(sams), "console:sam, slack:T1:U1");
  EXPECT_EQ(id_list({}), "");
  EXPECT_EQ(names_several("sam", sams), "'sam' names 2 ids (console:sam, slack:T1:U1); give one");
}

// A person and a channel may carry one name; a person filter does not take the channel, nor a
// channel filter the person, where the id says which it is. Console ids cannot say, so they stay.
TEST(StoreOpen, IdsGivenLeavesOutTheOtherKindOfId) {
  TempDir dir;
  auto s = open_store(dir);
  {
    auto w = s->write();
    w->set_name("slack:T1:U2", "ops");
    w->set_name("slack:T1:C1", "ops");
    w->set_name("slack:T1:W3", "bob");
    w->set_name("matrix:@bob:example.org", "Bob");
    w->set_name("matrix:!r1:example.org", "bob");
    w->set_name("console:ops", "");
    w->commit();
  }
  auto r = s->read();
  EXPECT_EQ(ids_given(*r, "#ops", '#'), (std::vector<std::string>{"console:ops", "slack:T1:C1"}));
  EXPECT_EQ(ids_given(*r, "@ops", '@'), (std::vector<std::string>{"console:ops", "slack:T1:U2"}));
  EXPECT_EQ(ids_given(*r, "bob", '#'), std::vector<std::string>{"matrix:!r1:example.org"});
  EXPECT_EQ(ids_given(*r, "bob", '@'), (std::vector<std::string>{"matrix:@bob:example.org", "slack:T1:W3"}));
  EXPECT_EQ(r->ids_named("ops").size(), 3u) << "the name index itself keeps every kind";
}

TEST(StoreNames, AnIdsKindIsReadFromItsShape) {
  EXPECT_EQ(id_kind("slack:T1:C0456"), IdKind::channel);
  EXPECT_EQ(id_kind("slack:T1:G0456"), IdKind::channel);
  EXPECT_EQ(id_kind("slack:T1:D0456"), IdKind::channel);
  EXPECT_EQ(id_kind("slack:T1:U0456"), IdKind::person);
  EXPECT_EQ(id_kind("slack:T1:W0456"), IdKind::person);
  EXPECT_EQ(id_kind("slack:T1:B0456"), IdKind::unknown);
  EXPECT_EQ(id_kind("slack:T1:"), IdKind::unknown);
  EXPECT_EQ(id_kind("matrix:!room:example.org"), IdKind::channel);
  EXPECT_EQ(id_kind("matrix:@bob:example.org"), IdKind::person);
  EXPECT_EQ(id_kind("matrix:"), IdKind::unknown);
  EXPECT_EQ(id_kind("forgotten:7"), IdKind::person);
  EXPECT_EQ(id_kind("console:ops"), IdKind::unknown);
  EXPECT_EQ(id_kind(""), IdKind::unknown);
}

TEST(StoreOpen, OversizedIdsAreRefusedAndLongSourcesHashed) {
  TempDir dir;
  auto s = open_store(dir);
  auto w = s->write();
  Kudos k = make("alice", "bob", "general", kNov18Ten);
  k.giver = "console:" + std::string(600, 'x');
  EXPECT_THROW(w->add_kudos(k), StoreError);
  std::string a = "slack:" + std::string(1000, 'a');
  std::string b = a;
  b.back() = 'b';
  w->mark_seen(a, kNov18Ten, {7});
  EXPECT_TRUE(w->seen(a));
  EXPECT_FALSE(w->seen(b));
  EXPECT_EQ(w->seen_kudos(a), std::vector<std::uint64_t>{7});
  EXPECT_FALSE(w->seen(""));
  EXPECT_THROW(w->mark_seen("", 0), StoreError);
  w->commit();
}

TEST(StoreOpen, CorruptRecordsAreErrorsNotCrashes) {
  BRIGADE_LMDB_ONLY("plants undecodable records with raw LMDB writes");
  TempDir dir;
  std::uint64_t good = 0;
  {
    auto s = open_store(dir);
    good = add(*s, make("alice", "bob", "general", kNov18Ten));
  }
  const std::uint64_t bad = good + 1;
  raw_write(dir.path(), [&](MDB_txn* t) {
    auto kudos = raw_dbi(t, "kudos");
    auto key = codec::key64(bad);
    kudos.put(t, lmdb::val(key), lmdb::val(std::string_view("\xff\xff\xff", 3)));
    auto names = raw_dbi(t, "names");
    names.put(t, lmdb::val(codec::key32(99)), lmdb::val(std::string_view("\x05xy", 3)));
  });
  auto s = open_store(dir);
  auto r = s->read();
  EXPECT_TRUE(r->kudos(good));
  EXPECT_THROW(r->kudos(bad), StoreError);
  EXPECT_THROW(r->kudos_between(0, kDec01, 0), StoreError);
  EXPECT_THROW(r->verify(), StoreError);
  EXPECT_THROW(r->ids_named("x"), StoreError);
}

}  // namespace
}  // namespace brigade::store
