// The committer: group commit, idempotency by source id, isolation of a failing task, batches with
// their cursor, adapter effects, and what it counts.
#include "tests/unit/bot_test.hpp"

#include <atomic>
#include <limits>
#include <optional>
#include <thread>
#include <vector>

#include "bot/adapter_state.hpp"
#include "bot/metrics.hpp"
#include "tests/support/pg_test.hpp"

namespace brigade::bot::testing {
namespace {

TEST_F(BotTest, CommittedCommandIsVisibleWhenItsCallbackRuns) {
  Committer c(*store_, rules_, clock_, metrics_);
  std::promise<std::uint64_t> seen;
  c.submit(thanks("s1", "alice", "bob"), [&](const commands::Result& r) {
    EXPECT_EQ(r.outcome, commands::Outcome::ok);
    seen.set_value(store_->read()->kudos_count());
  });
  EXPECT_EQ(seen.get_future().get(), 1u);
}

TEST_F(BotTest, ConcurrentCommandsShareCommits) {
  Committer c(*store_, rules_, clock_, metrics_);
  constexpr int kN = 500;
  std::atomic<int> ok{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t)
    threads.emplace_back([&, t] {
      for (int i = 0; i < kN / 4; ++i)
        c.submit(
            thanks("s" + std::to_string(t) + "-" + std::to_string(i), "giver" + std::to_string(t), "bob"),
            [&](const commands::Result& r) { ok += r.outcome == commands::Outcome::ok; });
    });
  for (auto& th : threads) th.join();
  sync(c);
  EXPECT_EQ(ok.load(), kN);
  EXPECT_EQ(store_->read()->kudos_count(), static_cast<std::uint64_t>(kN));
  EXPECT_LT(c.stats().commits, static_cast<std::uint64_t>(kN + 1));
}

TEST_F(BotTest, SameSourceIdCountsOnce) {
  Committer c(*store_, rules_, clock_, metrics_);
  EXPECT_EQ(c.apply(thanks("again", "alice", "bob")).outcome, commands::Outcome::ok);
  auto second = c.apply(thanks("again", "alice", "bob"));
  EXPECT_EQ(second.outcome, commands::Outcome::duplicate);
  EXPECT_TRUE(second.replies.empty());
  EXPECT_EQ(store_->read()->kudos_count(), 1u);
}

// A command's time comes from the platform (Matrix: the sender's server). One far in the future
// or before 1970 is not believed: the kudos is recorded now, not refused as a store error.
TEST_F(BotTest, AnImplausibleCommandTimeBecomesNow) {
  Committer c(*store_, rules_, clock_, metrics_);
  for (auto [source, ts] :
       std::vector<std::pair<std::string, core::Millis>>{{"future", std::numeric_limits<core::Millis>::max()},
                                                         {"next-year", kNoon + 366LL * 24 * 3600 * 1000},
                                                         {"negative", -5}}) {
    auto e = thanks(source, "alice", "bob");
    e.ts_ms = ts;
    auto r = c.apply(e);
    ASSERT_EQ(r.outcome, commands::Outcome::ok) << source;
    EXPECT_EQ(store_->read()->kudos(r.kudos_ids.at(0))->ts, kNoon) << source;
  }
  auto late = thanks("an-hour-ago", "alice", "bob");  // a message delivered late keeps its own time
  late.ts_ms = kNoon - 3600 * 1000;
  auto r = c.apply(late);
  EXPECT_EQ(store_->read()->kudos(r.kudos_ids.at(0))->ts, kNoon - 3600 * 1000);
}

TEST_F(BotTest, RepliesAreQueuedInTheSameTransaction) {
  Committer c(*store_, rules_, clock_, metrics_);
  auto r = c.apply(thanks("s1", "alice", "bob"));
  EXPECT_EQ(store_->read()->outbox_depth(), r.replies.size());
  EXPECT_GE(r.replies.size(), 2u);  // public celebration + private quota note
}

TEST_F(BotTest, PrivateRepliesAreThreadedToTheCommandsMessage) {
  Committer c(*store_, rules_, clock_, metrics_);
  auto e = thanks("s1", "alice", "bob");
  e.reply_to = "$command:example.org";
  c.apply(e);
  auto items = store_->read()->outbox(0);
  ASSERT_GE(items.size(), 2u);
  for (const auto& it : items) {
    if (it.reply.audience == core::Audience::private_)
      EXPECT_EQ(it.reply.reply_to, "$command:example.org");
    else
      EXPECT_EQ(it.reply.reply_to, "") << "public messages stand on their own";
  }
}

TEST_F(BotTest, CommandsAndCommitsAreCounted) {
  auto count = [](const std::string& text, const std::string& line) {
    auto at = text.find(line);
    return at == std::string::npos ? -1 : std::stoll(text.substr(at + line.size()));
  };
  auto before = metrics_.prometheus();
  const std::string ok_line =
      "brigade_chat_commands_total{command=\"thanks\",platform=\"console\",outcome=\"ok\"} ";
  const std::string dup_line =
      "brigade_chat_commands_total{command=\"thanks\",platform=\"console\",outcome=\"duplicate\"} ";
  auto ok0 = std::max<long long>(0, count(before, ok_line)),
       dup0 = std::max<long long>(0, count(before, dup_line));
  auto kudos0 = count(before, "\nbrigade_kudos_recorded_total ");
  auto commits0 = count(before, "\nbrigade_commit_seconds_count ");
  {
    Committer c(*store_, rules_, clock_, metrics_);
    c.apply(thanks("m1", "alice", "bob"));
    c.apply(thanks("m1", "alice", "bob"));
  }
  auto after = metrics_.prometheus();
  EXPECT_EQ(count(after, ok_line), ok0 + 1) << after;
  EXPECT_EQ(count(after, dup_line), dup0 + 1);
  EXPECT_EQ(count(after, "\nbrigade_kudos_recorded_total "), kudos0 + 1);
  EXPECT_EQ(count(after, "\nbrigade_commit_seconds_count "), commits0 + 2);
  EXPECT_NE(after.find("brigade_commit_seconds_bucket{le=\"+Inf\"}"), std::string::npos);
  EXPECT_NE(after.find("# TYPE brigade_commit_seconds histogram"), std::string::npos);
}

TEST_F(BotTest, AFailingTaskSpoilsNothingElseInItsGroup) {
  Committer c(*store_, rules_, clock_, metrics_);
  std::promise<bool> failed;
  c.submit(
      [](store::Writer& w) {
        w.set_meta("half", "written");
        throw std::runtime_error("boom");
      },
      [&](bool ok) { failed.set_value(ok); });
  c.submit(thanks("s1", "alice", "bob"), nullptr);
  EXPECT_FALSE(failed.get_future().get());
  sync(c);
  auto r = store_->read();
  EXPECT_EQ(r->kudos_count(), 1u);
  EXPECT_FALSE(r->meta("half").has_value());
}

// Holds the committer's thread in a task until released, so whatever is submitted meanwhile is
// taken as one group.
struct Gate {
  std::promise<void> open, entered;
  void hold(Committer& c) {
    c.submit([this](store::Writer&) {
      entered.set_value();
      open.get_future().wait();
    }, nullptr);
    entered.get_future().wait();
  }
  void release() { open.set_value(); }
};

// A group is written straight into its transaction; nothing is written again when all went well.
TEST_F(BotTest, AGroupThatSucceedsIsWrittenOnce) {
  Committer c(*store_, rules_, clock_, metrics_);
  Gate gate;
  gate.hold(c);
  std::atomic<int> runs{0};
  std::promise<bool> done;
  for (int i = 0; i < 10; ++i) c.submit(thanks("g" + std::to_string(i), "giver" + std::to_string(i), "bob"), nullptr);
  c.submit([&runs](store::Writer& w) {
    ++runs;
    w.set_meta("task", "ran");
  }, [&done](bool ok) { done.set_value(ok); });
  gate.release();
  EXPECT_TRUE(done.get_future().get());
  EXPECT_EQ(runs.load(), 1);
  EXPECT_EQ(c.stats().isolated, 0u);
  EXPECT_EQ(c.stats().largest_group, 11u);
  EXPECT_EQ(store_->read()->kudos_count(), 10u);
}

// One failing job in a group written without children: the whole transaction is abandoned and the
// group written again with a child per job. Nothing of the first pass survives (no reply twice),
// the failing job's writes are gone, and everything else commits once.
TEST_F(BotTest, AFailureInAGroupWritesItAgainWithAChildPerJob) {
  Committer c(*store_, rules_, clock_, metrics_);
  Gate gate;
  gate.hold(c);
  std::promise<commands::Result> first, last;
  std::promise<bool> failed, batch_ok;
  c.submit(thanks("i1", "alice", "bob"), [&](const commands::Result& r) { first.set_value(r); });
  c.submit(
      [](store::Writer& w) {
        w.set_meta("half", "written");
        throw std::runtime_error("boom");
      },
      [&](bool ok) { failed.set_value(ok); });
  c.submit_batch({thanks("i2", "carol", "bob")}, [](store::Writer& w) { w.set_cursor("matrix", "s1"); },
                 [&](const std::vector<commands::Result>& rs, bool ok) {
                   batch_ok.set_value(ok && rs.size() == 1 && rs[0].outcome == commands::Outcome::ok);
                 });
  c.submit(thanks("i3", "dave", "bob"), [&](const commands::Result& r) { last.set_value(r); });
  gate.release();
  const auto r1 = first.get_future().get();
  const auto r3 = last.get_future().get();
  EXPECT_EQ(r1.outcome, commands::Outcome::ok);
  EXPECT_EQ(r3.outcome, commands::Outcome::ok);
  EXPECT_FALSE(failed.get_future().get());
  EXPECT_TRUE(batch_ok.get_future().get());
  EXPECT_EQ(c.stats().isolated, 1u);
  auto r = store_->read();
  EXPECT_EQ(r->kudos_count(), 3u);
  EXPECT_FALSE(r->meta("half").has_value());
  EXPECT_EQ(r->cursor("matrix"), "s1");
  EXPECT_EQ(r->outbox_depth(), 3 * r1.replies.size()) << "a reply of the abandoned first pass survived";
}

// On PostgreSQL a write whose answer nobody reads is sent without waiting (store/pg/pg.hpp,
// Conn::send) and the last job's are answered by the COMMIT: a job failing there is found by the
// isolated pass like any other, and the rest of the group commits. Here the last job renames a
// person the group already knows to bytes PostgreSQL refuses (not UTF-8).
TEST_F(BotTest, AWriteThatFailsOnlyAtTheCommitIsIsolatedOnPostgres) {
  BRIGADE_POSTGRES_ONLY();
  store::Options o;
  o.url = brigade::testing::test_store_url(dir_.path());
  o.dir = dir_.path();
  o.durable = false;
  auto pg = store::Store::open(o, calendar_);
  Committer c(*pg, rules_, clock_, metrics_);
  Gate gate;
  gate.hold(c);
  std::promise<commands::Result> first;
  std::promise<bool> renamed;
  c.submit(thanks("p1", "alice", "bob"), [&](const commands::Result& r) { first.set_value(r); });
  c.submit([](store::Writer& w) { w.set_name("console:bob", "Bob \xff\xfe"); },
           [&](bool ok) { renamed.set_value(ok); });
  gate.release();
  EXPECT_EQ(first.get_future().get().outcome, commands::Outcome::ok);
  EXPECT_FALSE(renamed.get_future().get());
  EXPECT_EQ(c.stats().isolated, 1u);
  auto r = pg->read();
  EXPECT_EQ(r->kudos_count(), 1u);
  EXPECT_NE(r->name_of("console:bob"), "Bob \xff\xfe");
}

TEST_F(BotTest, BatchCommitsEventsAndCursorTogether) {
  Committer c(*store_, rules_, clock_, metrics_);
  std::vector<core::Event> batch{thanks("m1", "alice", "bob"), thanks("m2", "carol", "bob"),
                                 thanks("m1", "alice", "bob")};
  std::promise<std::pair<std::vector<commands::Outcome>, bool>> got;
  c.submit_batch(
      std::move(batch), [](store::Writer& w) { w.set_cursor("matrix", "s72594_4483_1934"); },
      [&](const std::vector<commands::Result>& rs, bool committed) {
        std::vector<commands::Outcome> outcomes;
        for (const auto& r : rs) outcomes.push_back(r.outcome);
        got.set_value({outcomes, committed});
      });
  auto [outcomes, committed] = got.get_future().get();
  EXPECT_TRUE(committed);
  EXPECT_EQ(outcomes, (std::vector<commands::Outcome>{commands::Outcome::ok, commands::Outcome::ok,
                                                      commands::Outcome::duplicate}));
  auto r = store_->read();
  EXPECT_EQ(r->kudos_count(), 2u);
  EXPECT_EQ(r->cursor("matrix"), "s72594_4483_1934");
}

// What an adapter may change, as data: revocations, its meta, a notice said once, its cursor — all in
// one commit, and the notice never twice however often the same effects come again.
TEST_F(BotTest, AdapterEffectsCommitTogetherAndNoticesAreSaidOnce) {
  Committer c(*store_, rules_, clock_, metrics_);
  auto given = c.apply(thanks("m1", "alice", "bob"));
  ASSERT_EQ(given.kudos_ids.size(), 1u);
  const auto replies_before = store_->read()->outbox_depth();  // the thanks' own replies
  auto effects = [] {
    AdapterEffects e = AdapterEffects::revoke("m1");
    e.meta.emplace_back("matrix.device_id", "DEV1");
    AdapterEffects::Notice n;
    n.once_key = "matrix.encrypted:!room";
    n.adapter = "console";
    n.reply = note("this room is encrypted");
    e.notices.push_back(n);
    e.cursor.emplace("matrix", "s1");
    return e;
  };
  for (int round = 0; round < 2; ++round) {
    std::promise<bool> done;
    c.submit(effects(), [&](bool ok) { done.set_value(ok); });
    ASSERT_TRUE(done.get_future().get());
  }
  auto r = store_->read();
  EXPECT_TRUE(r->kudos(given.kudos_ids[0])->revoked);
  EXPECT_EQ(r->meta("matrix.device_id"), "DEV1");
  EXPECT_EQ(r->meta("matrix.encrypted:!room"), "announced");
  EXPECT_EQ(r->cursor("matrix"), "s1");
  // The notice once, and the celebration's edit once: the second revoke finds nothing to take back.
  EXPECT_EQ(r->outbox_depth(), replies_before + 2) << "the notice or the edit was queued more than once";
  EXPECT_EQ(r->kudos(given.kudos_ids[0])->revocation->how, store::RevokeHow::redacted)
      << "not a slack source: a deleted message";
}

// An adapter reads its own cursor and meta keys, and nothing else.
TEST_F(BotTest, AdapterStateReadsOnlyTheAdaptersOwnKeys) {
  Committer c(*store_, rules_, clock_, metrics_);
  std::promise<bool> done;
  auto e = AdapterEffects::set_meta("matrix.txn_instance", "abc");
  e.meta.emplace_back("slack.secret", "x");
  e.cursor.emplace("matrix", "s9");
  c.submit(std::move(e), [&](bool ok) { done.set_value(ok); });
  ASSERT_TRUE(done.get_future().get());
  AdapterState state(*store_, "matrix");
  EXPECT_EQ(state.meta("matrix.txn_instance"), "abc");
  EXPECT_EQ(state.cursor(), "s9");
  EXPECT_THROW(state.meta("slack.secret"), std::logic_error);
  EXPECT_THROW(state.meta("matrixx.key"), std::logic_error);
  EXPECT_THROW(state.meta("store.schema_version"), std::logic_error);
}

TEST_F(BotTest, SubmitAfterStopIsRefused) {
  Committer c(*store_, rules_, clock_, metrics_);
  c.stop();
  std::optional<commands::Outcome> got;
  c.submit(thanks("late", "alice", "bob"), [&](const commands::Result& r) { got = r.outcome; });
  EXPECT_EQ(got, commands::Outcome::error);
  EXPECT_EQ(store_->read()->kudos_count(), 0u);
}

}  // namespace
}  // namespace brigade::bot::testing
