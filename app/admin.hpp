// `brigade admin …`: corrections, the audit trail and people's data rights from the command line,
// safe while the bot runs (LMDB serialises the writers of both processes).
#pragma once

#include <iosfwd>
#include <string>

#include "config/config.hpp"

namespace CLI {
class App;
}

namespace brigade::app {

struct AdminOptions {
  CLI::App* admin = nullptr;
  CLI::App* revoke = nullptr;
  CLI::App* audit = nullptr;
  CLI::App* exporter = nullptr;
  CLI::App* forget = nullptr;
  std::string kudos;             // revoke: K42
  std::string reason;            // revoke
  std::string since;             // audit: YYYY-MM-DD
  std::string format = "table";  // audit: table, csv, json
  bool verify = false;           // audit
  std::string user;              // export, forget: qualified id or a known name
  std::string output;            // export: file (default stdout)
  bool yes = false;              // forget: no confirmation prompt
};

// Adds `admin` and its subcommands to `app`; the options land in `o`.
void add_admin(CLI::App& app, AdminOptions& o, const std::string& config_help, std::string& config_file);

// Exit status: 0 done, 1 refused or failed (one line on err), 2 bad arguments.
int run_admin(const config::Config& cfg, const AdminOptions& o, std::istream& in, std::ostream& out,
              std::ostream& err);

}  // namespace brigade::app
