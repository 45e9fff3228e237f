// Shared by the Slack unit tests: reading the reference fixtures (tests/unit/fixtures), and the
// identity they are addressed to.
#pragma once

#include <gtest/gtest.h>

#include <fstream>
#include <sstream>
#include <string>

#include <nlohmann/json.hpp>

#include "adapters/slack/router.hpp"

namespace brigade::slack::test {

inline std::string fixture_path(const std::string& name) {
  return std::string(BRIGADE_SOURCE_DIR) + "/tests/unit/fixtures/" + name;
}

inline std::string fixture(const std::string& name) {
  std::ifstream in(fixture_path(name));
  EXPECT_TRUE(in.good()) << name;
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

inline nlohmann::json fixture_json(const std::string& name) {
  return nlohmann::json::parse(fixture(name), nullptr, false);
}

// Brigade as the fixtures' workspace knows it (auth.test of the reference fixtures).
inline Identity me() {
  Identity i;
  i.team_id = "T000TEST";
  i.bot_user_id = "U00BRIGADE";
  i.bot_id = "B00BRIGADE";
  return i;
}

}  // namespace brigade::slack::test
