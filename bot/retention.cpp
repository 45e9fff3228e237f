// The retention task: one committer task an hour, so it never races a command's transaction.
#include "bot/retention.hpp"

#include <spdlog/spdlog.h>

#include <future>

namespace brigade::bot {

RetentionTask::RetentionTask(std::uint32_t keep_days, Committer& committer, const core::Clock& clock)
    : keep_days_(keep_days), committer_(committer), clock_(clock) {}

RetentionTask::~RetentionTask() {
  stop();
}

std::size_t RetentionTask::tick() {
  if (keep_days_ == 0) return 0;
  const core::Millis cutoff = clock_.now_ms() - static_cast<core::Millis>(keep_days_) * 86'400'000;
  auto dropped = std::make_shared<std::size_t>(0);
  std::promise<bool> done;
  auto ok = done.get_future();
  committer_.submit([cutoff, dropped](store::Writer& w) { *dropped = w.drop_reasons_before(cutoff); },
                    [&done](bool committed) { done.set_value(committed); });
  if (!ok.get()) {
    spdlog::warn("retention: removing reasons older than {} days failed; trying again in an hour",
                 keep_days_);
    return 0;
  }
  if (*dropped > 0)
    spdlog::info("retention: removed the reason text of {} kudos older than {} days", *dropped, keep_days_);
  return *dropped;
}

void RetentionTask::start() {
  if (keep_days_ == 0) return;
  thread_.start("retention", std::chrono::hours(1), [this] { tick(); });
}

void RetentionTask::stop() {
  thread_.stop();
}

}  // namespace brigade::bot
