// Shared by the web tests: the WebApiTest fixture (the engine harness on Monday 2026-11-16 with
// three kudos in it) and its helpers to call the routes directly.
#pragma once

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include <string>

#include "tests/support/engine_harness.hpp"
#include "tests/support/event_builder.hpp"
#include "web/api.hpp"
#include "web/dashboard.hpp"

namespace brigade::web {

inline constexpr core::Millis kNov16 = 1794830400000;  // 2026-11-16 12:00 UTC, a Monday

inline core::Event thanks(const std::string& source, const std::string& giver, const std::string& recipient,
                          const std::string& reason, const std::string& channel = "general") {
  return testing::console_thanks(source, giver, recipient, reason, channel);
}

class WebApiTest : public ::testing::Test, protected testing::EngineHarness<core::ManualClock> {
 protected:
  WebApiTest() : EngineHarness("brigade-web", core::ManualClock(kNov16)) {
    apply_all({thanks("s1", "carol", "alice", "for the \"quick\" review, really"),
               thanks("s2", "carol", "=bob", "for naming yourself like a formula"),
               thanks("s3", "dave", "alice", "for the deploy #teamwork", "ops")});
  }
  Api api(std::string token = "") {
    return Api(ApiContext{*store_, clock_, metrics_, std::move(token), {}, {}});
  }
  static Response get(Api& a, const std::string& target, const std::string& auth = "",
                      const std::string& accept = "") {
    Request r;
    r.target = target;
    r.authorization = auth;
    r.accept = accept;
    auto res = a.handle(r);
    res.body = res.full_body();  // the CSV comes in pieces
    return res;
  }
};

}  // namespace brigade::web
