// `brigade backup FILE` and `brigade restore FILE`: added to the command line beside the other
// commands (app/cli.cpp) and run from what it parsed. The work is in store/backup.hpp.
#pragma once

#include <filesystem>
#include <optional>
#include <string>

#include "config/config.hpp"

namespace CLI {
class App;
}

namespace brigade::app {

struct BackupCommands {
  CLI::App* backup = nullptr;
  CLI::App* restore = nullptr;
  std::string backup_file, restore_file;
  bool force = false;  // backup: replace an existing FILE
  bool yes = false;    // restore: do not ask

  // Registers both subcommands on `app`, each taking --config (into `config_file`) like the others.
  void add_to(CLI::App& app, std::string& config_file);
  // The exit status when one of them was on the command line; nullopt otherwise.
  std::optional<int> run(const config::Config& cfg) const;
};

// A hot, compacted copy of the data file at `file`, verified before it takes that name. Prints one
// line (size, kudos, audit entries, audit head). Exit status 0, or 1 with one line on stderr.
int run_backup(const config::Config& cfg, const std::filesystem::path& file, bool force);

// Replaces the data file with the verified backup `file` while no bot holds the data directory,
// keeping the previous one, and records the restore in the audit log. Asks first on a terminal
// unless `yes`; without `yes` on anything but a terminal it refuses. Exit status 0 or 1.
int run_restore(const config::Config& cfg, const std::filesystem::path& file, bool yes);

}  // namespace brigade::app
