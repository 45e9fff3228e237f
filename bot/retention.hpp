// Retention of reason text (privacy.keep_reasons_days): once an hour, reasons older than the limit
// are removed from the ledger; counts, values and K numbers stay.
#pragma once

#include <cstdint>

#include "bot/committer.hpp"
#include "bot/periodic.hpp"
#include "core/calendar.hpp"

namespace brigade::bot {

class RetentionTask {
 public:
  // keep_days == 0: keep forever (start() then does nothing).
  RetentionTask(std::uint32_t keep_days, Committer& committer, const core::Clock& clock);
  ~RetentionTask();
  RetentionTask(const RetentionTask&) = delete;
  RetentionTask& operator=(const RetentionTask&) = delete;

  // Drops what is due now, through the committer; returns how many reasons were removed.
  std::size_t tick();
  void start();  // at once, then hourly, on a background thread
  void stop();

 private:
  std::uint32_t keep_days_;
  Committer& committer_;
  const core::Clock& clock_;
  PeriodicThread thread_;
};

}  // namespace brigade::bot
