// Statements whose answer nobody reads go to PostgreSQL without waiting (pg::Conn::send, libpq's
// pipeline mode), and what a write transaction knows without asking the database (the numbers of
// the counter rows it holds, its own allowance debits) must be what a read finds afterwards — the
// last two tests on both backends.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <memory>
#include <optional>

#include "store/pg/pg.hpp"
#include "tests/unit/store_test_util.hpp"

namespace brigade::store {
namespace {

using namespace testing;
using ::testing::HasSubstr;

// A connection of its own to a test directory's schema, with a scratch table for this session.
struct Scratch {
  explicit Scratch(const TempDir& dir) : c(brigade::testing::test_store_url(dir.path())) {
    c.run("CREATE TEMP TABLE t (n int PRIMARY KEY)");
  }
  // Round trips since the last call.
  std::uint64_t trips() {
    const auto n = c.round_trips() - last;
    last = c.round_trips();
    return n;
  }
  std::uint64_t rows() { return c.exec("SELECT count(*) FROM t").u64(0, 0); }
  void insert(int n) { c.send("INSERT INTO t (n) VALUES ($1)", pg::Params(n)); }
  pg::Conn c;
  std::uint64_t last = 0;
};

// PostgreSQL only: a test directory's schema, and a connection of its own to it.
class StorePgPipeline : public ::testing::Test {
 protected:
  void SetUp() override {
    BRIGADE_POSTGRES_ONLY();
    store_ = open_store(dir_);  // the schema
    db_.emplace(dir_);
  }
  TempDir dir_;
  std::unique_ptr<Store> store_;
  std::optional<Scratch> db_;
};

TEST_F(StorePgPipeline, SentStatementsTravelWithTheNextOneInOneRoundTrip) {
  auto& db = *db_;
  db.c.run("BEGIN");
  db.trips();
  for (int i = 1; i <= 3; ++i) db.insert(i);
  EXPECT_EQ(db.c.sent(), 3u);
  EXPECT_EQ(db.trips(), 0u) << "nothing waited for an answer";
  EXPECT_EQ(db.rows(), 3u) << "the read runs after the writes sent before it";
  EXPECT_EQ(db.trips(), 1u) << "the three writes and the read in one round trip";
  EXPECT_EQ(db.c.sent(), 0u);

  db.insert(4);
  db.insert(5);
  db.c.run("COMMIT");
  EXPECT_EQ(db.trips(), 1u) << "the commit carries the writes before it";
  EXPECT_EQ(db.rows(), 5u);

  // Past kMaxSent the pipeline is ended: nothing waits longer than that.
  db.c.run("BEGIN");
  for (std::size_t i = 0; i <= pg::Conn::kMaxSent; ++i) db.insert(static_cast<int>(100 + i));
  EXPECT_EQ(db.c.sent(), 1u);
  db.c.run("ROLLBACK");
  EXPECT_EQ(db.rows(), 5u);
}

// A sent statement that fails is reported by the call that reads the answers, naming the statement
// that failed (not the later ones, which never ran), with its SQLSTATE's code; the connection stays
// usable once the transaction is rolled back.
TEST_F(StorePgPipeline, AnErrorInASentStatementSurfacesAtTheNextCallAndNamesIt) {
  auto& db = *db_;
  db.c.run("BEGIN");
  db.insert(1);
  db.insert(1);  // a duplicate key
  db.c.send("UPDATE t SET n = n + 100");
  try {
    db.c.exec("SELECT 1");
    FAIL() << "the duplicate went unnoticed";
  } catch (const StoreError& e) {
    EXPECT_EQ(e.code(), StoreError::Code::invalid) << e.what();
    EXPECT_THAT(e.what(), HasSubstr("in: INSERT INTO t")) << "names the failed statement";
    EXPECT_THAT(e.what(), HasSubstr("23505"));
  }
  EXPECT_EQ(db.c.sent(), 0u);
  EXPECT_TRUE(db.c.ok());
  db.c.run("ROLLBACK");
  EXPECT_EQ(db.rows(), 0u);

  // Dropped unread before a rollback: no error escapes, and the next transaction is clean.
  db.c.run("BEGIN");
  db.insert(2);
  db.insert(2);
  db.insert(3);
  db.c.drop_sent();
  EXPECT_TRUE(db.c.ok());
  db.c.run("ROLLBACK");
  db.insert(7);
  EXPECT_EQ(db.rows(), 1u);

  // A savepoint rolled back after a failed statement keeps the rest of the transaction.
  db.c.run("BEGIN");
  db.insert(8);
  db.c.run("SAVEPOINT a");
  db.insert(7);  // a duplicate
  EXPECT_THROW(db.c.run("RELEASE SAVEPOINT a"), StoreError);
  db.c.run("ROLLBACK TO SAVEPOINT a");
  db.c.run("COMMIT");
  EXPECT_EQ(db.rows(), 2u);
}

// A writer prepares its statements; a text first seen while others wait is prepared after they
// were answered (a Parse queued behind a failure would be skipped, and its name would name nothing).
TEST_F(StorePgPipeline, StatementsPreparedWhileOthersWaitStayPrepared) {
  auto& db = *db_;
  db.c.prepare_statements(true);
  db.c.run("BEGIN");
  db.insert(1);
  db.insert(1);  // fails, unseen yet
  EXPECT_THROW(db.c.send("UPDATE t SET n = n + $1", pg::Params(1)), StoreError)
      << "preparing the new text reads the answers first";
  db.c.run("ROLLBACK");
  db.c.run("BEGIN");
  db.insert(1);
  db.c.send("UPDATE t SET n = n + $1", pg::Params(1));
  EXPECT_EQ(db.c.exec("SELECT max(n) FROM t").u64(0, 0), 2u);
  db.c.run("COMMIT");
  db.c.run("BEGIN");
  db.trips();
  db.insert(5);
  db.c.send("UPDATE t SET n = n + $1", pg::Params(1));
  db.c.run("COMMIT");
  EXPECT_EQ(db.trips(), 1u) << "both already prepared";
  EXPECT_EQ(db.c.exec("SELECT sum(n) FROM t").u64(0, 0), 3u + 6u);
}

// Both backends: a transaction's K numbers, kudos ids and outbox sequence numbers follow one
// another, a rolled-back child gives its numbers back, and a read finds each where it was said.
TEST(StorePipelineNumbers, NumbersFollowOneAnotherAndAChildRollbackGivesThemBack) {
  TempDir dir;
  auto s = open_store(dir);
  core::Reply reply;
  reply.channel = chan("general");
  reply.body = {core::Span{"thanks", ""}};
  std::vector<Kudos> kept;
  std::vector<std::uint64_t> seqs;
  {
    auto w = s->write();
    for (int i = 0; i < 3; ++i) {
      kept.push_back(make("ann", "bob", "general", kNov16 + i));
      w->add_kudos(kept.back());
      seqs.push_back(w->enqueue("console", reply));
    }
    {
      auto child = w->child();
      Kudos lost = make("ann", "cy", "general", kNov16 + 10);
      child->add_kudos(lost);
      child->enqueue("console", reply);
    }  // rolled back
    kept.push_back(make("dee", "bob", "general", kNov16));  // an earlier time: the id still grows
    w->add_kudos(kept.back());
    seqs.push_back(w->enqueue("console", reply));
    w->commit();
  }
  {
    auto w = s->write();  // the next transaction goes on from there
    kept.push_back(make("ann", "bob", "general", kNov16 + 20));
    w->add_kudos(kept.back());
    seqs.push_back(w->enqueue("console", reply));
    w->commit();
  }
  auto r = s->read();
  ASSERT_EQ(r->kudos_count(), kept.size());
  for (std::size_t i = 0; i < kept.size(); ++i) {
    EXPECT_EQ(kept[i].number, i + 1) << "K numbers without a gap, kudos " << i;
    if (i > 0) {
      EXPECT_GT(kept[i].id, kept[i - 1].id);
      EXPECT_EQ(seqs[i], seqs[i - 1] + 1);
    }
    auto got = r->kudos_numbered(static_cast<std::uint32_t>(i + 1));
    ASSERT_TRUE(got) << i;
    EXPECT_EQ(got->id, kept[i].id);
    EXPECT_EQ(got->giver, kept[i].giver);
    EXPECT_EQ(got->ts, kept[i].ts);
  }
  std::vector<std::uint64_t> queued;
  for (const auto& item : r->outbox(100)) queued.push_back(item.seq);
  EXPECT_EQ(queued, seqs);
  EXPECT_TRUE(r->verify().ok());
}

// Both backends: a write reads back its own allowance debits, those sent without waiting (no
// limit) included, and a revocation's refund; a refused debit changes nothing.
TEST(StorePipelineNumbers, AWriteCountsItsOwnAllowanceDebitsAndRefunds) {
  TempDir dir;
  auto s = open_store(dir);
  const AllowanceSlot slot{Period::week, s->calendar().bucket(Period::week, kNov16)};
  const auto ann = user("ann"), bob = user("bob");
  {
    auto w = s->write();
    Kudos k = make("ann", "bob", "general", kNov16);
    w->add_kudos(k);
    EXPECT_EQ(w->allowance_used(ann, slot), 0u);
    EXPECT_EQ(w->allowance_used(ann, slot, bob), 0u);
    EXPECT_TRUE(w->debit_allowance(ann, slot, 2, 3));
    EXPECT_EQ(w->allowance_used(ann, slot), 2u);
    EXPECT_TRUE(w->debit_allowance(ann, slot, 1, 0, bob));
    EXPECT_TRUE(w->debit_allowance(ann, slot, 1, 0, bob));
    EXPECT_EQ(w->allowance_used(ann, slot, bob), 2u) << "debits sent without waiting are counted";
    EXPECT_FALSE(w->debit_allowance(ann, slot, 2, 3)) << "2 + 2 > 3";
    EXPECT_EQ(w->allowance_used(ann, slot), 2u);
    EXPECT_TRUE(w->revoke_kudos(k.id, Revocation{kNov16 + 1, RevokeHow::revoke, ann, ""}, Period::week));
    EXPECT_EQ(w->allowance_used(ann, slot), 1u) << "the revocation gives one back";
    EXPECT_EQ(w->allowance_used(ann, slot, bob), 1u);
    w->commit();
  }
  auto r = s->read();
  EXPECT_EQ(r->allowance_used(ann, slot), 1u);
  EXPECT_EQ(r->allowance_used(ann, slot, bob), 1u);
}

}  // namespace
}  // namespace brigade::store
