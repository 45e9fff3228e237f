// The real Matrix adapter (with store, Committer and OutboxSender) against the fake homeserver.
#include <gtest/gtest.h>
#include <spdlog/sinks/ringbuffer_sink.h>
#include <spdlog/spdlog.h>

#include <array>
#include <fstream>

#include "adapters/matrix/options.hpp"
#include "bot/committer.hpp"
#include "bot/outbox_sender.hpp"
#include "tests/integration/fake_homeserver.hpp"
#include "tests/support/temp_dir.hpp"

namespace brigade::matrix {
namespace {

using namespace std::chrono_literals;
using nlohmann::json;
using testing::FakeMatrix;
using testing::TempDir;

const std::string kRoom = "!kudos:example.org";
const std::string kAlice = "@alice:example.org";
const std::string kBob = "@bob:example.org";
const std::string kCarol = "@carol:example.org";

AdapterOptions fast() {
  AdapterOptions o;
  o.sync_timeout = 1s;
  o.sync_slack = 2s;
  o.http_timeout = 3s;
  o.initial_sync_timeout = 5s;
  o.backoff_base = 50ms;
  o.backoff_cap = 300ms;
  return o;
}

json pill_message(const std::string& command, const std::vector<std::pair<std::string, std::string>>& pills,
                  const std::string& tail) {
  std::string body = "!" + command, html = "!" + command;
  json ids = json::array();
  for (const auto& [id, name] : pills) {
    body += " " + name;
    html += " <a href=\"https://matrix.to/#/" + id + "\">" + name + "</a>";
    ids.push_back(id);
  }
  body += " " + tail;
  html += " " + tail;
  json c = json::object();
  c["msgtype"] = "m.text";
  c["body"] = body;
  c["format"] = "org.matrix.custom.html";
  c["formatted_body"] = html;
  c["m.mentions"]["user_ids"] = ids;
  return c;
}

class MatrixAdapterTest : public ::testing::Test {
 protected:
  explicit MatrixAdapterTest(const testing::TestPki* pki = nullptr) : calendar_("UTC"), fake_(pki) {
    open_store();
    rules_.daily_quota = 0;
    fake_.add_user(kAlice, "Alice");
    fake_.add_user(kBob, "Bob Smith");
    fake_.add_user(kCarol, "Carol");
    fake_.add_user(fake_.bot_user, "Brigade");
    fake_.add_room(kRoom, {kAlice, kBob, kCarol});
  }
  ~MatrixAdapterTest() override { stop(); }

  void open_store() {
    store::Options so;
    so.dir = dir_.path() / "data";
    so.durable = false;
    store_ = store::Store::open(so, calendar_);
  }

  config::Config config(bool password = true, std::string token = {}) {
    config::Config cfg;
    cfg.matrix.homeserver = fake_.base_url();
    cfg.matrix.user_id = fake_.bot_user;
    if (password) cfg.matrix.password = fake_.password;
    cfg.matrix.access_token = std::move(token);
    return cfg;
  }

  void start(config::Config cfg, AdapterOptions o = fast()) {
    committer_ = std::make_unique<bot::Committer>(*store_, rules_, clock_, metrics_);
    outbox_ = std::make_unique<bot::OutboxSender>(*store_, *committer_, clock_);
    committer_->on_commit([o = outbox_.get()] { o->notify(); });
    adapter_ = make_adapter(cfg, bot::AdapterState(*store_, "matrix"), *committer_, metrics_, o);
    outbox_->add(*adapter_);
    outbox_->start();
    adapter_->start();
  }
  void start() { start(config()); }

  // Connected, and at least one sync answer committed (the next long-poll is out).
  bool synced(std::size_t syncs = 2) {
    return fake_.wait([&] {
      return adapter_->state() == bot::LinkState::connected && fake_.requests("sync").size() >= syncs;
    });
  }
  void stop() {
    if (adapter_) adapter_->stop(2s);
    if (outbox_) outbox_->stop();
    if (committer_) committer_->stop();
    adapter_.reset();
    outbox_.reset();
    committer_.reset();
  }
  void restart() {
    stop();
    start();
  }
  std::uint32_t received(const std::string& mxid) {
    auto r = store_->read();
    return r
        ->counts("matrix:" + mxid, "", core::Period::all,
                 calendar_.bucket(core::Period::all, clock_.now_ms()))
        .received;
  }
  bool received_becomes(const std::string& mxid, std::uint32_t n) {
    return fake_.wait([&] { return received(mxid) == n; });
  }
  std::vector<FakeMatrix::Sent> sent(const std::string& room) { return fake_.sent(room); }
  // Notices whose body contains `needle`.
  std::size_t notices_with(const std::string& room, const std::string& needle) {
    std::size_t n = 0;
    for (const auto& s : fake_.sent(room))
      if (s.content.value("body", "").find(needle) != std::string::npos) ++n;
    return n;
  }

  TempDir dir_{"brigade-matrix"};
  core::Calendar calendar_;
  core::SystemClock clock_;
  commands::Rules rules_;
  bot::Metrics metrics_;  // before the committer and the adapter, which count into it
  std::unique_ptr<store::Store> store_;
  FakeMatrix fake_;
  std::unique_ptr<bot::Committer> committer_;
  std::unique_ptr<bot::OutboxSender> outbox_;
  std::unique_ptr<bot::NetworkAdapter> adapter_;
};

TEST_F(MatrixAdapterTest, BacklogIsSkippedAtFirstStartAndAcrossRestarts) {
  fake_.text(kRoom, kCarol, "!thanks @alice:example.org from before Brigade existed");
  start();
  ASSERT_TRUE(synced());
  EXPECT_TRUE(store_->read()->cursor("matrix").has_value());
  fake_.text(kRoom, kCarol, "!thanks @bob:example.org for the deploy");
  ASSERT_TRUE(received_becomes(kBob, 1));
  restart();
  ASSERT_TRUE(synced(fake_.requests("sync").size() + 2));
  fake_.text(kRoom, kCarol, "!thanks @bob:example.org again");
  ASSERT_TRUE(received_becomes(kBob, 2));
  EXPECT_EQ(received(kAlice), 0u) << "a command from before the first start is never answered";
}

// The session a password login gave is kept (device and token) and used again after a restart:
// servers that scope txnIds to the access token (Synapse 1.67) only recognise a re-sent reply on
// the same token, and a login per start would leave a live token behind each time.
TEST_F(MatrixAdapterTest, RestartReusesTheStoredSessionAndLogsInOnlyWhenItIsRejected) {
  start();
  ASSERT_TRUE(synced());
  auto logins = fake_.requests("login");
  ASSERT_EQ(logins.size(), 1u);
  EXPECT_EQ(logins[0].body.value("password", ""), fake_.password);
  EXPECT_FALSE(logins[0].body.contains("device_id")) << "no device yet: the server makes one";
  auto device = store_->read()->meta("matrix.device_id");
  ASSERT_TRUE(device.has_value());
  const std::string token = fake_.requests("sync").back().auth;
  for (int i = 0; i < 3; ++i) {
    restart();
    ASSERT_TRUE(synced(fake_.requests("sync").size() + 2));
  }
  EXPECT_EQ(fake_.requests("login").size(), 1u) << "restarts reuse the stored session";
  EXPECT_EQ(fake_.requests("sync").back().auth, token);
  EXPECT_EQ(fake_.live_tokens(), 1u);
  ASSERT_FALSE(fake_.requests("whoami").empty()) << "the stored token is checked with whoami";
  EXPECT_EQ(fake_.requests("whoami").back().auth, token);

  // Rejected (the server logged the session out): log in again, on the same device, once.
  fake_.invalidate_tokens(/*soft_logout=*/true);
  fake_.text(kRoom, kCarol, "!thanks @alice:example.org after the logout");
  ASSERT_TRUE(received_becomes(kAlice, 1));
  logins = fake_.requests("login");
  ASSERT_EQ(logins.size(), 2u);
  EXPECT_EQ(logins[1].body.value("device_id", ""), *device);
  restart();
  ASSERT_TRUE(synced(fake_.requests("sync").size() + 2));
  EXPECT_EQ(fake_.requests("login").size(), 2u) << "the renewed session is the one kept";
  EXPECT_EQ(fake_.live_tokens(), 1u);
  for (const auto& r : fake_.requests("sync")) EXPECT_EQ(r.auth.rfind("Bearer syt_", 0), 0u) << r.auth;
}

// A stored session of another account (MATRIX_USER_ID changed) is logged out, not left live.
TEST_F(MatrixAdapterTest, AStoredSessionOfAnotherAccountIsLoggedOut) {
  {
    auto w = store_->write();
    w->set_meta("matrix.access_token", fake_.mint_token("OLDDEV"));
    w->set_meta("matrix.device_id", "OLDDEV");
    w->commit();
  }
  auto cfg = config();
  cfg.matrix.user_id = "@someone-else:example.org";  // the fake's whoami answers @brigade
  fake_.bot_user = "@brigade:example.org";
  start(cfg);
  ASSERT_TRUE(fake_.wait([&] { return !fake_.requests("logout").empty(); }));
  EXPECT_EQ(fake_.requests("logout").at(0).auth.rfind("Bearer syt_fake_", 0), 0u);
}

// SIGTERM while a send is slow: the reply on the wire is waited for and recorded as sent, not
// handed back as a retry (which, after the restart, would post it again).
TEST_F(MatrixAdapterTest, ASendInFlightAtStopIsWaitedForNotRetried) {
  start();
  ASSERT_TRUE(synced());
  fake_.answer_late("send", 700ms);
  fake_.text(kRoom, kCarol, "!kudos help");
  ASSERT_TRUE(fake_.wait([&] { return !fake_.requests("send").empty(); }));
  stop();  // 2 s of grace: the late answer (0.7 s) arrives within it
  EXPECT_EQ(store_->read()->outbox_depth(), 0u) << "the late 'sent' was recorded";
  open_store();
  start();
  ASSERT_TRUE(synced(fake_.requests("sync").size() + 2));
  fake_.text(kRoom, kCarol, "!thanks @bob:example.org marker");
  ASSERT_TRUE(received_becomes(kBob, 1));
  ASSERT_TRUE(fake_.wait([&] { return store_->read()->outbox_depth() == 0; }));
  EXPECT_EQ(notices_with(kRoom, "say thanks where the work happens"), 1u) << "the help reply was posted once";
}

// A reply that meets a 429 waits as long as the server says and keeps its place: the replies
// behind it in the room are not posted before it.
TEST_F(MatrixAdapterTest, RateLimitedRepliesKeepTheirOrderAndWaitAsTheServerSays) {
  start();
  ASSERT_TRUE(synced());
  FakeMatrix::Reply limited;
  limited.status = 429;
  limited.body =
      json::parse(R"({"errcode":"M_LIMIT_EXCEEDED","error":"Too Many Requests","retry_after_ms":600})");
  for (int i = 0; i < 2; ++i) fake_.script("send", limited);
  std::vector<std::array<std::string, 3>> commands;
  for (int i = 0; i < 12; ++i)
    commands.push_back({kRoom, kCarol, "!thanks @alice:example.org number " + std::to_string(i)});
  fake_.texts(commands);
  ASSERT_TRUE(received_becomes(kAlice, 12));
  ASSERT_TRUE(
      fake_.wait([&] { return sent(kRoom).size() == 24 && store_->read()->outbox_depth() == 0; }, 30s));
  // Replies were queued in outbox order (public, private, public, …); the txn id ends in the seq.
  auto seq_of = [](const std::string& txn) { return std::stoull(txn.substr(txn.rfind('.') + 1)); };
  auto out = sent(kRoom);
  for (std::size_t i = 1; i < out.size(); ++i)
    EXPECT_LT(seq_of(out[i - 1].txn_id), seq_of(out[i].txn_id)) << "reply " << i << " overtook one before it";
  // The first attempts met the 429s; the next try came no sooner than the server asked.
  auto sends = fake_.requests("send");
  ASSERT_GE(sends.size(), 3u);
  EXPECT_GE(sends[1].at - sends[0].at, 600ms);
  EXPECT_GE(sends[2].at - sends[1].at, 600ms);
  EXPECT_EQ(sends[0].path, sends[2].path) << "the same reply, tried again in place";
}

// A typed id of nobody on the server ("@nobody:example.org") is refused by name, never credited,
// never on the leaderboard; a real account outside the room is fine.
TEST_F(MatrixAdapterTest, MadeUpUsersAreRefusedRealOnesOutsideTheRoomAreNot) {
  fake_.add_user("@dave:example.org", "Dave");  // exists, not in the room
  start();
  ASSERT_TRUE(synced());
  fake_.text(kRoom, kCarol, "!thanks @nobody:example.org for nothing");
  ASSERT_TRUE(fake_.wait([&] { return notices_with(kRoom, "I can't find") == 1; })) << fake_.sent().size();
  fake_.text(kRoom, kCarol, "!thanks @dave:example.org for the visit");
  ASSERT_TRUE(received_becomes("@dave:example.org", 1));
  EXPECT_EQ(received("@nobody:example.org"), 0u);
  auto board = store_->read()->leaderboard("", core::Period::all, 0, 10);
  for (const auto& e : board) EXPECT_NE(e.user, "matrix:@nobody:example.org");
}

// Replies call a room by its name, not its id.
TEST_F(MatrixAdapterTest, RepliesNameTheRoom) {
  fake_.set_room_name(kRoom, "Kudos Corner");
  start();
  ASSERT_TRUE(synced());
  fake_.text(kRoom, kCarol, "!thanks @alice:example.org for lunch");
  ASSERT_TRUE(received_becomes(kAlice, 1));
  fake_.text(kRoom, kCarol, "!leaderboard");
  ASSERT_TRUE(fake_.wait([&] { return notices_with(kRoom, "eaderboard") == 1; }));
  EXPECT_EQ(notices_with(kRoom, "in #Kudos Corner"), 1u);
  EXPECT_EQ(notices_with(kRoom, "#kudos:example.org"), 0u);
}

// The quota answer to a 🙏 is for whoever reacted: not threaded to the recipient's message,
// and it says whom it is for.
TEST_F(MatrixAdapterTest, TheAnswerToAReactionIsAddressedToTheGiver) {
  start();
  ASSERT_TRUE(synced());
  auto msg = fake_.text(kRoom, kAlice, "I fixed the build");
  fake_.react(kRoom, kCarol, msg, "🙏");
  ASSERT_TRUE(received_becomes(kAlice, 1));
  ASSERT_TRUE(fake_.wait([&] { return notices_with(kRoom, "Thanks recorded") == 1; }));
  for (const auto& s : sent(kRoom)) {
    if (s.content.value("body", "").find("Thanks recorded") == std::string::npos) continue;
    EXPECT_FALSE(s.content.contains("m.relates_to")) << s.content.dump();
    EXPECT_EQ(s.content.value("body", "").rfind("carol: ", 0), 0u) << s.content.dump();
    EXPECT_NE(s.content.value("formatted_body", "").find("https://matrix.to/#/@carol:example.org"),
              std::string::npos);
  }
}

TEST_F(MatrixAdapterTest, ThanksWithElementPillsCreditsTheLinkedIdsAndReplies) {
  fake_.add_user("@alice2:example.org", "Alice");  // the same display name: only the pill tells them apart
  fake_.add_room("!ops:example.org", {kAlice, "@alice2:example.org", kCarol});
  start();
  ASSERT_TRUE(synced());
  auto cmd = fake_.post("!ops:example.org", kCarol, "m.room.message",
                        pill_message("thanks", {{"@alice2:example.org", "Alice"}, {kBob, "Bob Smith"}},
                                     "for the release review #teamwork"));
  ASSERT_TRUE(received_becomes("@alice2:example.org", 1));
  EXPECT_EQ(received(kBob), 1u);
  EXPECT_EQ(received(kAlice), 0u);
  ASSERT_TRUE(fake_.wait([&] { return sent("!ops:example.org").size() >= 2; }));
  auto out = sent("!ops:example.org");
  const json* pub = nullptr;
  const json* priv = nullptr;
  for (const auto& s : out) (s.content.contains("m.relates_to") ? priv : pub) = &s.content;
  ASSERT_TRUE(pub && priv);
  EXPECT_EQ((*pub)["msgtype"], "m.notice");
  EXPECT_NE((*pub)["formatted_body"].get<std::string>().find("https://matrix.to/#/@alice2:example.org"),
            std::string::npos)
      << pub->dump();
  auto pinged = (*pub)["m.mentions"]["user_ids"];
  EXPECT_NE(std::find(pinged.begin(), pinged.end(), "@alice2:example.org"), pinged.end()) << pub->dump();
  EXPECT_EQ((*priv)["m.relates_to"]["m.in_reply_to"]["event_id"], cmd);
  for (const auto& s : out) EXPECT_EQ(s.txn_id.rfind("brigade.", 0), 0u) << s.txn_id;
}

TEST_F(MatrixAdapterTest, LeaderboardsPingNobody) {
  start();
  ASSERT_TRUE(synced());
  fake_.text(kRoom, kCarol, "!thanks @alice:example.org for lunch");
  ASSERT_TRUE(received_becomes(kAlice, 1));
  fake_.text(kRoom, kCarol, "!leaderboard");
  ASSERT_TRUE(fake_.wait([&] { return notices_with(kRoom, "Alice") >= 2; }));
  for (const auto& s : sent(kRoom)) {
    if (s.content.value("body", "").find("eaderboard") == std::string::npos) continue;
    EXPECT_EQ(s.content["m.mentions"], json::object()) << s.content.dump();
  }
}

TEST_F(MatrixAdapterTest, InviteIsAcceptedAndTheRoomWorks) {
  fake_.add_room("!new:example.org", {kCarol, kAlice}, /*bot_joined=*/false);
  start();
  ASSERT_TRUE(synced());
  fake_.invite("!new:example.org", kCarol);
  ASSERT_TRUE(fake_.wait([&] { return fake_.joined("!new:example.org"); }));
  fake_.text("!new:example.org", kCarol, "!thanks @alice:example.org for inviting me");
  ASSERT_TRUE(received_becomes(kAlice, 1));
}

// Joining a room with history gives a limited timeline; that is not missed commands, and the
// warning that says so (the README tells admins it means lost commands) must not appear. A real
// gap — more new events than one sync returns — still warns.
TEST_F(MatrixAdapterTest, JoiningARoomWithHistoryDoesNotWarnAboutAGap) {
  auto sink = std::make_shared<spdlog::sinks::ringbuffer_sink_mt>(500);
  spdlog::default_logger()->sinks().push_back(sink);
  auto warned = [&] {
    for (const auto& line : sink->last_formatted())
      if (line.find("older ones in the gap are skipped") != std::string::npos) return true;
    return false;
  };
  fake_.add_room("!new:example.org", {kCarol, kAlice}, /*bot_joined=*/false);
  for (int i = 0; i < 5; ++i)
    fake_.text("!new:example.org", kCarol, "chatter before Brigade came " + std::to_string(i));
  start();
  ASSERT_TRUE(synced());
  fake_.invite("!new:example.org", kCarol);
  ASSERT_TRUE(fake_.wait([&] { return fake_.joined("!new:example.org"); }));
  fake_.text("!new:example.org", kCarol, "!thanks @alice:example.org for inviting me");
  ASSERT_TRUE(received_becomes(kAlice, 1));
  EXPECT_FALSE(warned()) << "a join is not a gap";

  std::vector<std::array<std::string, 3>> flood;
  for (int i = 0; i < 150; ++i) flood.push_back({"!new:example.org", kAlice, "flood " + std::to_string(i)});
  fake_.texts(flood);
  fake_.text("!new:example.org", kCarol, "!thanks @bob:example.org after the flood");
  ASSERT_TRUE(received_becomes(kBob, 1));
  EXPECT_TRUE(warned()) << "a real gap still warns";
  auto& sinks = spdlog::default_logger()->sinks();
  sinks.erase(std::remove(sinks.begin(), sinks.end(), sink), sinks.end());
}

TEST_F(MatrixAdapterTest, InvitesFromOtherServersAreDeclinedWhenRestricted) {
  fake_.add_room("!foreign:evil.example", {"@mallory:evil.example"}, false);
  auto cfg = config();
  cfg.matrix.autojoin_servers = {"example.org"};
  start(cfg);
  ASSERT_TRUE(synced());
  fake_.invite("!foreign:evil.example", "@mallory:evil.example");
  ASSERT_TRUE(fake_.wait([&] { return !fake_.requests("leave").empty(); }));
  EXPECT_FALSE(fake_.joined("!foreign:evil.example"));
}

TEST_F(MatrixAdapterTest, EditsNeverCountAgain) {
  start();
  ASSERT_TRUE(synced());
  auto original = fake_.text(kRoom, kCarol, "!thanks @alice:example.org for the fix");
  ASSERT_TRUE(received_becomes(kAlice, 1));
  json edit = json::object();
  edit["msgtype"] = "m.text";
  edit["body"] = "* !thanks @alice:example.org for the great fix";
  edit["m.new_content"]["msgtype"] = "m.text";
  edit["m.new_content"]["body"] = "!thanks @alice:example.org for the great fix";
  edit["m.relates_to"]["rel_type"] = "m.replace";
  edit["m.relates_to"]["event_id"] = original;
  fake_.post(kRoom, kCarol, "m.room.message", edit);
  fake_.text(kRoom, kCarol, "!thanks @bob:example.org marker");
  ASSERT_TRUE(received_becomes(kBob, 1));  // everything before the marker has been applied
  EXPECT_EQ(received(kAlice), 1u);
}

TEST_F(MatrixAdapterTest, RedactingAThanksTakesItBack) {
  start();
  ASSERT_TRUE(synced());
  auto cmd = fake_.text(kRoom, kCarol, "!thanks @alice:example.org @bob:example.org for the party");
  ASSERT_TRUE(received_becomes(kAlice, 1));
  EXPECT_EQ(received(kBob), 1u);
  fake_.redact(kRoom, kCarol, cmd);
  ASSERT_TRUE(received_becomes(kAlice, 0));
  EXPECT_EQ(received(kBob), 0u);
  EXPECT_TRUE(store_->read()->verify().ok());
}

TEST_F(MatrixAdapterTest, ReactionsGiveAndRedactionsTakeBack) {
  start();
  ASSERT_TRUE(synced());
  auto msg = fake_.text(kRoom, kAlice, "I fixed the build");
  auto reaction = fake_.react(kRoom, kCarol, msg, "🙏");
  ASSERT_TRUE(received_becomes(kAlice, 1));
  fake_.react(kRoom, kCarol, msg, "👍");  // not the configured key
  fake_.react(kRoom, kAlice, msg, "🙏");  // on one's own message
  fake_.redact(kRoom, kCarol, reaction);
  ASSERT_TRUE(received_becomes(kAlice, 0));
  fake_.text(kRoom, kCarol, "!thanks @bob:example.org marker");
  ASSERT_TRUE(received_becomes(kBob, 1));
  EXPECT_EQ(received(kAlice), 0u);
}

TEST_F(MatrixAdapterTest, RateLimitedSendIsRetriedWithTheSameTxnIdAndPostedOnce) {
  FakeMatrix::Reply limited;
  limited.status = 429;
  limited.headers["Retry-After"] = "1";
  limited.body =
      json::parse(R"({"errcode":"M_LIMIT_EXCEEDED","error":"Too Many Requests","retry_after_ms":900})");
  fake_.script("send", limited);
  start();
  ASSERT_TRUE(synced());
  fake_.text(kRoom, kCarol, "!kudos help");
  ASSERT_TRUE(fake_.wait([&] { return !sent(kRoom).empty(); }));
  auto attempts = fake_.requests("send");
  ASSERT_GE(attempts.size(), 2u);
  EXPECT_EQ(attempts[0].path, attempts[1].path) << "a retry reuses the txn id";
  // A resend of the same entry after it went through (a lost answer) is swallowed by the server.
  ASSERT_TRUE(fake_.wait([&] { return store_->read()->outbox_depth() == 0; }));
  EXPECT_EQ(sent(kRoom).size(), 1u);
}

TEST_F(MatrixAdapterTest, SyncFailuresBackOffAndRecover) {
  start();
  ASSERT_TRUE(synced());
  FakeMatrix::Reply limited;
  limited.status = 429;
  limited.body = json::parse(R"({"errcode":"M_LIMIT_EXCEEDED","retry_after_ms":200})");
  FakeMatrix::Reply broken;
  broken.status = 502;
  broken.body = "upstream down";
  FakeMatrix::Reply garbage;  // 200 without next_batch: nothing in it can be trusted
  garbage.body = json::array({1, 2, 3});
  fake_.script("sync", limited);
  fake_.script("sync", broken);
  fake_.script("sync", garbage);
  auto before = fake_.requests("sync").size();
  // The three failures are answered in turn, then a normal long-poll is out again.
  ASSERT_TRUE(fake_.wait([&] { return fake_.requests("sync").size() >= before + 4; }));
  fake_.text(kRoom, kCarol, "!thanks @alice:example.org despite the outage");
  ASSERT_TRUE(received_becomes(kAlice, 1));
  EXPECT_EQ(adapter_->state(), bot::LinkState::connected);
}

TEST_F(MatrixAdapterTest, RestartDoesNotReprocessOrRepost) {
  start();
  ASSERT_TRUE(synced());
  fake_.text(kRoom, kCarol, "!thanks @alice:example.org one");
  ASSERT_TRUE(received_becomes(kAlice, 1));
  ASSERT_TRUE(fake_.wait([&] { return store_->read()->outbox_depth() == 0 && sent(kRoom).size() == 2; }));
  restart();
  ASSERT_TRUE(synced(fake_.requests("sync").size() + 2));
  fake_.text(kRoom, kCarol, "!thanks @bob:example.org two");
  ASSERT_TRUE(received_becomes(kBob, 1));
  ASSERT_TRUE(fake_.wait([&] { return store_->read()->outbox_depth() == 0 && sent(kRoom).size() == 4; }));
  EXPECT_EQ(received(kAlice), 1u);
  EXPECT_EQ(sent(kRoom).size(), 4u);
}

TEST_F(MatrixAdapterTest, RejectedTokenWithPasswordLogsInAgainOnTheSameDevice) {
  start();
  ASSERT_TRUE(synced());
  auto device = fake_.requests("login").at(0);
  fake_.invalidate_tokens(/*soft_logout=*/true);
  fake_.text(kRoom, kCarol, "!thanks @alice:example.org after the logout");
  ASSERT_TRUE(received_becomes(kAlice, 1));
  auto logins = fake_.requests("login");
  ASSERT_EQ(logins.size(), 2u);
  EXPECT_EQ(logins[1].body.value("device_id", ""), store_->read()->meta("matrix.device_id").value_or("?"));
  EXPECT_EQ(adapter_->state(), bot::LinkState::connected);
}

TEST_F(MatrixAdapterTest, RejectedTokenWithoutPasswordStopsTheAdapterClearly) {
  start(config(/*password=*/false, fake_.mint_token("TOKENDEV")));
  ASSERT_TRUE(synced());
  EXPECT_TRUE(fake_.requests("login").empty());
  EXPECT_EQ(store_->read()->meta("matrix.device_id").value_or(""), "TOKENDEV");  // from whoami
  fake_.invalidate_tokens(/*soft_logout=*/false);
  ASSERT_TRUE(fake_.wait([&] { return adapter_->state() == bot::LinkState::failed; }));
  EXPECT_NE(adapter_->reason().find("M_UNKNOWN_TOKEN"), std::string::npos) << adapter_->reason();
  EXPECT_TRUE(fake_.requests("login").empty());
}

TEST_F(MatrixAdapterTest, EncryptedRoomIsAnnouncedOnceAndIgnored) {
  fake_.add_room("!secret:example.org", {kCarol, kAlice}, true, /*encrypted=*/true);
  start();
  ASSERT_TRUE(synced());
  ASSERT_TRUE(fake_.wait([&] { return notices_with("!secret:example.org", "encrypted") == 1; }));
  fake_.text("!secret:example.org", kCarol, "!thanks @alice:example.org in the dark");
  fake_.text(kRoom, kCarol, "!thanks @bob:example.org marker");
  ASSERT_TRUE(received_becomes(kBob, 1));
  EXPECT_EQ(received(kAlice), 0u);
  restart();
  ASSERT_TRUE(synced(fake_.requests("sync").size() + 2));
  fake_.text("!secret:example.org", kCarol, "!thanks @alice:example.org still in the dark");
  fake_.text(kRoom, kCarol, "!thanks @bob:example.org marker two");
  ASSERT_TRUE(received_becomes(kBob, 2));
  EXPECT_EQ(received(kAlice), 0u);
  ASSERT_TRUE(fake_.wait([&] { return store_->read()->outbox_depth() == 0; }));
  EXPECT_EQ(notices_with("!secret:example.org", "encrypted"), 1u) << "said once, not at every start";
}

TEST_F(MatrixAdapterTest, PrivateRepliesCanGoToADirectRoom) {
  auto cfg = config();
  cfg.matrix.private_replies = "direct";
  start(cfg);
  ASSERT_TRUE(synced());
  fake_.text(kRoom, kCarol, "!thanks @carol:example.org myself");  // refused: a private reply
  ASSERT_TRUE(fake_.wait([&] { return !fake_.requests("createRoom").empty(); }));
  auto create = fake_.requests("createRoom").at(0);
  EXPECT_EQ(create.body["invite"], json::array({kCarol}));
  EXPECT_EQ(create.body["is_direct"], true);
  ASSERT_TRUE(fake_.wait([&] {
    for (const auto& s : fake_.sent())
      if (s.room != kRoom) return true;
    return false;
  }));
  EXPECT_TRUE(sent(kRoom).empty()) << "nothing about it in the shared room";
}

// The same adapter over HTTPS, trusting a CA made for this test.
class MatrixAdapterTlsTest : public MatrixAdapterTest {
 protected:
  static const testing::TestPki& pki() {
    static const testing::TestPki p = testing::TestPki::generate();
    return p;
  }
  MatrixAdapterTlsTest() : MatrixAdapterTest(&pki()) {}
};

TEST_F(MatrixAdapterTlsTest, WorksOverTlsWithTheTestCa) {
  auto ca = dir_.path() / "ca.pem";
  std::ofstream(ca) << pki().ca_pem;
  auto cfg = config();
  cfg.ca_file = ca.string();
  ASSERT_EQ(fake_.base_url().rfind("https://", 0), 0u);
  start(cfg);
  ASSERT_TRUE(synced());
  fake_.text(kRoom, kCarol, "!thanks @alice:example.org over TLS");
  ASSERT_TRUE(received_becomes(kAlice, 1));
}

TEST_F(MatrixAdapterTlsTest, AnUntrustedCertificateIsNeverAccepted) {
  start(config());  // no BRIGADE_CA_FILE: the test CA is unknown
  ASSERT_TRUE(fake_.wait([&] { return adapter_->state() == bot::LinkState::reconnecting; }));
  EXPECT_TRUE(fake_.requests("login").empty());
}

}  // namespace
}  // namespace brigade::matrix
