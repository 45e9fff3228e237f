// Counters and histograms for /metrics (see metrics.hpp).
#include "bot/metrics.hpp"

#include <sstream>

#include "store/stats.hpp"

namespace brigade::bot {

std::string prometheus_label(std::string_view v) {
  std::string out;
  for (char c : v) {
    if (c == '\\' || c == '"') out += '\\';
    if (c == '\n') {
      out += "\\n";
      continue;
    }
    out += c;
  }
  return out;
}

namespace {
const auto label = prometheus_label;
}  // namespace

void Metrics::Histogram::observe(double v) {
  ++count;
  sum += v;
  for (std::size_t i = 0; i < kBuckets.size(); ++i)
    if (v <= kBuckets[i]) {
      ++counts[i];
      return;
    }
}

void Metrics::command(std::string_view command, std::string_view platform, commands::Outcome outcome) {
  std::lock_guard lk(mu_);
  ++commands_[{std::string(command.empty() ? "none" : command), std::string(platform),
               std::string(commands::to_string(outcome))}];
}

void Metrics::kudos_recorded(std::size_t n) {
  std::lock_guard lk(mu_);
  kudos_ += n;
}

void Metrics::commit_seconds(double seconds) {
  std::lock_guard lk(mu_);
  commit_.observe(seconds);
}

void Metrics::ack_seconds(std::string_view adapter, double seconds) {
  std::lock_guard lk(mu_);
  auto it = ack_.find(adapter);
  if (it == ack_.end()) it = ack_.emplace(std::string(adapter), Histogram{}).first;
  it->second.observe(seconds);
}

void Metrics::reconnect(std::string_view adapter) {
  std::lock_guard lk(mu_);
  auto it = reconnects_.find(adapter);
  if (it == reconnects_.end()) it = reconnects_.emplace(std::string(adapter), 0).first;
  ++it->second;
}

std::string Metrics::prometheus() const {
  std::lock_guard lk(mu_);
  std::ostringstream o;
  auto histogram = [&o](const std::string& name, const std::string& labels, const Histogram& h) {
    std::uint64_t cumulative = 0;
    std::string sep = labels.empty() ? "" : ",";
    for (std::size_t i = 0; i < kBuckets.size(); ++i) {
      cumulative += h.counts[i];
      o << name << "_bucket{" << labels << sep << "le=\"" << kBuckets[i] << "\"} " << cumulative << "\n";
    }
    o << name << "_bucket{" << labels << sep << "le=\"+Inf\"} " << h.count << "\n";
    std::string braces = labels.empty() ? "" : "{" + labels + "}";
    o << name << "_sum" << braces << " " << h.sum << "\n"
      << name << "_count" << braces << " " << h.count << "\n";
  };
  o << "# HELP brigade_chat_commands_total Chat commands by command, platform and outcome.\n"
       "# TYPE brigade_chat_commands_total counter\n";
  for (const auto& [key, n] : commands_)
    o << "brigade_chat_commands_total{command=\"" << label(std::get<0>(key)) << "\",platform=\""
      << label(std::get<1>(key)) << "\",outcome=\"" << label(std::get<2>(key)) << "\"} " << n << "\n";
  o << "# HELP brigade_kudos_recorded_total Kudos recorded by this process.\n"
       "# TYPE brigade_kudos_recorded_total counter\nbrigade_kudos_recorded_total "
    << kudos_ << "\n";
  o << "# HELP brigade_commit_seconds Time of one group commit, writes and fsync included.\n"
       "# TYPE brigade_commit_seconds histogram\n";
  histogram("brigade_commit_seconds", "", commit_);
  o << "# HELP brigade_ack_seconds From a command's arrival to its ack (Slack) or its batch's commit "
       "(Matrix).\n"
       "# TYPE brigade_ack_seconds histogram\n";
  for (const auto& [adapter, h] : ack_)
    histogram("brigade_ack_seconds", "adapter=\"" + label(adapter) + "\"", h);
  o << "# HELP brigade_adapter_reconnects_total Links lost and re-established.\n"
       "# TYPE brigade_adapter_reconnects_total counter\n";
  for (const auto& [adapter, n] : reconnects_)
    o << "brigade_adapter_reconnects_total{adapter=\"" << label(adapter) << "\"} " << n << "\n";
  const auto db = store::database_traffic();
  o << "# HELP brigade_db_statements_total Statements sent to a PostgreSQL ledger (0 on LMDB).\n"
       "# TYPE brigade_db_statements_total counter\nbrigade_db_statements_total "
    << db.statements << "\n";
  o << "# HELP brigade_db_round_trips_total Waits for a PostgreSQL ledger's answer; statements sent "
       "together share one (0 on LMDB).\n"
       "# TYPE brigade_db_round_trips_total counter\nbrigade_db_round_trips_total "
    << db.round_trips << "\n";
  return o.str();
}

}  // namespace brigade::bot
