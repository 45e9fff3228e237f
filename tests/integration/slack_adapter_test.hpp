// Shared by the Slack adapter tests: the real adapter on the engine harness (store, Committer,
// OutboxSender) against the fake Slack on loopback, with timings shortened for tests.
#pragma once

#include <gtest/gtest.h>

#include <algorithm>
#include <chrono>
#include <optional>
#include <string>
#include <vector>

#include "adapters/slack/options.hpp"
#include "testkit/slack/fake_slack.hpp"
#include "tests/support/engine_harness.hpp"

namespace brigade::slack {

using namespace std::chrono_literals;

inline const std::string kAlice = "slack:T000TEST:U0000ALICE";
inline const std::string kBob = "slack:T000TEST:U000000BOB";
inline const std::string kCarol = "slack:T000TEST:U0000CAROL";

inline AdapterOptions fast() {
  AdapterOptions o;
  o.idle_timeout = 2s;
  o.backoff_base = 50ms;
  o.backoff_cap = 500ms;
  o.too_many_delay = 200ms;
  o.drain_deadline = 2s;
  o.drain_quiet = 200ms;
  o.post_interval = 0;
  return o;
}

class SlackAdapterTest : public ::testing::Test, protected testing::EngineHarness<core::SystemClock> {
 protected:
  explicit SlackAdapterTest(const testing::TestPki* pki = nullptr)
      : EngineHarness("brigade-slack", core::SystemClock(), "data"), fake_(pki) {
    fake_.add_user("U0000CAROL", "carol");
    fake_.add_user("U0000ALICE", "alice");
    fake_.add_user("U000000BOB", "bob");
    fake_.add_user("U00000DAVE", "dave");
    fake_.add_user("U00BRIGADE", "brigade", true);
  }
  ~SlackAdapterTest() override { stop(); }

  void start(AdapterOptions o = fast(), std::string ca_file = {}) {
    start_engine();
    config::Config cfg;
    cfg.slack.app_token = fake_.app_token;
    cfg.slack.bot_token = fake_.bot_token;
    cfg.slack.api_url = fake_.api_url();
    cfg.ca_file = std::move(ca_file);
    cfg.rules = rules_;  // the thanks modal offers the values the committer's rules allow
    run_adapter(make_adapter(cfg, *committer_, metrics_, o));
  }
  bool connected(std::size_t n = 1) {
    return fake_.wait(
        [&] { return fake_.connections() >= n && adapter_->state() == bot::LinkState::connected; });
  }
  void stop() { stop_engine(); }

  // Queues replies for this adapter as a command's transaction would; `drained` waits until the
  // outbox is empty (every reply answered and settled); `ref` is where a tagged reply landed.
  void queue(std::vector<core::Reply> replies) {
    committer_->submit([replies](store::Writer& w) {
      for (const auto& r : replies) w.enqueue("slack", r);
    });
  }
  bool drained() {
    return fake_.wait([&] { return store_->read()->outbox_depth() == 0; });
  }
  std::optional<std::string> ref(const std::string& tag) { return store_->read()->message_ref(tag); }
  bool acked(const std::string& id, std::chrono::milliseconds t = 5s) {
    return fake_.wait([&] { return count_acks(id) > 0; }, t);
  }
  std::size_t count_acks(const std::string& id) {
    auto a = fake_.acks();
    return static_cast<std::size_t>(std::count(a.begin(), a.end(), id));
  }
  std::uint32_t received(const std::string& user) {
    auto r = store_->read();
    return r->counts(user, "", core::Period::all, calendar_.bucket(core::Period::all, clock_.now_ms()))
        .received;
  }
  std::uint64_t kudos() { return store_->read()->kudos_count(); }
  std::vector<std::string> texts(const std::string& method) {
    std::vector<std::string> out;
    for (auto& c : fake_.calls(method)) out.push_back(c.args.value("text", ""));
    return out;
  }

  testing::FakeSlack fake_;
};

}  // namespace brigade::slack
