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
#include <signal.h>
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <optional>
#include <random>
#include <stdexcept>
#include <string>
#include <vector>

#include "tests/soak/soak.hpp"

namespace brigade::soak {
namespace {

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

// Reads the command line into `o`: nullopt when it is usable, otherwise the exit status to end with
// (the usage was printed).
std::optional<int> parse_options(int argc, char** argv, Options& o) {
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
  return std::nullopt;
}

// One platform's soak in work/<platform>, and what it found, printed.
Result run_platform(const Options& o, const fs::path& work, const std::string& platform) {
  auto dir = work / platform;
  fs::remove_all(dir);
  fs::create_directories(dir);
  auto started = Clock::now();
  std::fprintf(stderr, "brigade_soak: %s: %d kills, %d SIGTERMs …\n", platform.c_str(), o.kills, o.terms);
  Result r = platform == "slack" ? soak_slack(o, dir) : soak_matrix(o, dir);
  print_runs(r);
  std::printf("  %s took %.1f s; report --verify: %s\n", platform.c_str(),
              ms_between(started, Clock::now()) / 1000.0, r.verify.out.c_str());
  for (const auto& n : r.notes) std::printf("  note: %s\n", n.c_str());
  for (std::size_t i = 0; i < r.failures.size() && i < 50; ++i)
    std::printf("  BROKEN: %s\n", r.failures[i].c_str());
  if (r.failures.size() > 50) std::printf("  … and %zu more\n", r.failures.size() - 50);
  std::fflush(stdout);
  return r;
}

int main_(int argc, char** argv) {
  Options o;
  if (auto end = parse_options(argc, argv, o)) return *end;
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
  for (std::string platform : {"slack", "matrix"})
    if (o.platform == "both" || o.platform == platform) results.push_back(run_platform(o, work, platform));
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
