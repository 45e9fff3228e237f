// Process lifecycle for the bot and console modes: open, serve, and shut down cleanly on signals.
#include "app/app.hpp"

#include <unistd.h>

#include <spdlog/spdlog.h>

#include <algorithm>
#include <chrono>
#include <future>
#include <iostream>
#include <map>
#include <optional>

#include "adapters/console/console_adapter.hpp"
#include "app/shutdown_signals.hpp"
#include "bot/committer.hpp"
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

// The engine's parts this file wires together.
using bot::Committer;
using bot::DigestScheduler;
using bot::LinkState;
using bot::Metrics;
using bot::NetworkAdapter;
using bot::OutboxSender;

namespace {

store::Options store_options(const config::Config& cfg, bool read_only) {
  store::Options o;
  o.dir = cfg.data_dir;
  o.read_only = read_only;
  return o;
}

struct Core {
  // The process's one Metrics: the committer, the adapters and the web API are handed it.
  Metrics metrics;
  core::SystemClock clock;
  core::Calendar calendar;
  std::unique_ptr<store::Store> store;
  std::unique_ptr<Committer> committer;
  std::unique_ptr<OutboxSender> outbox;

  explicit Core(const config::Config& cfg) : calendar(cfg.timezone, cfg.week_start) {
    store = store::Store::open(store_options(cfg, false), calendar);
    committer = std::make_unique<Committer>(*store, cfg.rules, clock, metrics);
    outbox = std::make_unique<OutboxSender>(*store, *committer, clock);
    committer->on_commit([o = outbox.get()] { o->notify(); });
  }

  // Stop intake, finish the open commit, give replies a moment to leave.
  void shutdown(std::chrono::milliseconds drain) {
    outbox->drain(drain);
    outbox->stop();
    committer->stop();
  }
};

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

constexpr std::string_view kLinkMetaPrefix = "link.";

// Keeps each adapter's link state in the data file ("link.slack" → "connected"), so
// `brigade health` (another process) can tell a bot whose credentials were revoked.
class LinkRecorder {
 public:
  explicit LinkRecorder(Committer& c) : committer_(c) {}
  void record(const std::vector<std::unique_ptr<NetworkAdapter>>& adapters) {
    if (last_.empty()) {
      // A platform this run does not use must not keep the state an earlier run left.
      for (const char* name : {"slack", "matrix"}) {
        bool used =
            std::any_of(adapters.begin(), adapters.end(), [&](const auto& a) { return a->name() == name; });
        if (!used)
          committer_.submit([key = std::string(kLinkMetaPrefix) + name](store::Writer& w) {
            if (w.meta(key)) w.set_meta(key, "off");
          });
      }
    }
    for (const auto& a : adapters) {
      std::string now(to_string(a->state()));
      if (auto why = a->reason(); !why.empty()) now += ": " + why;
      std::string key = std::string(kLinkMetaPrefix) + std::string(a->name());
      auto& last = last_[key];
      if (last == now) continue;
      last = now;
      committer_.submit([key, now](store::Writer& w) { w.set_meta(key, now); });
    }
  }

 private:
  Committer& committer_;
  std::map<std::string, std::string> last_;
};

}  // namespace

namespace {

// The web API beside the bot: health from the adapters and a live commit, metrics from the
// committer. A port that cannot be opened is logged, and the bot runs on without it.
struct Web {
  std::unique_ptr<web::Api> api;
  std::unique_ptr<web::Server> server;
  std::string url;  // "http://127.0.0.1:8080/" once listening
};

// What /metrics adds when asked: the committer's stats and each adapter's link.
std::string live_metrics(Core& core, const std::vector<std::unique_ptr<NetworkAdapter>>& adapters) {
  auto st = core.committer->stats();
  std::string o;
  o += "# HELP brigade_commits_total Store transactions committed by the writer.\n";
  o += "# TYPE brigade_commits_total counter\nbrigade_commits_total " + std::to_string(st.commits) + "\n";
  o += "# HELP brigade_commands_total Chat commands applied.\n";
  o += "# TYPE brigade_commands_total counter\nbrigade_commands_total " + std::to_string(st.commands) + "\n";
  o += "# HELP brigade_commit_group_max The most commands one commit has held.\n";
  o += "# TYPE brigade_commit_group_max gauge\nbrigade_commit_group_max " + std::to_string(st.largest_group) +
       "\n";
  o += "# HELP brigade_adapter_connected 1 while the platform link is up.\n# TYPE "
       "brigade_adapter_connected gauge\n";
  for (const auto& a : adapters)
    o += "brigade_adapter_connected{adapter=\"" + std::string(a->name()) + "\"} " +
         (a->state() == LinkState::connected ? "1" : "0") + "\n";
  return o;
}

// Why the bot is unhealthy: an adapter that stopped or failed, or a store that does not commit.
std::optional<std::string> health(Core& core, const std::vector<std::unique_ptr<NetworkAdapter>>& adapters) {
  for (const auto& a : adapters) {
    auto st = a->state();
    if (st == LinkState::failed || st == LinkState::stopped)
      return std::string(a->name()) + " " + std::string(to_string(st)) + ": " + a->reason();
  }
  // The store is writable when the single writer commits an empty task in time.
  auto done = std::make_shared<std::promise<bool>>();
  auto fut = done->get_future();
  core.committer->submit([](store::Writer&) {}, [done](bool ok) { done->set_value(ok); });
  if (fut.wait_for(std::chrono::seconds(2)) != std::future_status::ready)
    return std::string("store: the writer did not commit within 2 s");
  if (!fut.get()) return std::string("store: a commit failed");
  return std::nullopt;
}

Web start_web(const config::Config& cfg, Core& core,
              const std::vector<std::unique_ptr<NetworkAdapter>>& adapters) {
  Web w;
  web::ApiContext ctx{*core.store, core.clock, core.metrics, cfg.http.token, {}, {}};
  ctx.health = [&core, &adapters] { return health(core, adapters); };
  ctx.live_metrics = [&core, &adapters] { return live_metrics(core, adapters); };
  w.api = std::make_unique<web::Api>(std::move(ctx));
  web::ServerOptions so;
  so.addr = cfg.http.addr;
  try {
    w.server = web::start_server(so, *w.api);
    auto hp = config::parse_host_port(cfg.http.addr);
    std::string host =
        hp && hp->host.find(':') != std::string::npos ? "[" + hp->host + "]" : (hp ? hp->host : "?");
    w.url = "http://" + host + ":" + std::to_string(w.server->port()) + "/";
    spdlog::info("web: API on {} (health /healthz, metrics /metrics){}", w.url,
                 cfg.http.token.empty() ? "" : ", bearer token required");
  } catch (const std::exception& e) {
    spdlog::error("web: {}; the bot runs without its HTTP API", e.what());
  }
  return w;
}

// The console adapter on stdin/stdout. `serve`: what `brigade run` adds to it — the dashboard
// and API, and the weekly digest.
int console_session(const config::Config& cfg, bool serve) {
  block_shutdown_signals();
  try {
    // One bot per data directory; `brigade restore` waits for this to be free (store/backup.hpp).
    const store::DataDirLock lock(cfg.data_dir);
    Core core(cfg);
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

// An adapter for every platform with credentials; false (logged) when this build lacks one.
bool make_adapters(const config::Config& cfg, Core& core,
                   std::vector<std::unique_ptr<NetworkAdapter>>& adapters) {
#ifdef BRIGADE_WITH_SLACK
  if (cfg.slack.enabled()) adapters.push_back(slack::make_adapter(cfg, *core.committer, core.metrics));
#endif
#ifdef BRIGADE_WITH_MATRIX
  if (cfg.matrix.enabled())
    adapters.push_back(
        matrix::make_adapter(cfg, bot::AdapterState(*core.store, "matrix"), *core.committer, core.metrics));
#endif
  // Credentials for a platform this build has no adapter for: say so instead of pretending.
  std::size_t wanted = std::size_t{cfg.slack.enabled()} + std::size_t{cfg.matrix.enabled()};
  if (adapters.size() == wanted) return true;
  spdlog::error("credentials are set for a platform this build has no adapter for (Slack: {}, Matrix: {})",
                cfg.slack.enabled() ? "configured" : "off", cfg.matrix.enabled() ? "configured" : "off");
  return false;
}

// Serves until SIGINT/SIGTERM (0) or until every adapter has failed for good: link disabled,
// credentials revoked (1). Meanwhile, every 500 ms, the link states go to the data file.
int serve_until_stopped(ShutdownSignals& signals, LinkRecorder& links,
                        const std::vector<std::unique_ptr<NetworkAdapter>>& adapters) {
  int exit_code = 0;
  bool first = true;
  int sig = signals.wait(std::chrono::milliseconds(500), [&] {
    bool all_failed = std::all_of(adapters.begin(), adapters.end(),
                                  [](const auto& a) { return a->state() == LinkState::failed; });
    if (!first && all_failed) {
      for (auto& a : adapters) spdlog::error("{} adapter stopped: {}", a->name(), a->reason());
      exit_code = 1;
      return false;
    }
    first = false;
    links.record(adapters);
    return true;
  });
  if (sig != 0) spdlog::info("signal {}: stopping intake, finishing the open commit, draining replies", sig);
  return exit_code;
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
    // One bot per data directory; `brigade restore` waits for this to be free (store/backup.hpp).
    const store::DataDirLock lock(cfg.data_dir);
    Core core(cfg);
    ShutdownSignals signals;
    std::vector<std::unique_ptr<NetworkAdapter>> adapters;
    if (!make_adapters(cfg, core, adapters)) return 1;
    for (auto& a : adapters) core.outbox->add(*a);
    core.outbox->start();
    for (auto& a : adapters) a->start();
    auto web = start_web(cfg, core, adapters);
    // Slack App Home tabs follow the numbers they show (only people who opened theirs).
    bot::HomeRefresher home(*core.committer, cfg.rules, core.calendar, core.clock, {});
    if (cfg.slack.enabled()) {
      core.committer->on_applied(
          [&home](const core::Event& e, const commands::Result& r) { home.applied(e, r); });
      home.start();
    }
    DigestScheduler digest(cfg.digest, *core.store, *core.committer, core.clock);
    digest.start();
    bot::RetentionTask retention(cfg.privacy.keep_reasons_days, *core.committer, core.clock);
    retention.start();

    LinkRecorder links(*core.committer);
    const int exit_code = serve_until_stopped(signals, links, adapters);
    // Replies already committed get a moment to leave while the links are still up; then
    // intake stops, in-flight commands commit and are acked, and the sockets close. Anything
    // still queued stays in the outbox and is sent on the next start.
    core.outbox->drain(std::chrono::milliseconds(2000));
    digest.stop();
    retention.stop();
    core.committer->on_applied(nullptr);  // returns once no call into `home` runs
    home.stop();
    if (web.server) web.server->stop();
    for (auto& a : adapters) a->stop(std::chrono::milliseconds(3000));
    links.record(adapters);
    core.shutdown(std::chrono::milliseconds(500));
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
    auto st = store::Store::open(store_options(cfg, true), cal);
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
