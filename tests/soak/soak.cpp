// The crash soak: loopback Slack and Matrix load on `brigade run`, SIGKILLed at seeded random moments and
// restarted on the same data directory; checks every command counts once and counts duplicate replies.
//
//   brigade_soak [--platform slack|matrix|both] [--kills N] [--terms N] [--seed S] [--min-ms A]
//                [--max-ms B] [--slack-rate R] [--matrix-rate R] [--window W] [--event-share P]
//                [--term-burst N] [--brigade PATH] [--work DIR] [--keep]
//
// Per platform: KILLS SIGKILLs and TERMS SIGTERMs, in a seeded random order, each at a seeded random
// moment A..B ms after the bot was started; every stop is followed by a restart on the same data
// directory, and a last run drains everything and stops with SIGTERM. Slack gets slash commands and
// app_mention events (events not acked before a stop are redelivered after the restart, as Slack
// does); Matrix gets `!thanks` messages the bot reads from its committed sync cursor. Just before
// each SIGTERM a burst of commands goes into one channel (room), so the stop meets queued replies.
// Exit status 0 when every invariant holds, 1 when one breaks, 2 on bad usage. Loopback only.
#include <fcntl.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <limits>
#include <map>
#include <optional>
#include <random>
#include <set>
#include <sstream>
#include <string>
#include <thread>
#include <unordered_map>
#include <vector>

#include <nlohmann/json.hpp>

#include "core/calendar.hpp"
#include "store/store.hpp"
#include "testkit/matrix/fake_homeserver.hpp"
#include "testkit/slack/fake_slack.hpp"
#include "tests/support/process.hpp"

extern char** environ;

namespace brigade::soak {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;
using Clock = std::chrono::steady_clock;
using std::chrono::milliseconds;

struct Options {
  std::string platform = "both";
  int kills = 30;
  int terms = 6;
  std::uint64_t seed = 0;
  bool seed_given = false;
  int min_ms = 100;  // kill moments: uniformly A..B ms after the bot was started
  int max_ms = 2500;
  double slack_rate = 100;    // new commands per second while the bot is connected
  double matrix_rate = 30;    // messages per second, whether the bot is up or not
  std::size_t window = 32;    // Slack: envelopes outstanding (sent, not acked) at most
  double event_share = 0.4;   // Slack: the share of commands sent as app_mention events
  int event_retry_ms = 3000;  // Slack: an event unacked this long on a live link is sent again
  int final_timeout_s = 300;  // the last run must drain within this
  int term_burst = 3;         // commands sent into one channel (room) just before each SIGTERM
  std::string brigade = BRIGADE_BINARY_DIR "/brigade";
  std::string work;
  bool keep = false;
};

double ms_between(Clock::time_point a, Clock::time_point b) {
  return std::chrono::duration<double, std::milli>(b - a).count();
}

// ---- the bot as a child process -------------------------------------------------------------------

std::atomic<pid_t> g_child{-1};  // killed by our own signal handler, so Ctrl-C never leaves a bot behind

void on_fatal_signal(int sig) {
  pid_t p = g_child.load();
  if (p > 0) ::kill(p, SIGKILL);
  ::signal(sig, SIG_DFL);
  ::raise(sig);
}

// `brigade run` with stdout and stderr appended to a log file. PR_SET_PDEATHSIG kills it should the
// soak itself die, and the destructor kills it on every other way out.
class Bot {
 public:
  Bot(const std::vector<std::string>& argv, const std::map<std::string, std::string>& env,
      const fs::path& log) {
    std::map<std::string, std::string> vars;
    for (char** e = environ; *e; ++e) {
      std::string kv(*e);
      auto eq = kv.find('=');
      if (eq != std::string::npos) vars[kv.substr(0, eq)] = kv.substr(eq + 1);
    }
    for (const auto& [k, v] : env) {
      if (v.empty())
        vars.erase(k);  // an empty value means "unset"
      else
        vars[k] = v;
    }
    std::vector<std::string> env_strings, args = argv;
    for (const auto& [k, v] : vars) env_strings.push_back(k + "=" + v);
    std::vector<char*> envp, argp;
    for (auto& s : env_strings) envp.push_back(s.data());
    envp.push_back(nullptr);
    for (auto& s : args) argp.push_back(s.data());
    argp.push_back(nullptr);
    int out = ::open(log.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
    int in = ::open("/dev/null", O_RDONLY | O_CLOEXEC);
    if (out < 0 || in < 0) throw std::runtime_error("cannot open " + log.string());
    pid_t parent = ::getpid();
    pid_ = ::fork();
    if (pid_ == 0) {  // only async-signal-safe calls from here to exec
      ::prctl(PR_SET_PDEATHSIG, SIGKILL);
      if (::getppid() != parent) ::_exit(127);
      ::dup2(in, 0);
      ::dup2(out, 1);
      ::dup2(out, 2);
      ::execve(argp[0], argp.data(), envp.data());
      ::_exit(127);
    }
    ::close(out);
    ::close(in);
    if (pid_ < 0) throw std::runtime_error(std::string("fork: ") + std::strerror(errno));
    g_child = pid_;
  }
  ~Bot() {
    if (!status_) {
      ::kill(pid_, SIGKILL);
      int st;
      ::waitpid(pid_, &st, 0);
    }
    g_child = -1;
  }
  Bot(const Bot&) = delete;
  Bot& operator=(const Bot&) = delete;

  // The exit status (128 + signal when killed) once the process has ended.
  std::optional<int> exited() {
    if (!status_) {
      int st;
      if (::waitpid(pid_, &st, WNOHANG) == pid_)
        status_ = WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
    }
    return status_;
  }
  // Sends `sig` and waits for the end; past the deadline SIGKILL (and timed_out is set).
  int stop(int sig, milliseconds deadline) {
    signalled = Clock::now();
    if (exited()) return *status_;
    ::kill(pid_, sig);
    auto until = Clock::now() + deadline;
    while (!exited()) {
      if (Clock::now() >= until) {
        timed_out = true;
        ::kill(pid_, SIGKILL);
        int st;
        ::waitpid(pid_, &st, 0);
        status_ = 128 + SIGKILL;
        break;
      }
      ::usleep(2000);  // no waitpid with a timeout; 2 ms granularity is plenty
    }
    return *status_;
  }
  bool timed_out = false;
  Clock::time_point signalled;

 private:
  pid_t pid_ = -1;
  std::optional<int> status_;
};

// ---- runs, the plan, the ledger --------------------------------------------------------------------

enum class Stop { kill, term, final };
const char* stop_name(Stop s) {
  return s == Stop::kill ? "SIGKILL" : s == Stop::term ? "SIGTERM" : "final";
}

struct Run {
  Stop stop = Stop::kill;
  int planned_ms = 0;
  Clock::time_point started, signalled, ended;
  double ready_ms = -1;  // Slack: connected; Matrix: first sync request seen
  int status = -1;
  bool outside = false;  // stopped by a signal the soak did not send (see end_run)
  std::size_t new_commands = 0, envelopes = 0, acks = 0, redelivered = 0;
  std::size_t dup_public = 0, dup_private = 0;  // duplicates whose first copy went out in this run
};

struct Plan {
  std::vector<Stop> stops;
  std::vector<int> delays_ms;
};

// The stops in a seeded random order, each with a seeded random moment: fixed before any load runs,
// so a seed always gives the same kill moments.
Plan make_plan(const Options& o, std::uint64_t platform_salt) {
  std::seed_seq seq{static_cast<std::uint32_t>(o.seed), static_cast<std::uint32_t>(o.seed >> 32),
                    static_cast<std::uint32_t>(platform_salt)};
  std::mt19937_64 rng(seq);
  Plan p;
  p.stops.assign(static_cast<std::size_t>(o.kills), Stop::kill);
  p.stops.insert(p.stops.end(), static_cast<std::size_t>(o.terms), Stop::term);
  std::shuffle(p.stops.begin(), p.stops.end(), rng);
  std::uniform_int_distribution<int> delay(o.min_ms, o.max_ms);
  for (std::size_t i = 0; i < p.stops.size(); ++i) p.delays_ms.push_back(delay(rng));
  return p;
}

// The run that sent what the fake received at `t`: the last one started by then. (Runs do not
// overlap; a request written just before a kill may be read after the process was reaped.)
int run_at(const std::vector<Run>& runs, Clock::time_point t) {
  int at = -1;
  for (std::size_t i = 0; i < runs.size(); ++i)
    if (runs[i].started <= t) at = static_cast<int>(i);
  return at;
}

// The last run ends once everything is drained and nothing has changed for 1.5 s (a late duplicate
// would have shown by then) — or, should something never arrive, once nothing has changed for 15 s;
// the checks then say what is missing.
class Drain {
 public:
  bool done(bool drained, const std::string& state, Clock::time_point now) {
    if (state != state_) {
      state_ = state;
      changed_ = now;
    }
    if (!drained) return now - changed_ >= std::chrono::seconds(15);
    return now - changed_ >= milliseconds(1500);
  }

 private:
  std::string state_;
  Clock::time_point changed_ = Clock::now();
};

// "soak-<n>" anywhere in `s`: every n, in order (a text may carry several).
std::vector<std::size_t> soak_ids(const std::string& s) {
  std::vector<std::size_t> out;
  for (auto at = s.find("soak-"); at != std::string::npos; at = s.find("soak-", at + 5)) {
    std::size_t p = at + 5, n = 0;
    if (p >= s.size() || s[p] < '0' || s[p] > '9') continue;
    while (p < s.size() && s[p] >= '0' && s[p] <= '9') n = n * 10 + static_cast<std::size_t>(s[p++] - '0');
    out.push_back(n);
  }
  return out;
}

struct Ledger {
  std::map<std::size_t, std::vector<store::Kudos>> by_id;  // soak-<n> → its kudos
  std::size_t other = 0;                                   // kudos without a soak id
  std::size_t outbox = 0;
  std::optional<std::string> matrix_cursor;
};

// The ledger through the store API, read-only (safe beside a running bot): every kudos of all time.
std::optional<Ledger> read_ledger(const fs::path& data, std::string* error = nullptr) {
  try {
    core::Calendar cal("UTC");
    store::Options o;
    o.dir = data;
    o.read_only = true;
    auto st = store::Store::open(o, cal);
    auto r = st->read();
    Ledger l;
    for (auto& k : r->kudos_between(0, std::numeric_limits<core::Millis>::max(), 0)) {
      auto ids = soak_ids(k.reason);
      if (ids.size() != 1 || k.revoked)
        ++l.other;
      else
        l.by_id[ids[0]].push_back(std::move(k));
    }
    l.outbox = r->outbox_depth();
    l.matrix_cursor = r->cursor("matrix");
    return l;
  } catch (const std::exception& e) {
    if (error) *error = e.what();
    return std::nullopt;
  }
}

struct Verify {
  int status = -1;
  std::string out;
};

Verify report_verify(const Options& o, const fs::path& data) {
  testing::Child c({o.brigade, "report", "--verify"},
                   {{"BRIGADE_DATA_DIR", data.string()}, {"BRIGADE_CONFIG", ""}, {"BRIGADE_TZ", "UTC"}});
  Verify v;
  v.status = c.wait(std::chrono::seconds(60));
  v.out = c.out() + c.err();
  while (!v.out.empty() && v.out.back() == '\n') v.out.pop_back();
  return v;
}

// ---- what a platform soak reports ------------------------------------------------------------------

struct Result {
  std::string platform;
  std::vector<Run> runs;
  std::size_t commands = 0, slash = 0, events = 0;
  std::size_t acked = 0, acked_slash = 0, unacked_slash = 0, redelivered = 0;
  std::size_t counted = 0, counted_unacked_slash = 0;
  std::size_t lost = 0, doubled = 0, phantom = 0, other_kudos = 0;
  std::size_t replies_public = 0, replies_private = 0;
  std::size_t dup_public = 0, dup_private = 0;
  std::size_t dup_after_term = 0, dup_in_one_run = 0;
  std::size_t missing_public = 0, missing_private = 0, stray_replies = 0;
  std::size_t limited_syncs = 0;  // Matrix: "more new events than one sync returns" in the logs
  std::size_t resent = 0;         // Matrix: PUTs repeating a txnId already sent (deduplicated)
  Verify verify;
  std::vector<std::string> failures;  // invariants broken, one line each
  std::vector<std::string> notes;     // what else is worth knowing (duplicates' circumstances)
  bool ok() const { return failures.empty(); }
  std::size_t count(Stop s) const {
    return static_cast<std::size_t>(
        std::count_if(runs.begin(), runs.end(), [s](const Run& r) { return r.stop == s; }));
  }
};

// The runs of one platform: every planned stop, then a last run that drains everything. A run that
// something else on the machine stopped (see end_run) counts as what it was; a last run so stopped
// is tried again.
template <class OneRun>
void run_plan(Result& res, const Plan& plan, OneRun one_run) {
  for (std::size_t i = 0; i <= plan.stops.size() && res.ok(); ++i) {
    Run run;
    run.stop = i < plan.stops.size() ? plan.stops[i] : Stop::final;
    run.planned_ms = i < plan.stops.size() ? plan.delays_ms[i] : 0;
    res.runs.push_back(run);
    one_run(res.runs.size() - 1);
    if (run.stop == Stop::final && res.runs.back().outside && res.ok() &&
        res.runs.size() < plan.stops.size() + 4)
      --i;  // the last run again
  }
}

// Stops the bot as planned (unless it is gone already) and checks how it ended. A bot that ended on
// its own with a graceful stop's status and log line, or with SIGKILL's, was signalled from outside:
// on a shared machine another harness may signal a stale pid that the kernel has since given to
// this bot (pid_max is 32768 here). That is a real stop too, so it is counted as what it was.
void end_run(Result& res, Run& run, std::size_t r, Bot& bot, const fs::path& log, bool exited_early) {
  int sig = run.stop == Stop::kill ? SIGKILL : SIGTERM;
  run.status = bot.stop(sig, std::chrono::seconds(20));
  run.signalled = bot.signalled;
  run.ended = Clock::now();
  const std::string where = " (log: " + log.string() + ")";
  if (exited_early) {
    std::ifstream in(log);
    std::string text((std::istreambuf_iterator<char>(in)), {});
    bool graceful = run.status == 0 && text.find(": stopping intake") != std::string::npos;
    if (graceful || run.status == 128 + SIGKILL) {
      run.outside = true;
      run.stop = graceful ? Stop::term : Stop::kill;
      char after[32];
      std::snprintf(after, sizeof after, "%.2f", ms_between(run.started, run.ended) / 1000.0);
      res.notes.push_back("run " + std::to_string(r) + " was stopped by a " +
                          (graceful ? "SIGTERM" : "SIGKILL") + " the soak did not send, " + after +
                          " s after its start; counted as a " + stop_name(run.stop) + where);
      return;
    }
    res.failures.push_back("run " + std::to_string(r) + ": brigade exited by itself with status " +
                           std::to_string(run.status) + where);
    return;
  }
  if (run.stop == Stop::kill && run.status != 128 + SIGKILL)
    res.failures.push_back("run " + std::to_string(r) + ": exited with status " + std::to_string(run.status) +
                           " before the SIGKILL" + where);
  if (run.stop != Stop::kill && run.status != 0)
    res.failures.push_back("run " + std::to_string(r) + ": SIGTERM gave status " +
                           std::to_string(run.status) +
                           (bot.timed_out ? " (still running after 20 s, killed)" : "") + where);
}

// Waits until the fake has read and answered everything the stopped bot wrote (a killed process's
// last requests may still sit in socket buffers), so what the fake records from now on belongs to
// the next run.
template <class Idle>
void settle(Result& res, std::size_t r, Idle idle) {
  auto until = Clock::now() + std::chrono::seconds(5);
  while (!idle()) {
    if (Clock::now() >= until) {
      res.notes.push_back("run " + std::to_string(r) +
                          ": the fake still had connections open 5 s after the stop");
      return;
    }
    std::this_thread::sleep_for(milliseconds(2));
  }
}

// A duplicate reply: which command, when the first copy went out, when the later one did.
struct Copy {
  Clock::time_point at;
  std::string detail;
};

// Counts copies beyond the first per key, attributing each duplicate to the run of the first copy.
void tally_duplicates(Result& res, const std::map<std::size_t, std::vector<Copy>>& copies, bool is_public,
                      const std::string& what) {
  for (const auto& [n, list] : copies) {
    if (list.size() < 2) continue;
    auto sorted = list;
    std::sort(sorted.begin(), sorted.end(), [](const Copy& a, const Copy& b) { return a.at < b.at; });
    int first_run = run_at(res.runs, sorted.front().at);
    for (std::size_t i = 1; i < sorted.size(); ++i) {
      int later_run = run_at(res.runs, sorted[i].at);
      (is_public ? res.dup_public : res.dup_private) += 1;
      if (first_run >= 0) (is_public ? res.runs[first_run].dup_public : res.runs[first_run].dup_private) += 1;
      std::ostringstream line;
      line << what << " for soak-" << n << " twice: first in run " << first_run;
      if (first_run >= 0) {
        const Run& fr = res.runs[first_run];
        char gap[32];
        std::snprintf(gap, sizeof gap, "%.1f", ms_between(sorted.front().at, fr.signalled));
        line << " (" << stop_name(fr.stop) << " " << fr.planned_ms << " ms after its start), " << gap
             << " ms before the " << stop_name(fr.stop);
      }
      line << "; " << sorted.front().detail << "; again in run " << later_run << " (" << sorted[i].detail
           << ")";
      if (first_run >= 0 && first_run == later_run) {
        ++res.dup_in_one_run;
        res.failures.push_back("duplicate without a restart in between: " + line.str());
      } else if (first_run >= 0 && res.runs[first_run].stop != Stop::kill) {
        ++res.dup_after_term;
        res.failures.push_back("duplicate after a graceful stop: " + line.str());
      } else {
        res.notes.push_back(line.str());
      }
    }
  }
}

// Counted commands whose public or private reply never arrived, named (the first ten).
void missing_replies(Result& res, const std::vector<std::size_t>& counted,
                     const std::map<std::size_t, std::vector<Copy>>& pub,
                     const std::map<std::size_t, std::vector<Copy>>& prv) {
  std::string which;
  for (std::size_t n = 1; n < counted.size(); ++n) {
    if (counted[n] != 1) continue;
    bool no_pub = !pub.count(n), no_prv = !prv.count(n);
    res.missing_public += no_pub;
    res.missing_private += no_prv;
    if ((no_pub || no_prv) && res.missing_public + res.missing_private <= 10)
      which += std::string(which.empty() ? "" : ", ") + "soak-" + std::to_string(n) +
               (no_pub && no_prv ? " (both)"
                : no_pub         ? " (public)"
                                 : " (private)");
  }
  if (res.missing_public + res.missing_private > 0)
    res.failures.push_back(std::to_string(res.missing_public) + " public and " +
                           std::to_string(res.missing_private) + " private replies never arrived: " + which);
}

// What the bot's logs say about replies it gave up on and Matrix sync gaps.
void scan_logs(Result& res, const fs::path& dir) {
  std::size_t dropped = 0;
  for (const auto& f : fs::directory_iterator(dir)) {
    if (f.path().extension() != ".log") continue;
    std::ifstream in(f.path());
    for (std::string line; std::getline(in, line);) {
      if (line.find("more new events than one sync returns") != std::string::npos) ++res.limited_syncs;
      if (line.find("dropping reply") != std::string::npos && ++dropped <= 10)
        res.notes.push_back(f.path().filename().string() + ": " + line);
    }
  }
  if (dropped > 10) res.notes.push_back(std::to_string(dropped) + " 'dropping reply' lines in all");
}

void print_runs(const Result& r) {
  std::printf(
      "\n%s runs (duplicates are charged to the run whose reply went out first; * stopped from outside):\n",
      r.platform.c_str());
  std::printf("  %3s %-8s %7s %8s %7s %7s %6s %8s %7s %7s\n", "run", "stop", "at ms", "ready ms", "new",
              "envel.", "acks", "redeliv.", "dup pub", "dup prv");
  for (std::size_t i = 0; i < r.runs.size(); ++i) {
    const Run& x = r.runs[i];
    char planned[16], ready[16];
    std::snprintf(planned, sizeof planned, "%d", x.planned_ms);
    std::snprintf(ready, sizeof ready, "%.0f", x.ready_ms);
    std::string stop = std::string(stop_name(x.stop)) + (x.outside ? "*" : "");
    std::printf("  %3zu %-8s %7s %8s %7zu %7zu %6zu %8zu %7zu %7zu\n", i, stop.c_str(),
                x.stop == Stop::final ? "-" : planned, x.ready_ms < 0 ? "-" : ready, x.new_commands,
                x.envelopes, x.acks, x.redelivered, x.dup_public, x.dup_private);
  }
}

// ---- Slack -----------------------------------------------------------------------------------------

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

  void one_run(std::size_t r) {
    Run& run = res_.runs.back();
    const bool final = run.stop == Stop::final;
    const std::size_t conn_before = fake_.connections();
    auto log = dir_ / ("slack-run-" + std::to_string(r) + ".log");
    Bot bot({o_.brigade, "run"}, env(), log);
    run.started = Clock::now();
    const auto stop_at = final ? Clock::time_point::max() : run.started + milliseconds(run.planned_ms);
    const auto give_up = run.started + std::chrono::seconds(o_.final_timeout_s);
    const auto interval =
        std::chrono::duration_cast<Clock::duration>(std::chrono::duration<double>(1.0 / o_.slack_rate));
    std::optional<std::size_t> conn;
    bool burst_sent = false, exited_early = false;
    Clock::time_point next_send, next_check{};
    Drain drain;
    outstanding_.clear();
    for (;;) {
      auto now = Clock::now();
      if (now >= stop_at) break;
      if (bot.exited()) {
        exited_early = true;
        break;
      }
      absorb_acks();
      if (!conn && fake_.connections() > conn_before) {
        conn = fake_.connections() - 1;
        run.ready_ms = ms_between(run.started, now);
        // As Slack does after a reconnect: events nobody acked come again (same event_id, new
        // envelope_id, retry_attempt + 1).
        for (auto n : unacked_events_) send_envelope(n, *conn);
        next_send = now;
      }
      if (conn) {
        for (auto n : unacked_events_) {
          const Cmd& c = cmds_[n - 1];
          if (c.conn == *conn && now - c.last_sent >= milliseconds(o_.event_retry_ms))
            send_envelope(n, *conn);  // Slack's retry of an event not acked in time
        }
        while (!final && now >= next_send && outstanding_.size() < o_.window) {
          new_command(*conn);
          next_send += interval;
        }
        // Before a SIGTERM, a burst into one channel: more replies than Slack's pacing (1 a second
        // per channel) lets out during the stop's 2-second drain, so the stop meets queued ones.
        if (run.stop == Stop::term && !burst_sent && now + milliseconds(150) >= stop_at) {
          burst_sent = true;
          for (int i = 0; i < o_.term_burst; ++i) new_command(*conn, "CSOAKHOT");
        }
        if (!final && now >= next_send) next_send = now;  // the window was full: no burst to catch up
      }
      if (final && conn && now >= next_check) {
        next_check = now + milliseconds(200);
        auto l = read_ledger(dir_ / "data");
        std::size_t acked = static_cast<std::size_t>(
            std::count_if(cmds_.begin(), cmds_.end(), [](const Cmd& c) { return c.acked; }));
        std::string state = l ? std::to_string(l->by_id.size()) + "/" + std::to_string(l->outbox) + "/" +
                                    std::to_string(acked)
                              : "unreadable";
        if (drain.done(l && l->outbox == 0 && unacked_events_.empty(), state, now)) break;
      }
      if (now >= give_up) {
        res_.failures.push_back("run " + std::to_string(r) + ": not drained after " +
                                std::to_string(o_.final_timeout_s) + " s (log: " + log.string() + ")");
        break;
      }
      // Until the next command is due (or 20 ms), or an ack comes in.
      bool can_send = conn && !final && outstanding_.size() < o_.window;
      auto wake =
          std::min(stop_at, can_send ? std::min(next_send, now + milliseconds(20)) : now + milliseconds(20));
      fake_.wait(
          [&] {
            std::size_t peek = ack_cursor_;
            return Clock::now() >= wake || !fake_.acks_since(peek).empty();
          },
          std::chrono::duration_cast<milliseconds>(wake - now) + milliseconds(1));
    }
    end_run(res_, run, r, bot, log, exited_early);
    settle(res_, r, [this] { return fake_.open_sessions() == 0; });
    absorb_acks();
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
    std::vector<std::size_t> counted(cmds_.size() + 1, 0);
    for (const auto& [n, list] : ledger->by_id) {
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
    for (std::size_t n = 1; n <= cmds_.size(); ++n) {
      const Cmd& c = cmds_[n - 1];
      const std::string id = "soak-" + std::to_string(n) + (c.event ? " (event)" : " (slash command)");
      c.event ? ++res_.events : ++res_.slash;
      if (c.acked) ++res_.acked;
      if (!c.event) (c.acked ? res_.acked_slash : res_.unacked_slash) += 1;
      if (c.event) res_.redelivered += static_cast<std::size_t>(std::max(0, c.envelopes - 1));
      if (counted[n] > 0) ++res_.counted;
      if (!c.event && !c.acked && counted[n] == 1) ++res_.counted_unacked_slash;
      if (counted[n] > 1) {
        ++res_.doubled;
        res_.failures.push_back(id + " counted " + std::to_string(counted[n]) + " times");
      } else if (counted[n] == 0 && (c.acked || c.event)) {
        ++res_.lost;
        res_.failures.push_back(id + (c.acked ? " acked but not counted" : " never acked, not counted"));
      } else if (c.event && !c.acked) {
        res_.failures.push_back(id + " counted but never acked");
      }
    }

    // Replies: public posts carry soak-<n>; a private one goes to the command's own giver.
    std::unordered_map<std::string, std::size_t> by_giver;
    for (std::size_t n = 1; n <= cmds_.size(); ++n) by_giver[cmds_[n - 1].giver] = n;
    std::map<std::size_t, std::vector<Copy>> pub, prv;
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
    for (std::size_t n = 1; n <= cmds_.size(); ++n)
      if (counted[n] != 1 && (pub.count(n) || prv.count(n)))
        res_.failures.push_back("soak-" + std::to_string(n) + " was answered but not counted");
    missing_replies(res_, counted, pub, prv);
    scan_logs(res_, dir_);
    if (res_.stray_replies > 0)
      res_.failures.push_back(std::to_string(res_.stray_replies) + " replies belong to no soak command");
    tally_duplicates(res_, pub, true, "public post (chat.postMessage)");
    tally_duplicates(res_, prv, false, "private reply (chat.postEphemeral)");

    res_.verify = report_verify(o_, dir_ / "data");
    if (res_.verify.status != 0)
      res_.failures.push_back("brigade report --verify exited " + std::to_string(res_.verify.status) + ": " +
                              res_.verify.out);
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

// ---- Matrix ----------------------------------------------------------------------------------------

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

  void one_run(std::size_t r) {
    Run& run = res_.runs.back();
    const bool final = run.stop == Stop::final;
    const std::size_t syncs_before = fake_.requests("sync").size();
    auto log = dir_ / ("matrix-run-" + std::to_string(r) + ".log");
    Bot bot({o_.brigade, "run"}, env(), log);
    run.started = Clock::now();
    const auto stop_at = final ? Clock::time_point::max() : run.started + milliseconds(run.planned_ms);
    const auto give_up = run.started + std::chrono::seconds(o_.final_timeout_s);
    const auto interval =
        std::chrono::duration_cast<Clock::duration>(std::chrono::duration<double>(1.0 / o_.matrix_rate));
    Clock::time_point next_post = run.started, next_cursor_check{}, next_check{};
    bool burst_sent = false, exited_early = false;
    Drain drain;
    for (;;) {
      auto now = Clock::now();
      if (now >= stop_at) break;
      if (bot.exited()) {
        exited_early = true;
        break;
      }
      if (run.ready_ms < 0 && fake_.requests("sync").size() > syncs_before)
        run.ready_ms = ms_between(run.started, now);
      // The very first start skips the backlog: post only once a sync cursor is committed.
      if (!posting_ && now >= next_cursor_check) {
        next_cursor_check = now + milliseconds(20);
        auto l = read_ledger(dir_ / "data");
        posting_ = l && l->matrix_cursor.has_value();
        next_post = now;
      }
      while (posting_ && !final && now >= next_post) {
        post();
        next_post += interval;
      }
      // Before a SIGTERM, a burst into one room, so the stop meets replies still being sent.
      if (posting_ && run.stop == Stop::term && !burst_sent && now + milliseconds(150) >= stop_at) {
        burst_sent = true;
        for (int i = 0; i < o_.term_burst; ++i) post(kRooms[0]);
      }
      if (final && now >= next_check) {
        next_check = now + milliseconds(200);
        auto l = read_ledger(dir_ / "data");
        std::string state =
            l ? std::to_string(l->by_id.size()) + "/" + std::to_string(l->outbox) : "unreadable";
        if (drain.done(l && l->outbox == 0 && l->by_id.size() >= cmds_.size(), state, now)) break;
      }
      if (now >= give_up) {
        res_.failures.push_back("run " + std::to_string(r) + ": not drained after " +
                                std::to_string(o_.final_timeout_s) + " s (log: " + log.string() + ")");
        break;
      }
      auto wake = std::min(
          {stop_at, now + milliseconds(10), posting_ && !final ? next_post : now + milliseconds(10)});
      std::this_thread::sleep_until(wake);
    }
    end_run(res_, run, r, bot, log, exited_early);
    settle(res_, r, [this] { return fake_.busy_sessions() == 0; });
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
    std::vector<std::size_t> counted(cmds_.size() + 1, 0);
    for (const auto& [n, list] : ledger->by_id) {
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

    // When each distinct event was first sent: the earliest PUT of its txnId to its room.
    std::map<std::string, std::pair<Clock::time_point, std::string>> first_put;  // room|txn → (at, token)
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
    std::map<std::size_t, std::vector<Copy>> pub, prv;
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
    missing_replies(res_, counted, pub, prv);
    scan_logs(res_, dir_);
    if (res_.stray_replies > 0)
      res_.failures.push_back(std::to_string(res_.stray_replies) + " notices belong to no soak command");
    tally_duplicates(res_, pub, true, "public notice");
    tally_duplicates(res_, prv, false, "private reply (m.in_reply_to the command)");
    res_.acked = res_.counted;  // Matrix has no acks: a command is taken when its batch commits
    res_.verify = report_verify(o_, dir_ / "data");
    if (res_.verify.status != 0)
      res_.failures.push_back("brigade report --verify exited " + std::to_string(res_.verify.status) + ": " +
                              res_.verify.out);
  }

  const Options& o_;
  fs::path dir_;
  testing::FakeMatrix fake_;
  Result res_;
  std::vector<Cmd> cmds_;
  std::unordered_map<std::string, std::size_t> event_cmd_;
  bool posting_ = false;
};

// ---- main --------------------------------------------------------------------------------------------

void print_summary(const std::vector<Result>& results, const Options& o) {
  std::printf("\ncrash soak, seed %llu: %d SIGKILLs and %d SIGTERMs per platform at %d..%d ms after start\n",
              static_cast<unsigned long long>(o.seed), o.kills, o.terms, o.min_ms, o.max_ms);
  std::printf("%-28s", "");
  for (const auto& r : results) std::printf("%12s", r.platform.c_str());
  std::printf("\n");
  auto row = [&](const char* label, auto get) {
    std::printf("%-28s", label);
    for (const auto& r : results) std::printf("%12s", get(r).c_str());
    std::printf("\n");
  };
  auto num = [](std::size_t v) { return std::to_string(v); };
  row("kills (SIGKILL)", [&](const Result& r) { return num(r.count(Stop::kill)); });
  row("graceful stops (SIGTERM)",
      [&](const Result& r) { return num(r.count(Stop::term) + r.count(Stop::final)); });
  row("  of which from outside", [&](const Result& r) {
    return num(static_cast<std::size_t>(
        std::count_if(r.runs.begin(), r.runs.end(), [](const Run& x) { return x.outside; })));
  });
  row("restarts", [&](const Result& r) { return num(r.runs.empty() ? 0 : r.runs.size() - 1); });
  row("commands", [&](const Result& r) { return num(r.commands); });
  row("  slash / events", [&](const Result& r) {
    return r.platform == "slack" ? num(r.slash) + " / " + num(r.events) : std::string("-");
  });
  row("acked", [&](const Result& r) { return r.platform == "slack" ? num(r.acked) : std::string("-"); });
  row("  slash never acked", [&](const Result& r) {
    return r.platform == "slack" ? num(r.unacked_slash) + " (" + num(r.counted_unacked_slash) + " counted)"
                                 : std::string("-");
  });
  row("events redelivered",
      [&](const Result& r) { return r.platform == "slack" ? num(r.redelivered) : std::string("-"); });
  row("counted once", [&](const Result& r) { return num(r.counted - r.doubled); });
  row("lost (must be 0)", [&](const Result& r) { return num(r.lost); });
  row("counted twice (must be 0)", [&](const Result& r) { return num(r.doubled); });
  row("replies public / private",
      [&](const Result& r) { return num(r.replies_public) + " / " + num(r.replies_private); });
  row("Matrix re-sent (same txnId)",
      [&](const Result& r) { return r.platform == "matrix" ? num(r.resent) : std::string("-"); });
  row("duplicate public", [&](const Result& r) { return num(r.dup_public); });
  row("duplicate private", [&](const Result& r) { return num(r.dup_private); });
  row("dup. after SIGTERM (0)", [&](const Result& r) { return num(r.dup_after_term); });
  row("Matrix sync gaps (limited)",
      [&](const Result& r) { return r.platform == "matrix" ? num(r.limited_syncs) : std::string("-"); });
  row("missing replies (0)", [&](const Result& r) { return num(r.missing_public + r.missing_private); });
  row("report --verify", [&](const Result& r) {
    return r.verify.status == 0 ? std::string("ok") : "exit " + std::to_string(r.verify.status);
  });
  row("invariants", [&](const Result& r) { return r.ok() ? std::string("hold") : std::string("BROKEN"); });
}

int usage(FILE* to = stderr, int status = 2) {
  std::fprintf(
      to,
      "usage: brigade_soak [--platform slack|matrix|both] [--kills N] [--terms N] [--seed S]\n"
      "                    [--min-ms A] [--max-ms B] [--slack-rate R] [--matrix-rate R] [--window W]\n"
      "                    [--event-share P] [--term-burst N] [--brigade PATH] [--work DIR] [--keep]\n");
  return status;
}

int main_(int argc, char** argv) {
  Options o;
  for (int i = 1; i < argc; ++i) {
    std::string a = argv[i];
    auto value = [&]() -> std::string {
      if (i + 1 >= argc) throw std::invalid_argument(a + " needs a value");
      return argv[++i];
    };
    if (a == "--help" || a == "-h")
      return usage(stdout, 0);
    else if (a == "--platform")
      o.platform = value();
    else if (a == "--kills")
      o.kills = std::stoi(value());
    else if (a == "--terms")
      o.terms = std::stoi(value());
    else if (a == "--seed") {
      std::string v = value();
      if (!v.empty()) {
        o.seed = std::stoull(v);
        o.seed_given = true;
      }
    } else if (a == "--min-ms")
      o.min_ms = std::stoi(value());
    else if (a == "--max-ms")
      o.max_ms = std::stoi(value());
    else if (a == "--slack-rate")
      o.slack_rate = std::stod(value());
    else if (a == "--matrix-rate")
      o.matrix_rate = std::stod(value());
    else if (a == "--window")
      o.window = std::stoul(value());
    else if (a == "--event-share")
      o.event_share = std::stod(value());
    else if (a == "--term-burst")
      o.term_burst = std::stoi(value());
    else if (a == "--brigade")
      o.brigade = value();
    else if (a == "--work")
      o.work = value();
    else if (a == "--keep")
      o.keep = true;
    else
      return usage();
  }
  if ((o.platform != "slack" && o.platform != "matrix" && o.platform != "both") || o.kills < 0 ||
      o.terms < 0 || o.min_ms < 0 || o.max_ms < o.min_ms || o.slack_rate <= 0 || o.matrix_rate <= 0 ||
      o.window == 0 || o.term_burst < 0)
    return usage();
  if (!o.seed_given) o.seed = std::random_device{}() % 1000000000;
  if (!fs::exists(o.brigade)) {
    std::fprintf(stderr, "brigade_soak: no binary at %s\n", o.brigade.c_str());
    return 2;
  }
  fs::path work = o.work.empty() ? fs::temp_directory_path() / ("brigade-soak-" + std::to_string(o.seed) +
                                                                "-" + std::to_string(::getpid()))
                                 : fs::path(o.work);
  fs::create_directories(work);
  std::printf("crash soak: seed %llu (again: --seed %llu), work directory %s\n",
              static_cast<unsigned long long>(o.seed), static_cast<unsigned long long>(o.seed), work.c_str());
  std::fflush(stdout);

  std::vector<Result> results;
  for (std::string platform : {"slack", "matrix"}) {
    if (o.platform != "both" && o.platform != platform) continue;
    auto dir = work / platform;
    fs::remove_all(dir);
    fs::create_directories(dir);
    auto started = Clock::now();
    std::fprintf(stderr, "brigade_soak: %s: %d kills, %d SIGTERMs …\n", platform.c_str(), o.kills, o.terms);
    if (platform == "slack")
      results.push_back(SlackSoak(o, dir).run());
    else
      results.push_back(MatrixSoak(o, dir).run());
    const Result& r = results.back();
    print_runs(r);
    std::printf("  %s took %.1f s; report --verify: %s\n", platform.c_str(),
                ms_between(started, Clock::now()) / 1000.0, r.verify.out.c_str());
    for (const auto& n : r.notes) std::printf("  note: %s\n", n.c_str());
    for (std::size_t i = 0; i < r.failures.size() && i < 50; ++i)
      std::printf("  BROKEN: %s\n", r.failures[i].c_str());
    if (r.failures.size() > 50) std::printf("  … and %zu more\n", r.failures.size() - 50);
    std::fflush(stdout);
  }
  print_summary(results, o);
  bool ok = std::all_of(results.begin(), results.end(), [](const Result& r) { return r.ok(); });
  if (ok && !o.keep && o.work.empty()) {
    fs::remove_all(work);
  } else {
    std::printf("data and bot logs kept in %s\n", work.c_str());
  }
  std::printf("%s\n",
              ok ? "soak: every invariant held" : "soak: INVARIANT BROKEN (reproduce with the seed above)");
  return ok ? 0 : 1;
}

}  // namespace
}  // namespace brigade::soak

int main(int argc, char** argv) {
  ::signal(SIGPIPE, SIG_IGN);
  for (int s : {SIGINT, SIGTERM, SIGHUP}) ::signal(s, brigade::soak::on_fatal_signal);
  try {
    return brigade::soak::main_(argc, argv);
  } catch (const std::exception& e) {
    std::fprintf(stderr, "brigade_soak: %s\n", e.what());
    return 2;
  }
}
