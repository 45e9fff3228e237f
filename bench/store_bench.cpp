// Store benchmarks: durable write throughput by commit-group size, and leaderboard / team
// summary latency and bytes per kudos on 1M (and, with BRIGADE_BENCH_10M=1, 10M) kudos.
#include <benchmark/benchmark.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <map>
#include <memory>
#include <random>
#include <string>
#include <vector>

#include "store/store.hpp"

namespace {

using namespace brigade;
namespace fs = std::filesystem;
using store::Kudos;
using store::Store;

constexpr int kUsers = 2000;
constexpr int kChannels = 100;
constexpr core::Millis kStart = 1'735'689'600'000;  // 2025-01-01 UTC
constexpr core::Millis kSpan = 730LL * 86'400'000;  // two years

const core::Calendar& calendar() {
  static const core::Calendar cal("Europe/Berlin", 1);
  return cal;
}

// A workspace that looks like a company: teams of 10-40 people, most thanks inside one's team,
// recipients Zipf-distributed within a team (some people get thanked far more), 30% with a
// ~40-character reason, half with a value, kudos spread evenly over two years.
class Workload {
 public:
  explicit Workload(std::uint64_t seed) : rng_(seed) {
    std::uniform_int_distribution<int> size(10, 40);
    std::vector<int> sizes(kChannels);
    int total = 0;
    for (auto& s : sizes) total += s = size(rng_);
    int u = 0;
    teams_.resize(kChannels);
    for (int c = 0; c < kChannels; ++c) {
      int n = std::max(2, sizes[c] * kUsers / total);
      for (int i = 0; i < n && u < kUsers; ++i) teams_[c].push_back(u++);
      home_.resize(static_cast<std::size_t>(u), c);
    }
    while (u < kUsers) {  // rounding leftovers join the last team
      teams_.back().push_back(u++);
      home_.push_back(kChannels - 1);
    }
    // Zipf weights by position within a team (s = 1.1).
    for (int i = 0; i < 64; ++i) zipf_.push_back(1.0 / std::pow(i + 1, 1.1));
    for (int i = 0; i < kUsers; ++i) user_ids_.push_back("slack:T1:U" + std::to_string(100000 + i));
    for (int c = 0; c < kChannels; ++c) chan_ids_.push_back("slack:T1:C" + std::to_string(5000 + c));
  }

  // The i-th of n kudos spread over the two years.
  Kudos next(std::uint64_t i, std::uint64_t n) {
    static const char* const kValues[] = {"teamwork", "ownership", "customer", "speed",
                                          "quality",  "kindness",  "learning", "courage"};
    static const char* const kWords[] = {"thanks", "for",  "fixing", "the",    "build",   "release", "review",
                                         "help",   "with", "deploy", "late",   "night",   "oncall",  "docs",
                                         "great",  "demo", "patch",  "router", "invoice", "customer"};
    Kudos k;
    int giver = static_cast<int>(rng_() % kUsers);
    int c = home_[static_cast<std::size_t>(giver)];
    if (rng_() % 5 == 0) c = static_cast<int>(rng_() % kChannels);  // a cross-team thank-you
    const auto& team = teams_[static_cast<std::size_t>(c)];
    int recipient = giver;
    while (recipient == giver) {
      std::discrete_distribution<int> pick(
          zipf_.begin(), zipf_.begin() + static_cast<long>(std::min<std::size_t>(team.size(), zipf_.size())));
      recipient = team[static_cast<std::size_t>(pick(rng_))];
    }
    k.giver = user_ids_[static_cast<std::size_t>(giver)];
    k.recipient = user_ids_[static_cast<std::size_t>(recipient)];
    k.channel = chan_ids_[static_cast<std::size_t>(c)];
    k.ts = kStart +
           static_cast<core::Millis>(static_cast<double>(kSpan) * static_cast<double>(i) /
                                     static_cast<double>(n)) +
           static_cast<core::Millis>(rng_() % 1000);
    auto r = rng_() % 10;
    k.kind = r < 7 ? store::Kind::thanks : r < 9 ? store::Kind::praise : store::Kind::help;
    if (rng_() % 10 < 3) {
      while (k.reason.size() < 36) {
        if (!k.reason.empty()) k.reason += ' ';
        k.reason += kWords[rng_() % 20];
      }
    }
    if (rng_() % 2 == 0) k.values.push_back(kValues[rng_() % 8]);
    return k;
  }

  const std::string& channel(int c) const { return chan_ids_[static_cast<std::size_t>(c)]; }

 private:
  std::mt19937_64 rng_;
  std::vector<std::vector<int>> teams_;
  std::vector<int> home_;
  std::vector<double> zipf_;
  std::vector<std::string> user_ids_;
  std::vector<std::string> chan_ids_;
};

fs::path scratch_root() {
  static const fs::path root = [] {
    fs::path p = fs::temp_directory_path() / ("brigade-bench-" + std::to_string(::getpid()));
    fs::create_directories(p);
    return p;
  }();
  return root;
}

// Datasets are rebuilt each run unless BRIGADE_BENCH_DATA names a directory to keep them in.
fs::path dataset_dir(const std::string& name) {
  if (const char* keep = std::getenv("BRIGADE_BENCH_DATA")) return fs::path(keep) / name;
  return scratch_root() / name;
}

store::Options opts(const fs::path& dir, bool durable) {
  store::Options o;
  o.dir = dir;
  o.durable = durable;
  // Virtual address space only; BRIGADE_BENCH_MAP_MB shrinks it for valgrind, which cannot map 16 GiB.
  const char* mb = std::getenv("BRIGADE_BENCH_MAP_MB");
  o.map_size = mb != nullptr ? std::size_t(std::atoll(mb)) << 20 : std::size_t{16} << 30;
  return o;
}

struct Dataset {
  std::unique_ptr<Store> store;
  std::uint64_t kudos = 0;
  double bytes_per_kudos = 0;
  double build_seconds = 0;
  std::string median_channel, largest_channel;
  std::uint32_t median_month_kudos = 0, largest_month_kudos = 0;
  std::int32_t last_week = 0, last_month = 0;
};

Dataset& dataset(std::uint64_t n) {
  static std::map<std::uint64_t, Dataset> sets;
  auto it = sets.find(n);
  if (it != sets.end()) return it->second;
  Dataset& d = sets[n];
  const fs::path dir = dataset_dir("store-" + std::to_string(n));
  {
    auto s = Store::open(opts(dir, false), calendar());
    if (s->read()->meta("bench.complete") != "1") {
      std::fprintf(stderr, "building a %llu-kudos dataset in %s ...\n", static_cast<unsigned long long>(n),
                   dir.c_str());
      const auto t0 = std::chrono::steady_clock::now();
      Workload w(1234);
      const std::uint64_t group = 1000;  // small enough that free pages do not dominate the file
      for (std::uint64_t i = s->read()->kudos_count(); i < n;) {
        auto txn = s->write();
        for (std::uint64_t j = 0; j < group && i < n; ++j, ++i) {
          auto k = w.next(i, n);
          txn->add_kudos(k);
        }
        txn->commit();
      }
      auto txn = s->write();
      txn->set_meta("bench.complete", "1");
      txn->commit();
      d.build_seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
      std::fprintf(stderr, "built in %.1f s (%.0f kudos/s)\n", d.build_seconds,
                   static_cast<double>(n) / d.build_seconds);
    }
  }
  d.store = Store::open(opts(dir, false), calendar());
  auto r = d.store->read();
  d.kudos = r->kudos_count();
  d.bytes_per_kudos = static_cast<double>(fs::file_size(dir / "data.mdb")) / static_cast<double>(d.kudos);
  const auto& cal = calendar();
  const core::Millis last = kStart + kSpan - 1;
  d.last_week = cal.bucket(core::Period::week, last);
  // The last complete month, and the channels with the median and the largest volume in it.
  d.last_month = cal.shift(core::Period::month, cal.bucket(core::Period::month, last), -1);
  Workload names(0);
  std::vector<std::pair<std::uint32_t, std::string>> volume;
  auto range = cal.range(core::Period::month, d.last_month);
  store::SummaryQuery q;
  q.from = range.from;
  q.until = range.until;
  q.max_reasons = 0;
  for (int c = 0; c < kChannels; ++c) {
    q.channel = names.channel(c);
    volume.emplace_back(r->summary(q).total, q.channel);
  }
  std::sort(volume.begin(), volume.end());
  d.median_month_kudos = volume[volume.size() / 2].first;
  d.median_channel = volume[volume.size() / 2].second;
  d.largest_month_kudos = volume.back().first;
  d.largest_channel = volume.back().second;
  return d;
}

std::uint64_t dataset_size(const benchmark::State& state) {
  return static_cast<std::uint64_t>(state.range(0));
}

void BM_Dataset(benchmark::State& state) {
  auto& d = dataset(dataset_size(state));
  for (auto _ : state) benchmark::DoNotOptimize(d.store->read()->kudos_count());
  state.counters["kudos"] = static_cast<double>(d.kudos);
  state.counters["bytes_per_kudos"] = d.bytes_per_kudos;
  if (d.build_seconds > 0)
    state.counters["build_kudos_per_s"] = static_cast<double>(d.kudos) / d.build_seconds;
}

void BM_Top10(benchmark::State& state, core::Period p, bool in_channel) {
  auto& d = dataset(dataset_size(state));
  // Month buckets are year * 12 + month - 1; a quarter's is year * 4 + quarter - 1.
  const std::int32_t bucket = p == core::Period::week      ? d.last_week
                              : p == core::Period::month   ? d.last_month
                              : p == core::Period::quarter ? d.last_month / 12 * 4 + d.last_month % 12 / 3
                              : p == core::Period::year    ? d.last_month / 12
                                                           : 0;
  const std::string channel = in_channel ? d.median_channel : "";
  std::size_t n = 0;
  for (auto _ : state) {
    auto r = d.store->read();
    auto top = r->leaderboard(channel, p, bucket, 10);
    n = top.size();
    benchmark::DoNotOptimize(top);
  }
  state.counters["entries"] = static_cast<double>(n);
}

void BM_TeamMonthSummary(benchmark::State& state, bool largest) {
  auto& d = dataset(dataset_size(state));
  auto range = calendar().range(core::Period::month, d.last_month);
  store::SummaryQuery q;
  q.from = range.from;
  q.until = range.until;
  q.channel = largest ? d.largest_channel : d.median_channel;
  std::size_t people = 0;
  for (auto _ : state) {
    auto s = d.store->read()->summary(q);
    people = s.people.size();
    benchmark::DoNotOptimize(s);
  }
  state.counters["kudos_in_range"] = largest ? d.largest_month_kudos : d.median_month_kudos;
  state.counters["people"] = static_cast<double>(people);
}

// verify(): recompute every counter from the log and compare (`brigade report --verify`). A
// calendar change at startup does the same recompute plus a sorted rewrite.
void BM_Verify(benchmark::State& state) {
  auto& d = dataset(dataset_size(state));
  std::size_t drift = 0, keys = 0;
  for (auto _ : state) {
    auto rep = d.store->read()->verify();
    drift = rep.drift.size();
    keys = rep.tally_keys;
  }
  state.counters["tally_keys"] = static_cast<double>(keys);
  state.counters["drift"] = static_cast<double>(drift);
}

// A store with history (100k kudos) to append to, copied fresh for each run.
const fs::path& base_store() {
  static const fs::path dir = [] {
    fs::path p = dataset_dir("store-base-100k");
    auto s = Store::open(opts(p, false), calendar());
    if (s->read()->meta("bench.complete") != "1") {
      Workload w(99);
      const std::uint64_t n = 100'000;
      for (std::uint64_t i = s->read()->kudos_count(); i < n;) {
        auto txn = s->write();
        for (int j = 0; j < 10'000; ++j, ++i) {
          auto k = w.next(i, 2 * n);  // the first year
          txn->add_kudos(k);
        }
        txn->commit();
      }
      auto txn = s->write();
      txn->set_meta("bench.complete", "1");
      txn->commit();
    }
    return p;
  }();
  return dir;
}

// Kudos/s with a commit (and, when durable, an fsync) every `group` kudos.
void BM_AddKudos(benchmark::State& state, bool durable) {
  const auto group = static_cast<std::uint64_t>(state.range(0));
  const fs::path dir = scratch_root() / ("add-" + std::to_string(group) + (durable ? "-durable" : "-nosync"));
  fs::remove_all(dir);
  fs::create_directories(dir);
  fs::copy_file(base_store() / "data.mdb", dir / "data.mdb");
  {
    auto s = Store::open(opts(dir, durable), calendar());
    Workload w(7);
    std::uint64_t i = 100'000;
    std::vector<Kudos> batch;
    std::chrono::steady_clock::duration commit_time{};
    for (auto _ : state) {
      state.PauseTiming();
      batch.clear();
      for (std::uint64_t j = 0; j < group; ++j, ++i) batch.push_back(w.next(i, 200'000));
      state.ResumeTiming();
      auto txn = s->write();
      for (auto& k : batch) txn->add_kudos(k);
      const auto t0 = std::chrono::steady_clock::now();
      txn->commit();
      commit_time += std::chrono::steady_clock::now() - t0;
    }
    state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations() * group));
    // How much of each group's time the commit (page writes, fsync) takes.
    state.counters["commit_us"] = std::chrono::duration<double, std::micro>(commit_time).count() /
                                  static_cast<double>(state.iterations());
  }
  fs::remove_all(dir);
}

void register_all() {
  for (int g : {1, 10, 100, 1000})
    benchmark::RegisterBenchmark("BM_AddKudos/durable", BM_AddKudos, true)
        ->Arg(g)
        ->UseRealTime()
        ->MinTime(2.0);
  for (int g : {1, 100})
    benchmark::RegisterBenchmark("BM_AddKudos/nosync", BM_AddKudos, false)
        ->Arg(g)
        ->UseRealTime()
        ->MinTime(1.0);

  std::vector<std::int64_t> sizes = {1'000'000};
  if (const char* big = std::getenv("BRIGADE_BENCH_10M"); big != nullptr && std::string(big) == "1")
    sizes.push_back(10'000'000);
  for (auto n : sizes) {
    benchmark::RegisterBenchmark("BM_Dataset", BM_Dataset)->Arg(n)->Iterations(1);
    benchmark::RegisterBenchmark("BM_Top10/workspace_week", BM_Top10, core::Period::week, false)
        ->Arg(n)
        ->UseRealTime()
        ->Unit(benchmark::kMicrosecond);
    benchmark::RegisterBenchmark("BM_Top10/workspace_all", BM_Top10, core::Period::all, false)
        ->Arg(n)
        ->UseRealTime()
        ->Unit(benchmark::kMicrosecond);
    benchmark::RegisterBenchmark("BM_Top10/workspace_year", BM_Top10, core::Period::year, false)
        ->Arg(n)
        ->UseRealTime()
        ->Unit(benchmark::kMicrosecond);
    benchmark::RegisterBenchmark("BM_Top10/team_month", BM_Top10, core::Period::month, true)
        ->Arg(n)
        ->UseRealTime()
        ->Unit(benchmark::kMicrosecond);
    benchmark::RegisterBenchmark("BM_Top10/team_quarter", BM_Top10, core::Period::quarter, true)
        ->Arg(n)
        ->UseRealTime()
        ->Unit(benchmark::kMicrosecond);
    benchmark::RegisterBenchmark("BM_TeamMonthSummary/median_team", BM_TeamMonthSummary, false)
        ->Arg(n)
        ->UseRealTime()
        ->Unit(benchmark::kMillisecond);
    benchmark::RegisterBenchmark("BM_TeamMonthSummary/largest_team", BM_TeamMonthSummary, true)
        ->Arg(n)
        ->UseRealTime()
        ->Unit(benchmark::kMillisecond);
    benchmark::RegisterBenchmark("BM_Verify", BM_Verify)
        ->Arg(n)
        ->Iterations(1)
        ->UseRealTime()
        ->Unit(benchmark::kMillisecond);
  }
}

}  // namespace

int main(int argc, char** argv) {
  register_all();
  benchmark::Initialize(&argc, argv);
  if (benchmark::ReportUnrecognizedArguments(argc, argv)) return 1;
  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
  // Scratch copies always go; datasets only when they were not asked to be kept.
  std::error_code ec;
  fs::remove_all(scratch_root(), ec);
  return 0;
}
