// The bot's running parts as the composition root builds them (app-internal): the store, the
// committer and the outbox (Core), the web API beside them, the link states kept in the ledger,
// and the adapters for the configured platforms. app.cpp runs them in order.
#pragma once

#include <map>
#include <mutex>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "bot/committer.hpp"
#include "bot/digest.hpp"
#include "bot/retention.hpp"
#include "bot/metrics.hpp"
#include "bot/network_adapter.hpp"
#include "bot/outbox_sender.hpp"
#include "app/store_open.hpp"
#include "config/config.hpp"
#include "store/store.hpp"
#include "web/api.hpp"
#include "web/server.hpp"

namespace brigade::app {

using bot::Committer;
using bot::LinkState;
using bot::Metrics;
using bot::NetworkAdapter;
using bot::OutboxSender;

struct Core {
  // The process's one Metrics: the committer, the adapters and the web API are handed it.
  Metrics metrics;
  core::SystemClock clock;
  core::Calendar calendar;
  std::unique_ptr<store::Store> store;
  std::unique_ptr<Committer> committer;
  std::unique_ptr<OutboxSender> outbox;

  explicit Core(const config::Config& cfg) : calendar(cfg.timezone, cfg.week_start) {
    store = open_configured_store(cfg, calendar, false);
    committer = std::make_unique<Committer>(*store, cfg.rules, clock, metrics);
    outbox = std::make_unique<OutboxSender>(*store, *committer, clock);
    committer->on_commit([o = outbox.get()] { o->notify(); });
  }

  // Stop intake, finish the open commit, give replies a moment to leave (`send`: this process is
  // the primary, the one that sends; a standby replica leaves them to it).
  void shutdown(std::chrono::milliseconds drain, bool send = true) {
    if (send) outbox->drain(drain);
    outbox->stop();
    committer->stop();
  }
};

inline constexpr std::string_view kLinkMetaPrefix = "link.";

// Keeps each adapter's link state in the data file ("link.slack" → "connected"), so
// `brigade health` (another process) can tell a bot whose credentials were revoked.
class LinkRecorder {
 public:
  explicit LinkRecorder(Committer& c) : committer_(c) {}
  // `include`: which adapters' states to keep (a standby replica's unstarted Matrix adapter must
  // not overwrite the primary's "connected"); all when empty.
  void record(const std::vector<std::unique_ptr<NetworkAdapter>>& adapters,
              const std::function<bool(const NetworkAdapter&)>& include = {}) {
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
      if (include && !include(*a)) continue;
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

// The web API beside the bot: health from the adapters and a live commit, metrics from the
// committer. A port that cannot be opened is logged, and the bot runs on without it.
struct Web {
  std::unique_ptr<web::Api> api;
  std::unique_ptr<web::Server> server;
  std::string url;  // "http://127.0.0.1:8080/" once listening
};
// `store_reachable`: when set, /healthz also fails while it answers false (the primary lease
// thread's view of a PostgreSQL server).
Web start_web(const config::Config& cfg, Core& core, const std::vector<std::unique_ptr<NetworkAdapter>>& adapters,
              std::function<bool()> store_reachable = {});

// The work only the primary replica does (bot/primary.hpp): sending the outbox, the adapters
// that must run once (Matrix: one /sync per account), the digest and retention. begin() runs when
// the lease is gained (on the lease thread); end() on the main thread at shutdown; a begin()
// after end() does nothing.
class PrimaryWork {
 public:
  PrimaryWork(const config::Config& cfg, Core& core, const std::vector<std::unique_ptr<NetworkAdapter>>& adapters);
  ~PrimaryWork();
  void begin();
  // Stops the digest and retention; true when begin() had run (the outbox sender is then started
  // and this process may drain it).
  bool end();
  // Adapters that only the primary runs, and whether this one has been started.
  static bool primary_only(const NetworkAdapter& a) { return a.name() == "matrix"; }
  bool started(const NetworkAdapter& a) const;

 private:
  Core& core_;
  const std::vector<std::unique_ptr<NetworkAdapter>>& adapters_;
  std::unique_ptr<bot::DigestScheduler> digest_;
  std::unique_ptr<bot::RetentionTask> retention_;
  mutable std::mutex mu_;
  bool begun_ = false;
  bool ended_ = false;
};

// An adapter for every platform with credentials; false (logged) when this build lacks one.
bool make_adapters(const config::Config& cfg, Core& core, std::vector<std::unique_ptr<NetworkAdapter>>& adapters);

}  // namespace brigade::app
