// Process lifecycle for the bot and console modes: open, serve, and shut down cleanly on signals.
#include "app/app.hpp"

#include <unistd.h>

#include <spdlog/spdlog.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <functional>
#include <future>
#include <iostream>
#include <map>
#include <optional>

#include "adapters/console/console_adapter.hpp"
#include "app/engine.hpp"
#include "app/shutdown_signals.hpp"
#include "app/store_open.hpp"
#include "bot/committer.hpp"
#include "bot/primary.hpp"
#include "bot/digest.hpp"
#include "bot/home_refresher.hpp"
#include "bot/metrics.hpp"
#include "bot/network_adapter.hpp"
#include "bot/outbox_sender.hpp"
#include "bot/retention.hpp"
#include "store/backup.hpp"
#include "store/store.hpp"
#include "web/api.hpp"
#include "web/server.hpp"

#ifdef BRIGADE_WITH_SLACK
#include "adapters/slack/slack_adapter.hpp"
#endif
#ifdef BRIGADE_WITH_MATRIX
#include "adapters/matrix/matrix_adapter.hpp"
#endif

namespace brigade::app {

using bot::DigestScheduler;

namespace {

int console_loop(const config::Config& cfg, Core& core, ShutdownSignals& signals) {
  console::Options opt;
  opt.user = cfg.console.user;
  opt.channel = cfg.console.channel;
  opt.bots = cfg.console.bots;
  console::ConsoleAdapter adapter(std::cout, opt);
  core.outbox->add(adapter);
  core.outbox->start();
  core.outbox->flush();  // replies left over from a previous run

  // The main thread reads stdin, so a signal is taken on a thread of its own.
  signals.watch([&](int sig) {
    spdlog::info("signal {}: finishing the open commit and leaving", sig);
    core.shutdown(std::chrono::milliseconds(2000));
    std::_Exit(0);  // stdin may still block the main thread; everything is committed
  });

  bool interactive = ::isatty(STDIN_FILENO) != 0;
  console::run_repl(std::cin, std::cout, adapter, interactive, [&](core::Event ev) {
    auto result = core.committer->apply(std::move(ev));
    if (result.outcome == commands::Outcome::error)
      std::cout << "Something went wrong while saving that; nothing was recorded. See the log.\n";
    core.outbox->flush();
  });
  // stdin ended. If a signal came first, its shutdown is running and ends the process: this waits.
  signals.stop_watching();
  core.shutdown(std::chrono::milliseconds(2000));
  return 0;
}

}  // namespace

namespace {

// The console adapter on stdin/stdout. `serve`: what `brigade run` adds to it — the dashboard
// and API, and the weekly digest.
int console_session(const config::Config& cfg, bool serve) {
  block_shutdown_signals();
  try {
    // One bot per LMDB data directory; `brigade restore` waits for this to be free (store/backup.hpp).
    const BotLock lock(cfg);
    Core core(cfg);
    // On PostgreSQL the console sends its own replies, so it must be the primary (LMDB: always).
    bot::Primary primary(*core.store, {}, [] {}, [] { spdlog::error("primary: the console lost the lease"); });
    primary.start();
    if (!primary.held())
      throw std::runtime_error("another brigade is the primary on this PostgreSQL ledger; stop it to use the console");
    ShutdownSignals signals;
    // The web server's health and metrics callbacks read this list for as long as it serves, so it
    // lives as long as `web` (declared before it: destroyed after it).
    const std::vector<std::unique_ptr<NetworkAdapter>> no_adapters;
    Web web;
    std::unique_ptr<DigestScheduler> digest;
    bot::RetentionTask retention(cfg.privacy.keep_reasons_days, *core.committer, core.clock);
    if (serve) {
      web = start_web(cfg, core, no_adapters);
      // The console keeps the log quiet; the dashboard's address is worth a line.
      if (!web.url.empty()) std::cerr << "Dashboard and API: " << web.url << "\n";
      digest = std::make_unique<DigestScheduler>(cfg.digest, *core.store, *core.committer, core.clock);
      digest->start();
      retention.start();
    }
    int rc = console_loop(cfg, core, signals);
    if (digest) digest->stop();
    retention.stop();
    if (web.server) web.server->stop();
    return rc;
  } catch (const std::exception& e) {
    spdlog::error("{}", e.what());
    return 1;
  }
}

// Serves until SIGINT/SIGTERM (0), until every adapter has failed for good: link disabled,
// credentials revoked (1), or until this replica lost the primary lease while it had it (1: a
// supervisor restarts it as a standby). Meanwhile, every 500 ms, the link states go to the ledger.
int serve_until_stopped(ShutdownSignals& signals, LinkRecorder& links, const PrimaryWork& work,
                        const std::vector<std::unique_ptr<NetworkAdapter>>& adapters,
                        const std::function<bool()>& lost_primary) {
  int exit_code = 0;
  bool first = true;
  auto started = [&work](const NetworkAdapter& a) { return work.started(a); };
  int sig = signals.wait(std::chrono::milliseconds(500), [&] {
    bool all_failed = std::all_of(adapters.begin(), adapters.end(),
                                  [](const auto& a) { return a->state() == LinkState::failed; });
    if ((!first && all_failed) || lost_primary()) {
      for (auto& a : adapters)
        if (a->state() == LinkState::failed) spdlog::error("{} adapter stopped: {}", a->name(), a->reason());
      exit_code = 1;
      return false;
    }
    first = false;
    links.record(adapters, started);
    return true;
  });
  if (sig != 0) spdlog::info("signal {}: stopping intake, finishing the open commit, draining replies", sig);
  return exit_code;
}

// After the signal: replies already committed get a moment to leave while the links are still
// up (the primary only); then intake stops, in-flight commands commit and are acked, and the
// sockets close. Anything still queued stays in the outbox for the next primary.
void stop_bot(Core& core, PrimaryWork& work, bot::Primary& primary, bot::HomeRefresher& home, Web& web,
              LinkRecorder& links, const std::vector<std::unique_ptr<NetworkAdapter>>& adapters) {
  const bool sends = work.end() && primary.held();
  if (sends) core.outbox->drain(std::chrono::milliseconds(2000));
  core.committer->on_applied(nullptr);  // returns once no call into `home` runs
  home.stop();
  if (web.server) web.server->stop();
  for (auto& a : adapters)
    if (work.started(*a)) a->stop(std::chrono::milliseconds(3000));
  links.record(adapters, [&work](const NetworkAdapter& a) { return work.started(a); });
  core.store->watch_outbox(nullptr);  // its callback reaches the outbox, which shutdown ends
  core.shutdown(std::chrono::milliseconds(500), sends);
  primary.stop();  // the lease goes last: another replica may send what is left at once
}

}  // namespace

int run_console(const config::Config& cfg) {
  return console_session(cfg, false);
}

int run_bot(const config::Config& cfg) {
  if (!cfg.slack.enabled() && !cfg.matrix.enabled()) {
    spdlog::info("no Slack or Matrix credentials: starting the console adapter");
    return console_session(cfg, true);
  }
  block_shutdown_signals();
  try {
    // One bot per LMDB data directory; `brigade restore` waits for this to be free (store/backup.hpp).
    const BotLock lock(cfg);
    Core core(cfg);
    ShutdownSignals signals;
    std::vector<std::unique_ptr<NetworkAdapter>> adapters;
    if (!make_adapters(cfg, core, adapters)) return 1;
    for (auto& a : adapters) core.outbox->add(*a);
    // Every replica takes Slack envelopes (Slack spreads them over each app connection); the
    // primary alone sends replies, syncs Matrix and runs the scheduled work.
    PrimaryWork work(cfg, core, adapters);
    std::atomic<bool> gained{false}, lost{false};
    bot::Primary primary(
        *core.store, {},
        [&work, &gained] {
          gained = true;
          work.begin();
        },
        [&lost] { lost = true; });
    // Lost: told by the lease thread, or seen here while a renewal hangs (held() ends on time).
    auto lost_primary = [&] {
      if (!lost && gained && !primary.held()) {
        spdlog::error("primary: the lease was not renewed in time (the database does not answer); stopping");
        lost = true;
      }
      return lost.load();
    };
    for (auto& a : adapters)
      if (!PrimaryWork::primary_only(*a)) a->start();
    auto web = start_web(cfg, core, adapters, [&primary] { return primary.store_reachable(); });
    // Slack App Home tabs follow the numbers they show (only people who opened theirs).
    bot::HomeRefresher home(*core.committer, cfg.rules, core.calendar, core.clock, {});
    if (cfg.slack.enabled()) {
      core.committer->on_applied(
          [&home](const core::Event& e, const commands::Result& r) { home.applied(e, r); });
      home.start();
    }
    core.store->watch_outbox([o = core.outbox.get()] { o->notify(); });  // replies other replicas queue
    primary.start();
    if (!primary.held()) spdlog::info("primary: another replica is the primary; this one is a standby");
    LinkRecorder links(*core.committer);
    const int exit_code = serve_until_stopped(signals, links, work, adapters, lost_primary);
    stop_bot(core, work, primary, home, web, links, adapters);
    return exit_code;
  } catch (const std::exception& e) {
    spdlog::error("{}", e.what());
    return 1;
  }
}

int run_health_http(const config::Config& cfg) {
  auto [status, body] = web::probe_healthz(cfg.http.addr, std::chrono::seconds(4));
  if (status == 200) {
    std::cout << body;
    return 0;
  }
  std::cerr << (status == 0 ? "unhealthy: " + body + "\n" : body);
  return 1;
}

int run_health(const config::Config& cfg) {
  try {
    core::Calendar cal(cfg.timezone, cfg.week_start);
    auto st = open_configured_store(cfg, cal, true);
    auto r = st->read();
    // Links a running (or last) bot recorded: a platform that stopped for good is unhealthy.
    bool failed = false;
    std::string links;
    for (const char* name : {"slack", "matrix"}) {
      auto state = r->meta(std::string(kLinkMetaPrefix) + name);
      if (!state) continue;
      links += std::string(", ") + name + " " + *state;
      failed |= state->rfind("failed", 0) == 0;
    }
    (failed ? std::cerr : std::cout) << (failed ? "unhealthy: " : "ok: ") << r->kudos_count()
                                     << " kudos, outbox " << r->outbox_depth() << links << "\n";
    return failed ? 1 : 0;
  } catch (const std::exception& e) {
    std::cerr << "unhealthy: " << e.what() << "\n";
    return 1;
  }
}

}  // namespace brigade::app
