// Slash commands' response_url by (channel, user), forgotten when Slack stops accepting it.
#include "adapters/slack/response_urls.hpp"

namespace brigade::slack {

std::string ResponseUrls::key(const std::string& channel, const std::string& user) {
  return channel + "|" + user;
}

void ResponseUrls::remember(const std::string& channel, const std::string& user, std::string url,
                            Clock::time_point now) {
  forget_expired(now);
  std::string k = key(channel, user);
  urls_[k] = Entry{std::move(url), now};
  order_.emplace_back(now, std::move(k));
}

std::optional<std::string> ResponseUrls::find(const std::string& channel, const std::string& user,
                                              Clock::time_point now) const {
  auto it = urls_.find(key(channel, user));
  if (it == urls_.end() || now - it->second.at >= kLifetime) return std::nullopt;
  return it->second.url;
}

void ResponseUrls::forget_expired(Clock::time_point now) {
  while (!order_.empty() && now - order_.front().first >= kLifetime) {
    auto it = urls_.find(order_.front().second);
    // A later command of the same person renewed the entry: only its own queue slot removes it.
    if (it != urls_.end() && it->second.at == order_.front().first) urls_.erase(it);
    order_.pop_front();
  }
}

}  // namespace brigade::slack
