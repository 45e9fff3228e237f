// matrix_batch: one /sync answer carrying 1,000 `!thanks` messages (10 rooms × 100, the filter's
// timeline limit) → time until every kudos is committed (durably) and every reply is sent.
// The real adapter, committer, outbox and LMDB store against the fake homeserver on loopback.
//
//   matrix_batch [--messages N] [--rounds R]
#include <spdlog/spdlog.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <thread>
#include <vector>

#include <unistd.h>

#include "adapters/matrix/options.hpp"
#include "bot/committer.hpp"
#include "bot/metrics.hpp"
#include "bot/outbox_sender.hpp"
#include "tests/integration/fake_homeserver.hpp"

namespace {

using namespace brigade;
using Clock = std::chrono::steady_clock;
using namespace std::chrono_literals;

double ms_since(Clock::time_point t) {
  return std::chrono::duration<double, std::milli>(Clock::now() - t).count();
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
  const std::size_t rooms = (messages + 99) / 100;  // the sync filter's timeline limit is 100 per room
  const std::size_t givers = 400, recipients = 100;

  testing::FakeMatrix fake;
  std::vector<std::string> room_ids;
  std::vector<std::string> members;
  for (std::size_t g = 0; g < givers; ++g) members.push_back("@giver" + std::to_string(g) + ":example.org");
  for (std::size_t r = 0; r < recipients; ++r)
    members.push_back("@teammate" + std::to_string(r) + ":example.org");
  for (const auto& m : members) fake.add_user(m, m.substr(1, m.find(':') - 1));
  for (std::size_t r = 0; r < rooms; ++r) {
    room_ids.push_back("!bench" + std::to_string(r) + ":example.org");
    fake.add_room(room_ids.back(), members);
  }

  auto dir = std::filesystem::temp_directory_path() / ("matrix_batch-" + std::to_string(getpid()));
  std::filesystem::remove_all(dir);
  core::Calendar calendar("UTC");
  core::SystemClock clock;
  commands::Rules rules;
  rules.daily_quota = 0;  // rounds repeat the same givers; the quota is not what is measured
  store::Options so;
  so.dir = dir;
  so.durable = true;
  auto store = store::Store::open(so, calendar);
  bot::Metrics metrics;
  bot::Committer committer(*store, rules, clock, metrics);
  bot::OutboxSender outbox(*store, committer, clock);
  committer.on_commit([&] { outbox.notify(); });
  config::Config cfg;
  cfg.matrix.homeserver = fake.base_url();
  cfg.matrix.user_id = fake.bot_user;
  cfg.matrix.password = fake.password;
  matrix::AdapterOptions opt;
  auto adapter = matrix::make_adapter(cfg, bot::AdapterState(*store, "matrix"), committer, metrics, opt);
  outbox.add(*adapter);
  outbox.start();
  adapter->start();
  if (!fake.wait([&] { return fake.requests("sync").size() >= 2; }, 20s)) {
    std::fprintf(stderr, "matrix_batch: the adapter never synced\n");
    return 1;
  }

  std::vector<double> commit_ms, replies_ms;
  std::uint64_t kudos_before = 0;
  std::size_t sent_before = 0;
  for (std::size_t round = 0; round < rounds; ++round) {
    std::vector<std::array<std::string, 3>> batch;
    for (std::size_t i = 0; i < messages; ++i) {
      std::size_t n = round * messages + i;
      std::string giver = members[n % givers], to = members[givers + (n * 7) % recipients];
      batch.push_back({room_ids[i % rooms], giver, "!thanks " + to + " for the all-hands demo #teamwork"});
    }
    // The adapter's long-poll is waiting; the messages are appended under one lock, so the answer
    // it wakes with carries all of them.
    auto t0 = Clock::now();
    fake.texts(batch);
    bool committed = fake.wait([&] { return store->read()->kudos_count() >= kudos_before + messages; }, 60s);
    double c = ms_since(t0);
    bool sent = fake.wait([&] { return fake.sent_count() >= sent_before + 2 * messages; }, 120s);
    double s = ms_since(t0);
    if (!committed || !sent) {
      std::fprintf(stderr, "matrix_batch: round %zu incomplete (kudos %llu, replies %zu)\n", round,
                   static_cast<unsigned long long>(store->read()->kudos_count() - kudos_before),
                   fake.sent_count() - sent_before);
      return 1;
    }
    kudos_before += messages;
    sent_before += 2 * messages;
    commit_ms.push_back(c);
    replies_ms.push_back(s);
    std::printf(R"({"bench":"matrix_batch","round":%zu,"messages":%zu,"rooms":%zu,"committed_ms":%.1f,)"
                R"("replies_sent_ms":%.1f})"
                "\n",
                round, messages, rooms, c, s);
  }
  auto median = [](std::vector<double> v) {
    std::sort(v.begin(), v.end());
    return v[v.size() / 2];
  };
  std::printf(
      "matrix_batch: %zu !thanks in one sync answer: committed in %.1f ms, all %zu replies sent in %.1f ms "
      "(median of %zu rounds)\n",
      messages, median(commit_ms), 2 * messages, median(replies_ms), rounds);
  adapter->stop(2s);
  outbox.stop();
  committer.stop();
  std::filesystem::remove_all(dir);
  return 0;
}
