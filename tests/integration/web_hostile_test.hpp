// Shared by the hostile-client tests (web_hostile_test.cpp) and the out-of-descriptors ones
// (web_fd_limit_test.cpp): the day they run on and the ledger their server serves.
#pragma once

#include <string>
#include <vector>

#include "tests/support/engine_harness.hpp"
#include "tests/support/event_builder.hpp"
#include "web/api.hpp"
#include "web/server.hpp"

namespace brigade::web {

inline constexpr core::Millis kHostileNow = 1794830400000;  // 2026-11-16 12:00 UTC

// What the hostile tests' server serves: 20 kudos among 3 givers and 7 people.
inline std::vector<core::Event> seed_events() {
  std::vector<core::Event> events;
  for (int i = 0; i < 20; ++i)
    events.push_back(testing::console_thanks("h" + std::to_string(i), "giver" + std::to_string(i % 3),
                                             "person" + std::to_string(i % 7),
                                             "for item " + std::to_string(i)));
  return events;
}

}  // namespace brigade::web
