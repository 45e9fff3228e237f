// Keeps Slack App Home tabs up to date: after a command changes someone's numbers, their Home is
// rebuilt from the store and queued (views.publish through the outbox), debounced per person and
// paced within Slack's Tier 4 (about 100 views a minute), only for people who opened it once.
#pragma once

#include <chrono>
#include <cstddef>
#include <map>
#include <mutex>
#include <string>

#include "bot/committer.hpp"
#include "bot/periodic.hpp"
#include "commands/commands.hpp"
#include "core/calendar.hpp"

namespace brigade::bot {

class HomeRefresher {
 public:
  struct Options {
    std::chrono::milliseconds tick{2000};      // how often due views are queued
    std::chrono::milliseconds min_gap{10000};  // one person's Home is rebuilt at most this often
    std::size_t per_tick = 2;                  // views queued per tick (2 per 2 s = 60 a minute)
  };

  HomeRefresher(Committer& committer, const commands::Rules& rules, const core::Calendar& calendar,
                const core::Clock& clock, Options opt);
  ~HomeRefresher();  // stops
  HomeRefresher(const HomeRefresher&) = delete;
  HomeRefresher& operator=(const HomeRefresher&) = delete;

  // For Committer::on_applied: the Slack people a command touched (who typed it and everyone its
  // public replies name) have a new Home due. The Home's own command touches nobody.
  void applied(const core::Event& event, const commands::Result& result);
  // Queues the views that are due (at most per_tick), each built and queued in one committer
  // task, for people whose Home exists (meta "home.opened:<user>"); returns how many it queued.
  std::size_t tick();
  void start();
  void stop();
  std::size_t pending() const;  // people waiting for a refresh

 private:
  Committer& committer_;
  const commands::Rules& rules_;
  const core::Calendar& calendar_;
  const core::Clock& clock_;
  Options opt_;
  mutable std::mutex mu_;
  std::map<std::string, core::Millis> due_;   // person → when their Home became stale
  std::map<std::string, core::Millis> last_;  // person → when their Home was last queued
  PeriodicThread thread_;
};

}  // namespace brigade::bot
