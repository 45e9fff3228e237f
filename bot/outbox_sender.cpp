// Outbox delivery loop and retry bookkeeping.
#include "bot/outbox_sender.hpp"
#include "core/thread_name.hpp"

#include "bot/network_adapter.hpp"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <limits>
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
    core::name_this_thread("outbox");
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
  bool full = begin_pass(now);
  std::uint64_t first = full ? 0 : scanned_to_ + 1;
  // Only as many records as can be handed out: with a paced backlog the adapters hold
  // kMaxInflight and each settled reply frees one slot, so reading a whole batch per pass decoded
  // hundreds of records to hand out one (most of the bot's CPU under load).
  std::size_t limit;
  {
    std::lock_guard lock(mu_);
    limit = kMaxInflight - std::min(inflight_.size(), kMaxInflight);
  }
  limit = std::min(limit, kBatch);
  std::vector<store::OutboxItem> items, recalled;
  bool read_all = false;  // the read reached the end of the outbox
  {
    auto reader = store_.read();
    if (limit > 0) items = reader->outbox_from(first, limit);
    read_all = limit > 0 && items.size() < limit;
    remember(items, full && read_all);
    // What this read covers: from `first` to its last item, or everything when it was not cut short.
    // Nothing read: [1, 0], which covers nothing.
    const std::uint64_t from = items.empty() && !read_all ? 1 : first;
    const std::uint64_t last =
        read_all ? std::numeric_limits<std::uint64_t>::max() : items.empty() ? 0 : items.back().seq;
    recalled = recall_waiting(*reader, from, last);
    prepare_edits(*reader, recalled);
    prepare_edits(*reader, items);
  }
  core::Millis next_due = 0;
  bool room = true;
  for (const auto& item : recalled)
    if (!(room = offer(item, now, next_due))) break;
  std::uint64_t examined = full ? 0 : scanned_to_;
  for (const auto& item : items) {
    if (!room || !(room = offer(item, now, next_due))) break;
    examined = item.seq;
  }
  scanned_to_ = full ? examined : std::max(scanned_to_, examined);
  std::lock_guard lock(mu_);
  // Every record read was handed out and the read stopped at its limit: there is more, and room.
  if (room && limit > 0 && !read_all && !items.empty() && examined == items.back().seq) wake_ = true;
  if (full || next_due_ == 0)
    next_due_ = next_due;
  else if (next_due != 0)
    next_due_ = std::min(next_due_, next_due);
}

// Hands `item` to its adapter unless it is in flight already or not due yet (then its not_before
// counts for `next_due`); false when kMaxInflight replies are out, and nothing was done.
bool OutboxSender::offer(const store::OutboxItem& item, core::Millis now, core::Millis& next_due) {
  {
    std::lock_guard lock(mu_);
    if (inflight_.count(item.seq)) return true;
    if (item.not_before > now) {
      next_due = next_due == 0 ? item.not_before : std::min(next_due, item.not_before);
      return true;
    }
    // A bounded number in the adapters' hands: a backlog (paced posts) waits here, as
    // records, rather than as thousands of coroutines. Settling ones wake the next pass.
    if (inflight_.size() >= kMaxInflight) return false;
    inflight_.insert(item.seq);
  }
  auto it = adapters_.find(item.adapter);
  if (it == adapters_.end()) {
    // Replies for a platform that is no longer configured would block the queue forever.
    finished(item, Delivery::drop("no '" + item.adapter + "' adapter is running"));
    return true;
  }
  it->second->deliver(item, [this, item](Delivery d) { finished(item, d); });
  return true;
}

bool OutboxSender::begin_pass(core::Millis now) {
  std::vector<std::pair<std::string, std::uint64_t>> gone;
  bool full;
  {
    std::lock_guard lock(mu_);
    for (auto seq : settled_) inflight_.erase(seq);
    settled_.clear();
    gone.swap(gone_);
    // Items up to scanned_to_ were all handed out or are waiting for their not_before (kept in
    // next_due_), so only newer ones need reading — unless a retry was booked or one fell due.
    full = rescan_ || (next_due_ != 0 && next_due_ <= now);
    rescan_ = false;
  }
  for (const auto& g : gone) named_.erase(g);
  return full;
}

void OutboxSender::remember(const std::vector<store::OutboxItem>& items, bool whole_outbox) {
  // The snapshot holds the whole outbox: names of items that left it some other way (an erasure
  // deletes queued replies) go too.
  if (whole_outbox) named_.clear();
  for (const auto& i : items) {
    if (!i.reply.tag.empty()) named_.emplace(i.reply.tag, i.seq);
    if (!i.reply.replaces.empty()) named_.emplace(i.reply.replaces, i.seq);
  }
}

// An edit (or a reply linking to a message) must not leave before the message it names has
// landed and its reference committed, nor overtake an earlier edit of the same message; adapters keep order per channel, but a
// reference is only known once the earlier delivery's bookkeeping committed. The ones that must
// wait leave `items` for waiting_; every pass reads them again (recall_waiting). Items in flight
// were prepared when handed out, and nothing queued before them is still there.
void OutboxSender::prepare_edits(store::Reader& r, std::vector<store::OutboxItem>& items) {
  auto out = items.begin();
  for (auto& item : items) {
    // A reply linking to a message (Reply::link_to) waits for it the same way.
    const auto& rep = item.reply;
    if ((!rep.replaces.empty() && behind_earlier(r, rep.replaces, item.seq)) ||
        (!rep.link_to.empty() && behind_earlier(r, rep.link_to, item.seq))) {
      waiting_.insert(item.seq);
      continue;
    }
    if (!rep.replaces.empty()) item.edit_ref = r.message_ref(rep.replaces).value_or("");
    if (!rep.link_to.empty()) item.link_ref = r.message_ref(rep.link_to).value_or("");
    if (&*out != &item) *out = std::move(item);
    ++out;
  }
  items.erase(out, items.end());
}

// The waiting edits outside [first, last] (the pass's read) that are still queued. waiting_ is
// emptied: prepare_edits puts back those that still wait, read here or in the pass's read.
std::vector<store::OutboxItem> OutboxSender::recall_waiting(store::Reader& r, std::uint64_t first,
                                                            std::uint64_t last) {
  std::set<std::uint64_t> seqs;
  seqs.swap(waiting_);
  std::vector<store::OutboxItem> out;
  for (auto seq : seqs) {
    if (seq >= first && seq <= last) continue;
    auto found = r.outbox_from(seq, 1);
    if (!found.empty() && found.front().seq == seq) out.push_back(std::move(found.front()));
  }
  return out;
}

// Whether an item queued before `seq` and named `name` is still in this snapshot's outbox.
bool OutboxSender::behind_earlier(store::Reader& r, const std::string& name, std::uint64_t seq) {
  for (auto it = named_.lower_bound({name, 0});
       it != named_.end() && it->first == name && it->second < seq;) {
    auto found = r.outbox_from(it->second, 1);
    if (!found.empty() && found.front().seq == it->second) return true;
    it = named_.erase(it);  // left the outbox
  }
  return false;
}

Committer::Task OutboxSender::done_task(const store::OutboxItem& item, const Delivery& d) {
  auto seq = item.seq;
  if (d.status != Delivery::Status::sent || item.reply.tag.empty() || d.message_ref.empty())
    return [seq](store::Writer& w) { w.outbox_done(seq); };
  // Where it landed, with the delete: one transaction, so a later edit finds it or the reply is
  // still queued (and the edit waits for it).
  return [seq, tag = item.reply.tag, ref = d.message_ref, ts = clock_.now_ms()](store::Writer& w) {
    try {
      w.set_message_ref(tag, ref, ts);
    } catch (const store::StoreError& e) {
      // A tag the store refuses must not keep a sent reply queued (it would be sent again).
      if (e.code() != store::StoreError::Code::invalid) throw;
      spdlog::warn("reply {}: its reference is not kept: {}", seq, e.what());
    }
    w.outbox_done(seq);
  };
}

void OutboxSender::finished(const store::OutboxItem& item, const Delivery& d) {
  auto seq = item.seq;
  Committer::Task task;
  if (d.status == Delivery::Status::sent) {
    task = done_task(item, d);
  } else if (d.status == Delivery::Status::unsent) {
    // Not tried: the next pass (or the next start) tries again after a pause, the count unchanged.
    auto attempts = item.attempts;
    auto not_before = clock_.now_ms() + backoff_ms(0);
    spdlog::debug("reply {} for {} was not sent ({}); it waits for the adapter", seq, item.adapter, d.error);
    task = [seq, attempts, not_before](store::Writer& w) { w.outbox_retry(seq, attempts, not_before); };
  } else if (d.status == Delivery::Status::drop || item.attempts + 1 >= kMaxAttempts) {
    spdlog::warn("dropping reply {} for {} after {} attempt(s): {}", seq, item.adapter, item.attempts + 1,
                 d.error);
    task = done_task(item, d);
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
  committer_.submit(std::move(task),
                    [this, seq, retry, tag = item.reply.tag, replaces = item.reply.replaces](bool ok) {
                      // Notified under the lock: once pending_ reaches 0, stop() may return and the sender be
                      // destroyed, so nothing of it may be touched after the unlock.
                      std::lock_guard lock(mu_);
                      settled_.insert(seq);
                      if (retry || !ok) rescan_ = true;  // the item stays in the outbox, behind scanned_to_
                      if (ok && !retry) {
                        if (!tag.empty()) gone_.emplace_back(tag, seq);
                        if (!replaces.empty()) gone_.emplace_back(replaces, seq);
                      }
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
