// Wiring: configuration → store → committer → outbox → adapters, and the process lifecycle.
#pragma once

#include <string>

#include "config/config.hpp"

namespace brigade::app {

// `brigade run`: every adapter with credentials; the console when none has. Returns the exit status.
int run_bot(const config::Config& cfg);
// `brigade console`: the console adapter on stdin/stdout.
int run_console(const config::Config& cfg);
// `brigade health`: opens the store read-only and checks it answers; 0 when healthy.
int run_health(const config::Config& cfg);
// `brigade health --http`: the running bot's /healthz (exit 0 on 200).
int run_health_http(const config::Config& cfg);

}  // namespace brigade::app
