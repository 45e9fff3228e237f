// Group commit: one write transaction per group of jobs, written straight into it, or with a child
// transaction per job when one of them failed.
#include "bot/committer.hpp"

#include "bot/metrics.hpp"
#include "core/thread_name.hpp"

#include <spdlog/spdlog.h>

#include <future>

namespace brigade::bot {

namespace {

// What an admin can do about a failed commit, by the kind of failure.
const char* advice(store::StoreError::Code code) {
  switch (code) {
    case store::StoreError::Code::full:
      return " — the data file reached its size limit: nothing new is recorded until it has room "
             "again; replies already queued still go out";
    case store::StoreError::Code::damaged:
      return " — the data file is damaged: stop the bot and restore it from a backup";
    default:
      return "";
  }
}

}  // namespace

Committer::Committer(store::Store& store, const commands::Rules& rules, const core::Clock& clock,
                     Metrics& metrics, std::size_t max_group)
    : store_(store), rules_(rules), clock_(clock), metrics_(metrics), max_group_(max_group) {
  thread_ = std::thread([this] {
    core::name_this_thread("committer");
    run();
  });
}

Committer::~Committer() {
  stop();
}

void Committer::on_commit(CommitHook hook) {
  std::lock_guard lock(hook_mu_);  // waits for a call of the old hook to finish
  hook_ = std::move(hook);
}

void Committer::on_applied(AppliedHook hook) {
  std::lock_guard lock(hook_mu_);
  applied_ = std::move(hook);
}

void Committer::submit(core::Event event, CommandDone done) {
  {
    std::lock_guard lock(mu_);
    if (stopping_) {
      commands::Result r;
      r.outcome = commands::Outcome::error;
      if (done) done(r);
      return;
    }
    queue_.push_back(Job{std::move(event), std::move(done), {}, {}});
  }
  cv_.notify_one();
}

void Committer::submit(Task task, TaskDone done) {
  {
    std::lock_guard lock(mu_);
    if (stopping_) {
      if (done) done(false);
      return;
    }
    queue_.push_back(Job{{}, {}, std::move(task), std::move(done)});
  }
  cv_.notify_one();
}

void Committer::submit_batch(std::vector<core::Event> events, Task then, BatchDone done) {
  {
    std::lock_guard lock(mu_);
    if (!stopping_) {
      Job job;
      job.batch = std::move(events);
      job.task = std::move(then);
      job.batch_done = std::move(done);
      job.is_batch = true;
      queue_.push_back(std::move(job));
      cv_.notify_one();
      return;
    }
  }
  if (done) done({}, false);
}

commands::Result Committer::apply(core::Event event) {
  std::promise<commands::Result> promise;
  auto future = promise.get_future();
  submit(std::move(event), [&promise](const commands::Result& r) { promise.set_value(r); });
  return future.get();
}

void Committer::stop() {
  {
    std::lock_guard lock(mu_);
    stopping_ = true;
  }
  cv_.notify_one();
  if (thread_.joinable()) thread_.join();
}

Committer::Stats Committer::stats() const {
  std::lock_guard lock(mu_);
  return stats_;
}

void Committer::run() {
  std::vector<Job> group;
  for (;;) {
    {
      std::unique_lock lock(mu_);
      cv_.wait(lock, [this] { return stopping_ || !queue_.empty(); });
      if (queue_.empty()) return;  // stopping, and everything queued has been committed
      while (!queue_.empty() && group.size() < max_group_) {
        group.push_back(std::move(queue_.front()));
        queue_.pop_front();
      }
    }
    apply_group(group);
    group.clear();
  }
}

// When a command happened: the platform's time when it is plausible (a message may arrive late,
// after a restart), else now. The time comes from someone else's server (Matrix
// origin_server_ts), so one far in the future or before 1970 must not become a kudos there.
core::Millis Committer::when(const core::Event& event) const {
  constexpr core::Millis kMaxAhead = 24 * 3600 * 1000;
  const core::Millis now = clock_.now_ms();
  if (event.ts_ms <= 0 || event.ts_ms > now + kMaxAhead) return now;
  return event.ts_ms;
}

namespace {

// Where one job writes: a child transaction of the group's when the group runs isolated (or the
// job must be able to roll back without failing), else the group's transaction itself.
struct JobTxn {
  std::unique_ptr<store::Writer> child;
  store::Writer& w;
  JobTxn(store::Writer& txn, bool own) : child(own ? txn.child() : nullptr), w(child ? *child : txn) {}
  // Commits the child; the group's own transaction is committed by write_pass alone.
  void commit() {
    if (child) child->commit();
  }
};

// A job failed while the group was written without children: the group is written again, isolated.
struct IsolateGroup {};

}  // namespace

commands::Result Committer::apply_command(store::Writer& txn, const core::Event& event, bool isolate) {
  commands::Context ctx{rules_, store_.calendar(), when(event)};
  // A form's refusal rolls its writes back without an error: it always gets a child.
  JobTxn child(txn, isolate || event.form);
  store::Writer& w = child.w;
  // The claim comes first: on PostgreSQL another replica handling the same source id waits here
  // for ours to commit, then sees a duplicate.
  if (!event.source_id.empty() && !w.claim_seen(event.source_id, ctx.now)) {
    commands::Result r;
    r.outcome = commands::Outcome::duplicate;
    return r;
  }
  auto result = commands::handle(event, w, ctx);
  // A form shows its refusal next to the field (the adapter answers it from the result): no
  // private message, and not marked seen (the child, claim included, is rolled back), so the
  // corrected form is a new try under the same id.
  const bool refused_form = event.form && (result.outcome == commands::Outcome::refused ||
                                           result.outcome == commands::Outcome::usage);
  if (refused_form) return result;
  if (!event.source_id.empty()) w.mark_seen(event.source_id, ctx.now, result.kudos_ids);
  for (auto& reply : result.replies) {
    if (reply.reply_to.empty() && reply.audience == core::Audience::private_ && reply.user == event.user.id)
      reply.reply_to = event.reply_to;
    w.enqueue(event.platform, reply);
  }
  for (const auto& [adapter, reply] : result.routed) w.enqueue(adapter, reply);
  child.commit();
  return result;
}

struct Committer::GroupResult {
  explicit GroupResult(std::size_t n) : results(n), batch_results(n), task_ok(n, false) {}
  std::vector<commands::Result> results;                     // per command job
  std::vector<std::vector<commands::Result>> batch_results;  // per batch job, per event
  std::vector<bool> task_ok;                                 // per task or batch job: its writes held
  bool any_reply = false;                                    // the outbox may have changed
  bool committed = false;
};

void Committer::apply_group(std::vector<Job>& group) {
  GroupResult out(group.size());
  auto started = std::chrono::steady_clock::now();
  // A store that reconnects (a PostgreSQL server restarting) gets the whole group again, with
  // backoff, for up to kRetryFor; nothing was acked, so nothing is lost or doubled meanwhile.
  constexpr auto kRetryFor = std::chrono::seconds(15);
  auto delay = std::chrono::milliseconds(100);
  while (!write_group(group, out) && store_.reconnects() &&
         std::chrono::steady_clock::now() + delay < started + kRetryFor) {
    spdlog::warn("commit: trying the {} writes again in {} ms", group.size(), delay.count());
    std::this_thread::sleep_for(delay);
    delay = std::min(delay * 2, std::chrono::milliseconds(2000));
    out = GroupResult(group.size());
  }
  count_group(group, out, std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count());
  finish_group(group, out);
}

// ONE write transaction for the whole group: the jobs written straight into it, or, when one of
// them failed that way, the group again with each job in its own child transaction. False when
// the store failed in a way worth another try (it reconnects).
bool Committer::write_group(std::vector<Job>& group, GroupResult& out) {
  auto pass = write_pass(group, out, false);
  if (pass == Pass::isolate) {
    {
      std::lock_guard lock(mu_);
      ++stats_.isolated;
    }
    out = GroupResult(group.size());
    pass = write_pass(group, out, true);
  }
  return pass != Pass::again;
}

Committer::Pass Committer::write_pass(std::vector<Job>& group, GroupResult& out, bool isolate) {
  try {
    auto txn = store_.write();
    for (std::size_t i = 0; i < group.size(); ++i) {
      auto& job = group[i];
      try {
        apply_job(*txn, job, i, out, isolate);
      } catch (const std::exception& e) {
        if (!isolate) throw IsolateGroup{};  // the transaction is aborted as it goes out of scope
        // Only this job's child transaction is lost; the rest of the group commits.
        spdlog::error("write failed for {}: {}", job.task ? "task" : job.event.source_id, e.what());
        out.results[i].outcome = commands::Outcome::error;
      }
    }
    try {
      txn->commit();
    } catch (const store::StoreError& e) {
      // On PostgreSQL the last job's writes are sent without waiting and answered at the commit
      // (store/pg/pg.hpp, Conn::send): a failure there that is not the connection's may be one
      // job's, which the isolated pass finds (each job's savepoint reads its own answers).
      if (!isolate && e.code() != store::StoreError::Code::failed) throw IsolateGroup{};
      throw;
    }
    out.committed = true;
  } catch (const IsolateGroup&) {
    return Pass::isolate;
  } catch (const store::StoreError& e) {
    spdlog::error("commit of {} writes failed: {}{}", group.size(), e.what(), advice(e.code()));
    // failed: may pass (worth another try)
    return e.code() == store::StoreError::Code::failed ? Pass::again : Pass::done;
  } catch (const std::exception& e) {
    spdlog::error("commit of {} writes failed: {}", group.size(), e.what());
  }
  return Pass::done;
}

void Committer::apply_job(store::Writer& txn, Job& job, std::size_t i, GroupResult& out, bool isolate) {
  if (job.is_batch) {
    auto& results = out.batch_results[i];
    for (const auto& ev : job.batch) {
      try {
        results.push_back(apply_command(txn, ev, isolate));
      } catch (const std::exception& e) {
        if (!isolate) throw;
        spdlog::error("write failed for {}: {}", ev.source_id, e.what());
        commands::Result r;
        r.outcome = commands::Outcome::error;
        results.push_back(std::move(r));
      }
      out.any_reply = out.any_reply || !results.back().replies.empty();
    }
    if (job.task) {
      JobTxn child(txn, isolate);
      job.task(child.w);
      child.commit();
    }
    out.task_ok[i] = true;
  } else if (job.task) {
    JobTxn child(txn, isolate);
    job.task(child.w);
    child.commit();
    out.task_ok[i] = true;
    out.any_reply = true;  // tasks may change the outbox (retries); let the sender look
  } else {
    out.results[i] = apply_command(txn, job.event, isolate);
    out.any_reply = out.any_reply || !out.results[i].replies.empty();
  }
}

// The group in /metrics: its commit time, and each command's outcome and kudos.
void Committer::count_group(const std::vector<Job>& group, const GroupResult& out, double seconds) {
  if (out.committed) metrics_.commit_seconds(seconds);
  for (std::size_t i = 0; i < group.size(); ++i) {
    const auto& job = group[i];
    if (job.is_batch) {
      for (std::size_t k = 0; k < job.batch.size() && k < out.batch_results[i].size(); ++k) {
        auto outcome =
            out.committed && out.task_ok[i] ? out.batch_results[i][k].outcome : commands::Outcome::error;
        metrics_.command(job.batch[k].command, job.batch[k].platform, outcome);
        if (out.committed && out.task_ok[i])
          metrics_.kudos_recorded(out.batch_results[i][k].kudos_ids.size());
      }
    } else if (!job.task) {
      metrics_.command(job.event.command, job.event.platform,
                       out.committed ? out.results[i].outcome : commands::Outcome::error);
      if (out.committed) metrics_.kudos_recorded(out.results[i].kudos_ids.size());
    }
  }
}

// Stats, then every job's callback, then the commit hook: all after the commit.
void Committer::finish_group(std::vector<Job>& group, GroupResult& out) {
  {
    std::lock_guard lock(mu_);
    if (out.committed) {
      ++stats_.commits;
      stats_.largest_group = std::max<std::uint64_t>(stats_.largest_group, group.size());
    }
  }
  // Before the callbacks: whoever sees a command done (an ack, apply() returning) may count on the
  // applied hook having seen it too.
  if (out.committed) tell_applied(group, out);
  for (std::size_t i = 0; i < group.size(); ++i) {
    auto& job = group[i];
    if (job.is_batch) {
      if (job.batch_done) job.batch_done(out.batch_results[i], out.committed && out.task_ok[i]);
      continue;
    }
    if (job.task) {
      if (job.task_done) job.task_done(out.committed && out.task_ok[i]);
      continue;
    }
    if (!out.committed) {
      out.results[i] = {};
      out.results[i].outcome = commands::Outcome::error;
    } else {
      std::lock_guard lock(mu_);
      ++stats_.commands;
    }
    if (job.command_done) job.command_done(out.results[i]);
  }
  if (out.committed && out.any_reply) {
    std::lock_guard lock(hook_mu_);
    if (hook_) hook_();
  }
}

void Committer::tell_applied(const std::vector<Job>& group, const GroupResult& out) {
  std::lock_guard lock(hook_mu_);
  if (!applied_) return;
  for (std::size_t i = 0; i < group.size(); ++i) {
    const auto& job = group[i];
    if (job.is_batch) {
      if (!out.task_ok[i]) continue;
      for (std::size_t k = 0; k < job.batch.size() && k < out.batch_results[i].size(); ++k)
        if (out.batch_results[i][k].outcome == commands::Outcome::ok) applied_(job.batch[k], out.batch_results[i][k]);
    } else if (!job.task && out.results[i].outcome == commands::Outcome::ok) {
      applied_(job.event, out.results[i]);
    }
  }
}

}  // namespace brigade::bot
