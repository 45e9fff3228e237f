// Shared by the Matrix adapter tests: the real adapter on the engine harness (store, Committer,
// OutboxSender) against the fake homeserver on loopback, with timings shortened for tests.
#pragma once

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include <chrono>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "adapters/matrix/options.hpp"
#include "testkit/matrix/fake_homeserver.hpp"
#include "tests/support/engine_harness.hpp"

namespace brigade::matrix {

using namespace std::chrono_literals;

inline const std::string kRoom = "!kudos:example.org";
inline const std::string kAlice = "@alice:example.org";
inline const std::string kBob = "@bob:example.org";
inline const std::string kCarol = "@carol:example.org";

inline AdapterOptions fast() {
  AdapterOptions o;
  o.sync_timeout = 1s;
  o.sync_slack = 2s;
  o.http_timeout = 3s;
  o.initial_sync_timeout = 5s;
  o.backoff_base = 50ms;
  o.backoff_cap = 300ms;
  return o;
}

inline nlohmann::json pill_message(const std::string& command,
                                   const std::vector<std::pair<std::string, std::string>>& pills,
                                   const std::string& tail) {
  std::string body = "!" + command, html = "!" + command;
  nlohmann::json ids = nlohmann::json::array();
  for (const auto& [id, name] : pills) {
    body += " " + name;
    html += " <a href=\"https://matrix.to/#/" + id + "\">" + name + "</a>";
    ids.push_back(id);
  }
  body += " " + tail;
  html += " " + tail;
  nlohmann::json c = nlohmann::json::object();
  c["msgtype"] = "m.text";
  c["body"] = body;
  c["format"] = "org.matrix.custom.html";
  c["formatted_body"] = html;
  c["m.mentions"]["user_ids"] = ids;
  return c;
}

// Whether a sent event's content is an m.replace edit.
inline bool is_edit(const nlohmann::json& content) {
  return content.contains("m.relates_to") && content["m.relates_to"].value("rel_type", "") == "m.replace";
}

class MatrixAdapterTest : public ::testing::Test, protected testing::EngineHarness<core::SystemClock> {
 protected:
  explicit MatrixAdapterTest(const testing::TestPki* pki = nullptr)
      : EngineHarness("brigade-matrix", core::SystemClock(), "data"), fake_(pki) {
    fake_.add_user(kAlice, "Alice");
    fake_.add_user(kBob, "Bob Smith");
    fake_.add_user(kCarol, "Carol");
    fake_.add_user(fake_.bot_user, "Brigade");
    fake_.add_room(kRoom, {kAlice, kBob, kCarol});
  }
  ~MatrixAdapterTest() override { stop(); }

  config::Config config(bool password = true, std::string token = {}) {
    config::Config cfg;
    cfg.matrix.homeserver = fake_.base_url();
    cfg.matrix.user_id = fake_.bot_user;
    if (password) cfg.matrix.password = fake_.password;
    cfg.matrix.access_token = std::move(token);
    return cfg;
  }

  void start(config::Config cfg, AdapterOptions o = fast()) {
    start_engine();
    run_adapter(make_adapter(cfg, bot::AdapterState(*store_, "matrix"), *committer_, metrics_, o));
  }
  void start() { start(config()); }

  // Queues replies for this adapter as a command's transaction would; `drained` waits until the
  // outbox is empty (every reply answered and settled); `ref` is where a tagged reply landed.
  void queue(std::vector<core::Reply> replies) {
    committer_->submit([replies](store::Writer& w) {
      for (const auto& r : replies) w.enqueue("matrix", r);
    });
  }
  bool drained() {
    return fake_.wait([&] { return store_->read()->outbox_depth() == 0; });
  }
  std::optional<std::string> ref(const std::string& tag) { return store_->read()->message_ref(tag); }

  // Connected, and at least one sync answer committed (the next long-poll is out).
  bool synced(std::size_t syncs = 2) {
    return fake_.wait([&] {
      return adapter_->state() == bot::LinkState::connected && fake_.requests("sync").size() >= syncs;
    });
  }
  void stop() { stop_engine(); }
  void restart() {
    stop();
    start();
  }
  std::uint32_t received(const std::string& mxid) {
    auto r = store_->read();
    return r
        ->counts("matrix:" + mxid, "", core::Period::all,
                 calendar_.bucket(core::Period::all, clock_.now_ms()))
        .received;
  }
  bool received_becomes(const std::string& mxid, std::uint32_t n) {
    return fake_.wait([&] { return received(mxid) == n; });
  }
  std::vector<testing::FakeMatrix::Sent> sent(const std::string& room) { return fake_.sent(room); }
  // Notices whose body contains `needle`.
  std::size_t notices_with(const std::string& room, const std::string& needle) {
    std::size_t n = 0;
    for (const auto& s : fake_.sent(room))
      if (s.content.value("body", "").find(needle) != std::string::npos) ++n;
    return n;
  }

  testing::FakeMatrix fake_;
};

}  // namespace brigade::matrix
