// Shared by the configuration tests: variables as a map, scratch files, and the fixture that runs
// each test in its own empty working directory.
#pragma once

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <map>
#include <optional>
#include <string>

#include "config/config.hpp"
#include "tests/support/temp_dir.hpp"

namespace brigade::config::testing {

namespace fs = std::filesystem;
using ::testing::HasSubstr;
using ::testing::Not;
using Vars = std::map<std::string, std::string>;

inline Env env_of(Vars vars) {
  return [vars = std::move(vars)](const std::string& name) -> std::optional<std::string> {
    auto it = vars.find(name);
    if (it == vars.end()) return std::nullopt;
    return it->second;
  };
}

inline std::string replace_all(std::string s, const std::string& from, const std::string& to) {
  for (auto pos = s.find(from); pos != std::string::npos; pos = s.find(from, pos + to.size()))
    s.replace(pos, from.size(), to);
  return s;
}

inline void write_file(const fs::path& path, const std::string& text) {
  fs::create_directories(path.parent_path());
  std::ofstream(path, std::ios::binary) << text;
}

// Each test runs in its own empty working directory, so the implicit config/brigade.toml of
// whoever runs the tests is never picked up, and tests can create one on purpose.
class ConfigTest : public ::testing::Test {
 protected:
  void SetUp() override {
    old_cwd_ = fs::current_path();
    fs::current_path(dir_.path());
    write_file(dir_.path() / "ca.pem", "-----BEGIN CERTIFICATE-----\n");
  }
  void TearDown() override { fs::current_path(old_cwd_); }

  // "{dir}" in the text or the variables stands for the scratch directory.
  std::string expand(const std::string& s) const { return replace_all(s, "{dir}", dir_.path().string()); }
  Vars expand(Vars vars) const {
    for (auto& [k, v] : vars) v = expand(v);
    return vars;
  }

  fs::path file_with(const std::string& toml) const {
    fs::path p = dir_.path() / "brigade.toml";
    write_file(p, expand(toml));
    return p;
  }

  Config load_toml(const std::string& toml, const Vars& vars = {}) const {
    return brigade::config::load(env_of(expand(vars)), file_with(toml));
  }

  brigade::testing::TempDir dir_{"brigade-config"};
  fs::path old_cwd_;
};

// Matrix credentials that make a [matrix] table complete.
inline const Vars kMatrixOk = {{"MATRIX_ACCESS_TOKEN", "tok"}};

}  // namespace brigade::config::testing
