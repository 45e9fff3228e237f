// `brigade store copy`: its options, the endpoints made into store options, progress on a
// terminal, and the summary it prints (what was copied, what was checked, the audit head).
#include "app/store_copy.hpp"

#include <unistd.h>

#include <CLI/CLI.hpp>
#include <chrono>
#include <cstdio>
#include <iostream>

#include "core/calendar.hpp"
#include "store/backup.hpp"
#include "store/transfer.hpp"

namespace brigade::app {

namespace {

store::Options endpoint(const config::Config& cfg, const std::string& where) {
  store::Options o;
  if (store::is_postgres_url(where)) {
    o.url = where;
    o.password = cfg.store.password;
  } else {
    o.dir = where;
  }
  return o;
}

// "12 help requests" for n != 0, else "".
std::string part(std::uint64_t n, const char* one, const char* many) {
  if (n == 0) return {};
  return std::to_string(n) + " " + (n == 1 ? one : many);
}

std::string copied_list(const store::CopyCounts& c) {
  std::string out;
  for (auto s : {part(c.people, "person or channel", "people and channels"),
                 part(c.corrections, "correction", "corrections"), part(c.asks, "help request", "help requests"),
                 part(c.allowance, "allowance slot", "allowance slots"),
                 part(c.seen, "seen source id", "seen source ids"), part(c.outbox, "queued reply", "queued replies"),
                 part(c.cursors, "adapter cursor", "adapter cursors"), part(c.meta, "meta key", "meta keys"),
                 part(c.messages, "message reference", "message references"),
                 part(c.audit, "audit entry", "audit entries")})
    if (!s.empty()) out += ", " + s;
  return out;
}

void print_summary(std::ostream& out, const store::Options& from, const store::Options& to,
                   const store::CopyReport& r, double seconds) {
  char took[32];
  std::snprintf(took, sizeof took, "%.1f s", seconds);
  out << "copied " << store::describe_ledger(from) << " into " << store::describe_ledger(to) << " in " << took
      << ":\n  " << r.copied.kudos << " kudos" << copied_list(r.copied) << "\n"
      << "verified: the target's tallies match its log (" << r.live_kudos << " live kudos, " << r.tally_keys
      << " counters); kudos count, " << r.boards << " all-time leaderboard" << (r.boards == 1 ? "" : "s")
      << " and the all-time summary (" << r.summary_total << " kudos) equal on both sides\n"
      << "audit chain: " << r.audit_entries << (r.audit_entries == 1 ? " entry" : " entries") << ", head "
      << (r.audit_head.empty() ? std::string("none (empty log)") : r.audit_head) << " on both sides\n";
}

}  // namespace

int run_store_copy(const config::Config& cfg, const std::string& from, const std::string& to, std::ostream& out,
                   std::ostream& err) {
  const auto src = endpoint(cfg, from);
  const auto dst = endpoint(cfg, to);
  const bool tty = ::isatty(STDERR_FILENO) != 0;
  const auto started = std::chrono::steady_clock::now();
  try {
    const core::Calendar cal(cfg.timezone, cfg.week_start);
    const auto report = store::copy_ledger(src, dst, cal, [&](const std::string& line) {
      if (tty) err << "brigade: " << line << "…\n" << std::flush;
    });
    if (dst.url.empty()) store::adopt_dir_owner(dst.dir);  // as restore does: the bot may run as another user
    const std::chrono::duration<double> took = std::chrono::steady_clock::now() - started;
    print_summary(out, src, dst, report, took.count());
    return 0;
  } catch (const std::exception& e) {
    err << "brigade: store copy failed: " << e.what() << "\n";
  }
  return 1;
}

void StoreCommands::add_to(CLI::App& app, std::string& config_file) {
  store = app.add_subcommand("store", "Work on the ledger as a whole (see: brigade store copy --help)");
  store->require_subcommand(1);
  copy = store->add_subcommand(
      "copy", "Copy the whole ledger into an empty one, verified: LMDB to PostgreSQL, back, or alike");
  copy->fallthrough();
  copy->add_option("--from", from, "the source: an LMDB data directory or a postgresql:// URL (libpq conninfo)")
      ->required();
  copy->add_option("--to", to, "the target, which must be empty: a data directory or a postgresql:// URL")
      ->required();
  const std::string config_help = app.get_option("--config")->get_description();
  for (auto* sub : {store, copy}) sub->add_option("--config", config_file, config_help);
}

std::optional<int> StoreCommands::run(const config::Config& cfg) const {
  if (copy == nullptr || !copy->parsed()) return std::nullopt;
  return run_store_copy(cfg, from, to, std::cout, std::cerr);
}

}  // namespace brigade::app
