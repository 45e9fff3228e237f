// A long-running platform connection (Slack, Matrix): started and stopped by the app, reports health.
#pragma once

#include <chrono>
#include <string>

#include "bot/adapter.hpp"

namespace brigade::bot {

enum class LinkState { starting, connected, reconnecting, stopped, failed };
std::string_view to_string(LinkState s);

class NetworkAdapter : public Adapter {
 public:
  // Begins connecting on the adapter's own I/O thread; returns at once.
  virtual void start() = 0;
  // Stops intake (no new envelopes are taken), lets in-flight commands finish and ack,
  // then closes the connection cleanly. Returns within `grace`.
  virtual void stop(std::chrono::milliseconds grace) = 0;
  virtual LinkState state() const = 0;
  // Why the adapter stopped or failed (e.g. "link_disabled", "invalid_auth"); empty otherwise.
  virtual std::string reason() const = 0;
};

}  // namespace brigade::bot
