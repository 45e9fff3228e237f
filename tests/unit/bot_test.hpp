// Shared by the engine tests: the BotTest fixture (the engine harness at a fixed noon) and the
// commands and replies they submit.
#pragma once

#include <gtest/gtest.h>

#include <future>
#include <string>

#include "bot/committer.hpp"
#include "core/types.hpp"
#include "tests/support/engine_harness.hpp"

namespace brigade::bot::testing {

inline constexpr core::Millis kNoon = 1795348800000;  // 2026-11-22 12:00 UTC

inline core::Event thanks(const std::string& source, const std::string& giver, const std::string& recipient) {
  core::Event e;
  e.source_id = source;
  e.platform = "console";
  e.user = {"console:" + giver, giver, false};
  e.channel = {"console:general", "general"};
  e.command = "thanks";
  e.text = "@" + recipient + " for the help";
  e.mentions.push_back(
      core::Mention{0, recipient.size() + 1, {"console:" + recipient, recipient, false}, {}});
  return e;
}

// A public reply in console:general.
inline core::Reply note(const std::string& text) {
  core::Reply r;
  r.audience = core::Audience::channel;
  r.channel = "console:general";
  r.body = core::BodyBuilder().text(text).take();
  return r;
}

class BotTest : public ::testing::Test, protected brigade::testing::EngineHarness<core::ManualClock> {
 protected:
  BotTest() : EngineHarness("brigade-bot", core::ManualClock(kNoon)) {}
  // Waits until everything submitted before it has committed (the queue is FIFO).
  void sync(Committer& c) {
    std::promise<void> p;
    c.submit([](store::Writer&) {}, [&p](bool) { p.set_value(); });
    p.get_future().wait();
  }
};

}  // namespace brigade::bot::testing
