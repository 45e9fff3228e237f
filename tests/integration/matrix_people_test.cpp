// The real Matrix adapter against the fake homeserver: someone who leaves (or is banned from) the
// last room Brigade shares with them is hidden from the rankings, history kept; joining again shows
// them again. Someone still in another room — a quiet one whose members Brigade never loaded — is
// not gone.
#include "tests/integration/matrix_adapter_test.hpp"

#include <algorithm>

namespace brigade::matrix {
namespace {

const std::string kQuiet = "!quiet:example.org";

class MatrixPeopleTest : public MatrixAdapterTest {
 protected:
  MatrixPeopleTest() { fake_.add_room(kQuiet, {kBob, kCarol}); }

  bool gone(const std::string& mxid) { return store_->read()->person("matrix:" + mxid).gone; }
  bool gone_becomes(const std::string& mxid, bool want) {
    return fake_.wait([&] { return gone(mxid) == want; });
  }
  std::vector<std::string> board() {
    auto r = store_->read();
    std::vector<std::string> out;
    for (const auto& e :
         r->leaderboard("", core::Period::all, calendar_.bucket(core::Period::all, clock_.now_ms()), 10))
      out.push_back(e.user);
    return out;
  }
  bool on_board(const std::string& mxid) {
    auto b = board();
    return std::find(b.begin(), b.end(), "matrix:" + mxid) != b.end();
  }
};

TEST_F(MatrixPeopleTest, LeavingEverySharedRoomHidesJoiningAgainShows) {
  start();
  ASSERT_TRUE(synced());
  fake_.post(kRoom, kCarol, "m.room.message",
             pill_message("thanks", {{kAlice, "Alice"}, {kBob, "Bob Smith"}}, "for the release"));
  ASSERT_TRUE(received_becomes(kAlice, 1));
  ASSERT_TRUE(received_becomes(kBob, 1));
  ASSERT_TRUE(on_board(kAlice) && on_board(kBob));

  // Bob leaves the kudos room but is still in the quiet one; Alice is kicked from her only room.
  fake_.set_membership(kRoom, kBob, "leave");
  fake_.set_membership(kRoom, kAlice, "leave", kCarol);
  ASSERT_TRUE(gone_becomes(kAlice, true));
  EXPECT_FALSE(gone(kBob)) << "Bob still shares the quiet room with Brigade";
  EXPECT_FALSE(fake_.requests("joined_rooms").empty()) << "the quiet room's members were looked up";
  EXPECT_FALSE(on_board(kAlice));
  EXPECT_TRUE(on_board(kBob));
  EXPECT_EQ(received(kAlice), 1u) << "her history stays";

  fake_.set_membership(kRoom, kAlice, "join");
  ASSERT_TRUE(gone_becomes(kAlice, false));
  EXPECT_TRUE(on_board(kAlice));

  // A ban is leaving too; Brigade's own membership and invites are nobody leaving.
  fake_.set_membership(kQuiet, kBob, "ban", kCarol);
  ASSERT_TRUE(gone_becomes(kBob, true));
  fake_.set_membership(kRoom, "@dave:example.org", "invite", kCarol);
  fake_.text(kRoom, kCarol, "!thanks @alice:example.org again");
  ASSERT_TRUE(received_becomes(kAlice, 2));
  EXPECT_FALSE(gone(kAlice));
  EXPECT_TRUE(gone(kBob));
}

// The first sync's backlog is history: who left before Brigade first ran is not marked.
TEST_F(MatrixPeopleTest, TheFirstSyncsBacklogMarksNobody) {
  fake_.set_membership(kRoom, kAlice, "leave");
  start();
  ASSERT_TRUE(synced());
  fake_.text(kRoom, kCarol, "!thanks @bob:example.org for the handover");
  ASSERT_TRUE(received_becomes(kBob, 1));
  EXPECT_TRUE(fake_.requests("joined_rooms").empty());
}

}  // namespace
}  // namespace brigade::matrix
