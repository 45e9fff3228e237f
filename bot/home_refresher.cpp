// The Home refresher: who is due comes from the committer's applied hook; each view is built in a
// committer task, so it reads the numbers the commands just committed.
#include "bot/home_refresher.hpp"

#include <spdlog/spdlog.h>

#include <future>
#include <memory>
#include <vector>

#include "commands/home.hpp"

namespace brigade::bot {

HomeRefresher::HomeRefresher(Committer& committer, const commands::Rules& rules,
                             const core::Calendar& calendar, const core::Clock& clock, Options opt)
    : committer_(committer), rules_(rules), calendar_(calendar), clock_(clock), opt_(opt) {}

HomeRefresher::~HomeRefresher() {
  stop();
}

void HomeRefresher::applied(const core::Event& event, const commands::Result& result) {
  if (event.platform != "slack" || event.command == "home") return;
  const core::Millis now = clock_.now_ms();
  std::lock_guard lock(mu_);
  auto mark = [&](const std::string& user) {
    if (core::platform_of(user) == "slack") due_.emplace(user, now);  // keeps the oldest time
  };
  mark(event.user.id);
  for (const auto& reply : result.replies) {
    if (reply.audience == core::Audience::home) continue;
    for (const auto& span : reply.body)
      if (!span.user_id.empty()) mark(span.user_id);
  }
}

std::size_t HomeRefresher::tick() {
  const core::Millis now = clock_.now_ms();
  std::vector<std::string> users;
  {
    std::lock_guard lock(mu_);
    for (auto it = due_.begin(); it != due_.end() && users.size() < opt_.per_tick;) {
      auto last = last_.find(it->first);
      if (last != last_.end() && now - last->second < opt_.min_gap.count()) {
        ++it;
        continue;
      }
      last_[it->first] = now;
      users.push_back(it->first);
      it = due_.erase(it);
    }
    // Forget refreshes long past the gap, so the map stays as small as the set of active people.
    for (auto it = last_.begin(); it != last_.end();)
      it = now - it->second > 10 * opt_.min_gap.count() ? last_.erase(it) : std::next(it);
  }
  if (users.empty()) return 0;
  auto queued = std::make_shared<std::size_t>(0);
  std::promise<bool> done;
  auto ok = done.get_future();
  committer_.submit(
      [this, users, now, queued](store::Writer& w) {
        const commands::Context ctx{rules_, calendar_, now};
        *queued = 0;  // a group written again runs its tasks again
        for (const auto& user : users) {
          if (!w.meta(commands::home_opened_key(user))) continue;  // never opened: nothing to update
          w.enqueue("slack", commands::home_view(w, ctx, user));
          ++*queued;
        }
      },
      [&done](bool committed) { done.set_value(committed); });
  if (!ok.get()) {
    spdlog::warn("home: rebuilding {} Home views failed; they wait for the person's next visit", users.size());
    return 0;
  }
  if (*queued > 0) spdlog::debug("home: queued {} Home view(s)", *queued);
  return *queued;
}

void HomeRefresher::start() {
  thread_.start("home", opt_.tick, [this] {
    try {
      tick();
    } catch (const std::exception& e) {
      spdlog::error("home: {}", e.what());
    }
  });
}

void HomeRefresher::stop() {
  thread_.stop();
}

std::size_t HomeRefresher::pending() const {
  std::lock_guard lock(mu_);
  return due_.size();
}

}  // namespace brigade::bot
