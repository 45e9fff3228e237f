// The outbox sender: delivery, Retry-After, giving up, dropping, no item sent twice, replies handed
// back unsent across graceful restarts, and the commit hook it hangs on.
#include "tests/unit/bot_test.hpp"

#include <map>
#include <mutex>
#include <sstream>
#include <thread>
#include <vector>

#include "adapters/console/console_adapter.hpp"
#include "bot/outbox_sender.hpp"

namespace brigade::bot::testing {
namespace {

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

// ---- edits: references kept, edit_ref filled, order kept --------------------------------------

// A reply named `tag` (a celebration), or one that replaces the message named `replaces`.
core::Reply named(const std::string& text, const std::string& tag, const std::string& replaces = "") {
  auto r = note(text);
  r.tag = tag;
  r.replaces = replaces;
  return r;
}

// Records every item handed to it. Answers at once, or (hold) when the test says; a sent tagged
// reply lands at "C1|<seq>".
class RecordingAdapter : public Adapter {
 public:
  std::string_view name() const override { return "console"; }
  void deliver(const store::OutboxItem& item, DeliveryDone done) override {
    items.push_back(item);
    if (hold)
      held.push_back(std::move(done));
    else
      done(landed(item));
  }
  static Delivery landed(const store::OutboxItem& item) {
    auto d = Delivery::sent();
    if (!item.reply.tag.empty()) d.message_ref = "C1|" + std::to_string(item.seq);
    return d;
  }
  bool hold = false;
  std::vector<store::OutboxItem> items;
  std::vector<DeliveryDone> held;
};

TEST_F(BotTest, OutboxKeepsWhereATaggedReplyLandedInTheTaskThatDeletesIt) {
  Committer c(*store_, rules_, clock_, metrics_);
  OutboxSender sender(*store_, c, clock_);
  RecordingAdapter a;
  sender.add(a);
  c.submit([](store::Writer& w) {
    w.enqueue("console", named("🎉 bob thanked alice", "kudos:1"));
    w.enqueue("console", note("untagged"));
  });
  sync(c);
  sender.flush();
  sync(c);
  ASSERT_EQ(a.items.size(), 2u);
  auto r = store_->read();
  EXPECT_EQ(r->outbox_depth(), 0u);
  EXPECT_EQ(r->message_ref("kudos:1").value_or(""), "C1|" + std::to_string(a.items[0].seq));
}

TEST_F(BotTest, OutboxFillsEditRefFromTheStoreAndSendsAnUnknownOneAsNew) {
  Committer c(*store_, rules_, clock_, metrics_);
  OutboxSender sender(*store_, c, clock_);
  RecordingAdapter a;
  sender.add(a);
  c.submit([](store::Writer& w) {
    w.set_message_ref("kudos:7", "C1|1767268800.000100", kNoon);
    w.enqueue("console", named("taken back", "", "kudos:7"));
    w.enqueue("console", named("never posted", "", "kudos:404"));
  });
  sync(c);
  sender.flush();
  sync(c);
  ASSERT_EQ(a.items.size(), 2u);
  EXPECT_EQ(a.items[0].edit_ref, "C1|1767268800.000100");
  EXPECT_EQ(a.items[1].edit_ref, "") << "an edit of a message the store does not know goes out as a new one";
  EXPECT_EQ(store_->read()->outbox_depth(), 0u);
}

// The celebration and its edit queued together (a backlog, a restart): the edit leaves only after
// the celebration was sent and its reference committed, and a second edit only after the first;
// replies about other things do not wait.
TEST_F(BotTest, OutboxHoldsAnEditUntilTheMessageItReplacesHasLanded) {
  Committer c(*store_, rules_, clock_, metrics_);
  OutboxSender sender(*store_, c, clock_);
  RecordingAdapter a;
  a.hold = true;
  sender.add(a);
  c.submit([](store::Writer& w) {
    w.enqueue("console", named("🎉 bob thanked alice", "kudos:1"));
    w.enqueue("console", named("taken back", "kudos:1", "kudos:1"));
    w.enqueue("console", named("given again", "", "kudos:1"));
    w.enqueue("console", note("something else"));
  });
  sync(c);
  sender.flush();
  ASSERT_EQ(a.items.size(), 2u);
  EXPECT_EQ(a.items[0].reply.tag, "kudos:1");
  EXPECT_EQ(a.items[1].reply.plain(), "something else");
  // The celebration fails once: its edits keep waiting through the retry.
  a.held[0](Delivery::retry("ratelimited", 5'000));
  sync(c);
  sender.flush();
  EXPECT_EQ(a.items.size(), 2u) << "an edit overtook the message it replaces";
  clock_.advance(6'000);
  sender.flush();
  ASSERT_EQ(a.items.size(), 3u);
  a.held[2](RecordingAdapter::landed(a.items[2]));
  sync(c);
  sender.flush();
  ASSERT_EQ(a.items.size(), 4u);
  EXPECT_EQ(a.items[3].reply.plain(), "taken back");
  EXPECT_EQ(a.items[3].edit_ref, "C1|" + std::to_string(a.items[0].seq));
  auto in_place = Delivery::sent();
  in_place.message_ref = a.items[3].edit_ref;  // changed in place: still the same message
  a.held[3](in_place);
  sync(c);
  sender.flush();
  ASSERT_EQ(a.items.size(), 5u);
  EXPECT_EQ(a.items[4].reply.plain(), "given again");
  EXPECT_EQ(a.items[4].edit_ref, "C1|" + std::to_string(a.items[0].seq));
  a.held[4](Delivery::sent());
  sync(c);
  sender.flush();
  EXPECT_EQ(store_->read()->outbox_depth(), 1u);  // "something else", still held
}

// A reply linking to a message (the recipient's DM about a celebration) waits for it like an
// edit, then carries its reference as link_ref; the tag's reference is not changed by it.
TEST_F(BotTest, OutboxHoldsALinkingReplyUntilTheMessageItLinksToHasLanded) {
  Committer c(*store_, rules_, clock_, metrics_);
  OutboxSender sender(*store_, c, clock_);
  RecordingAdapter a;
  a.hold = true;
  sender.add(a);
  c.submit([](store::Writer& w) {
    w.enqueue("console", named("🎉 bob thanked alice", "kudos:1"));
    auto dm = note("bob thanked you");
    dm.audience = core::Audience::direct;
    dm.user = "console:alice";
    dm.link_to = "kudos:1";
    w.enqueue("console", dm);
    auto lost = note("about a message that was never sent");
    lost.link_to = "kudos:404";
    w.enqueue("console", lost);
  });
  sync(c);
  sender.flush();
  ASSERT_EQ(a.items.size(), 2u) << "the DM waits; a link to an unknown message does not";
  EXPECT_EQ(a.items[1].link_ref, "");
  a.held[0](RecordingAdapter::landed(a.items[0]));
  sync(c);
  sender.flush();
  ASSERT_EQ(a.items.size(), 3u);
  EXPECT_EQ(a.items[2].reply.plain(), "bob thanked you");
  EXPECT_EQ(a.items[2].link_ref, "C1|" + std::to_string(a.items[0].seq));
  EXPECT_EQ(a.items[2].edit_ref, "") << "a link is not an edit";
}

// The console keeps no references: an edit is a second line that says it updates the first.
TEST_F(BotTest, OnTheConsoleAnEditIsANewLineThatSaysSo) {
  Committer c(*store_, rules_, clock_, metrics_);
  OutboxSender sender(*store_, c, clock_);
  std::ostringstream out;
  console::ConsoleAdapter con(out, console::Options{});
  sender.add(con);
  c.submit([](store::Writer& w) {
    w.enqueue("console", named("🎉 bob thanked alice", "kudos:1"));
    w.enqueue("console", named("bob took back the thanks to alice", "", "kudos:1"));
  });
  sync(c);
  sender.flush();
  sync(c);
  sender.flush();
  sync(c);
  EXPECT_EQ(out.str(),
            "[#general] 🎉 bob thanked alice\n"
            "[#general] ✏️ (updated) bob took back the thanks to alice\n");
  EXPECT_EQ(store_->read()->outbox_depth(), 0u);
  EXPECT_FALSE(store_->read()->message_ref("kudos:1").has_value());
}

TEST(OutboxBackoff, GrowsAndIsCapped) {
  EXPECT_LE(OutboxSender::backoff_ms(0), 1200);
  EXPECT_GE(OutboxSender::backoff_ms(3), 6400);
  EXPECT_LE(OutboxSender::backoff_ms(30), 36'000);
}

}  // namespace
}  // namespace brigade::bot::testing
