// Helper process for StoreCrash: writes kudos forever in durable commit groups and prints the
// total after each commit, so the test knows what must survive a SIGKILL.
#include <cstdio>
#include <cstdlib>
#include <exception>
#include <string>
#include <vector>

#include "store/store.hpp"

int main(int argc, char** argv) {
  using namespace brigade;
  if (argc != 3) {
    std::fprintf(stderr, "usage: store_crash_writer DIR GROUP\n");
    return 2;
  }
  try {
    store::Options o;
    o.dir = argv[1];
    o.durable = true;
    o.map_size = std::size_t{1} << 30;
    const int group = std::max(1, std::atoi(argv[2]));
    auto s = store::Store::open(o, core::Calendar("UTC", 1));
    std::uint64_t n = s->read()->kudos_count();
    std::vector<std::uint64_t> mine;
    const core::Millis base = 1'790'000'000'000;
    for (;;) {
      auto w = s->write();
      for (int i = 0; i < group; ++i, ++n) {
        store::Kudos k;
        k.giver = "console:u" + std::to_string(n % 7);
        k.recipient = "console:u" + std::to_string((n % 7 + 1 + n % 3) % 7);  // never the giver
        k.channel = "console:#c" + std::to_string(n % 3);
        k.ts = base + static_cast<core::Millis>(n) * 60'000;
        k.kind = static_cast<store::Kind>(1 + n % 3);
        k.reason = "k" + std::to_string(n);
        if (n % 2 == 1) k.values = {"teamwork"};
        mine.push_back(w->add_kudos(k));
        w->mark_seen("crash:" + std::to_string(n), k.ts, {k.id});
        if (mine.size() > 5 && n % 10 == 9) w->revoke_kudos(mine[mine.size() - 5]);
      }
      w->commit();
      std::printf("committed %llu\n", static_cast<unsigned long long>(n));
      std::fflush(stdout);
    }
  } catch (const std::exception& e) {
    std::fprintf(stderr, "store_crash_writer: %s\n", e.what());
    return 1;
  }
}
