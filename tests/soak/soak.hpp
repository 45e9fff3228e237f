// The crash soak's shared pieces: options, the bot as a child process, the plan of stops, the runs
// and what a platform soak reports, the ledger read back, and the checks both platforms use.
// soak_main.cpp runs slack_soak.cpp and matrix_soak.cpp in turn.
#pragma once

#include <sys/types.h>

#include <atomic>
#include <chrono>
#include <cstdint>
#include <filesystem>
#include <map>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "store/store.hpp"

namespace brigade::soak {

namespace fs = std::filesystem;
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

inline double ms_between(Clock::time_point a, Clock::time_point b) {
  return std::chrono::duration<double, std::milli>(b - a).count();
}

// ---- the bot as a child process (soak_run.cpp) -------------------------------------------------------

inline std::atomic<pid_t> g_child{-1};  // killed by on_fatal_signal, so Ctrl-C never leaves a bot behind

void on_fatal_signal(int sig);

// `brigade run` with stdout and stderr appended to a log file. PR_SET_PDEATHSIG kills it should the
// soak itself die, and the destructor kills it on every other way out.
class Bot {
 public:
  Bot(const std::vector<std::string>& argv, const std::map<std::string, std::string>& env,
      const fs::path& log);
  ~Bot();
  Bot(const Bot&) = delete;
  Bot& operator=(const Bot&) = delete;

  // The exit status (128 + signal when killed) once the process has ended.
  std::optional<int> exited();
  // Sends `sig` and waits for the end; past the deadline SIGKILL (and timed_out is set).
  int stop(int sig, milliseconds deadline);
  bool timed_out = false;
  Clock::time_point signalled;

 private:
  pid_t pid_ = -1;
  std::optional<int> status_;
};

// ---- runs and the plan (soak_run.cpp) ----------------------------------------------------------------

enum class Stop { kill, term, final };
const char* stop_name(Stop s);

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
Plan make_plan(const Options& o, std::uint64_t platform_salt);

// The run that sent what the fake received at `t`: the last one started by then. (Runs do not
// overlap; a request written just before a kill may be read after the process was reaped.)
int run_at(const std::vector<Run>& runs, Clock::time_point t);

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

// ---- the ledger (soak_check.cpp) ---------------------------------------------------------------------

// "soak-<n>" anywhere in `s`: every n, in order (a text may carry several).
std::vector<std::size_t> soak_ids(const std::string& s);

struct Ledger {
  std::map<std::size_t, std::vector<store::Kudos>> by_id;  // soak-<n> → its kudos
  std::size_t other = 0;                                   // kudos without a soak id
  std::size_t outbox = 0;
  std::optional<std::string> matrix_cursor;
};

// The ledger through the store API, read-only (safe beside a running bot): every kudos of all time.
std::optional<Ledger> read_ledger(const fs::path& data, std::string* error = nullptr);

struct Verify {
  int status = -1;
  std::string out;
};

Verify report_verify(const Options& o, const fs::path& data);

// ---- what a platform soak reports ----------------------------------------------------------------------

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
  std::size_t count(Stop s) const;
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

// Stops the bot as planned (unless it is gone already) and checks how it ended (soak_run.cpp).
void end_run(Result& res, Run& run, std::size_t r, Bot& bot, const fs::path& log, bool exited_early);

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

// ---- checks both platforms make (soak_check.cpp) -----------------------------------------------------

// A duplicate reply: which command, when the first copy went out, when the later one did.
struct Copy {
  Clock::time_point at;
  std::string detail;
};
using Copies = std::map<std::size_t, std::vector<Copy>>;  // soak-<n> → every copy of one reply

// Counts copies beyond the first per key, attributing each duplicate to the run of the first copy.
void tally_duplicates(Result& res, const Copies& copies, bool is_public, const std::string& what);
// Counted commands whose public or private reply never arrived, named (the first ten).
void missing_replies(Result& res, const std::vector<std::size_t>& counted, const Copies& pub,
                     const Copies& prv);
// What the bot's logs say about replies it gave up on and Matrix sync gaps.
void scan_logs(Result& res, const fs::path& dir);
// `brigade report --verify` on the data directory; a failure if it finds drift.
void verify_ledger(Result& res, const Options& o, const fs::path& data);
void print_runs(const Result& r);

// ---- the platforms --------------------------------------------------------------------------------------

Result soak_slack(const Options& o, const fs::path& dir);   // slack_soak.cpp
Result soak_matrix(const Options& o, const fs::path& dir);  // matrix_soak.cpp

}  // namespace brigade::soak
