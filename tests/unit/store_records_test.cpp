// The kudos log's ids and ranges, quota, help requests, idempotency keys and the outbox.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "store/store.hpp"
#include "tests/unit/store_test_util.hpp"

namespace brigade::store {
namespace {

using namespace testing;

TEST(StoreKudos, IdsAreUniqueAndIncreaseWithinOneMillisecond) {
  TempDir dir;
  auto s = open_store(dir);
  auto w = s->write();
  std::vector<std::uint64_t> ids;
  for (int i = 0; i < 5; ++i) {
    auto k = make("alice", "bob", "general", kNov18Ten);
    ids.push_back(w->add_kudos(k));
    EXPECT_EQ(k.id, ids.back());
  }
  w->commit();
  for (std::size_t i = 1; i < ids.size(); ++i) EXPECT_EQ(ids[i], ids[i - 1] + 1);
  EXPECT_EQ(ids.front(), static_cast<std::uint64_t>(kNov18Ten) << 12);
  EXPECT_EQ(s->read()->kudos_between(kNov18Ten, kNov18Ten + 1, 0).size(), 5u);
}

TEST(StoreKudos, LateKudosStillFallInTheirTimeRange) {
  TempDir dir;
  auto s = open_store(dir);
  auto late = add(*s, make("alice", "bob", "general", kNov23Noon));
  auto early = add(*s, make("carol", "bob", "general", kNov18Ten));  // arrives after a newer one
  EXPECT_GT(early, late);
  auto r = s->read();
  auto wed = r->kudos_between(kNov18Ten, kNov18Ten + kHour, 0);
  ASSERT_EQ(wed.size(), 1u);
  EXPECT_EQ(wed[0].id, early);
  EXPECT_EQ(wed[0].ts, kNov18Ten);
  EXPECT_EQ(
      r->counts(user("bob"), "", Period::week, core::Calendar().bucket(Period::week, kNov18Ten)).received,
      1u);
  SummaryQuery q;
  q.from = kNov16;
  q.until = kNov16 + 7 * kDay;
  EXPECT_EQ(r->summary(q).total, 1u);
}

TEST(StoreKudos, KudosBetweenHonoursLimitAndDirection) {
  TempDir dir;
  auto s = open_store(dir);
  std::vector<std::uint64_t> ids;
  for (int i = 0; i < 6; ++i) ids.push_back(add(*s, make("alice", "bob", "", kNov16 + i * kHour)));
  auto r = s->read();
  auto first = r->kudos_between(kNov16 + kHour, kNov16 + 5 * kHour, 2);
  ASSERT_EQ(first.size(), 2u);
  EXPECT_EQ(first[0].id, ids[1]);
  EXPECT_EQ(first[1].id, ids[2]);
  auto last = r->kudos_between(kNov16 + kHour, kNov16 + 5 * kHour, 3, true);
  ASSERT_EQ(last.size(), 3u);
  EXPECT_EQ(last[0].id, ids[4]);
  EXPECT_EQ(last[2].id, ids[2]);
  EXPECT_EQ(r->kudos_between(kNov16, kNov16 + kDay, 0, true).size(), 6u);
  EXPECT_TRUE(r->kudos_between(kNov16 + kDay, kNov16, 0).empty());
  EXPECT_EQ(first[0].channel, "");
  EXPECT_EQ(r->kudos_count(), 6u);
}

TEST(StoreKudos, RefusesNonsense) {
  TempDir dir;
  auto s = open_store(dir);
  auto w = s->write();
  auto k = make("alice", "bob", "general", -5);
  EXPECT_THROW(w->add_kudos(k), StoreError);
  k = make("alice", "bob", "general", kNov16);
  k.kind = static_cast<Kind>(9);
  EXPECT_THROW(w->add_kudos(k), StoreError);
  k = make("alice", "bob", "general", kNov16);
  k.recipient.clear();
  EXPECT_THROW(w->add_kudos(k), StoreError);
  EXPECT_FALSE(w->revoke_kudos(12345));
  w->commit();
  EXPECT_EQ(s->read()->kudos_count(), 0u);
}

TEST(StoreQuota, DebitsUpToTheLimit) {
  TempDir dir;
  auto s = open_store(dir);
  const std::int32_t day = core::Calendar().day(kNov18Ten);
  auto w = s->write();
  EXPECT_TRUE(w->debit_quota(user("alice"), day, 1, 3));
  EXPECT_TRUE(w->debit_quota(user("alice"), day, 1, 3));
  EXPECT_FALSE(w->debit_quota(user("alice"), day, 2, 3));  // never a partial debit
  EXPECT_TRUE(w->debit_quota(user("alice"), day, 1, 3));
  EXPECT_FALSE(w->debit_quota(user("alice"), day, 1, 3));
  EXPECT_EQ(w->quota_used(user("alice"), day), 3u);
  EXPECT_TRUE(w->debit_quota(user("alice"), day + 1, 3, 3));  // a new day starts fresh
  EXPECT_FALSE(w->debit_quota(user("bob"), day, 4, 3));
  EXPECT_EQ(w->quota_used(user("bob"), day), 0u);
  w->commit();
  auto r = s->read();
  EXPECT_EQ(r->quota_used(user("alice"), day), 3u);
  EXPECT_EQ(r->quota_used(user("alice"), day + 1), 3u);
  EXPECT_EQ(r->quota_used(user("alice"), day - 1), 0u);
  EXPECT_EQ(r->quota_used(user("nobody"), day), 0u);
}

TEST(StoreQuota, ZeroLimitIsUnlimited) {
  TempDir dir;
  auto s = open_store(dir);
  auto w = s->write();
  for (int i = 0; i < 100; ++i) ASSERT_TRUE(w->debit_quota(user("alice"), 20000, 1, 0));
  EXPECT_EQ(w->quota_used(user("alice"), 20000), 100u);
  EXPECT_TRUE(w->debit_quota(user("alice"), 20001, 0, 5));  // asking for nothing writes nothing
  EXPECT_EQ(w->quota_used(user("alice"), 20001), 0u);
}

TEST(StoreQuota, AbortedDebitIsNotKept) {
  TempDir dir;
  auto s = open_store(dir);
  {
    auto w = s->write();
    EXPECT_TRUE(w->debit_quota(user("alice"), 20000, 2, 5));
  }
  EXPECT_EQ(s->read()->quota_used(user("alice"), 20000), 0u);
}

TEST(StoreQuota, OldDaysAreForgotten) {
  TempDir dir;
  auto s = open_store(dir);
  auto w = s->write();
  EXPECT_TRUE(w->debit_quota(user("alice"), 20000, 1, 5));
  EXPECT_TRUE(w->debit_quota(user("bob"), 20000, 1, 5));
  EXPECT_TRUE(w->debit_quota(user("alice"), 20010, 1, 5));
  EXPECT_EQ(w->quota_used(user("alice"), 20000), 1u);  // ten days back: kept
  EXPECT_TRUE(w->debit_quota(user("alice"), 20100, 1, 5));
  EXPECT_EQ(w->quota_used(user("alice"), 20000), 0u);  // a hundred days back: gone
  EXPECT_EQ(w->quota_used(user("bob"), 20000), 1u);    // someone else's days are untouched
}

TEST(StoreAsks, AddPutAndOpenAsks) {
  TempDir dir;
  auto s = open_store(dir);
  auto w = s->write();
  Ask a;
  a.channel = chan("eng");
  a.requester = user("alice");
  a.text = "who knows the VPN? 🔑";
  a.created = a.updated = kNov16;
  EXPECT_EQ(w->add_ask(a), 1u);
  EXPECT_EQ(a.id, 1u);
  Ask b = a;
  b.channel = chan("ops");
  b.text = "printer on fire";
  EXPECT_EQ(w->add_ask(b), 2u);
  Ask c = a;
  c.text = "third";
  w->add_ask(c);
  w->commit();

  w = s->write();
  auto got = w->ask(1);
  ASSERT_TRUE(got);
  EXPECT_EQ(got->text, "who knows the VPN? 🔑");
  EXPECT_EQ(got->channel, chan("eng"));
  EXPECT_EQ(got->state, AskState::open);
  got->state = AskState::taken;
  got->taker = user("bob");
  got->updated = kNov16 + kHour;
  w->put_ask(*got);
  Ask done = *w->ask(2);
  done.state = AskState::done;
  done.helpers = {user("bob"), user("carol")};
  w->put_ask(done);
  Ask ghost;
  ghost.id = 99;
  ghost.requester = user("alice");
  EXPECT_THROW(w->put_ask(ghost), StoreError);
  w->commit();

  auto r = s->read();
  auto open = r->open_asks("", 0);
  ASSERT_EQ(open.size(), 2u);
  EXPECT_EQ(open[0].id, 1u);  // oldest first
  EXPECT_EQ(open[0].state, AskState::taken);
  EXPECT_EQ(open[0].taker, user("bob"));
  EXPECT_EQ(open[1].id, 3u);
  EXPECT_EQ(r->open_asks(chan("ops"), 0).size(), 0u);
  EXPECT_EQ(r->open_asks(chan("eng"), 1).size(), 1u);
  EXPECT_EQ(r->open_asks(chan("nowhere"), 0).size(), 0u);
  auto closed = r->ask(2);
  ASSERT_TRUE(closed);
  EXPECT_EQ(closed->helpers, (std::vector<std::string>{user("bob"), user("carol")}));
  EXPECT_EQ(closed->state, AskState::done);
  EXPECT_FALSE(r->ask(4));
  EXPECT_TRUE(r->verify().ok());
}

TEST(StoreSeen, MarkLookupAndPrune) {
  TempDir dir;
  auto s = open_store(dir);
  {
    auto w = s->write();
    w->mark_seen("console:1", kNov16, {11, 12, 9000000000000000ull});
    w->mark_seen("console:2", kNov16 + kDay);
    w->mark_seen("console:3", kNov16 + 2 * kDay);
    w->commit();
  }
  {
    auto r = s->read();
    EXPECT_TRUE(r->seen("console:1"));
    EXPECT_FALSE(r->seen("console:4"));
    EXPECT_EQ(r->seen_kudos("console:1"), (std::vector<std::uint64_t>{11, 12, 9000000000000000ull}));
    EXPECT_TRUE(r->seen_kudos("console:2").empty());
    EXPECT_TRUE(r->seen_kudos("console:4").empty());
  }
  {
    auto w = s->write();
    EXPECT_EQ(w->prune_seen(kNov16 + kDay + 1), 2u);
    w->commit();
  }
  auto r = s->read();
  EXPECT_FALSE(r->seen("console:1"));
  EXPECT_FALSE(r->seen("console:2"));
  EXPECT_TRUE(r->seen("console:3"));
}

core::Reply sample_reply(int i) {
  core::Reply r;
  r.audience = i % 2 == 0 ? core::Audience::private_ : core::Audience::crosspost;
  r.channel = chan("général");
  r.user = user("zoë");
  r.ping = i % 2 == 1;
  r.body = {core::Span{"merci ", ""}, core::Span{"@Zoë 🎉", user("zoë")},
            core::Span{" 谢谢 #" + std::to_string(i), ""}};
  if (i == 2) r.reply_to = "$cmd" + std::to_string(i) + ":example.org";  // the optional trailing field
  return r;
}

void expect_same(const core::Reply& a, const core::Reply& b) {
  EXPECT_EQ(a.audience, b.audience);
  EXPECT_EQ(a.channel, b.channel);
  EXPECT_EQ(a.user, b.user);
  EXPECT_EQ(a.ping, b.ping);
  EXPECT_EQ(a.reply_to, b.reply_to);
  ASSERT_EQ(a.body.size(), b.body.size());
  for (std::size_t i = 0; i < a.body.size(); ++i) {
    EXPECT_EQ(a.body[i].text, b.body[i].text);
    EXPECT_EQ(a.body[i].user_id, b.body[i].user_id);
  }
}

TEST(StoreOutbox, EnqueueRetryDoneRoundTrip) {
  TempDir dir;
  auto s = open_store(dir);
  std::vector<std::uint64_t> seqs;
  {
    auto w = s->write();
    for (int i = 0; i < 3; ++i) seqs.push_back(w->enqueue(i == 2 ? "matrix" : "slack", sample_reply(i)));
    w->commit();
  }
  EXPECT_LT(seqs[0], seqs[1]);
  EXPECT_LT(seqs[1], seqs[2]);
  {
    auto r = s->read();
    EXPECT_EQ(r->outbox_depth(), 3u);
    auto items = r->outbox(0);
    ASSERT_EQ(items.size(), 3u);
    for (int i = 0; i < 3; ++i) {
      EXPECT_EQ(items[i].seq, seqs[i]);
      EXPECT_EQ(items[i].attempts, 0u);
      expect_same(items[i].reply, sample_reply(i));
    }
    EXPECT_EQ(items[2].adapter, "matrix");
    EXPECT_EQ(r->outbox(2).size(), 2u);
    auto tail = r->outbox_from(seqs[1], 0);  // the sender reads only what it has not seen
    ASSERT_EQ(tail.size(), 2u);
    EXPECT_EQ(tail[0].seq, seqs[1]);
    EXPECT_EQ(r->outbox_from(seqs[2] + 1, 0).size(), 0u);
    EXPECT_EQ(r->outbox_from(0, 1).at(0).seq, seqs[0]);
  }
  {
    auto w = s->write();
    w->outbox_retry(seqs[0], 3, kNov16 + 30 * kSecond);
    w->outbox_done(seqs[1]);
    w->outbox_done(seqs[1]);  // twice is harmless
    w->outbox_retry(999, 1, 0);
    w->commit();
  }
  auto r = s->read();
  auto items = r->outbox(0);
  ASSERT_EQ(items.size(), 2u);
  EXPECT_EQ(items[0].seq, seqs[0]);
  EXPECT_EQ(items[0].attempts, 3u);
  EXPECT_EQ(items[0].not_before, kNov16 + 30 * kSecond);
  expect_same(items[0].reply, sample_reply(0));
  EXPECT_EQ(items[1].seq, seqs[2]);
  EXPECT_EQ(r->outbox_depth(), 2u);
  {
    auto w = s->write();
    w->outbox_done(seqs[0]);
    w->outbox_done(seqs[2]);
    auto next = w->enqueue("slack", sample_reply(4));
    EXPECT_GT(next, seqs[2]);  // sequence numbers are never reused
    w->commit();
  }
}

}  // namespace
}  // namespace brigade::store
