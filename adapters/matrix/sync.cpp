// The Matrix adapter's /sync: one long-poll, then its answer turned into commands (clicks on reaction
// buttons among them), revocations, notices and people gone or back, committed together with its
// next_batch (exactly once: the cursor moves only with them).
#include <spdlog/spdlog.h>

#include "adapters/matrix/adapter_impl.hpp"
#include "adapters/matrix/buttons.hpp"
#include "adapters/matrix/ids.hpp"
#include "adapters/net/tuple_token.hpp"

namespace brigade::matrix::detail {

namespace {

// A batch with nothing to record (our own replies echoed back, typing in other rooms) need not
// cost a durable commit: replaying it after a crash changes nothing. Its cursor is written with
// the next batch that has effects, or after this long at the latest.
constexpr std::chrono::seconds kCursorFlush{30};

struct BatchSignal {
  explicit BatchSignal(asio::io_context& ioc) : timer(ioc, asio::steady_timer::time_point::max()) {}
  asio::steady_timer timer;
  bool set = false;
  bool ok = false;
};

}  // namespace

asio::awaitable<SessionEvent> MatrixAdapter::sync() {
  const std::string& cursor = session_.cursor();
  bool initial = cursor.empty();
  std::string path = "/sync?timeout=" + std::to_string(initial ? 0 : opt_.sync_timeout.count()) +
                     "&set_presence=offline&filter=" + path_segment(filter_);
  if (!initial) path += "&since=" + path_segment(cursor);
  SessionEvent e;
  e.kind = SessionEvent::Kind::synced;
  e.answer = co_await call(initial ? initial_http_ : sync_http_, "GET", path, nullptr);
  if (!e.answer.ok()) co_return e;
  batch_answered_ = std::chrono::steady_clock::now();
  batch_initial_ = initial;
  try {
    batch_ = parse_sync(std::move(e.answer.body), me_, dir_);
    e.next_batch = batch_.next_batch;
  } catch (const std::exception& x) {
    spdlog::warn("matrix: unusable sync answer ({})", x.what());
    e.unusable = true;
  }
  e.answer.body = nullptr;  // parsed; the batch holds what is needed
  co_return e;
}

// Turns the last sync answer into commands and commits them together with its next_batch.
asio::awaitable<SessionEvent> MatrixAdapter::apply() {
  SessionEvent done;
  done.kind = SessionEvent::Kind::committed;
  bool initial = batch_initial_;
  co_await answer_invites(batch_);
  if (stopping_) co_return done;
  for (const auto& room : batch_.left) {
    spdlog::info("matrix: no longer in {}", room);
    members_loaded_.erase(room);
  }
  std::vector<core::Event> events;
  std::vector<std::string> revokes;
  std::vector<std::string> newly_encrypted;
  for (auto& jr : batch_.joined) {
    if (!jr.encrypted && known_encrypted(jr.room)) jr.encrypted = true;
    if (jr.encrypted && !encrypted_.count(jr.room)) {
      encrypted_.insert(jr.room);
      newly_encrypted.push_back(jr.room);
      spdlog::warn("matrix: {} is end-to-end encrypted; Brigade cannot read it and ignores its messages",
                   jr.room);
    }
    for (const auto& ev : jr.timeline) remember_sender(ev);
    if (initial || encrypted_.count(jr.room)) continue;
    co_await read_room(jr, events, revokes);
  }
  // The backlog of a first sync is history: who left before Brigade ran is not news.
  PeopleChanges people;
  if (!initial) people = co_await people_of(batch_.members);
  bool effects = !events.empty() || !revokes.empty() || !newly_encrypted.empty() || !people.gone.empty() ||
                 !people.back.empty();
  auto now = std::chrono::steady_clock::now();
  if (!effects && !initial && now - cursor_saved_ < kCursorFlush) {
    done.ok = true;
    co_return done;
  }
  std::size_t n = events.size();
  auto then = batch_effects(std::move(revokes), newly_encrypted, std::move(people), batch_.next_batch);
  done.ok = co_await commit_batch(std::move(events), std::move(then));
  if (done.ok) cursor_saved_ = now;
  if (done.ok && n > 0) {
    metrics_.ack_seconds(
        "matrix", std::chrono::duration<double>(std::chrono::steady_clock::now() - batch_answered_).count());
    spdlog::debug("matrix: committed {} commands up to {}", n, batch_.next_batch);
  }
  co_return done;
}

asio::awaitable<void> MatrixAdapter::answer_invites(const SyncBatch& batch) {
  for (const auto& inv : batch.invites) {
    if (stopping_) co_return;
    if (!invite_allowed(inv.room, inv.inviter)) {
      spdlog::info("matrix: invite to {} from {} is not from an allowed server", inv.room, inv.inviter);
      co_await reject(inv.room, "inviter not in matrix.autojoin_servers");
      continue;
    }
    co_await join(inv.room, inv.inviter);
  }
}

// One joined room's timeline → commands (mentions vetted, reactions completed) and revocations.
asio::awaitable<void> MatrixAdapter::read_room(JoinedRoom& jr, std::vector<core::Event>& events,
                                               std::vector<std::string>& revokes) {
  // A room just joined comes with a limited timeline too, but what came before the join was
  // not addressed to Brigade: only a gap after it can hold missed commands.
  if (jr.limited && !jr.joined_here)
    spdlog::warn("matrix: {} had more new events than one sync returns; older ones in the gap are skipped",
                 jr.room);
  auto loaded = members_loaded_.find(jr.room);
  if (loaded == members_loaded_.end() || std::chrono::steady_clock::now() - loaded->second > opt_.members_ttl)
    co_await load_members(jr.room);
  for (const auto& ev : jr.timeline) {
    Parsed p = parse_event(ev, jr.room, me_, dir_);
    switch (p.kind) {
      case Parsed::Kind::ignore:
        spdlog::debug("matrix: skipping an event in {}: {}", jr.room, p.why);
        break;
      case Parsed::Kind::revoke:
        revokes.push_back(p.revoke);
        break;
      case Parsed::Kind::reaction:
        co_await read_reaction(p, jr.room, events);
        break;
      case Parsed::Kind::command:
        co_await vet_mentions(p.event, jr.room);
        events.push_back(std::move(p.event));
        break;
    }
  }
}

// A reaction: a click on a reaction button of one of Brigade's notices (the tag the notice was sent
// with says which), or a kudos for the author of the message reacted to, or nothing.
asio::awaitable<void> MatrixAdapter::read_reaction(Parsed& p, const std::string& room,
                                                   std::vector<core::Event>& events) {
  if (is_button_reaction(p.key)) read_reaction_button(p, tag_of(p.target));
  if (p.kind == Parsed::Kind::command) {
    spdlog::debug("matrix: {} on {} is `ask {}`", p.key, p.target, p.event.text);
    events.push_back(std::move(p.event));
    co_return;
  }
  if (p.kind == Parsed::Kind::ignore || p.event.command.empty()) {  // a button's emoji elsewhere: nothing
    spdlog::debug("matrix: reaction {} on {} ignored: {}", p.key, p.target, p.why);
    co_return;
  }
  std::string author = co_await sender_of(room, p.target);
  if (complete_reaction(p, author, me_, dir_))
    events.push_back(std::move(p.event));
  else
    spdlog::debug("matrix: reaction ignored: {}", p.why);
}

// Commits a batch's commands with its store changes, waiting for the writer thread's answer.
asio::awaitable<bool> MatrixAdapter::commit_batch(std::vector<core::Event> events, bot::AdapterEffects then) {
  auto sig = std::make_shared<BatchSignal>(ioc_);
  committer_.submit_batch(std::move(events), std::move(then),
                          [post = rt_.poster(), sig](const std::vector<commands::Result>&, bool committed) {
                            post([sig, committed] {
                              sig->ok = committed;
                              sig->set = true;
                              sig->timer.cancel();
                            });
                          });
  batch_inflight_ = true;
  while (!sig->set) co_await sig->timer.async_wait(net::kTuple);
  batch_inflight_ = false;
  changed_.notify();
  co_return sig->ok;
}

}  // namespace brigade::matrix::detail
