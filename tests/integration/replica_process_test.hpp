// The fixture of the replica tests (replica_*_test.cpp, one executable: replica_process_tests):
// several `brigade run` processes on one PostgreSQL ledger, against the fake Slack and the fake
// homeserver. PostgreSQL only: tests/support/with_postgres.sh runs them against a throwaway
// cluster and gives BRIGADE_TEST_PG_CTL to stop and start that server. Loopback only; every wait
// has a deadline; a child still running when a test ends is SIGKILLed (Child's destructor).
#pragma once

#include <gtest/gtest.h>

#include <signal.h>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <set>
#include <sstream>

#include "core/calendar.hpp"
#include "store/pg/pg.hpp"
#include "store/store.hpp"
#include "testkit/matrix/fake_homeserver.hpp"
#include "testkit/slack/fake_slack.hpp"
#include "testkit/net/http_client.hpp"
#include "tests/support/pg_test.hpp"
#include "tests/support/process.hpp"
#include "tests/support/temp_dir.hpp"

namespace brigade::replica_test {

using namespace std::chrono_literals;
using Clock = std::chrono::steady_clock;
using testing::Child;
using testing::FakeMatrix;
using testing::FakeSlack;
using testing::http_get;
using testing::slash_envelope;
using testing::TempDir;

inline const std::string kRoom = "!kudos:example.org";
inline const std::string kAlice = "U0000ALICE";
// What a replica logs when it gains the primary lease (bot/primary.cpp).
inline const std::string kPrimary = "is the primary: it sends replies";

inline const testing::TestPki& pki() {
  static const testing::TestPki p = testing::TestPki::generate();
  return p;
}

// "cmd-007": a command's name, also its envelope id and the end of its reason; no name is a
// prefix of another, so a reply is matched to its command by the text alone.
inline std::string name(const std::string& tag, int i) {
  char buf[48];
  std::snprintf(buf, sizeof buf, "%s-%03d", tag.c_str(), i);
  return buf;
}

// The ledger's source id of a slash command sent with slash_envelope(id, …) (its trigger id).
inline std::string slash_source(const std::string& envelope_id) {
  return "slack:trigger:trig-" + envelope_id;
}

inline double seconds(Clock::duration d) {
  return std::chrono::duration<double>(d).count();
}

// The port of a replica's web API, from its log line "web: API on http://127.0.0.1:PORT/ (health…".
inline std::optional<std::uint16_t> web_port(Child& p) {
  const std::string marker = "web: API on http://127.0.0.1:";
  if (!p.wait_for_log("(health /healthz", 20s)) return std::nullopt;
  auto at = p.err().find(marker);
  if (at == std::string::npos) return std::nullopt;
  return static_cast<std::uint16_t>(std::stoi(p.err().substr(at + marker.size())));
}

// Polls GET /healthz until it answers `status` or the deadline passes.
inline bool health_becomes(std::uint16_t port, int status, std::chrono::seconds within) {
  const auto until = Clock::now() + within;
  for (;;) {
    if (http_get(port, "/healthz").status == status) return true;
    if (Clock::now() >= until) return false;
    std::this_thread::sleep_for(100ms);  // a polling interval, not a synchronisation
  }
}

// Running, and not a zombie waiting to be reaped.
inline bool alive(const Child& p) {
  std::ifstream stat("/proc/" + std::to_string(p.pid()) + "/stat");
  std::string pid, comm, state;
  stat >> pid >> comm >> state;
  return stat && state != "Z" && state != "X";
}

// The cluster's control command (with_postgres.sh): "stop -m fast", "start". True on success.
inline bool pg_ctl(const std::string& action) {
  const char* ctl = std::getenv("BRIGADE_TEST_PG_CTL");
  if (ctl == nullptr || *ctl == '\0') return false;
  Child c({"/bin/sh", "-c", std::string(ctl) + " " + action});
  const int rc = c.wait(60s);
  if (rc != 0)
    std::fprintf(stderr, "pg_ctl %s: %d\n%s%s", action.c_str(), rc, c.out().c_str(), c.err().c_str());
  return rc == 0;
}

// Starts the server again if a test that stopped it ends early, so the next test has one.
struct ServerBack {
  bool down = false;
  ~ServerBack() {
    if (down) pg_ctl("start");
  }
};

class ReplicaTest : public ::testing::Test {
 protected:
  ReplicaTest() : slack_(&pki()), matrix_(&pki()) {
    std::ofstream(ca_file()) << pki().ca_pem;
    slack_.add_user("U0000CAROL", "carol");
    slack_.add_user(kAlice, "alice");
    slack_.add_user("U000000BOB", "bob");
    matrix_.add_user("@alice:example.org", "Alice");
    matrix_.add_user("@carol:example.org", "Carol");
    matrix_.add_room(kRoom, {"@alice:example.org", "@carol:example.org"});
  }
  void SetUp() override {
    BRIGADE_POSTGRES_ONLY();
    url_ = testing::test_store_url(dir_.path() / "ledger");
  }

  std::filesystem::path ca_file() const { return dir_.path() / "ca.pem"; }

  // Replica `n`: a data directory of its own (unused on PostgreSQL), the shared ledger, Slack
  // and/or Matrix against the fakes.
  std::map<std::string, std::string> env(int n, bool slack, bool matrix) const {
    std::map<std::string, std::string> e = {
        {"BRIGADE_DATA_DIR", (dir_.path() / ("replica-" + std::to_string(n))).string()},
        {"BRIGADE_STORE", url_},
        {"BRIGADE_CONFIG", ""},
        {"BRIGADE_TZ", "UTC"},
        {"BRIGADE_HTTP_ADDR", "127.0.0.1:0"},
        {"BRIGADE_HTTP_TOKEN", ""},
        {"BRIGADE_DAILY_QUOTA", quota_},
        {"BRIGADE_CA_FILE", ca_file().string()},
        {"SLACK_APP_TOKEN", ""},
        {"SLACK_BOT_TOKEN", ""},
        {"MATRIX_HOMESERVER", ""},
        {"MATRIX_USER_ID", ""},
        {"MATRIX_PASSWORD", ""},
        {"MATRIX_ACCESS_TOKEN", ""}};
    if (slack) {
      e["SLACK_APP_TOKEN"] = slack_.app_token;
      e["SLACK_BOT_TOKEN"] = slack_.bot_token;
      e["SLACK_API_URL"] = slack_.api_url();
    }
    if (matrix) {
      e["MATRIX_HOMESERVER"] = matrix_.base_url();
      e["MATRIX_USER_ID"] = matrix_.bot_user;
      e["MATRIX_PASSWORD"] = matrix_.password;
    }
    return e;
  }
  std::unique_ptr<Child> replica(int n, bool slack = true, bool matrix = false) {
    return std::make_unique<Child>(std::vector<std::string>{testing::brigade_binary(), "run"},
                                   env(n, slack, matrix));
  }
  // Two Slack replicas: `a` the primary on connection 0, `b` a standby on connection 1 (the fake
  // numbers connections as it accepts them, and b starts once a's is in).
  void start_pair(std::unique_ptr<Child>& a, std::unique_ptr<Child>& b) {
    a = replica(0);
    ASSERT_TRUE(slack_.wait([&] { return slack_.connections() >= 1; }, 20s)) << a->err();
    ASSERT_TRUE(a->wait_for_log(kPrimary, 20s)) << a->err();
    b = replica(1);
    ASSERT_TRUE(slack_.wait([&] { return slack_.connections() >= 2; }, 20s)) << b->err();
    ASSERT_TRUE(b->wait_for_log("this one is a standby", 20s)) << b->err();
  }

  // The ledger as a report sees it, from a fresh read-only store (it may follow a server restart;
  // kept until the test ends, so earlier readers stay valid).
  std::unique_ptr<store::Reader> ledger() {
    store::Options o;
    o.url = url_;
    o.dir = dir_.path() / "ledger";
    o.read_only = true;
    stores_.push_back(store::Store::open(o, cal_));
    return stores_.back()->read();
  }
  store::PersonCounts counts(const std::string& user) {
    core::SystemClock clock;
    return ledger()->counts(user, "", core::Period::all, cal_.bucket(core::Period::all, clock.now_ms()));
  }

  // /thanks alice for NAME, from `giver`, in a channel of its own (Slack's pacing is per channel).
  std::string thanks(const std::string& id, const std::string& giver = "U0000CAROL",
                     const std::string& to = "<@U0000ALICE|alice>") {
    auto& channel = channels_[id];  // the same again when the envelope is delivered again
    if (channel.empty()) {
      char buf[16];
      std::snprintf(buf, sizeof buf, "C0KUD%05zu", channels_.size());
      channel = buf;
    }
    return slash_envelope(id, "thanks", to + " for " + id, giver, "", channel);
  }
  std::set<std::string> acked() const {
    auto a = slack_.acks();
    return {a.begin(), a.end()};
  }
  bool all_acked(const std::vector<std::string>& ids, std::chrono::seconds within) {
    return slack_.wait(
        [&] {
          auto a = acked();
          return std::all_of(ids.begin(), ids.end(), [&](const auto& id) { return a.count(id) > 0; });
        },
        within);
  }
  // What was sent for command `id` with `method` (chat.postMessage: its public celebration,
  // chat.postEphemeral: the giver's private answer): each command has a channel of its own.
  std::vector<FakeSlack::Call> replies_of(const std::string& method, const std::string& id) const {
    std::vector<FakeSlack::Call> out;
    auto ch = channels_.find(id);
    if (ch == channels_.end()) return out;
    for (auto& c : slack_.calls(method))
      if (c.args.value("channel", "") == ch->second) out.push_back(c);
    return out;
  }
  // Whether every command in `ids` had its `method` reply within the deadline (empty: both).
  bool all_replied(const std::vector<std::string>& ids, std::chrono::seconds within,
                   const char* method = nullptr) {
    auto has = [&](const std::string& id) {
      if (method != nullptr) return !replies_of(method, id).empty();
      return !replies_of("chat.postMessage", id).empty() && !replies_of("chat.postEphemeral", id).empty();
    };
    return slack_.wait([&] { return std::all_of(ids.begin(), ids.end(), has); }, within);
  }
  // `n` Slack users "U0" + tag + NNN (tag of 5 letters), for givers; before the replicas start.
  std::vector<std::string> add_givers(const std::string& tag, int n) {
    std::vector<std::string> out;
    for (int i = 0; i < n; ++i) {
      out.push_back("U0" + tag + name("", i).substr(1));
      slack_.add_user(out.back(), tag + std::to_string(i));
    }
    return out;
  }
  // SIGTERM to each; each stops with status 0.
  static void stop_all(std::initializer_list<Child*> replicas) {
    for (auto* p : replicas) p->signal(SIGTERM);
    for (auto* p : replicas) EXPECT_EQ(p->wait(15s), 0) << p->err();
  }
  // Every command's two replies were sent once each, or twice for one in the maybe-sent window of
  // a kill -9 at `killed_at`: first by the dead primary, its post on the wire (the fake records a
  // request once it has read it, which may be a little after the kill): at most 3 s before the
  // kill and less than 5 s after it, when its lease (10 s from a renewal at most 2 s old) still
  // kept the standby from sending; then again by the new primary. Returns how many were sent twice.
  int expect_each_reply_once(const std::vector<std::string>& ids,
                             std::optional<Clock::time_point> killed_at) {
    int twice = 0;
    for (const auto& id : ids) {
      for (const char* method : {"chat.postMessage", "chat.postEphemeral"}) {
        auto sent = replies_of(method, id);
        EXPECT_FALSE(sent.empty()) << id << ": no " << method;
        if (sent.size() <= 1) continue;
        ++twice;
        EXPECT_TRUE(killed_at) << id << ": " << method << " sent " << sent.size() << " times";
        if (!killed_at) continue;
        EXPECT_EQ(sent.size(), 2u) << id << ": " << method << " sent more than twice";
        const auto first = sent[0].at - *killed_at, second = sent[1].at - *killed_at;
        EXPECT_TRUE(first > -3s && first < 5s && second > 5s)
            << id << ": " << method << " sent twice, not in the maybe-sent window: " << seconds(first)
            << " s and " << seconds(second) << " s after the kill";
      }
    }
    return twice;
  }
  std::string dump_replies() const {
    std::string s;
    for (const char* method : {"chat.postMessage", "chat.postEphemeral"})
      for (auto& c : slack_.calls(method)) s += std::string("  ") + method + ": " + c.args.dump() + "\n";
    return s;
  }

  TempDir dir_{"brigade-replicas"};
  std::string url_;
  std::string quota_ = "0";  // BRIGADE_DAILY_QUOTA: 0 = no allowance limit
  core::Calendar cal_{"UTC"};
  std::vector<std::unique_ptr<store::Store>> stores_;
  std::map<std::string, std::string> channels_;  // command → its channel
  FakeSlack slack_;
  FakeMatrix matrix_;
};

}  // namespace brigade::replica_test
