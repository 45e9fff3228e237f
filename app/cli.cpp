// CLI11 definitions for run, console, report and health.
#include "app/cli.hpp"

#include <spdlog/sinks/stdout_color_sinks.h>
#include <spdlog/spdlog.h>

#include <CLI/CLI.hpp>
#include <iostream>

#include "app/admin.hpp"
#include "app/store_open.hpp"
#include "app/app.hpp"
#include "app/backup.hpp"
#include "app/report.hpp"
#include "app/store_copy.hpp"
#include "config/config.hpp"
#include "store/store.hpp"

#ifndef BRIGADE_VERSION
#define BRIGADE_VERSION "0.0.0"
#endif

namespace brigade::app {
namespace {

void setup_logging(const std::string& level, bool quiet_console) {
  auto logger = spdlog::stderr_color_mt("brigade");
  spdlog::set_default_logger(logger);
  spdlog::set_pattern("%Y-%m-%dT%H:%M:%S.%e%z %^%l%$ %v");
  auto lvl = spdlog::level::from_str(level);
  // In the console the terminal belongs to the conversation: only problems go to stderr.
  if (quiet_console && lvl < spdlog::level::warn) lvl = spdlog::level::warn;
  spdlog::set_level(lvl);
}

// The command line: the four commands and their options, read into the members.
struct CommandLine {
  CLI::App app{"Brigade: a self-hosted recognition and thanks bot for Slack, Matrix and the console",
               "brigade"};
  std::string config_file;
  BackupCommands backups;  // backup and restore, added last (main_cli)
  StoreCommands stores;    // store copy, after them
  CLI::App* run = nullptr;
  CLI::App* console = nullptr;
  CLI::App* report = nullptr;
  CLI::App* health = nullptr;
  std::string as, channel;  // console
  ReportOptions ropt;
  AdminOptions admin;
  bool health_http = false;

  CommandLine() {
    app.set_version_flag("--version", std::string("brigade ") + BRIGADE_VERSION);
    app.require_subcommand(1);
    const std::string config_help =
        "TOML configuration file (default: $BRIGADE_CONFIG or config/brigade.toml)";
    app.add_option("--config", config_file, config_help);

    run = app.add_subcommand("run", "Run the bot: Slack and Matrix when configured, else the console");
    run->fallthrough();

    console = app.add_subcommand("console", "Use Brigade from this terminal (stdin/stdout)");
    console->fallthrough();
    console->add_option("--as", as, "who you are (default: $USER)");
    console->add_option("--channel", channel, "which channel you are in (default: general)");

    report = app.add_subcommand("report",
                                "Print a recognition summary from the data file (safe while the bot runs)");
    report->fallthrough();
    report->add_option("--since", ropt.since, "first day, YYYY-MM-DD (default: start of this month)");
    report->add_option("--until", ropt.until, "last day, YYYY-MM-DD, inclusive (default: today)");
    report->add_option("--channel", ropt.channel, "only kudos given in this channel (id or name)");
    report->add_option("--user", ropt.user, "only this person (id or name)");
    report->add_option("--format", ropt.format, "table, csv or json")
        ->check(CLI::IsMember({"table", "csv", "json"}));
    report->add_flag("--verify", ropt.verify, "recompute every tally from the kudos log and report drift");

    health = app.add_subcommand("health", "Check that the data file opens and answers (exit 0 when healthy)");
    health->fallthrough();
    health->add_flag("--http", health_http,
                     "ask the running bot's GET /healthz on BRIGADE_HTTP_ADDR instead (store committing, "
                     "adapters connected)");

    // Every command reads the configuration, so each one's --help lists --config too (where it is
    // accepted: `brigade run --config FILE` as well as `brigade --config FILE run`).
    for (auto* sub : {run, console, report, health}) sub->add_option("--config", config_file, config_help);
    add_admin(app, admin, config_help, config_file);
  }

  // The exit status for a command line that does not parse (0 for --help and --version).
  int refuse(const CLI::ParseError& e) {
    // "A subcommand is required" says nothing about what was typed: name the unknown word.
    if (app.get_subcommands().empty() && e.get_name() == "RequiredError") {
      for (const auto& word : app.remaining()) {
        if (word.empty() || word.front() == '-') continue;
        std::cerr
            << "brigade: unknown command '" << word
            << "' (commands: run, console, report, health, admin, backup, restore, store; see brigade --help)\n";
        return 2;
      }
    }
    int code = app.exit(e);
    return code == 0 ? 0 : 2;
  }
};

// `brigade report`: the data file opened read-only.
int report_command(const config::Config& cfg, const ReportOptions& ropt) {
  try {
    core::Calendar cal(cfg.timezone, cfg.week_start);
    auto st = open_configured_store(cfg, cal, true);
    core::SystemClock clock;
    return run_report(*st, ropt, clock.now_ms(), std::cout, std::cerr);
  } catch (const std::exception& e) {
    std::cerr << "brigade: " << e.what() << "\n";
    return 1;
  }
}

}  // namespace

int main_cli(int argc, char** argv) {
  CommandLine cl;
  cl.backups.add_to(cl.app, cl.config_file);
  cl.stores.add_to(cl.app, cl.config_file);
  try {
    cl.app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    return cl.refuse(e);
  }

  config::Config cfg;
  try {
    std::optional<std::filesystem::path> file;
    if (!cl.config_file.empty()) file = cl.config_file;
    cfg = config::load(config::process_env(), file);
  } catch (const std::exception& e) {
    std::cerr << "brigade: " << e.what() << "\n";
    return 2;
  }
  if (!cl.as.empty()) cfg.console.user = cl.as;
  if (!cl.channel.empty()) cfg.console.channel = cl.channel;

  bool console_mode =
      cl.console->parsed() || (cl.run->parsed() && !cfg.slack.enabled() && !cfg.matrix.enabled());
  setup_logging(cfg.log_level, console_mode);
  if (auto rc = cl.backups.run(cfg)) return *rc;
  if (auto rc = cl.stores.run(cfg)) return *rc;

  if (cl.run->parsed()) return run_bot(cfg);
  if (cl.console->parsed()) return run_console(cfg);
  if (cl.health->parsed()) return cl.health_http ? run_health_http(cfg) : run_health(cfg);
  if (cl.report->parsed()) return report_command(cfg, cl.ropt);
  if (cl.admin.admin->parsed()) return run_admin(cfg, cl.admin, std::cin, std::cout, std::cerr);
  return 2;
}

}  // namespace brigade::app
