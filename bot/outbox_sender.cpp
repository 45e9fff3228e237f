// Outbox delivery loop and retry bookkeeping.
#include "bot/outbox_sender.hpp"

#include "bot/network_adapter.hpp"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <random>

namespace brigade::bot {

OutboxSender::OutboxSender(store::Store& store, Committer& committer, const core::Clock& clock)
    : store_(store), committer_(committer), clock_(clock) {}

OutboxSender::~OutboxSender() {
  stop();
}

void OutboxSender::add(Adapter& adapter) {
  adapters_[std::string(adapter.name())] = &adapter;
}

void OutboxSender::start() {
  thread_ = std::thread([this] {
    std::unique_lock lock(mu_);
    while (!stopping_) {
      auto now = clock_.now_ms();
      auto wait =
          next_due_ > now ? std::chrono::milliseconds(next_due_ - now) : std::chrono::milliseconds(1000);
      cv_.wait_for(lock, std::min(wait, std::chrono::milliseconds(1000)),
                   [this] { return wake_ || stopping_; });
      if (stopping_) break;
      wake_ = false;
      lock.unlock();
      try {
        pass();
      } catch (const std::exception& e) {
        spdlog::error("outbox pass failed: {}", e.what());
      }
      lock.lock();
    }
  });
}

void OutboxSender::notify() {
  {
    std::lock_guard lock(mu_);
    wake_ = true;
  }
  cv_.notify_all();
}

void OutboxSender::flush() {
  pass();
}

bool OutboxSender::drain(std::chrono::milliseconds deadline) {
  auto until = std::chrono::steady_clock::now() + deadline;
  for (;;) {
    pass();
    std::size_t depth = store_.read()->outbox_depth();
    if (depth == 0) return true;
    if (std::chrono::steady_clock::now() >= until) return false;
    std::unique_lock lock(mu_);
    cv_.wait_for(lock, std::chrono::milliseconds(20));
  }
}

void OutboxSender::stop() {
  {
    std::lock_guard lock(mu_);
    stopping_ = true;
  }
  cv_.notify_all();
  if (thread_.joinable()) thread_.join();
  std::unique_lock lock(mu_);
  cv_.wait(lock, [this] { return pending_ == 0; });
}

core::Millis OutboxSender::backoff_ms(std::uint32_t attempts) {
  // 1 s, 2 s, 4 s … capped at 30 s, with ±20 % jitter so retries from many replies spread out.
  core::Millis base =
      std::min<core::Millis>(30'000, core::Millis{1000} << std::min<std::uint32_t>(attempts, 5));
  thread_local std::mt19937 rng{std::random_device{}()};
  std::uniform_real_distribution<double> jitter(0.8, 1.2);
  return static_cast<core::Millis>(static_cast<double>(base) * jitter(rng));
}

void OutboxSender::pass() {
  std::lock_guard pass_lock(pass_mu_);
  auto now = clock_.now_ms();
  bool full;
  {
    std::lock_guard lock(mu_);
    for (auto seq : settled_) inflight_.erase(seq);
    settled_.clear();
    // Items up to scanned_to_ were all handed out or are waiting for their not_before (kept in
    // next_due_), so only newer ones need reading — unless a retry was booked or one fell due.
    full = rescan_ || (next_due_ != 0 && next_due_ <= now);
    rescan_ = false;
  }
  std::vector<store::OutboxItem> items;
  {
    auto reader = store_.read();
    items = reader->outbox_from(full ? 0 : scanned_to_ + 1, kBatch);
  }
  std::uint64_t examined = full ? 0 : scanned_to_;
  core::Millis next_due = 0;
  for (auto& item : items) {
    {
      std::lock_guard lock(mu_);
      if (inflight_.count(item.seq)) {
        examined = item.seq;
        continue;
      }
      if (item.not_before > now) {
        next_due = next_due == 0 ? item.not_before : std::min(next_due, item.not_before);
        examined = item.seq;
        continue;
      }
      // A bounded number in the adapters' hands: a backlog (paced posts) waits here, as
      // records, rather than as thousands of coroutines. Settling ones wake the next pass.
      if (inflight_.size() >= kMaxInflight) break;
      inflight_.insert(item.seq);
    }
    examined = item.seq;
    auto it = adapters_.find(item.adapter);
    if (it == adapters_.end()) {
      // Replies for a platform that is no longer configured would block the queue forever.
      finished(item, Delivery::drop("no '" + item.adapter + "' adapter is running"));
      continue;
    }
    it->second->deliver(item, [this, item](Delivery d) { finished(item, d); });
  }
  scanned_to_ = full ? examined : std::max(scanned_to_, examined);
  std::lock_guard lock(mu_);
  if (full || next_due_ == 0)
    next_due_ = next_due;
  else if (next_due != 0)
    next_due_ = std::min(next_due_, next_due);
}

void OutboxSender::finished(const store::OutboxItem& item, const Delivery& d) {
  auto seq = item.seq;
  Committer::Task task;
  if (d.status == Delivery::Status::sent) {
    task = [seq](store::Writer& w) { w.outbox_done(seq); };
  } else if (d.status == Delivery::Status::unsent) {
    // Not tried: the next pass (or the next start) tries again after a pause, the count unchanged.
    auto attempts = item.attempts;
    auto not_before = clock_.now_ms() + backoff_ms(0);
    spdlog::debug("reply {} for {} was not sent ({}); it waits for the adapter", seq, item.adapter, d.error);
    task = [seq, attempts, not_before](store::Writer& w) { w.outbox_retry(seq, attempts, not_before); };
  } else if (d.status == Delivery::Status::drop || item.attempts + 1 >= kMaxAttempts) {
    spdlog::warn("dropping reply {} for {} after {} attempt(s): {}", seq, item.adapter, item.attempts + 1,
                 d.error);
    task = [seq](store::Writer& w) { w.outbox_done(seq); };
  } else {
    auto attempts = item.attempts + 1;
    auto wait = std::max(d.retry_after_ms, backoff_ms(item.attempts));
    auto not_before = clock_.now_ms() + wait;
    spdlog::info("reply {} for {} will be retried in {} ms: {}", seq, item.adapter, wait, d.error);
    task = [seq, attempts, not_before](store::Writer& w) { w.outbox_retry(seq, attempts, not_before); };
  }
  {
    std::lock_guard lock(mu_);
    ++pending_;
  }
  bool retry = d.status == Delivery::Status::unsent ||
               (d.status == Delivery::Status::retry && item.attempts + 1 < kMaxAttempts);
  committer_.submit(std::move(task), [this, seq, retry](bool ok) {
    // Notified under the lock: once pending_ reaches 0, stop() may return and the sender be
    // destroyed, so nothing of it may be touched after the unlock.
    std::lock_guard lock(mu_);
    settled_.insert(seq);
    if (retry || !ok) rescan_ = true;  // the item stays in the outbox, behind scanned_to_
    --pending_;
    wake_ = true;
    cv_.notify_all();
  });
}

}  // namespace brigade::bot

namespace brigade::bot {

std::string_view to_string(LinkState s) {
  switch (s) {
    case LinkState::starting:
      return "starting";
    case LinkState::connected:
      return "connected";
    case LinkState::reconnecting:
      return "reconnecting";
    case LinkState::stopped:
      return "stopped";
    case LinkState::failed:
      return "failed";
  }
  return "unknown";
}

}  // namespace brigade::bot
