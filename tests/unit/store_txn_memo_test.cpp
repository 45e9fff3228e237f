// A write sees its own changes to people and kudos at once, and a rolled-back child's are gone,
// whatever the backend remembers within a transaction (PostgreSQL keeps ids and new kudos it has
// already read or written, so a group of commands asks once per person). Run on both backends
// (ctest's store_tests_postgresql). And the LMDB ledger's queue of counter changes, summed per
// counter until the commit writes them.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "store/ledger.hpp"
#include "store/store.hpp"
#include "tests/unit/store_test_util.hpp"

namespace brigade::store {
namespace {

using namespace testing;

void expect_same_kudos(const std::optional<Kudos>& a, const std::optional<Kudos>& b) {
  ASSERT_TRUE(a.has_value());
  ASSERT_TRUE(b.has_value());
  EXPECT_EQ(a->id, b->id);
  EXPECT_EQ(a->ts, b->ts);
  EXPECT_EQ(a->giver, b->giver);
  EXPECT_EQ(a->recipient, b->recipient);
  EXPECT_EQ(a->channel, b->channel);
  EXPECT_EQ(a->kind, b->kind);
  EXPECT_EQ(a->reason, b->reason);
  EXPECT_EQ(a->values, b->values);
  EXPECT_EQ(a->ask, b->ask);
  EXPECT_EQ(a->number, b->number);
  EXPECT_EQ(a->revoked, b->revoked);
  ASSERT_EQ(a->revocation.has_value(), b->revocation.has_value());
  if (a->revocation) {
    EXPECT_EQ(a->revocation->ts, b->revocation->ts);
    EXPECT_EQ(a->revocation->how, b->revocation->how);
    EXPECT_EQ(a->revocation->by, b->revocation->by);
    EXPECT_EQ(a->revocation->reason, b->revocation->reason);
  }
}

TEST(StoreTxn, AWriteReadsItsOwnChangesToPeople) {
  TempDir dir;
  auto s = open_store(dir);
  const auto alice = user("alice"), carol = user("carol");
  auto w = s->write();
  EXPECT_EQ(w->person(alice).privacy, Privacy::public_);  // nobody yet
  EXPECT_EQ(w->name_of(alice), "");
  w->set_name(alice, "Alice");
  EXPECT_EQ(w->name_of(alice), "Alice");
  w->set_name(alice, "Alice A.");
  EXPECT_EQ(w->name_of(alice), "Alice A.");
  w->set_privacy(alice, Privacy::hidden);
  EXPECT_EQ(w->person(alice).privacy, Privacy::hidden);
  w->set_gone(alice, true);
  EXPECT_TRUE(w->person(alice).gone);
  {
    auto c = w->child();
    c->set_name(alice, "Someone else");
    c->set_privacy(alice, Privacy::public_);
    c->set_gone(alice, false);
    auto k = make("carol", "alice", "ops", kNov18Ten + 5);
    c->add_kudos(k);
    EXPECT_TRUE(c->kudos(k.id));
  }  // rolled back
  EXPECT_EQ(w->name_of(alice), "Alice A.");
  EXPECT_EQ(w->person(alice).privacy, Privacy::hidden);
  EXPECT_TRUE(w->person(alice).gone);
  EXPECT_EQ(w->name_of(carol), "");
  w->commit();
  auto r = s->read();
  EXPECT_EQ(r->name_of(alice), "Alice A.");
  EXPECT_EQ(r->person(alice).privacy, Privacy::hidden);
  EXPECT_TRUE(r->person(alice).gone);
}

TEST(StoreTxn, AWriteReadsBackTheKudosItAddedAndRevoked) {
  TempDir dir;
  auto s = open_store(dir);
  auto w = s->write();
  auto k = make("alice", "bob", "eng", kNov18Ten);
  k.reason = "for the deploy";
  k.values = {"teamwork", "care"};
  const auto first = w->add_kudos(k);
  auto k2 = make("bob", "alice", "eng", kNov18Ten + 1);
  const auto second = w->add_kudos(k2);
  EXPECT_EQ(w->kudos(first)->number, 1u);
  EXPECT_EQ(w->kudos(second)->number, 2u);
  Revocation why;
  why.ts = kNov18Ten + 2;
  why.how = RevokeHow::undo;
  why.by = user("bob");
  why.reason = "sent twice";
  ASSERT_TRUE(w->revoke_kudos(second, why, Period::day));
  EXPECT_TRUE(w->kudos(second)->revoked);
  ASSERT_TRUE(w->kudos(second)->revocation);
  EXPECT_EQ(w->kudos(second)->revocation->reason, "sent twice");
  const auto first_written = w->kudos(first);
  const auto second_written = w->kudos(second);
  w->commit();
  auto r = s->read();
  expect_same_kudos(first_written, r->kudos(first));
  expect_same_kudos(second_written, r->kudos(second));
}

// Erasure in the same write as reads of the person and their kudos.
TEST(StoreTxn, AWriteSeesItsOwnErasure) {
  TempDir dir;
  auto s = open_store(dir);
  const auto alice = user("alice");
  std::uint64_t first = 0;
  {
    auto w = s->write();
    w->set_privacy(alice, Privacy::hidden);
    auto k = make("alice", "bob", "eng", kNov18Ten);
    k.reason = "for the deploy";
    first = w->add_kudos(k);
    w->commit();
  }
  auto w = s->write();
  EXPECT_EQ(w->kudos(first)->giver, alice);
  EXPECT_EQ(w->person(alice).privacy, Privacy::hidden);
  auto k = make("alice", "carol", "eng", kNov18Ten + 3);
  k.reason = "for the review";
  const auto third = w->add_kudos(k);
  EXPECT_EQ(w->kudos(third)->reason, "for the review");
  const auto tomb = w->forget(alice);
  EXPECT_EQ(w->kudos(first)->giver, tomb);
  EXPECT_EQ(w->kudos(first)->reason, "");
  EXPECT_EQ(w->kudos(third)->giver, tomb);
  EXPECT_EQ(w->kudos(third)->reason, "");
  EXPECT_EQ(w->name_of(alice), "");
  EXPECT_EQ(w->person(alice).privacy, Privacy::public_);  // unknown again
  EXPECT_FALSE(w->person(alice).gone);
  // The same id later is somebody new.
  auto again = make("alice", "bob", "eng", kNov18Ten + 4);
  const auto fourth = w->add_kudos(again);
  EXPECT_EQ(w->kudos(fourth)->giver, alice);
  const auto as_written = w->kudos(fourth);
  w->commit();
  auto r = s->read();
  expect_same_kudos(as_written, r->kudos(fourth));
  EXPECT_EQ(r->kudos(third)->giver, tomb);
  EXPECT_EQ(r->counts(alice, "", Period::all, 0).given, 1u);
  EXPECT_TRUE(r->verify().ok());
}

// A write queues its counter changes summed per counter: a group of 1,000 kudos to one person keeps
// one entry for each of their counters, found by key, not a list read from the start every time.
TEST(StoreTallyQueue, ChangesAreSummedPerCounterAndWrittenInKeyOrder) {
  using codec::Role;
  using codec::tally_key;
  const auto week = static_cast<std::uint8_t>(Period::week);
  const auto month = static_cast<std::uint8_t>(Period::month);
  const auto bob_week = tally_key(0, week, 100, Role::received, 7);
  const auto bob_month = tally_key(0, month, 25, Role::received, 7);
  const auto alice_week = tally_key(0, week, 100, Role::given, 3);
  const auto cancelled = tally_key(5, week, 100, Role::received, 9);

  TallyDeltas q;
  for (int i = 0; i < 1000; ++i) q.add(bob_week, 1);
  q.add(alice_week, 2);
  q.add(bob_month, 1);
  q.add(cancelled, 1);
  q.add(cancelled, -1);
  EXPECT_EQ(q.queued(bob_week), 1000);
  EXPECT_EQ(q.queued(alice_week), 2);
  EXPECT_EQ(q.queued(cancelled), 0);
  EXPECT_EQ(q.queued(tally_key(0, week, 101, Role::received, 7)), 0);  // another week: nothing queued

  // Written in the order of the on-disk keys (period, bucket, scope, role, user), a zero sum not at all.
  using E = TallyDeltas::Entry;
  EXPECT_THAT(q.in_key_order(), ::testing::ElementsAre(E{bob_week, 1000}, E{alice_week, 2}, E{bob_month, 1}));

  // A child's changes join its parent's, summed with them.
  TallyDeltas child;
  child.add(bob_week, -1000);
  child.add(cancelled, 3);
  q.add(child);
  EXPECT_THAT(q.in_key_order(), ::testing::ElementsAre(E{alice_week, 2}, E{cancelled, 3}, E{bob_month, 1}));
  q.clear();
  EXPECT_TRUE(q.empty());
  EXPECT_THAT(q.in_key_order(), ::testing::IsEmpty());
}

}  // namespace
}  // namespace brigade::store
