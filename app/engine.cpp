// The bot's running parts (app/engine.hpp): the web API's health and metrics, and the adapters.
#include "app/engine.hpp"

#include <spdlog/spdlog.h>

#include <future>

#ifdef BRIGADE_WITH_SLACK
#include "adapters/slack/slack_adapter.hpp"
#endif
#ifdef BRIGADE_WITH_MATRIX
#include "adapters/matrix/matrix_adapter.hpp"
#endif

namespace brigade::app {

namespace {

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
std::optional<std::string> health(Core& core, const std::vector<std::unique_ptr<NetworkAdapter>>& adapters,
                                  const std::function<bool()>& store_reachable) {
  if (store_reachable && !store_reachable()) return std::string("store: the database cannot be reached");
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

}  // namespace

Web start_web(const config::Config& cfg, Core& core, const std::vector<std::unique_ptr<NetworkAdapter>>& adapters,
              std::function<bool()> store_reachable) {
  Web w;
  web::ApiContext ctx{*core.store, core.clock, core.metrics, cfg.http.token, {}, {}};
  ctx.health = [&core, &adapters, reachable = std::move(store_reachable)] {
    return health(core, adapters, reachable);
  };
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

PrimaryWork::PrimaryWork(const config::Config& cfg, Core& core,
                         const std::vector<std::unique_ptr<NetworkAdapter>>& adapters)
    : core_(core),
      adapters_(adapters),
      digest_(std::make_unique<bot::DigestScheduler>(cfg.digest, *core.store, *core.committer, core.clock)),
      retention_(std::make_unique<bot::RetentionTask>(cfg.privacy.keep_reasons_days, *core.committer, core.clock)) {}

PrimaryWork::~PrimaryWork() {
  end();
}

void PrimaryWork::begin() {
  std::lock_guard lock(mu_);
  if (begun_ || ended_) return;
  begun_ = true;
  core_.outbox->start();
  for (const auto& a : adapters_)
    if (primary_only(*a)) a->start();
  digest_->start();
  retention_->start();
}

bool PrimaryWork::end() {
  std::lock_guard lock(mu_);
  if (!ended_) {
    ended_ = true;
    if (begun_) {
      digest_->stop();
      retention_->stop();
    }
  }
  return begun_;
}

bool PrimaryWork::started(const NetworkAdapter& a) const {
  std::lock_guard lock(mu_);
  return !primary_only(a) || begun_;
}

namespace {

// An adapter made when it starts, not before: the Matrix adapter reads its session and sync
// cursor from the ledger when it is constructed, and a standby replica must read them when it
// becomes the primary (the old primary moved them meanwhile). Until then it is "starting" and
// hands replies back unsent.
class LateAdapter final : public NetworkAdapter {
 public:
  using Factory = std::function<std::unique_ptr<NetworkAdapter>()>;
  LateAdapter(std::string name, Factory make) : name_(std::move(name)), make_(std::move(make)) {}

  std::string_view name() const override { return name_; }
  void start() override {
    auto a = make_();
    a->start();
    std::lock_guard lock(mu_);
    real_ = std::move(a);
  }
  void stop(std::chrono::milliseconds grace) override {
    if (auto* a = get()) a->stop(grace);
  }
  LinkState state() const override {
    auto* a = get();
    return a != nullptr ? a->state() : LinkState::starting;
  }
  std::string reason() const override {
    auto* a = get();
    return a != nullptr ? a->reason() : std::string();
  }
  void deliver(const store::OutboxItem& item, bot::DeliveryDone done) override {
    if (auto* a = get()) return a->deliver(item, std::move(done));
    done(bot::Delivery::unsent("not started: this replica is not the primary"));
  }

 private:
  NetworkAdapter* get() const {
    std::lock_guard lock(mu_);
    return real_.get();
  }
  std::string name_;
  Factory make_;
  mutable std::mutex mu_;
  std::unique_ptr<NetworkAdapter> real_;  // set once, by start()
};

}  // namespace

// An adapter for every platform with credentials; false (logged) when this build lacks one.
bool make_adapters(const config::Config& cfg, Core& core,
                   std::vector<std::unique_ptr<NetworkAdapter>>& adapters) {
#ifdef BRIGADE_WITH_SLACK
  if (cfg.slack.enabled()) adapters.push_back(slack::make_adapter(cfg, *core.committer, core.metrics));
#endif
#ifdef BRIGADE_WITH_MATRIX
  if (cfg.matrix.enabled())
    adapters.push_back(std::make_unique<LateAdapter>("matrix", [&cfg, &core] {
      return matrix::make_adapter(cfg, bot::AdapterState(*core.store, "matrix"), *core.committer, core.metrics);
    }));
#endif
  // Credentials for a platform this build has no adapter for: say so instead of pretending.
  std::size_t wanted = std::size_t{cfg.slack.enabled()} + std::size_t{cfg.matrix.enabled()};
  if (adapters.size() == wanted) return true;
  spdlog::error("credentials are set for a platform this build has no adapter for (Slack: {}, Matrix: {})",
                cfg.slack.enabled() ? "configured" : "off", cfg.matrix.enabled() ? "configured" : "off");
  return false;
}


}  // namespace brigade::app
