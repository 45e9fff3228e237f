// `brigade backup` and `brigade restore`: their options, the question before a restore, the audit
// entry a restore leaves and the one line each prints. The copying and checking is store/backup.cpp.
#include "app/backup.hpp"

#include <unistd.h>

#include <CLI/CLI.hpp>
#include <algorithm>
#include <cctype>
#include <cstdio>
#include <ctime>
#include <iostream>

#include "commands/corrections.hpp"
#include "core/calendar.hpp"
#include "store/backup.hpp"

#ifdef BRIGADE_WITH_MATRIX
#include "adapters/matrix/requests.hpp"
#endif

namespace brigade::app {

namespace fs = std::filesystem;

namespace {

std::string human_size(std::uintmax_t bytes) {
  if (bytes < 1024) return std::to_string(bytes) + " bytes";
  static const char* const units[] = {"KiB", "MiB", "GiB", "TiB"};
  double v = static_cast<double>(bytes);
  int u = -1;
  while (v >= 1024 && u < 3) {
    v /= 1024;
    ++u;
  }
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.1f %s", v, units[u]);
  return buf;
}

// "1.2 MiB, 4211 kudos, 17 audit entries, audit head 3fa2…" (the whole hash, to compare).
std::string describe(const store::LedgerFacts& f) {
  return human_size(f.bytes) + ", " + std::to_string(f.kudos) + " kudos, " + std::to_string(f.audit_entries) +
         (f.audit_entries == 1 ? " audit entry" : " audit entries") + ", audit head " +
         (f.audit_head.empty() ? "none" : f.audit_head);
}

// The UTC time in a file name: 20261123T031500Z.
std::string utc_stamp(core::Millis now) {
  const std::time_t secs = static_cast<std::time_t>(now / 1000);
  std::tm tm{};
  ::gmtime_r(&secs, &tm);
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y%m%dT%H%M%SZ", &tm);
  return buf;
}

// The bot's own files are no place for a backup: `--force` would swap data.mdb under a running bot.
bool is_bot_file(const fs::path& file, const fs::path& data_dir) {
  const auto name = file.filename();
  if (name != "data.mdb" && name != "lock.mdb" && name != "brigade.lock") return false;
  std::error_code ec;
  return fs::equivalent(file.has_parent_path() ? file.parent_path() : fs::path("."), data_dir, ec);
}

// Asks on the terminal; true only for "y" or "yes".
bool confirmed(const fs::path& data_dir, const fs::path& file, const store::LedgerFacts& f) {
  std::cerr << "Replace the ledger in " << data_dir.string() << " with " << file.string() << " ("
            << describe(f) << ")? The current data file is kept beside it. [y/N] " << std::flush;
  std::string answer;
  if (!std::getline(std::cin, answer)) return false;
  std::transform(answer.begin(), answer.end(), answer.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return answer == "y" || answer == "yes";
}

// Opens the restored ledger as the bot will (read-write, the configured calendar: tallies are
// rebuilt if it changed) and appends the audit entry that says who restored what.
store::AuditEntry record_restore(const config::Config& cfg, const fs::path& file, const store::LedgerFacts& f,
                                 const fs::path& previous, core::Millis now) {
  core::Calendar cal(cfg.timezone, cfg.week_start);
  store::Options o;
  o.dir = cfg.data_dir;
  auto st = store::Store::open(o, cal);
  auto w = st->write();
  store::AuditEntry e;
  e.ts = now;
  e.actor = commands::cli_actor();  // "cli:<login>", as brigade admin records it
  e.action = "restore";
  e.detail = "restored from " + fs::absolute(file).string() + " (" + std::to_string(f.kudos) + " kudos)";
  if (!previous.empty()) e.detail += "; the previous data file is kept as " + previous.filename().string();
  w->append_audit(e);
#ifdef BRIGADE_WITH_MATRIX
  // Matrix txnIds are (instance, outbox seq), and the restored outbox counts again from where the
  // backup left it, on the same device: the homeserver would take new replies for repeats of the
  // ones sent since the backup and drop them. An empty instance makes the adapter start a new one.
  if (w->meta(matrix::kMetaInstance)) w->set_meta(matrix::kMetaInstance, "");
#endif
  w->commit();
  return e;
}

// After the checks and the question: the swap, the audit entry, the owner, the one line.
int swap_and_record(const config::Config& cfg, const fs::path& file, store::StagedRestore& staged) {
  core::SystemClock clock;
  const auto now = clock.now_ms();
  const fs::path previous = staged.swap_in(utc_stamp(now));
  const std::string kept = previous.empty() ? "there was no previous data file"
                                            : "the previous data file is kept as " + previous.string();
  store::AuditEntry entry;
  std::string failure;
  try {
    entry = record_restore(cfg, file, staged.facts(), previous, now);
  } catch (const std::exception& e) {
    failure = e.what();
  }
  store::adopt_dir_owner(cfg.data_dir);
  if (!failure.empty()) {
    std::cerr << "brigade: restored " << file.string() << " (" << kept
              << "), but the restore could not be recorded in the audit log: " << failure << "\n";
    return 1;
  }
  std::cout << "restored " << file.string() << " into " << (cfg.data_dir / "data.mdb").string() << ": "
            << staged.facts().kudos << " kudos; audit entry " << entry.seq << " records the restore (head "
            << entry.hash << "); " << kept << "\n";
  return 0;
}

}  // namespace

int run_backup(const config::Config& cfg, const fs::path& file, bool force) {
  const fs::path data = cfg.data_dir / "data.mdb";
  std::error_code ec;
  if (!fs::exists(data, ec)) {
    std::cerr << "brigade: no data file at " << data.string() << " to back up (set BRIGADE_DATA_DIR)\n";
    return 1;
  }
  if (is_bot_file(file, cfg.data_dir)) {
    std::cerr << "brigade: " << file.string()
              << " is one of the bot's own files; write the backup elsewhere\n";
    return 1;
  }
  if (!force && fs::exists(file, ec)) {
    std::cerr << "brigade: " << file.string() << " already exists (pass --force to replace it)\n";
    return 1;
  }
  try {
    auto live = store::open_as_built(cfg.data_dir, core::Calendar(cfg.timezone, cfg.week_start));
    const auto facts = store::write_backup(*live, file, force);
    std::cout << "backup " << file.string() << ": " << describe(facts) << "\n";
    return 0;
  } catch (const store::StoreError& e) {
    std::cerr << "brigade: backup failed: " << e.what()
              << (e.code() == store::StoreError::Code::damaged
                      ? "; nothing was written (brigade report --verify checks the live ledger)"
                      : "")
              << "\n";
  } catch (const std::exception& e) {
    std::cerr << "brigade: backup failed: " << e.what() << "\n";
  }
  return 1;
}

int run_restore(const config::Config& cfg, const fs::path& file, bool yes) {
  if (!yes && ::isatty(STDIN_FILENO) == 0) {
    std::cerr << "brigade: restore replaces the ledger in " << cfg.data_dir.string()
              << "; pass --yes to confirm (stdin is not a terminal to ask on)\n";
    return 1;
  }
  try {
    const store::DataDirLock lock(cfg.data_dir);  // no bot starts while this runs
    if (auto pid = store::ledger_user(cfg.data_dir)) {
      std::cerr << "brigade: cannot restore: process " << *pid << " has the ledger in "
                << cfg.data_dir.string()
                << " open (a brigade report, health or backup?); try again when it has finished\n";
      return 1;
    }
    store::StagedRestore staged(file, cfg.data_dir, core::Calendar(cfg.timezone, cfg.week_start));
    if (!yes && !confirmed(cfg.data_dir, file, staged.facts())) {
      std::cerr << "brigade: restore cancelled; nothing changed\n";
      return 1;
    }
    return swap_and_record(cfg, file, staged);
  } catch (const store::DataDirBusy& e) {
    std::cerr << "brigade: cannot restore: " << e.what() << "; stop it first\n";
  } catch (const std::exception& e) {
    std::cerr << "brigade: restore failed: " << e.what() << "\n";
  }
  return 1;
}

void BackupCommands::add_to(CLI::App& app, std::string& config_file) {
  backup = app.add_subcommand(
      "backup", "Write a verified, compacted copy of the data file to FILE (safe while the bot runs)");
  backup->fallthrough();
  backup->add_option("FILE", backup_file, "the backup file to write (a new file unless --force)")->required();
  backup->add_flag("--force", force, "replace FILE if it exists, once the new copy has verified");

  restore =
      app.add_subcommand("restore", "Replace the data file with a verified backup (stop the bot first)");
  restore->fallthrough();
  restore->add_option("FILE", restore_file, "a file written by brigade backup")->required();
  restore->add_flag("--yes", yes, "do not ask for confirmation (required when stdin is not a terminal)");

  const std::string config_help = app.get_option("--config")->get_description();
  for (auto* sub : {backup, restore}) sub->add_option("--config", config_file, config_help);
}

std::optional<int> BackupCommands::run(const config::Config& cfg) const {
  const bool asked = (backup != nullptr && backup->parsed()) || (restore != nullptr && restore->parsed());
  if (asked && cfg.store.postgres()) {
    std::cerr << "brigade: backup and restore work on the LMDB data file; a PostgreSQL ledger is backed up "
                 "with pg_dump and restored with pg_restore (README: \"Running more than one replica\"), or "
                 "copied out with brigade store copy\n";
    return 1;
  }
  if (backup != nullptr && backup->parsed()) return run_backup(cfg, backup_file, force);
  if (restore != nullptr && restore->parsed()) return run_restore(cfg, restore_file, yes);
  return std::nullopt;
}

}  // namespace brigade::app
