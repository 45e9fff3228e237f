// matrix_batch: one /sync answer carrying 1,000 `!thanks` messages (10 rooms × 100, the filter's
// timeline limit) → time until every kudos is committed (durably) and every reply is sent.
// The real adapter, committer, outbox and LMDB store against the fake homeserver on loopback.
//
//   matrix_batch [--messages N] [--rounds R]
#include <spdlog/spdlog.h>

#include <algorithm>
#include <array>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include <unistd.h>

#include "adapters/matrix/options.hpp"
#include "bench/prometheus_text.hpp"
#include "bot/committer.hpp"
#include "bot/metrics.hpp"
#include "bot/outbox_sender.hpp"
#include "testkit/matrix/fake_homeserver.hpp"

namespace {

using namespace brigade;
using Clock = std::chrono::steady_clock;
using namespace std::chrono_literals;

constexpr std::size_t kGivers = 400, kRecipients = 100;

double ms_since(Clock::time_point t) {
  return std::chrono::duration<double, std::milli>(Clock::now() - t).count();
}

// The homeserver's side: givers and recipients, all members of every room.
struct World {
  std::vector<std::string> members;  // kGivers givers, then kRecipients recipients
  std::vector<std::string> rooms;
};

World populate(testing::FakeMatrix& fake, std::size_t rooms) {
  World w;
  for (std::size_t g = 0; g < kGivers; ++g)
    w.members.push_back("@giver" + std::to_string(g) + ":example.org");
  for (std::size_t r = 0; r < kRecipients; ++r)
    w.members.push_back("@teammate" + std::to_string(r) + ":example.org");
  for (const auto& m : w.members) fake.add_user(m, m.substr(1, m.find(':') - 1));
  for (std::size_t r = 0; r < rooms; ++r) {
    w.rooms.push_back("!bench" + std::to_string(r) + ":example.org");
    fake.add_room(w.rooms.back(), w.members);
  }
  return w;
}

// The bot's side, as `brigade run` wires it: a durable store, the committer, the outbox sender and
// the Matrix adapter logged in to the fake.
struct Engine {
  Engine(const std::filesystem::path& dir, testing::FakeMatrix& fake) : calendar("UTC") {
    rules.allowance = 0;  // rounds repeat the same givers; the quota is not what is measured
    store::Options so;
    so.dir = dir;
    so.durable = true;
    store = store::Store::open(so, calendar);
    committer = std::make_unique<bot::Committer>(*store, rules, clock, metrics);
    outbox = std::make_unique<bot::OutboxSender>(*store, *committer, clock);
    committer->on_commit([this] { outbox->notify(); });
    config::Config cfg;
    cfg.matrix.homeserver = fake.base_url();
    cfg.matrix.user_id = fake.bot_user;
    cfg.matrix.password = fake.password;
    adapter = matrix::make_adapter(cfg, bot::AdapterState(*store, "matrix"), *committer, metrics,
                                   matrix::AdapterOptions());
    outbox->add(*adapter);
    outbox->start();
    adapter->start();
  }
  ~Engine() {
    adapter->stop(2s);
    outbox->stop();
    committer->stop();
  }

  core::Calendar calendar;
  core::SystemClock clock;
  commands::Rules rules;
  bot::Metrics metrics;
  std::unique_ptr<store::Store> store;
  std::unique_ptr<bot::Committer> committer;
  std::unique_ptr<bot::OutboxSender> outbox;
  std::unique_ptr<bot::NetworkAdapter> adapter;
};

struct Round {
  double committed_ms = 0, replies_ms = 0;
  // The adapter's brigade_ack_seconds: from the answer read and parsed to its batch committed.
  double in_bot_ms = 0;
};

// The sum and count of the Matrix adapter's brigade_ack_seconds (answer read → batch committed),
// from what /metrics would show.
std::pair<double, std::uint64_t> matrix_ack(const bot::Metrics& metrics) {
  const std::string text = metrics.prometheus();
  const double sum = bench::prometheus_value(text, "brigade_ack_seconds_sum{adapter=\"matrix\"}").value_or(0);
  const double count = bench::prometheus_value(text, "brigade_ack_seconds_count{adapter=\"matrix\"}").value_or(0);
  return {sum, static_cast<std::uint64_t>(count)};
}

// Appends `messages` thanks under one lock (the adapter's long-poll is waiting, so the answer it
// wakes with carries all of them) and times the commit of every kudos and the send of every reply.
bool run_round(testing::FakeMatrix& fake, Engine& engine, const World& w, std::size_t round,
               std::size_t messages, Round& out) {
  std::vector<std::array<std::string, 3>> batch;
  for (std::size_t i = 0; i < messages; ++i) {
    std::size_t n = round * messages + i;
    std::string giver = w.members[n % kGivers], to = w.members[kGivers + (n * 7) % kRecipients];
    batch.push_back(
        {w.rooms[i % w.rooms.size()], giver, "!thanks " + to + " for the all-hands demo #teamwork"});
  }
  const std::uint64_t kudos_before = round * messages;
  const std::size_t sent_before = 2 * round * messages;
  const auto [ack_sum, ack_count] = matrix_ack(engine.metrics);
  auto t0 = Clock::now();
  fake.texts(batch);
  bool committed =
      fake.wait([&] { return engine.store->read()->kudos_count() >= kudos_before + messages; }, 60s);
  out.committed_ms = ms_since(t0);
  // The adapter observes its batch once the commit's answer reaches its thread.
  committed = committed && fake.wait([&] { return matrix_ack(engine.metrics).second > ack_count; }, 10s);
  out.in_bot_ms = (matrix_ack(engine.metrics).first - ack_sum) * 1000;
  bool sent = fake.wait([&] { return fake.sent_count() >= sent_before + 2 * messages; }, 120s);
  out.replies_ms = ms_since(t0);
  if (!committed || !sent)
    std::fprintf(stderr, "matrix_batch: round %zu incomplete (kudos %llu, replies %zu)\n", round,
                 static_cast<unsigned long long>(engine.store->read()->kudos_count() - kudos_before),
                 fake.sent_count() - sent_before);
  return committed && sent;
}

double median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  return v[v.size() / 2];
}

int run_rounds(std::size_t messages, std::size_t rounds) {
  const std::size_t room_count = (messages + 99) / 100;  // the sync filter's timeline limit is 100 per room
  testing::FakeMatrix fake;
  World world = populate(fake, room_count);
  auto dir = std::filesystem::temp_directory_path() / ("matrix_batch-" + std::to_string(getpid()));
  std::filesystem::remove_all(dir);
  std::vector<double> commit_ms, replies_ms, in_bot_ms;
  {
    Engine engine(dir, fake);
    if (!fake.wait([&] { return fake.requests("sync").size() >= 2; }, 20s)) {
      std::fprintf(stderr, "matrix_batch: the adapter never synced\n");
      return 1;
    }
    for (std::size_t round = 0; round < rounds; ++round) {
      Round r;
      if (!run_round(fake, engine, world, round, messages, r)) return 1;
      commit_ms.push_back(r.committed_ms);
      in_bot_ms.push_back(r.in_bot_ms);
      replies_ms.push_back(r.replies_ms);
      std::printf(R"({"bench":"matrix_batch","round":%zu,"messages":%zu,"rooms":%zu,"committed_ms":%.1f,)"
                  R"("in_bot_ms":%.1f,"replies_sent_ms":%.1f})"
                  "\n",
                  round, messages, room_count, r.committed_ms, r.in_bot_ms, r.replies_ms);
    }
  }
  std::printf(
      "matrix_batch: %zu !thanks in one sync answer: committed in %.1f ms (%.1f ms of it from the answer "
      "parsed to the commit), all %zu replies sent in %.1f ms (median of %zu rounds)\n",
      messages, median(commit_ms), median(in_bot_ms), 2 * messages, median(replies_ms), rounds);
  std::filesystem::remove_all(dir);
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  std::size_t messages = 1000, rounds = 5;
  for (int i = 1; i + 1 < argc; i += 2) {
    std::string a = argv[i];
    if (a == "--messages")
      messages = std::strtoul(argv[i + 1], nullptr, 10);
    else if (a == "--rounds")
      rounds = std::strtoul(argv[i + 1], nullptr, 10);
  }
  if (messages == 0 || rounds == 0) {
    std::fprintf(stderr, "usage: matrix_batch [--messages N] [--rounds R]\n");
    return 2;
  }
  spdlog::set_level(spdlog::level::warn);
  return run_rounds(messages, rounds);
}
