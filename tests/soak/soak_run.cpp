// The soak's processes and runs: the bot as a child process, the plan of stops, how a run ended.
#include <fcntl.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <iterator>
#include <random>
#include <stdexcept>

#include "tests/soak/soak.hpp"

extern char** environ;

namespace brigade::soak {

void on_fatal_signal(int sig) {
  pid_t p = g_child.load();
  if (p > 0) ::kill(p, SIGKILL);
  ::signal(sig, SIG_DFL);
  ::raise(sig);
}

Bot::Bot(const std::vector<std::string>& argv, const std::map<std::string, std::string>& env,
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

Bot::~Bot() {
  if (!status_) {
    ::kill(pid_, SIGKILL);
    int st;
    ::waitpid(pid_, &st, 0);
  }
  g_child = -1;
}

std::optional<int> Bot::exited() {
  if (!status_) {
    int st;
    if (::waitpid(pid_, &st, WNOHANG) == pid_) status_ = WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
  }
  return status_;
}

int Bot::stop(int sig, milliseconds deadline) {
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

const char* stop_name(Stop s) {
  return s == Stop::kill ? "SIGKILL" : s == Stop::term ? "SIGTERM" : "final";
}

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

int run_at(const std::vector<Run>& runs, Clock::time_point t) {
  int at = -1;
  for (std::size_t i = 0; i < runs.size(); ++i)
    if (runs[i].started <= t) at = static_cast<int>(i);
  return at;
}

std::size_t Result::count(Stop s) const {
  return static_cast<std::size_t>(
      std::count_if(runs.begin(), runs.end(), [s](const Run& r) { return r.stop == s; }));
}

// A bot that ended on its own with a graceful stop's status and log line, or with SIGKILL's, was
// signalled from outside: on a shared machine another harness may signal a stale pid that the kernel
// has since given to this bot (pid_max is 32768 here). That is a real stop too, so it is counted as
// what it was.
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

}  // namespace brigade::soak
