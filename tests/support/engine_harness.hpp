// The engine as the tests set it up, written once: a ledger in a scratch directory (LMDB without
// fsync), the organisation's calendar (UTC), a clock, the rules (no daily quota, so tests thank
// freely) and, for tests that run an adapter, a Committer and an OutboxSender that every commit
// wakes, and the Metrics they count in. A fixture derives from it and uses the members by their usual names
// (store_, clock_, …); a test without a fixture makes one.
#pragma once

#include <chrono>
#include <filesystem>
#include <memory>
#include <string>
#include <vector>

#include "bot/committer.hpp"
#include "bot/metrics.hpp"
#include "bot/network_adapter.hpp"
#include "bot/outbox_sender.hpp"
#include "commands/commands.hpp"
#include "core/calendar.hpp"
#include "store/store.hpp"
#include "tests/support/temp_dir.hpp"

namespace brigade::testing {

// ClockT: core::ManualClock (tests that set the time) or core::SystemClock (adapters on loopback).
template <class ClockT>
class EngineHarness {
 public:
  // `tag` names the scratch directory; the ledger is in it, or in its `subdir`.
  explicit EngineHarness(const std::string& tag, ClockT clock = ClockT(), std::string subdir = "")
      : dir_(tag), calendar_("UTC"), clock_(std::move(clock)), subdir_(std::move(subdir)) {
    open_store();
    rules_.allowance = 0;
  }
  ~EngineHarness() { stop_engine(); }
  EngineHarness(const EngineHarness&) = delete;
  EngineHarness& operator=(const EngineHarness&) = delete;

  // (Re)opens the ledger, as a restarted process would.
  void open_store() {
    store::Options o;
    o.dir = subdir_.empty() ? dir_.path() : dir_.path() / subdir_;
    o.durable = false;
    store_ = store::Store::open(o, calendar_);
  }

  // Applies the events in order through a Committer of their own; each has committed on return.
  void apply_all(const std::vector<core::Event>& events) {
    bot::Committer c(*store_, rules_, clock_, metrics_);
    for (const auto& e : events) c.apply(e);
  }

  // The Committer and the OutboxSender (not started yet), the sender woken by every commit.
  void start_engine() {
    committer_ = std::make_unique<bot::Committer>(*store_, rules_, clock_, metrics_);
    outbox_ = std::make_unique<bot::OutboxSender>(*store_, *committer_, clock_);
    committer_->on_commit([o = outbox_.get()] { o->notify(); });
  }
  // Hands `adapter` (made on committer_) to the sender, then starts the sender and the adapter.
  void run_adapter(std::unique_ptr<bot::NetworkAdapter> adapter) {
    adapter_ = std::move(adapter);
    outbox_->add(*adapter_);
    outbox_->start();
    adapter_->start();
  }
  // The adapter (2 s of grace), the sender, the committer: the order app/ stops them in.
  void stop_engine() {
    if (adapter_) adapter_->stop(std::chrono::seconds(2));
    if (outbox_) outbox_->stop();
    if (committer_) committer_->stop();
    adapter_.reset();
    outbox_.reset();
    committer_.reset();
  }

  TempDir dir_;
  core::Calendar calendar_;
  ClockT clock_;
  commands::Rules rules_;
  bot::Metrics metrics_;  // what /metrics would show, this engine's own
  std::unique_ptr<store::Store> store_;
  std::unique_ptr<bot::Committer> committer_;
  std::unique_ptr<bot::OutboxSender> outbox_;
  std::unique_ptr<bot::NetworkAdapter> adapter_;

 private:
  std::string subdir_;
};

}  // namespace brigade::testing
