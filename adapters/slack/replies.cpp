// The Slack adapter's replies: paced per channel, posted with chat.postMessage or
// chat.postEphemeral (else the slash command's response_url), answered to the outbox once.
#include <spdlog/spdlog.h>

#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>

#include "adapters/net/redact.hpp"
#include "adapters/net/tuple_token.hpp"
#include "adapters/slack/adapter_impl.hpp"
#include "adapters/slack/ids.hpp"
#include "adapters/slack/mrkdwn.hpp"
#include "adapters/slack/wire.hpp"

namespace brigade::slack::detail {

asio::awaitable<void> SlackAdapter::deliver_one(store::OutboxItem item, bot::DeliveryDone done) {
  const core::Reply& rep = item.reply;
  std::string text = render(rep.body, rep.ping);
  if (text.empty()) {
    done(bot::Delivery::drop("empty reply"));
    co_return;
  }
  std::string channel = raw_id(rep.channel);
  auto at = pacer_.reserve(channel, ChannelPacer::Clock::now());
  if (at > ChannelPacer::Clock::now()) {
    asio::steady_timer t(ioc_, at);
    co_await t.async_wait(net::kTuple);
  }
  // Stopping: not posted, so not answered here; stop() hands it back unsent for the next start.
  if (stopping_) co_return;

  ++posting_;  // on the wire: shutdown() waits for the answer (chat.post* has no idempotency key)
  ApiResult r = co_await post(rep, channel, text);
  --posting_;
  changed_.notify();
  auto d = classify(r.answer);
  if (d.status == bot::Delivery::Status::retry && d.retry_after_ms > 0)
    pacer_.hold(channel, ChannelPacer::Clock::now() + milliseconds(d.retry_after_ms));
  if (d.status == bot::Delivery::Status::drop)
    spdlog::warn("slack: dropping reply {} to {}: {}", item.seq, channel, net::redact(d.error));
  done(std::move(d));
}

asio::awaitable<ApiResult> SlackAdapter::post(const core::Reply& rep, const std::string& channel,
                                              const std::string& text) {
  if (rep.audience != core::Audience::private_) {
    wire::PostMessage m;
    m.channel = channel;
    m.text = text;
    json args = m;
    ApiResult posted = co_await api_.call("chat.postMessage", args, bot_token_, true);
    co_return posted;
  }
  wire::PostEphemeral m;
  m.channel = channel;
  m.user = std::string(raw_id(rep.user));
  m.text = text;
  json args = m;
  ApiResult r = co_await api_.call("chat.postEphemeral", args, bot_token_, true);
  if (r.answer.ok || !wants_response_url(r.answer.error())) co_return r;
  // response_url works for 30 minutes after the command, even where the bot is not a member.
  if (auto url = response_urls_.find(rep.channel, rep.user, std::chrono::steady_clock::now())) {
    wire::EphemeralResponse reply;
    reply.text = text;
    json body = reply;
    r = co_await api_.post_url(*url, body);
  }
  co_return r;
}

}  // namespace brigade::slack::detail
