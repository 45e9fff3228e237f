// Delivers queued replies from the store's outbox through the adapters, with retries.
#pragma once

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <map>
#include <mutex>
#include <set>
#include <string>
#include <thread>

#include "bot/adapter.hpp"
#include "bot/committer.hpp"

namespace brigade::bot {

// Replies leave only after the transaction that queued them committed, and are deleted only
// after the platform accepted them (at-least-once; platforms with idempotency keys such as
// Matrix txnIds make it exactly-once). A failed delivery is retried with capped exponential
// backoff, or after the platform's Retry-After; permanent failures and exhausted retries are
// logged and dropped so one bad reply can never block the queue.
class OutboxSender {
 public:
  static constexpr std::uint32_t kMaxAttempts = 8;
  static constexpr std::size_t kBatch = 512;         // outbox records read per pass
  static constexpr std::size_t kMaxInflight = 1024;  // replies handed to adapters, not yet settled

  OutboxSender(store::Store& store, Committer& committer, const core::Clock& clock);
  ~OutboxSender();
  OutboxSender(const OutboxSender&) = delete;
  OutboxSender& operator=(const OutboxSender&) = delete;

  void add(Adapter& adapter);  // before start()
  void start();                // background thread
  void notify();               // something new was committed
  // Hands everything due now to the adapters, on the calling thread. With synchronous
  // adapters (console) the replies have been shown when this returns.
  void flush();
  // Keeps delivering until the outbox is empty or the deadline passes; true when empty.
  bool drain(std::chrono::milliseconds deadline);
  // Stops the background thread and waits until the committer has run every bookkeeping task
  // this sender submitted, so no callback can reach it after destruction.
  void stop();

  static core::Millis backoff_ms(std::uint32_t attempts);

 private:
  void pass();
  void finished(const store::OutboxItem& item, const Delivery& d);

  store::Store& store_;
  Committer& committer_;
  const core::Clock& clock_;
  std::map<std::string, Adapter*, std::less<>> adapters_;

  std::mutex pass_mu_;  // one pass at a time
  std::mutex mu_;
  std::condition_variable cv_;
  std::set<std::uint64_t> inflight_;  // handed to an adapter; not to be sent again
  // Items whose bookkeeping (done/retry) has committed. They leave inflight_ only at the start
  // of the next pass, before its snapshot is taken: a snapshot read earlier may still hold them.
  std::set<std::uint64_t> settled_;
  std::size_t pending_ = 0;       // bookkeeping tasks submitted to the committer, not yet finished
  core::Millis next_due_ = 0;     // earliest not_before among items not handed out
  bool rescan_ = true;            // the next pass reads the outbox from its start
  std::uint64_t scanned_to_ = 0;  // pass thread only: highest seq a pass has looked at
  bool wake_ = false;
  bool stopping_ = false;
  std::thread thread_;
};

}  // namespace brigade::bot
