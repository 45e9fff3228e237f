// The crash soak on Matrix: `!thanks` messages into a fake homeserver, read by the bot from its
// committed sync cursor, whether the bot is up or not.
#include <algorithm>
#include <set>
#include <unordered_map>
#include <utility>

#include <nlohmann/json.hpp>

#include "testkit/matrix/fake_homeserver.hpp"
#include "tests/soak/soak.hpp"

namespace brigade::soak {
namespace {

using nlohmann::json;

const std::string kRooms[] = {"!soak1:example.org", "!soak2:example.org", "!soak3:example.org"};
const std::string kGivers[] = {"@carol:example.org", "@dave:example.org", "@erin:example.org"};
const std::string kRecipients[] = {"@alice:example.org", "@bob:example.org"};

class MatrixSoak {
 public:
  MatrixSoak(const Options& o, fs::path dir) : o_(o), dir_(std::move(dir)) {
    std::vector<std::string> members;
    for (const auto& [id, name] :
         {std::pair{kRecipients[0], "Alice"}, std::pair{kRecipients[1], "Bob"},
          std::pair{kGivers[0], "Carol"}, std::pair{kGivers[1], "Dave"}, std::pair{kGivers[2], "Erin"}}) {
      fake_.add_user(id, name);
      members.push_back(id);
    }
    for (const auto& room : kRooms) fake_.add_room(room, members);
  }

  Result run() {
    res_.platform = "matrix";
    run_plan(res_, make_plan(o_, 2), [this](std::size_t r) { one_run(r); });
    check();
    return res_;
  }

 private:
  struct Cmd {
    std::string room, sender, recipient, event_id;
  };

  std::map<std::string, std::string> env() const {
    return {{"BRIGADE_DATA_DIR", (dir_ / "data").string()},
            {"BRIGADE_CONFIG", ""},
            {"BRIGADE_TZ", "UTC"},
            {"BRIGADE_DAILY_QUOTA", "0"},
            {"BRIGADE_LOG_LEVEL", "info"},
            {"BRIGADE_HTTP_ADDR", "127.0.0.1:0"},
            {"SLACK_APP_TOKEN", ""},
            {"SLACK_BOT_TOKEN", ""},
            {"MATRIX_HOMESERVER", fake_.base_url()},
            {"MATRIX_USER_ID", fake_.bot_user},
            {"MATRIX_PASSWORD", fake_.password},
            {"MATRIX_ACCESS_TOKEN", ""}};
  }

  void post(const std::string& room = "") {
    std::size_t n = cmds_.size() + 1;
    Cmd c;
    c.room = room.empty() ? kRooms[n % 3] : room;
    c.sender = kGivers[(n / 3) % 3];
    c.recipient = kRecipients[n % 2];
    c.event_id = fake_.text(c.room, c.sender, "!thanks " + c.recipient + " soak-" + std::to_string(n));
    event_cmd_[c.event_id] = n;
    cmds_.push_back(c);
    ++res_.runs.back().new_commands;
  }

  // What one run keeps between turns of its loop.
  struct Turn {
    Clock::time_point stop_at, give_up;
    Clock::duration interval;
    Clock::time_point next_post, next_cursor_check{}, next_check{};
    bool burst_sent = false;
    Drain drain;
  };

  void one_run(std::size_t r) {
    Run& run = res_.runs.back();
    const std::size_t syncs_before = fake_.requests("sync").size();
    auto log = dir_ / ("matrix-run-" + std::to_string(r) + ".log");
    Bot bot({o_.brigade, "run"}, env(), log);
    run.started = Clock::now();
    Turn t;
    t.stop_at =
        run.stop == Stop::final ? Clock::time_point::max() : run.started + milliseconds(run.planned_ms);
    t.give_up = run.started + std::chrono::seconds(o_.final_timeout_s);
    t.interval =
        std::chrono::duration_cast<Clock::duration>(std::chrono::duration<double>(1.0 / o_.matrix_rate));
    t.next_post = run.started;
    bool exited_early = false;
    for (;;) {
      auto now = Clock::now();
      if (now >= t.stop_at) break;
      if (bot.exited()) {
        exited_early = true;
        break;
      }
      if (run.ready_ms < 0 && fake_.requests("sync").size() > syncs_before)
        run.ready_ms = ms_between(run.started, now);
      load(run, t, now);
      if (run.stop == Stop::final && now >= t.next_check && drained(t, now)) break;
      if (now >= t.give_up) {
        res_.failures.push_back("run " + std::to_string(r) + ": not drained after " +
                                std::to_string(o_.final_timeout_s) + " s (log: " + log.string() + ")");
        break;
      }
      auto wake = std::min({t.stop_at, now + milliseconds(10),
                            posting_ && run.stop != Stop::final ? t.next_post : now + milliseconds(10)});
      std::this_thread::sleep_until(wake);
    }
    end_run(res_, run, r, bot, log, exited_early);
    settle(res_, r, [this] { return fake_.busy_sessions() == 0; });
  }

  // Messages at the planned rate once a sync cursor is committed, and the burst before a SIGTERM.
  void load(const Run& run, Turn& t, Clock::time_point now) {
    // The very first start skips the backlog: post only once a sync cursor is committed.
    if (!posting_ && now >= t.next_cursor_check) {
      t.next_cursor_check = now + milliseconds(20);
      auto l = read_ledger(dir_ / "data");
      posting_ = l && l->matrix_cursor.has_value();
      t.next_post = now;
    }
    while (posting_ && run.stop != Stop::final && now >= t.next_post) {
      post();
      t.next_post += t.interval;
    }
    // Before a SIGTERM, a burst into one room, so the stop meets replies still being sent.
    if (posting_ && run.stop == Stop::term && !t.burst_sent && now + milliseconds(150) >= t.stop_at) {
      t.burst_sent = true;
      for (int i = 0; i < o_.term_burst; ++i) post(kRooms[0]);
    }
  }

  // The last run: every message counted and the outbox empty (see Drain).
  bool drained(Turn& t, Clock::time_point now) {
    t.next_check = now + milliseconds(200);
    auto l = read_ledger(dir_ / "data");
    std::string state = l ? std::to_string(l->by_id.size()) + "/" + std::to_string(l->outbox) : "unreadable";
    return t.drain.done(l && l->outbox == 0 && l->by_id.size() >= cmds_.size(), state, now);
  }

  void check() {
    res_.commands = cmds_.size();
    std::string err;
    auto ledger = read_ledger(dir_ / "data", &err);
    if (!ledger) {
      res_.failures.push_back("cannot read the ledger: " + err);
      return;
    }
    res_.other_kudos = ledger->other;
    auto counted = count_commands(*ledger);
    Copies pub, prv;
    collect_replies(pub, prv);
    missing_replies(res_, counted, pub, prv);
    scan_logs(res_, dir_);
    if (res_.stray_replies > 0)
      res_.failures.push_back(std::to_string(res_.stray_replies) + " notices belong to no soak command");
    tally_duplicates(res_, pub, true, "public notice");
    tally_duplicates(res_, prv, false, "private reply (m.in_reply_to the command)");
    res_.acked = res_.counted;  // Matrix has no acks: a command is taken when its batch commits
    verify_ledger(res_, o_, dir_ / "data");
  }

  // How often the ledger counts each message (counted[n] for soak-<n>), checked against what was posted.
  std::vector<std::size_t> count_commands(const Ledger& ledger) {
    std::vector<std::size_t> counted(cmds_.size() + 1, 0);
    for (const auto& [n, list] : ledger.by_id) {
      if (n == 0 || n > cmds_.size()) {
        res_.phantom += list.size();
        res_.failures.push_back("soak-" + std::to_string(n) + " is in the ledger but was never posted");
        continue;
      }
      const Cmd& c = cmds_[n - 1];
      for (const auto& k : list)
        if (k.giver != "matrix:" + c.sender || k.recipient != "matrix:" + c.recipient)
          res_.failures.push_back("soak-" + std::to_string(n) + " recorded as " + k.giver + " → " +
                                  k.recipient);
      counted[n] = list.size();
    }
    for (std::size_t n = 1; n <= cmds_.size(); ++n) {
      if (counted[n] > 0) ++res_.counted;
      if (counted[n] > 1) {
        ++res_.doubled;
        res_.failures.push_back("soak-" + std::to_string(n) + " counted " + std::to_string(counted[n]) +
                                " times");
      } else if (counted[n] == 0) {
        ++res_.lost;
        res_.failures.push_back("soak-" + std::to_string(n) + " (" + cmds_[n - 1].event_id +
                                ") posted but not counted");
      }
    }
    return counted;
  }

  // When each distinct event was first sent: the earliest PUT of its txnId to its room, and the
  // token it went with (room|txn → (at, token)).
  std::map<std::string, std::pair<Clock::time_point, std::string>> first_puts() {
    std::map<std::string, std::pair<Clock::time_point, std::string>> first_put;
    for (const auto& rq : fake_.requests("send")) {
      auto pos = rq.path.rfind('/');
      auto room_at = rq.path.find("/rooms/");
      if (pos == std::string::npos || room_at == std::string::npos) continue;
      std::string room = rq.path.substr(room_at + 7, rq.path.find('/', room_at + 7) - room_at - 7);
      std::string key = room + "|" + rq.path.substr(pos + 1);
      if (!first_put.count(key))
        first_put[key] = {rq.at, rq.auth.substr(std::min<std::size_t>(7, rq.auth.size()))};
      else
        ++res_.resent;  // the same txnId again: the server answers with the event it already has
    }
    return first_put;
  }

  // Notices: public ones carry soak-<n>; a private one is m.in_reply_to the command's event.
  void collect_replies(Copies& pub, Copies& prv) {
    auto first_put = first_puts();
    for (const auto& s : fake_.sent()) {
      auto fp = first_put.find(s.room + "|" + s.txn_id);
      Clock::time_point at = fp == first_put.end() ? Clock::time_point{} : fp->second.first;
      std::string detail = "event " + s.event_id + ", txnId " + s.txn_id + ", token " +
                           (fp == first_put.end() ? "?" : fp->second.second);
      const json& rel = s.content.contains("m.relates_to") ? s.content["m.relates_to"] : json();
      std::string reply_to =
          rel.is_object() && rel.contains("m.in_reply_to") && rel["m.in_reply_to"].is_object()
              ? rel["m.in_reply_to"].value("event_id", "")
              : "";
      if (!reply_to.empty()) {
        ++res_.replies_private;
        auto it = event_cmd_.find(reply_to);
        if (it == event_cmd_.end())
          ++res_.stray_replies;
        else
          prv[it->second].push_back({at, detail});
        continue;
      }
      ++res_.replies_public;
      std::set<std::size_t> ids;
      for (auto n : soak_ids(s.content.value("body", ""))) ids.insert(n);
      for (auto n : ids) pub[n].push_back({at, detail});
      if (ids.empty()) ++res_.stray_replies;
    }
  }

  const Options& o_;
  fs::path dir_;
  testing::FakeMatrix fake_;
  Result res_;
  std::vector<Cmd> cmds_;
  std::unordered_map<std::string, std::size_t> event_cmd_;
  bool posting_ = false;
};

}  // namespace

Result soak_matrix(const Options& o, const fs::path& dir) {
  return MatrixSoak(o, dir).run();
}

}  // namespace brigade::soak
