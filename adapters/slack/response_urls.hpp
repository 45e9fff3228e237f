// Slash commands' response_url, kept per (channel, user) for the private replies chat.postEphemeral
// cannot deliver (the bot is not in that channel). Slack accepts a response_url for 30 minutes;
// it is used here for 29 and forgotten after that, so the map does not grow with every command.
#pragma once

#include <chrono>
#include <deque>
#include <map>
#include <optional>
#include <string>

namespace brigade::slack {

class ResponseUrls {
 public:
  using Clock = std::chrono::steady_clock;
  static constexpr std::chrono::minutes kLifetime{29};

  void remember(const std::string& channel, const std::string& user, std::string url, Clock::time_point now);
  std::optional<std::string> find(const std::string& channel, const std::string& user,
                                  Clock::time_point now) const;
  std::size_t size() const { return urls_.size(); }

 private:
  struct Entry {
    std::string url;
    Clock::time_point at;
  };
  static std::string key(const std::string& channel, const std::string& user);
  void forget_expired(Clock::time_point now);

  std::map<std::string, Entry> urls_;
  std::deque<std::pair<Clock::time_point, std::string>> order_;  // (remembered at, key), oldest first
};

}  // namespace brigade::slack
