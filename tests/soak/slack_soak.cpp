// The crash soak on Slack: slash commands and app_mention events into a fake Slack; events not
// acked before a stop are redelivered after the restart, as Slack does.
#include <algorithm>
#include <cstdint>
#include <cstdio>
#include <optional>
#include <random>
#include <set>
#include <unordered_map>

#include <nlohmann/json.hpp>

#include "testkit/slack/fake_slack.hpp"
#include "tests/soak/soak.hpp"

namespace brigade::soak {
namespace {

using nlohmann::json;

const std::string kBotUser = "U00BRIGADE";
const std::string kSlackRecipients[] = {"U0000ALICE", "U000000BOB"};

class SlackSoak {
 public:
  SlackSoak(const Options& o, fs::path dir) : o_(o), dir_(std::move(dir)) {
    fake_.page_size = 200;
    fake_.add_user(kSlackRecipients[0], "alice");
    fake_.add_user(kSlackRecipients[1], "bob");
    load_rng_.seed(o.seed ^ 0x5eed51ac);
  }

  Result run() {
    res_.platform = "slack";
    run_plan(res_, make_plan(o_, 1), [this](std::size_t r) { one_run(r); });
    check();
    return res_;
  }

 private:
  struct Cmd {
    bool event = false;
    std::string giver, channel, recipient, event_id, ts;
    int envelopes = 0;
    bool acked = false;
    std::size_t conn = SIZE_MAX;  // the connection its last envelope went to
    Clock::time_point last_sent;
  };

  std::map<std::string, std::string> env() const {
    return {{"BRIGADE_DATA_DIR", (dir_ / "data").string()},
            {"BRIGADE_CONFIG", ""},
            {"BRIGADE_TZ", "UTC"},
            {"BRIGADE_DAILY_QUOTA", "0"},
            {"BRIGADE_LOG_LEVEL", "info"},
            {"BRIGADE_HTTP_ADDR", "127.0.0.1:0"},
            {"MATRIX_HOMESERVER", ""},
            {"MATRIX_ACCESS_TOKEN", ""},
            {"MATRIX_PASSWORD", ""},
            {"SLACK_APP_TOKEN", fake_.app_token},
            {"SLACK_BOT_TOKEN", fake_.bot_token},
            {"SLACK_API_URL", fake_.api_url()}};
  }

  void send_envelope(std::size_t n, std::size_t conn) {
    Cmd& c = cmds_[n - 1];
    std::string envelope = "env-" + std::to_string(++envelope_seq_);
    envelope_cmd_[envelope] = n;
    if (c.event) {
      json ev = {{"type", "app_mention"},
                 {"user", c.giver},
                 {"channel", c.channel},
                 {"text", "<@" + kBotUser + "> thanks <@" + c.recipient + "> soak-" + std::to_string(n)},
                 {"ts", c.ts},
                 {"event_ts", c.ts}};
      fake_.send(conn, testing::event_envelope(envelope, c.event_id, ev, c.envelopes));
    } else {
      fake_.send(conn, testing::slash_envelope(envelope, "thanks",
                                               "<@" + c.recipient + "|" +
                                                   (c.recipient == kSlackRecipients[0] ? "alice" : "bob") +
                                                   "> soak-" + std::to_string(n),
                                               c.giver, "soak-trigger-" + std::to_string(n), c.channel));
    }
    if (c.envelopes > 0) ++res_.runs.back().redelivered;
    ++c.envelopes;
    c.conn = conn;
    c.last_sent = Clock::now();
    ++res_.runs.back().envelopes;
    if (!c.acked) outstanding_.insert(n);
  }

  void new_command(std::size_t conn, const std::string& channel = "") {
    std::size_t n = cmds_.size() + 1;
    Cmd c;
    c.event = std::uniform_real_distribution<double>(0, 1)(load_rng_) < o_.event_share;
    char buf[32];
    std::snprintf(buf, sizeof buf, "UG%08zu", n);  // one giver per command: its private reply names it
    c.giver = buf;
    std::snprintf(buf, sizeof buf, "CSOAK%03zu", n % 499);  // Slack paces posts per channel (1/s)
    c.channel = channel.empty() ? buf : channel;
    c.recipient = kSlackRecipients[n % 2];
    if (c.event) {
      c.event_id = "EvSOAK" + std::to_string(n);
      auto us = std::chrono::duration_cast<std::chrono::microseconds>(
                    std::chrono::system_clock::now().time_since_epoch())
                    .count();
      std::snprintf(buf, sizeof buf, "%lld.%06lld", static_cast<long long>(us / 1000000),
                    static_cast<long long>(us % 1000000));
      c.ts = buf;
    }
    fake_.add_user(c.giver, "giver" + std::to_string(n));
    if (c.event) unacked_events_.insert(n);
    cmds_.push_back(c);
    ++res_.runs.back().new_commands;
    send_envelope(n, conn);
  }

  void absorb_acks() {
    for (const auto& id : fake_.acks_since(ack_cursor_)) {
      auto it = envelope_cmd_.find(id);
      if (it == envelope_cmd_.end()) continue;
      ++res_.runs.back().acks;
      Cmd& c = cmds_[it->second - 1];
      c.acked = true;
      outstanding_.erase(it->second);
      unacked_events_.erase(it->second);
    }
  }

  // What one run keeps between turns of its loop.
  struct Turn {
    Clock::time_point stop_at, give_up;
    Clock::duration interval;
    std::optional<std::size_t> conn;  // the bot's connection in this run, once it is up
    bool burst_sent = false;
    Clock::time_point next_send, next_check{};
    Drain drain;
  };

  void one_run(std::size_t r) {
    Run& run = res_.runs.back();
    const std::size_t conn_before = fake_.connections();
    auto log = dir_ / ("slack-run-" + std::to_string(r) + ".log");
    Bot bot({o_.brigade, "run"}, env(), log);
    run.started = Clock::now();
    Turn t;
    t.stop_at =
        run.stop == Stop::final ? Clock::time_point::max() : run.started + milliseconds(run.planned_ms);
    t.give_up = run.started + std::chrono::seconds(o_.final_timeout_s);
    t.interval =
        std::chrono::duration_cast<Clock::duration>(std::chrono::duration<double>(1.0 / o_.slack_rate));
    bool exited_early = false;
    outstanding_.clear();
    for (;;) {
      auto now = Clock::now();
      if (now >= t.stop_at) break;
      if (bot.exited()) {
        exited_early = true;
        break;
      }
      absorb_acks();
      if (!t.conn && fake_.connections() > conn_before) connected(run, t, now);
      if (t.conn) load(run, t, now);
      if (run.stop == Stop::final && t.conn && now >= t.next_check && drained(t, now)) break;
      if (now >= t.give_up) {
        res_.failures.push_back("run " + std::to_string(r) + ": not drained after " +
                                std::to_string(o_.final_timeout_s) + " s (log: " + log.string() + ")");
        break;
      }
      wait_for_acks(run, t, now);
    }
    end_run(res_, run, r, bot, log, exited_early);
    settle(res_, r, [this] { return fake_.open_sessions() == 0; });
    absorb_acks();
  }

  // The bot connected: as Slack does after a reconnect, events nobody acked come again (same
  // event_id, new envelope_id, retry_attempt + 1).
  void connected(Run& run, Turn& t, Clock::time_point now) {
    t.conn = fake_.connections() - 1;
    run.ready_ms = ms_between(run.started, now);
    for (auto n : unacked_events_) send_envelope(n, *t.conn);
    t.next_send = now;
  }

  // Retries of events not acked in time, new commands up to the window, and the burst before a SIGTERM.
  void load(const Run& run, Turn& t, Clock::time_point now) {
    const bool final = run.stop == Stop::final;
    for (auto n : unacked_events_) {
      const Cmd& c = cmds_[n - 1];
      if (c.conn == *t.conn && now - c.last_sent >= milliseconds(o_.event_retry_ms))
        send_envelope(n, *t.conn);  // Slack's retry of an event not acked in time
    }
    while (!final && now >= t.next_send && outstanding_.size() < o_.window) {
      new_command(*t.conn);
      t.next_send += t.interval;
    }
    // Before a SIGTERM, a burst into one channel: more replies than Slack's pacing (1 a second
    // per channel) lets out during the stop's 2-second drain, so the stop meets queued ones.
    if (run.stop == Stop::term && !t.burst_sent && now + milliseconds(150) >= t.stop_at) {
      t.burst_sent = true;
      for (int i = 0; i < o_.term_burst; ++i) new_command(*t.conn, "CSOAKHOT");
    }
    if (!final && now >= t.next_send) t.next_send = now;  // the window was full: no burst to catch up
  }

  // The last run: everything counted, the outbox empty and every event acked (see Drain).
  bool drained(Turn& t, Clock::time_point now) {
    t.next_check = now + milliseconds(200);
    auto l = read_ledger(dir_ / "data");
    std::size_t acked = static_cast<std::size_t>(
        std::count_if(cmds_.begin(), cmds_.end(), [](const Cmd& c) { return c.acked; }));
    std::string state =
        l ? std::to_string(l->by_id.size()) + "/" + std::to_string(l->outbox) + "/" + std::to_string(acked)
          : "unreadable";
    return t.drain.done(l && l->outbox == 0 && unacked_events_.empty(), state, now);
  }

  // Until the next command is due (or 20 ms), or an ack comes in.
  void wait_for_acks(const Run& run, const Turn& t, Clock::time_point now) {
    bool can_send = t.conn && run.stop != Stop::final && outstanding_.size() < o_.window;
    auto wake = std::min(t.stop_at,
                         can_send ? std::min(t.next_send, now + milliseconds(20)) : now + milliseconds(20));
    fake_.wait(
        [&] {
          std::size_t peek = ack_cursor_;
          return Clock::now() >= wake || !fake_.acks_since(peek).empty();
        },
        std::chrono::duration_cast<milliseconds>(wake - now) + milliseconds(1));
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
    for (std::size_t n = 1; n <= cmds_.size(); ++n)
      if (counted[n] != 1 && (pub.count(n) || prv.count(n)))
        res_.failures.push_back("soak-" + std::to_string(n) + " was answered but not counted");
    missing_replies(res_, counted, pub, prv);
    scan_logs(res_, dir_);
    if (res_.stray_replies > 0)
      res_.failures.push_back(std::to_string(res_.stray_replies) + " replies belong to no soak command");
    tally_duplicates(res_, pub, true, "public post (chat.postMessage)");
    tally_duplicates(res_, prv, false, "private reply (chat.postEphemeral)");
    verify_ledger(res_, o_, dir_ / "data");
  }

  // How often the ledger counts each command (counted[n] for soak-<n>), checked against what was sent
  // and acked.
  std::vector<std::size_t> count_commands(const Ledger& ledger) {
    std::vector<std::size_t> counted(cmds_.size() + 1, 0);
    for (const auto& [n, list] : ledger.by_id) {
      if (n == 0 || n > cmds_.size()) {
        res_.phantom += list.size();
        res_.failures.push_back("soak-" + std::to_string(n) + " is in the ledger but was never sent");
        continue;
      }
      const Cmd& c = cmds_[n - 1];
      for (const auto& k : list)
        if (k.giver != "slack:T000TEST:" + c.giver || k.recipient != "slack:T000TEST:" + c.recipient)
          res_.failures.push_back("soak-" + std::to_string(n) + " recorded as " + k.giver + " → " +
                                  k.recipient);
      counted[n] = list.size();
    }
    for (std::size_t n = 1; n <= cmds_.size(); ++n) check_command(n, counted[n]);
    return counted;
  }

  void check_command(std::size_t n, std::size_t counted) {
    const Cmd& c = cmds_[n - 1];
    const std::string id = "soak-" + std::to_string(n) + (c.event ? " (event)" : " (slash command)");
    c.event ? ++res_.events : ++res_.slash;
    if (c.acked) ++res_.acked;
    if (!c.event) (c.acked ? res_.acked_slash : res_.unacked_slash) += 1;
    if (c.event) res_.redelivered += static_cast<std::size_t>(std::max(0, c.envelopes - 1));
    if (counted > 0) ++res_.counted;
    if (!c.event && !c.acked && counted == 1) ++res_.counted_unacked_slash;
    if (counted > 1) {
      ++res_.doubled;
      res_.failures.push_back(id + " counted " + std::to_string(counted) + " times");
    } else if (counted == 0 && (c.acked || c.event)) {
      ++res_.lost;
      res_.failures.push_back(id + (c.acked ? " acked but not counted" : " never acked, not counted"));
    } else if (c.event && !c.acked) {
      res_.failures.push_back(id + " counted but never acked");
    }
  }

  // Replies: public posts carry soak-<n>; a private one goes to the command's own giver.
  void collect_replies(Copies& pub, Copies& prv) {
    std::unordered_map<std::string, std::size_t> by_giver;
    for (std::size_t n = 1; n <= cmds_.size(); ++n) by_giver[cmds_[n - 1].giver] = n;
    std::size_t cursor = 0;
    for (const auto& call : fake_.calls_since(cursor)) {
      if (call.method == "chat.postMessage") {
        ++res_.replies_public;
        std::set<std::size_t> ids;
        for (auto n : soak_ids(call.args.value("text", ""))) ids.insert(n);
        for (auto n : ids) pub[n].push_back({call.at, "channel " + call.args.value("channel", "")});
        if (ids.empty()) ++res_.stray_replies;
      } else if (call.method == "chat.postEphemeral") {
        ++res_.replies_private;
        auto it = by_giver.find(call.args.value("user", ""));
        if (it == by_giver.end())
          ++res_.stray_replies;
        else
          prv[it->second].push_back({call.at, "to " + call.args.value("user", "")});
      }
    }
  }

  const Options& o_;
  fs::path dir_;
  testing::FakeSlack fake_;
  std::mt19937_64 load_rng_;
  Result res_;
  std::vector<Cmd> cmds_;  // soak-<n> is cmds_[n - 1]
  std::unordered_map<std::string, std::size_t> envelope_cmd_;
  std::set<std::size_t> outstanding_;     // sent on the current connection, not acked
  std::set<std::size_t> unacked_events_;  // app_mention events no envelope of which was acked yet
  std::size_t envelope_seq_ = 0, ack_cursor_ = 0;
};

}  // namespace

Result soak_slack(const Options& o, const fs::path& dir) {
  return SlackSoak(o, dir).run();
}

}  // namespace brigade::soak
