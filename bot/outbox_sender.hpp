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
#include <utility>
#include <vector>

#include "bot/adapter.hpp"
#include "bot/committer.hpp"

namespace brigade::bot {

// Replies leave only after the transaction that queued them committed, and are deleted only
// after the platform accepted them (at-least-once; platforms with idempotency keys such as
// Matrix txnIds make it exactly-once). A failed delivery is retried with capped exponential
// backoff, or after the platform's Retry-After; permanent failures and exhausted retries are
// logged and dropped so one bad reply can never block the queue.
//
// Edits: a reply with Reply::tag that the platform accepted with a Delivery::message_ref has that
// reference stored (store::Writer::set_message_ref) in the task that deletes it. A reply with
// Reply::replaces waits while an earlier outbox item with that name (the message it replaces, or an
// earlier edit of it) is still queued or in flight, then leaves with OutboxItem::edit_ref filled from
// the same read transaction; with no reference known it goes out as a new message.
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
  bool begin_pass(core::Millis now);  // settles what committed; true: read the outbox from its start
  bool offer(const store::OutboxItem& item, core::Millis now, core::Millis& next_due);
  void remember(const std::vector<store::OutboxItem>& items, bool whole_outbox);
  std::vector<store::OutboxItem> recall_waiting(store::Reader& r, std::uint64_t first, std::uint64_t last);
  // Fills edit_ref of edits, and moves the edits that must wait out of `items` into waiting_.
  void prepare_edits(store::Reader& r, std::vector<store::OutboxItem>& items);
  bool behind_earlier(store::Reader& r, const std::string& name, std::uint64_t seq);
  void finished(const store::OutboxItem& item, const Delivery& d);
  Committer::Task done_task(const store::OutboxItem& item, const Delivery& d);

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
  // Pass thread only: (name, seq) for each item a pass read whose reply has a tag or replaces one
  // (both names), until it is known to have left the outbox. An edit waits behind these.
  std::set<std::pair<std::string, std::uint64_t>> named_;
  // Pass thread only: edits that wait for an earlier item (prepare_edits); read again every pass.
  std::set<std::uint64_t> waiting_;
  // Names of items whose removal committed; named_ drops them at the start of the next pass.
  std::vector<std::pair<std::string, std::uint64_t>> gone_;
  bool wake_ = false;
  bool stopping_ = false;
  std::thread thread_;
};

}  // namespace brigade::bot
