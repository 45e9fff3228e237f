// What only the PostgreSQL backend has: migrations under an advisory lock, a schema newer than
// the binary, an unreachable server, replicas racing on one allowance, and the tamper checks the
// LMDB tests make with raw LMDB writes, made here with SQL. Skipped on LMDB (run them with
// tests/support/with_postgres.sh), except the server-less checks at the end.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <latch>
#include <mutex>
#include <thread>

#include "store/pg/pg.hpp"
#include "store/pg/pg_migrate.hpp"
#include "tests/unit/store_test_util.hpp"

namespace brigade::store {
namespace {

using namespace testing;
using ::testing::HasSubstr;
using ::testing::Not;

// A connection to the schema a test directory's stores use, for planting and inspecting rows.
pg::Conn raw(const TempDir& dir) {
  return pg::Conn(brigade::testing::test_store_url(dir.path()));
}

// Replicas starting together: each opens the same empty schema at the same instant; the advisory
// lock lets one migrate and the others find the schema done.
TEST(StorePg, MigrationRunsOnceWhenOpensRace) {
  BRIGADE_POSTGRES_ONLY();
  constexpr int kReplicas = 4;
  for (int round = 0; round < 5; ++round) {
    SCOPED_TRACE("round " + std::to_string(round));
    TempDir dir("brigade-pg-race");
    const auto opt = options(dir.path());
    const core::Calendar cal("UTC", 1);
    std::latch start(kReplicas);
    std::vector<std::unique_ptr<Store>> stores(kReplicas);
    std::vector<std::string> errors(kReplicas);
    std::vector<std::thread> threads;
    for (int i = 0; i < kReplicas; ++i)
      threads.emplace_back([&, i] {
        start.arrive_and_wait();
        try {
          stores[i] = Store::open(opt, cal);
        } catch (const std::exception& e) {
          errors[i] = e.what();
        }
      });
    for (auto& t : threads) t.join();
    for (int i = 0; i < kReplicas; ++i) ASSERT_TRUE(stores[i]) << "replica " << i << ": " << errors[i];

    auto c = raw(dir);
    auto r = c.exec("SELECT count(*), count(DISTINCT version), coalesce(max(version), 0) FROM brigade_migrations");
    EXPECT_EQ(r.u64(0, 0), pg::migrations().size()) << "each migration applied once";
    EXPECT_EQ(r.u64(0, 1), pg::migrations().size());
    EXPECT_EQ(r.u32(0, 2), pg::latest_version());
    add(*stores[0], make("alice", "bob", "general", kNov18Ten));
    for (auto& s : stores) EXPECT_EQ(s->read()->kudos_count(), 1u) << "one ledger behind every replica";
  }
}

TEST(StorePg, NewerSchemaIsRefused) {
  BRIGADE_POSTGRES_ONLY();
  TempDir dir;
  open_store(dir).reset();
  const auto future = pg::latest_version() + 1;
  raw(dir).exec("INSERT INTO brigade_migrations (version, name) VALUES ($1, 'from_the_future.sql')",
                pg::Params(future));
  for (bool read_only : {false, true}) {
    try {
      open_store(dir, core::Calendar("UTC", 1), read_only);
      FAIL() << "opened a schema newer than this binary (read_only " << read_only << ")";
    } catch (const StoreError& e) {
      const std::string what = e.what();
      EXPECT_EQ(e.code(), StoreError::Code::not_ready) << what;
      EXPECT_EQ(what.find('\n'), std::string::npos) << "one line: " << what;
      EXPECT_THAT(what, HasSubstr(std::to_string(future))) << "names the version it found";
    }
  }
}

// The tally table is kept by a trigger; verify recounts from the log and names what differs.
TEST(StorePg, VerifyReportsAChangedTally) {
  BRIGADE_POSTGRES_ONLY();
  TempDir dir;
  {
    auto s = open_store(dir);
    add(*s, make("alice", "bob", "eng", kNov18Ten));
    add(*s, make("carol", "bob", "eng", kNov18Ten + 1));
    ASSERT_TRUE(s->read()->verify().ok());
  }
  auto c = raw(dir);
  // Bump one counter by 5 and drop another, as no kudos change would.
  c.run(
      "UPDATE tally SET count = count + 5 WHERE (period, bucket, scope, role, person) = "
      "(SELECT period, bucket, scope, role, person FROM tally ORDER BY 1, 2, 3, 4, 5 LIMIT 1)");
  c.run(
      "DELETE FROM tally WHERE (period, bucket, scope, role, person) = "
      "(SELECT period, bucket, scope, role, person FROM tally ORDER BY 1 DESC, 2, 3, 4, 5 LIMIT 1)");
  auto s = open_store(dir);
  auto rep = s->read()->verify();
  EXPECT_FALSE(rep.ok());
  std::string all;
  for (const auto& line : rep.drift) all += line + "\n";
  EXPECT_GE(rep.drift.size(), 2u) << all;
  EXPECT_THAT(all, HasSubstr("the log says"));
  EXPECT_EQ(rep.kudos, 2u);
}

class StorePgAudit : public ::testing::Test {
 protected:
  void SetUp() override {
    BRIGADE_POSTGRES_ONLY();
    store_ = open_store(dir_);
  }
  void audit(const std::string& action, const std::string& subject, const std::string& detail) {
    auto w = store_->write();
    AuditEntry e;
    e.ts = kNov18Ten;
    e.actor = "cli:root";
    e.action = action;
    e.subject = subject;
    e.detail = detail;
    w->append_audit(e);
    w->commit();
  }
  TempDir dir_{"brigade-pg-audit"};
  std::unique_ptr<Store> store_;
};

TEST_F(StorePgAudit, AuditChainNamesAnEditedEntry) {
  audit("privacy", user("alice"), "public → hidden");
  audit("revoke", "K1", "thanks given 2026-11-18; reason: duplicate");
  audit("export", user("bob"), "data export");
  ASSERT_TRUE(store_->read()->verify_audit().ok());
  // Entry 2's detail edited in place (same length, so only the hash can tell).
  auto r = raw(dir_).exec(
      "UPDATE audit SET body = overlay(body PLACING 'legitimat'::bytea "
      "FROM position('duplicate'::bytea IN body) FOR 9) WHERE seq = 2 AND position('duplicate'::bytea IN body) > 0");
  ASSERT_EQ(r.affected(), 1u);
  const auto check = store_->read()->verify_audit();
  EXPECT_FALSE(check.ok());
  EXPECT_EQ(check.first_bad, 3u) << "entry 3 no longer carries entry 2's hash: " << check.problem;
}

TEST_F(StorePgAudit, AuditChainNoticesALostEntry) {
  audit("revoke", "K1", "a");
  audit("revoke", "K2", "b");
  ASSERT_EQ(raw(dir_).exec("DELETE FROM audit WHERE seq = 2").affected(), 1u);
  const auto check = store_->read()->verify_audit();
  EXPECT_FALSE(check.ok());
  EXPECT_EQ(check.first_bad, 1u) << check.problem;
}

// Runs `f(store)` on two replicas at the same instant; the errors they threw, one per line.
template <class F>
std::string race(Store& a, Store& b, F&& f) {
  std::latch start(2);
  std::mutex mu;
  std::string errors;
  auto one = [&](Store& s) {
    start.arrive_and_wait();
    try {
      f(s);
    } catch (const std::exception& e) {
      std::lock_guard lock(mu);
      errors += std::string(e.what()) + "\n";
    }
  };
  std::thread ta(one, std::ref(a));
  std::thread tb(one, std::ref(b));
  ta.join();
  tb.join();
  return errors;
}

// Two replicas debiting one giver's last allowance at the same instant: exactly one wins, every
// time, and the loser changed nothing (the day's total, then one recipient's count).
TEST(StorePg, ReplicasRacingForTheLastAllowanceCannotOverspend) {
  BRIGADE_POSTGRES_ONLY();
  TempDir dir;
  const core::Calendar cal("UTC", 1);
  auto a = open_store(dir, cal);
  auto b = open_store(dir, cal);
  const auto giver = user("alice");
  {
    auto w = a->write();
    w->set_name(giver, "Alice");
    w->set_name(user("bob"), "Bob");
    w->commit();
  }
  for (int round = 0; round < 40; ++round) {
    SCOPED_TRACE("round " + std::to_string(round));
    const AllowanceSlot slot{Period::day, cal.day(kNov18Ten) + round / 2};
    const auto recipient = round % 2 == 0 ? std::string() : user("bob");
    std::atomic<int> wins{0};
    ASSERT_EQ(race(*a, *b,
                   [&](Store& s) {
                     auto w = s.write();
                     if (w->debit_allowance(giver, slot, 1, 1, recipient)) ++wins;
                     w->commit();
                   }),
              "");
    EXPECT_EQ(wins.load(), 1);
    EXPECT_EQ(a->read()->allowance_used(giver, slot, recipient), 1u);
  }
}

// Two replicas meeting a new person at the same instant both get the same number.
TEST(StorePg, ReplicasInterningOneNewIdAgree) {
  BRIGADE_POSTGRES_ONLY();
  TempDir dir;
  const core::Calendar cal("UTC", 1);
  auto a = open_store(dir, cal);
  auto b = open_store(dir, cal);
  for (int round = 0; round < 20; ++round) {
    SCOPED_TRACE("round " + std::to_string(round));
    const auto who = user("newcomer" + std::to_string(round));
    EXPECT_EQ(race(*a, *b,
                   [&](Store& s) {
                     auto w = s.write();
                     w->set_name(who, "Newcomer");
                     w->commit();
                   }),
              "");
    EXPECT_EQ(a->read()->name_of(who), "Newcomer");
  }
}

// Writers prepare their statements on the connection (Conn::prepare_statements): a prepared
// statement belongs to the session, so it must still run after a rollback and after a failed
// statement, and a connection keeps no more than kMaxPrepared of them.
TEST(StorePg, PreparedStatementsOutliveRollbacksAndStayBounded) {
  BRIGADE_POSTGRES_ONLY();
  TempDir dir;
  auto s = open_store(dir);  // the schema
  auto c = raw(dir);
  c.prepare_statements(true);
  const std::string q = "SELECT value FROM counters WHERE name = $1";
  auto trips = [&c, last = c.round_trips()]() mutable {
    const auto n = c.round_trips() - last;
    last = c.round_trips();
    return n;
  };
  c.run("BEGIN");
  EXPECT_EQ(c.exec(q, pg::Params("kudos")).u64(0, 0), 0u);
  EXPECT_EQ(trips(), 3u) << "BEGIN, then prepared once and run";
  c.run("ROLLBACK");
  trips();
  EXPECT_EQ(c.exec(q, pg::Params("kudos")).u64(0, 0), 0u);
  EXPECT_EQ(trips(), 1u) << "still prepared after the rollback";
  c.run("BEGIN");
  EXPECT_THROW(c.exec("SELECT 1 / $1::int", pg::Params(0)), StoreError);
  EXPECT_THROW(c.exec(q, pg::Params("kudos")), StoreError) << "the transaction is aborted";
  c.run("ROLLBACK");
  trips();
  EXPECT_EQ(c.exec(q, pg::Params("kudos")).u64(0, 0), 0u);
  EXPECT_EQ(c.exec("SELECT 1 / $1::int", pg::Params(1)).u64(0, 0), 1u);

  // Past the bound, new texts run unprepared (one round trip each) and still answer.
  for (std::size_t i = 0; i < pg::Conn::kMaxPrepared + 5; ++i)
    EXPECT_EQ(c.exec("SELECT $1::int + " + std::to_string(i), pg::Params(1)).u64(0, 0), i + 1);
  trips();
  EXPECT_EQ(c.exec("SELECT $1::int + 9999", pg::Params(1)).u64(0, 0), 10000u);
  EXPECT_EQ(trips(), 1u);
  EXPECT_EQ(c.exec("SELECT count(*) FROM pg_prepared_statements").u64(0, 0), pg::Conn::kMaxPrepared);
  c.prepare_statements(false);
  trips();
  EXPECT_EQ(c.exec("SELECT $1::int + 12345", pg::Params(1)).u64(0, 0), 12346u);
  EXPECT_EQ(trips(), 1u);
}

// No server needed: these run on both backends.
// libpq is opened when the first connection is made (store/pg/libpq.cpp): the real one has every
// function Brigade calls, and a library that is missing or is not libpq is named in the error.
TEST(StorePg, LibpqIsOpenedOnDemandAndAMissingOneIsNamed) {
  EXPECT_EQ(pg::probe_libpq(pg::kLibpqSoname), "");
  EXPECT_THAT(pg::probe_libpq("libbrigade-no-such-library.so.5"), HasSubstr("libbrigade-no-such-library.so.5"));
  EXPECT_THAT(pg::probe_libpq("libc.so.6"), HasSubstr("libc.so.6 has no function PQ"));
  EXPECT_NO_THROW(pg::load_libpq());
}

TEST(StorePg, AnUnreachableServerIsNamedInOneLine) {
  Options o;
  o.url = "host=127.0.0.1 port=1 dbname=x connect_timeout=2";
  const auto started = std::chrono::steady_clock::now();
  try {
    Store::open(o, core::Calendar("UTC", 1));
    FAIL() << "opened a store on a closed port";
  } catch (const StoreError& e) {
    const std::string what = e.what();
    EXPECT_EQ(e.code(), StoreError::Code::failed) << what;
    EXPECT_THAT(what, HasSubstr("127.0.0.1:1")) << "names the host and port";
    EXPECT_EQ(what.find('\n'), std::string::npos) << "one line: " << what;
  }
  EXPECT_LT(std::chrono::steady_clock::now() - started, std::chrono::seconds(10));
}

TEST(StorePg, AnUnknownUrlIsRefusedWithoutTheSecret) {
  Options o;
  o.url = "mysql://root:hunter2@db.example.org/brigade";
  try {
    Store::open(o, core::Calendar("UTC", 1));
    FAIL() << "opened a mysql:// URL";
  } catch (const StoreError& e) {
    EXPECT_EQ(e.code(), StoreError::Code::invalid) << e.what();
    EXPECT_THAT(e.what(), Not(HasSubstr("hunter2")));
  }
}

}  // namespace
}  // namespace brigade::store
