// `brigade store copy --from X --to Y`: registered beside the other commands (app/cli.cpp) and run
// from what it parsed. The copying and checking is store/transfer.hpp's copy_ledger.
#pragma once

#include <optional>
#include <ostream>
#include <string>

#include "config/config.hpp"

namespace CLI {
class App;
}

namespace brigade::app {

struct StoreCommands {
  CLI::App* store = nullptr;
  CLI::App* copy = nullptr;
  std::string from, to;

  // Registers `store` with its `copy` subcommand on `app`, taking --config (into `config_file`).
  void add_to(CLI::App& app, std::string& config_file);
  // The exit status when `store copy` was on the command line; nullopt otherwise.
  std::optional<int> run(const config::Config& cfg) const;
};

// Copies the ledger at `from` into the empty one at `to` (each an LMDB data directory or a
// postgresql:// URL / libpq conninfo; PGPASSWORD or PGPASSWORD_FILE from the configuration
// supplies a password). Prints a short summary to `out` and exits 0, or one line to `err` and 1.
int run_store_copy(const config::Config& cfg, const std::string& from, const std::string& to, std::ostream& out,
                   std::ostream& err);

}  // namespace brigade::app
