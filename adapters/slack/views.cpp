// The Slack adapter's views and links: the Home tab published with views.publish (paced through
// one pacer key, with the hash of the view Slack shows), and chat.getPermalink for the links a
// reply carries (the recipient's DM points at the celebration).
#include <spdlog/spdlog.h>

#include "adapters/net/json_fields.hpp"
#include "adapters/net/redact.hpp"
#include "adapters/slack/adapter_impl.hpp"
#include "adapters/slack/blocks.hpp"
#include "adapters/slack/ids.hpp"

namespace brigade::slack::detail {

namespace {

const std::string kViewsKey = "views.publish";  // the pacer key of every views.publish

json publish_args(const std::string& user, json view, const std::string& hash) {
  json j = json::object();
  j["user_id"] = user;
  j["view"] = std::move(view);
  if (!hash.empty()) j["hash"] = hash;
  return j;
}

json permalink_args(const std::string& channel, const std::string& ts) {
  json j = json::object();
  j["channel"] = channel;
  j["message_ts"] = ts;
  return j;
}

std::string answered_hash(const ApiResult& r) {
  if (!r.body.is_object()) return {};
  auto it = r.body.find("view");
  return it == r.body.end() ? std::string() : net::string_field(*it, "hash");
}

}  // namespace

// hash_conflict means Slack shows a view newer than the one this reply was built against: it is
// dropped (never retried in a loop) and the hash forgotten, so the next refresh publishes anew.
asio::awaitable<bot::Delivery> SlackAdapter::publish_home(std::uint64_t seq, core::Reply rep) {
  std::string user = raw_id(rep.user);
  if (user.empty()) co_return bot::Delivery::drop("a Home view without a user");
  auto known = home_hash_.find(user);
  json args = publish_args(user, home_view(rep), known == home_hash_.end() ? std::string() : known->second);
  ++posting_;
  ApiResult r = co_await api_.call("views.publish", args, bot_token_, true);
  --posting_;
  changed_.notify();
  if (r.answer.ok) {
    if (std::string h = answered_hash(r); !h.empty())
      home_hash_[user] = h;
    else
      home_hash_.erase(user);
    co_return bot::Delivery::sent();
  }
  if (r.answer.code == "hash_conflict") {
    spdlog::info("slack: Home view {} for {}: hash_conflict, a newer view is shown; not retried", seq, user);
    home_hash_.erase(user);
    co_return bot::Delivery::drop("hash_conflict");
  }
  co_return settle(seq, kViewsKey, r.answer);  // a 429 holds every views.publish for Retry-After
}

asio::awaitable<std::optional<std::string>> SlackAdapter::permalink(std::string channel, std::string ts) {
  json args = permalink_args(channel, ts);
  ApiResult r = co_await api_.call("chat.getPermalink", args, bot_token_);
  std::string url = r.answer.ok ? net::string_field(r.body, "permalink") : std::string();
  if (url.rfind("https://", 0) != 0 && url.rfind("http://", 0) != 0) {
    spdlog::info("slack: chat.getPermalink {} {} failed: {}", channel, ts,
                 net::redact(r.answer.ok ? std::string("no permalink") : r.answer.error()));
    co_return std::nullopt;
  }
  co_return url;
}

}  // namespace brigade::slack::detail
