// The committer (group commit, idempotency, isolation) and the outbox sender (delivery, retries).
#include <gtest/gtest.h>

#include <atomic>
#include <future>
#include <limits>
#include <map>
#include <mutex>
#include <sstream>
#include <thread>

#include "adapters/console/console_adapter.hpp"
#include "bot/adapter_state.hpp"
#include "bot/committer.hpp"
#include "bot/metrics.hpp"
#include "bot/outbox_sender.hpp"
#include "tests/support/temp_dir.hpp"

namespace brigade::bot {
namespace {

using testing::TempDir;

constexpr core::Millis kNoon = 1795348800000;  // 2026-11-22 12:00 UTC

core::Event thanks(const std::string& source, const std::string& giver, const std::string& recipient) {
  core::Event e;
  e.source_id = source;
  e.platform = "console";
  e.user = {"console:" + giver, giver, false};
  e.channel = {"console:general", "general"};
  e.command = "thanks";
  e.text = "@" + recipient + " for the help";
  e.mentions.push_back(
      core::Mention{0, recipient.size() + 1, {"console:" + recipient, recipient, false}, {}});
  return e;
}

class BotTest : public ::testing::Test {
 protected:
  BotTest() : calendar_("UTC"), clock_(kNoon) {
    store::Options o;
    o.dir = dir_.path();
    o.durable = false;
    store_ = store::Store::open(o, calendar_);
    rules_.daily_quota = 0;
  }
  // Waits until everything submitted before it has committed (the queue is FIFO).
  void sync(Committer& c) {
    std::promise<void> p;
    c.submit([](store::Writer&) {}, [&p](bool) { p.set_value(); });
    p.get_future().wait();
  }

  TempDir dir_{"brigade-bot"};
  core::Calendar calendar_;
  core::ManualClock clock_;
  commands::Rules rules_;
  Metrics metrics_;  // the process has none of its own: each test owns one
  std::unique_ptr<store::Store> store_;
};

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

core::Reply note(const std::string& text);

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
  EXPECT_EQ(r->outbox_depth(), replies_before + 1) << "the notice was queued more than once";
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

// An adapter whose answers the test scripts.
class ScriptedAdapter : public Adapter {
 public:
  std::string_view name() const override { return "console"; }
  void deliver(const store::OutboxItem& item, DeliveryDone done) override {
    delivered.push_back(item.seq);
    done(next);
  }
  Delivery next = Delivery::sent();
  std::vector<std::uint64_t> delivered;
};

core::Reply note(const std::string& text) {
  core::Reply r;
  r.audience = core::Audience::channel;
  r.channel = "console:general";
  r.body = core::BodyBuilder().text(text).take();
  return r;
}

TEST_F(BotTest, OutboxDeliversOnceAndDeletes) {
  Committer c(*store_, rules_, clock_, metrics_);
  OutboxSender sender(*store_, c, clock_);
  ScriptedAdapter a;
  sender.add(a);
  c.submit([](store::Writer& w) { w.enqueue("console", note("hello")); });
  sync(c);
  sender.flush();
  sync(c);
  sender.flush();
  EXPECT_EQ(a.delivered.size(), 1u);
  EXPECT_EQ(store_->read()->outbox_depth(), 0u);
}

TEST_F(BotTest, OutboxWaitsForRetryAfter) {
  Committer c(*store_, rules_, clock_, metrics_);
  OutboxSender sender(*store_, c, clock_);
  ScriptedAdapter a;
  a.next = Delivery::retry("rate limited", 30'000);
  sender.add(a);
  c.submit([](store::Writer& w) { w.enqueue("console", note("hello")); });
  sync(c);
  sender.flush();
  sync(c);
  ASSERT_EQ(a.delivered.size(), 1u);
  a.next = Delivery::sent();
  clock_.advance(29'000);
  sender.flush();
  sync(c);
  EXPECT_EQ(a.delivered.size(), 1u) << "must not retry before Retry-After";
  clock_.advance(1'500);
  sender.flush();
  sync(c);
  EXPECT_EQ(a.delivered.size(), 2u);
  EXPECT_EQ(store_->read()->outbox_depth(), 0u);
}

TEST_F(BotTest, OutboxGivesUpAfterMaxAttempts) {
  Committer c(*store_, rules_, clock_, metrics_);
  OutboxSender sender(*store_, c, clock_);
  ScriptedAdapter a;
  a.next = Delivery::retry("server error");
  sender.add(a);
  c.submit([](store::Writer& w) { w.enqueue("console", note("hello")); });
  sync(c);
  for (std::uint32_t i = 0; i < OutboxSender::kMaxAttempts + 2; ++i) {
    sender.flush();
    sync(c);
    clock_.advance(60'000);
  }
  EXPECT_EQ(a.delivered.size(), OutboxSender::kMaxAttempts);
  EXPECT_EQ(store_->read()->outbox_depth(), 0u);
}

TEST_F(BotTest, OutboxDropsPermanentFailuresAndUnknownAdapters) {
  Committer c(*store_, rules_, clock_, metrics_);
  OutboxSender sender(*store_, c, clock_);
  ScriptedAdapter a;
  a.next = Delivery::drop("channel_not_found");
  sender.add(a);
  c.submit([](store::Writer& w) {
    w.enqueue("console", note("to nowhere"));
    w.enqueue("pigeon", note("no such adapter"));
  });
  sync(c);
  sender.flush();
  sync(c);
  EXPECT_EQ(a.delivered.size(), 1u);
  EXPECT_EQ(store_->read()->outbox_depth(), 0u);
}

// The owner of a hook clears it and then destroys what it calls: a call already running must end
// before on_commit() returns (it once returned at once, and the call then used a freed sender).
TEST_F(BotTest, ClearingTheCommitHookWaitsForACallInProgress) {
  Committer c(*store_, rules_, clock_, metrics_);
  std::promise<void> entered, release, finished;
  std::atomic<bool> cleared{false};
  std::atomic<bool> cleared_while_running{false};
  c.on_commit([&] {
    entered.set_value();
    release.get_future().wait_for(std::chrono::seconds(10));
    cleared_while_running = cleared.load();
    finished.set_value();
  });
  c.submit([](store::Writer& w) { w.enqueue("console", note("hello")); });
  ASSERT_EQ(entered.get_future().wait_for(std::chrono::seconds(10)), std::future_status::ready);
  std::thread clearer([&] {
    c.on_commit(nullptr);
    cleared = true;
  });
  // Give on_commit() time to return early if it would; then let the hook finish.
  std::this_thread::sleep_for(std::chrono::milliseconds(100));
  release.set_value();
  clearer.join();
  ASSERT_EQ(finished.get_future().wait_for(std::chrono::seconds(10)), std::future_status::ready);
  EXPECT_TRUE(cleared);
  EXPECT_FALSE(cleared_while_running) << "on_commit(nullptr) returned while the old hook still ran";
}

// Counts deliveries per item from any thread.
class CountingAdapter : public Adapter {
 public:
  std::string_view name() const override { return "console"; }
  void deliver(const store::OutboxItem& item, DeliveryDone done) override {
    {
      std::lock_guard lock(mu);
      ++count[item.seq];
    }
    done(Delivery::sent());
  }
  std::mutex mu;
  std::map<std::uint64_t, int> count;
};

TEST_F(BotTest, OutboxNeverSendsAnItemTwiceWhenPassesOverlap) {
  Committer c(*store_, rules_, clock_, metrics_);
  OutboxSender sender(*store_, c, clock_);
  CountingAdapter a;
  sender.add(a);
  c.on_commit([&] { sender.notify(); });
  sender.start();
  for (int batch = 0; batch < 20; ++batch) {
    c.submit([](store::Writer& w) {
      for (int i = 0; i < 25; ++i) w.enqueue("console", note("item"));
    });
    // Foreground flushes race the background pass: a pass whose snapshot predates a removal
    // must not resend what another pass already delivered.
    for (int i = 0; i < 5; ++i) sender.flush();
  }
  sync(c);  // every enqueue has committed
  ASSERT_TRUE(sender.drain(std::chrono::seconds(20)));
  c.on_commit(nullptr);
  sender.stop();
  std::lock_guard lock(a.mu);
  EXPECT_EQ(a.count.size(), 500u);
  for (const auto& [seq, n] : a.count) EXPECT_EQ(n, 1) << "item " << seq << " was sent " << n << " times";
}

// Holds every reply, as the Slack adapter does while its per-channel pacing (1 post a second) makes
// a reply wait, and on a graceful stop hands them back unsent, as AdapterRuntime::stop does.
class HoldingAdapter : public Adapter {
 public:
  std::string_view name() const override { return "console"; }
  void deliver(const store::OutboxItem&, DeliveryDone done) override { held.push_back(std::move(done)); }
  void stop() {
    for (auto& done : held) done(Delivery::unsent("console adapter stopped"));
    held.clear();
  }
  std::vector<DeliveryDone> held;
};

// Found by `make soak` (tests/soak): a reply still waiting in the adapter at each of
// OutboxSender::kMaxAttempts graceful stops was dropped ("dropping reply … after 8 attempt(s): slack
// adapter stopped") though it was never sent: the stop counted as a failed attempt. Now the
// adapter hands it back as Delivery::unsent, which uses up no attempt.
TEST_F(BotTest, AReplyNeverAttemptedSurvivesGracefulRestarts) {
  Committer c(*store_, rules_, clock_, metrics_);
  c.submit([](store::Writer& w) { w.enqueue("console", note("hello")); });
  sync(c);
  for (std::uint32_t restart = 0; restart <= OutboxSender::kMaxAttempts; ++restart) {
    OutboxSender sender(*store_, c, clock_);  // one process lifetime
    HoldingAdapter a;
    sender.add(a);
    sender.flush();
    if (a.held.empty()) break;  // nothing left to send
    a.stop();                   // SIGTERM while the reply waits
    sync(c);
    clock_.advance(60'000);  // the next start comes after any backoff
  }
  EXPECT_EQ(store_->read()->outbox_depth(), 1u) << "dropped without ever being sent";
}

TEST(OutboxBackoff, GrowsAndIsCapped) {
  EXPECT_LE(OutboxSender::backoff_ms(0), 1200);
  EXPECT_GE(OutboxSender::backoff_ms(3), 6400);
  EXPECT_LE(OutboxSender::backoff_ms(30), 36'000);
}

TEST(ConsoleParse, MentionsBecomeSpansWithQualifiedIds) {
  std::ostringstream out;
  console::ConsoleAdapter a(out, {"alice", "general", {"brigade"}});
  auto line = a.parse_line("  /thanks @Bob, @zoë and @brigade for it.  ");
  ASSERT_EQ(line.kind, console::Line::Kind::command);
  const auto& e = line.event;
  EXPECT_EQ(e.command, "thanks");
  EXPECT_EQ(e.user.id, "console:alice");
  EXPECT_EQ(e.channel.id, "console:general");
  ASSERT_EQ(e.mentions.size(), 3u);
  EXPECT_EQ(e.mentions[0].user.id, "console:bob");
  EXPECT_EQ(e.mentions[0].user.name, "Bob");
  EXPECT_EQ(e.text.substr(e.mentions[0].pos, e.mentions[0].len), "@Bob");
  EXPECT_EQ(e.mentions[1].user.name, "zoë");
  EXPECT_TRUE(e.mentions[2].user.is_bot);
}

TEST(ConsoleParse, HashIsAChannelOnlyForKudos) {
  std::ostringstream out;
  console::ConsoleAdapter a(out, {});
  auto t = a.parse_line("/thanks @bob for it #teamwork");
  EXPECT_EQ(t.event.mentions.size(), 1u);
  auto k = a.parse_line("!kudos summary #ops");
  ASSERT_EQ(k.event.mentions.size(), 1u);
  EXPECT_EQ(k.event.mentions[0].channel.id, "console:ops");
}

TEST(ConsoleParse, SourceIdsAreUniquePerLine) {
  std::ostringstream out;
  console::ConsoleAdapter a(out, {});
  auto x = a.parse_line("/kudos");
  auto y = a.parse_line("/kudos");
  EXPECT_NE(x.event.source_id, y.event.source_id);
}

TEST(ConsoleParse, MetaCommandsChangeIdentity) {
  std::ostringstream out;
  console::ConsoleAdapter a(out, {"alice", "general", {}});
  EXPECT_EQ(a.parse_line("/as @carol").kind, console::Line::Kind::meta);
  EXPECT_EQ(a.parse_line("/channel #ops").kind, console::Line::Kind::meta);
  EXPECT_EQ(a.parse_line("/thanks @bob").event.user.id, "console:carol");
  EXPECT_EQ(a.prompt(), "carol in #ops> ");
  EXPECT_EQ(a.parse_line("/quit").kind, console::Line::Kind::quit);
  EXPECT_EQ(a.parse_line("   ").kind, console::Line::Kind::empty);
}

TEST(ConsoleRender, PrivateAndPublicAreDistinct) {
  std::ostringstream out;
  console::ConsoleAdapter a(out, {});
  store::OutboxItem pub;
  pub.reply = note("hi all");
  store::OutboxItem priv;
  priv.reply = note("just you\nsecond line");
  priv.reply.audience = core::Audience::private_;
  priv.reply.user = "console:alice";
  int sent = 0;
  a.deliver(pub, [&](Delivery d) { sent += d.status == Delivery::Status::sent; });
  a.deliver(priv, [&](Delivery d) { sent += d.status == Delivery::Status::sent; });
  EXPECT_EQ(sent, 2);
  EXPECT_EQ(out.str(), "[#general] hi all\n[private to alice] just you\n                   second line\n");
}

}  // namespace
}  // namespace brigade::bot
