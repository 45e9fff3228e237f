// The single writer: applies commands and other store writes in group commits on its own thread.
#pragma once

#include <condition_variable>
#include <cstdint>
#include <deque>
#include <functional>
#include <mutex>
#include <thread>
#include <vector>

#include "bot/adapter_effects.hpp"
#include "commands/commands.hpp"
#include "core/calendar.hpp"
#include "core/types.hpp"
#include "store/store.hpp"

namespace brigade::bot {

class Metrics;

// Every command that arrives while a commit is running goes into the next transaction, so
// throughput rises with load while each caller waits for at most one commit. A group is first
// written straight into its transaction; only when a job in it fails is the group written again
// with each job in a child transaction of its own, so the failure spoils nothing else (a child
// per job on every group cost LMDB a copy of every page each command touched). Callbacks run
// on the writer thread strictly after the transaction holding their effects is durable:
// that is where adapters ack (Slack) or advance nothing further (Matrix commits its cursor
// through a task in the same group).
class Committer {
 public:
  using CommandDone = std::function<void(const commands::Result&)>;
  // A write that is not a chat command (outbox bookkeeping, adapter cursors, digests).
  // It runs inside a child transaction; throwing aborts just this task.
  using Task = std::function<void(store::Writer&)>;
  using TaskDone = std::function<void(bool ok)>;
  // Called after each commit that enqueued replies (wakes the outbox sender).
  using CommitHook = std::function<void()>;
  // Called after the commit for each command that did what it was asked (Outcome::ok), on the
  // writer thread: whoever keeps views of people's numbers (bot::HomeRefresher) learns of it.
  using AppliedHook = std::function<void(const core::Event&, const commands::Result&)>;
  // A batch's results, in order. `committed` is false when the transaction failed or the `then`
  // step threw; retrying the batch is then safe, because events already applied dedupe.
  using BatchDone = std::function<void(const std::vector<commands::Result>& results, bool committed)>;

  struct Stats {
    std::uint64_t commits = 0;
    std::uint64_t commands = 0;
    std::uint64_t largest_group = 0;
    std::uint64_t isolated = 0;  // groups written again with a child transaction per job
  };

  // `metrics` counts commands, kudos and commit times; it must outlive the Committer.
  Committer(store::Store& store, const commands::Rules& rules, const core::Clock& clock, Metrics& metrics,
            std::size_t max_group = 4096);
  ~Committer();  // stops: finishes what was queued, then joins
  Committer(const Committer&) = delete;
  Committer& operator=(const Committer&) = delete;

  // Called after a commit that queued replies. Replacing it (or clearing it with nullptr) returns
  // once no call of the previous hook is running.
  void on_commit(CommitHook hook);
  // The same rules for the applied hook.
  void on_applied(AppliedHook hook);
  void submit(core::Event event, CommandDone done);
  void submit(Task task, TaskDone done = {});
  // An adapter's revocations, meta, notices and cursor, applied in one child transaction.
  void submit(AdapterEffects effects, TaskDone done = {});
  // Applies every event and then `then` (e.g. advancing a sync cursor) in ONE transaction, so a
  // crash either keeps all of it or replays all of it (events dedupe by source id).
  void submit_batch(std::vector<core::Event> events, Task then, BatchDone done);
  void submit_batch(std::vector<core::Event> events, AdapterEffects then, BatchDone done);
  // Applies a command and waits for its commit (console, tests).
  commands::Result apply(core::Event event);
  // Stops intake; everything already queued is committed before this returns.
  void stop();
  Stats stats() const;

 private:
  // The writes `effects` stands for (what the two AdapterEffects calls run).
  Task effects_task(AdapterEffects effects);

  struct Job {
    core::Event event;
    CommandDone command_done;
    Task task;
    TaskDone task_done;
    std::vector<core::Event> batch;  // with `task` as the step after it, and `batch_done`
    BatchDone batch_done;
    bool is_batch = false;
  };
  void run();
  // One group commit, in parts: the transaction (each job in a child), the metrics, then the stats,
  // callbacks and commit hook.
  struct GroupResult;
  void apply_group(std::vector<Job>& group);
  // False when the commit failed in a way that may pass (StoreError::Code::failed).
  enum class Pass { done, again, isolate };
  bool write_group(std::vector<Job>& group, GroupResult& out);
  Pass write_pass(std::vector<Job>& group, GroupResult& out, bool isolate);
  void apply_job(store::Writer& txn, Job& job, std::size_t i, GroupResult& out, bool isolate);
  void count_group(const std::vector<Job>& group, const GroupResult& out, double seconds);
  void finish_group(std::vector<Job>& group, GroupResult& out);
  void tell_applied(const std::vector<Job>& group, const GroupResult& out);
  commands::Result apply_command(store::Writer& txn, const core::Event& event, bool isolate);
  core::Millis when(const core::Event& event) const;

  store::Store& store_;
  const commands::Rules& rules_;
  const core::Clock& clock_;
  Metrics& metrics_;
  const std::size_t max_group_;
  // Held while the hook runs, so once on_commit() returns the old hook is never called again
  // (its owner may be destroyed next).
  std::mutex hook_mu_;
  CommitHook hook_;
  AppliedHook applied_;

  mutable std::mutex mu_;
  std::condition_variable cv_;
  std::deque<Job> queue_;
  bool stopping_ = false;
  Stats stats_;
  std::thread thread_;
};

}  // namespace brigade::bot
