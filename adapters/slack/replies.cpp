// The Slack adapter's replies: paced per channel, posted with chat.postMessage or
// chat.postEphemeral (else the slash command's response_url), or changed in place with chat.update,
// with their Block Kit blocks beside the mrkdwn text, answered to the outbox once. Home views go
// to views.cpp.
#include <spdlog/spdlog.h>

#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>

#include "adapters/net/redact.hpp"
#include "adapters/net/tuple_token.hpp"
#include "adapters/slack/adapter_impl.hpp"
#include "adapters/slack/blocks.hpp"
#include "adapters/slack/ids.hpp"
#include "adapters/slack/mrkdwn.hpp"
#include "adapters/slack/wire.hpp"

namespace brigade::slack::detail {

asio::awaitable<void> SlackAdapter::deliver_one(store::OutboxItem item, bot::DeliveryDone done) {
  const core::Reply& rep = item.reply;
  if (rep.audience == core::Audience::home) {
    // Stopping: not sent, so not answered here; stop() hands it back unsent for the next start.
    if (!co_await await_slot("views.publish")) co_return;
    bot::Delivery published = co_await publish_home(item.seq, rep);
    done(std::move(published));
    co_return;
  }
  // A reply that links to another message (the recipient's DM → the celebration): its permalink,
  // or no link when Slack cannot give one.
  std::string link;
  if (auto to = parse_message_ref(item.link_ref)) {
    std::optional<std::string> url = co_await permalink(to->channel, to->ts);
    link = url.value_or("");
  }
  std::string text = message_text(rep, link);
  if (text.empty()) {
    done(bot::Delivery::drop("empty reply"));
    co_return;
  }
  json blocks = message_blocks(rep, link);
  // An edit changes the message in place; ephemeral messages cannot be changed, so an edit of a
  // private reply is a new one.
  std::optional<MessageRef> target;
  if (rep.audience != core::Audience::private_) target = parse_message_ref(item.edit_ref);
  std::optional<bot::Delivery> d;
  if (target) {
    // Stopping: not sent, so not answered here; stop() hands it back unsent for the next start.
    if (!co_await await_slot(target->channel)) co_return;
    d = co_await update(item.seq, *target, text, blocks);
  }
  if (!d) {
    // A direct reply goes to the person's DM with the app: chat.postMessage to their user id.
    std::string channel = raw_id(rep.audience == core::Audience::direct ? rep.user : rep.channel);
    if (!co_await await_slot(channel)) co_return;
    d = co_await post_one(item.seq, rep, channel, text, blocks);
  }
  done(std::move(*d));
}

// Every Web API call that shows a message books its channel's next slot (ChannelPacer).
asio::awaitable<bool> SlackAdapter::await_slot(std::string channel) {
  auto at = pacer_.reserve(channel, ChannelPacer::Clock::now());
  if (at > ChannelPacer::Clock::now()) {
    asio::steady_timer t(ioc_, at);
    co_await t.async_wait(net::kTuple);
  }
  co_return !stopping_;
}

// chat.update of the message at `to`. Nothing when that message is gone (deleted, not Brigade's,
// its channel unknown): the caller posts the text as a new message instead.
asio::awaitable<std::optional<bot::Delivery>> SlackAdapter::update(std::uint64_t seq, MessageRef to,
                                                                   std::string text, json blocks) {
  wire::UpdateMessage m;
  m.channel = to.channel;
  m.ts = to.ts;
  m.text = std::move(text);
  json args = m;
  args["blocks"] = std::move(blocks);  // always: an empty array takes away the blocks it had
  ++posting_;  // on the wire: shutdown() waits for the answer
  ApiResult r = co_await api_.call("chat.update", args, bot_token_, true);
  --posting_;
  changed_.notify();
  if (!r.answer.ok && edit_target_gone(r.answer.code)) {
    spdlog::info("slack: reply {}: the message it updates cannot be changed ({}); posting it anew", seq,
                 r.answer.code);
    co_return std::nullopt;
  }
  bot::Delivery d = settle(seq, to.channel, r.answer);
  if (d.status == bot::Delivery::Status::sent) d.message_ref = format_message_ref(to);  // same message
  co_return d;
}

asio::awaitable<bot::Delivery> SlackAdapter::post_one(std::uint64_t seq, const core::Reply& rep,
                                                      std::string channel, std::string text, json blocks) {
  ++posting_;  // on the wire: shutdown() waits for the answer (chat.post* has no idempotency key)
  ApiResult r = co_await post(rep, channel, text, blocks);
  --posting_;
  changed_.notify();
  bot::Delivery d = settle(seq, channel, r.answer);
  // Where a channel message landed, so a later reply can update it (an ephemeral cannot be).
  if (d.status == bot::Delivery::Status::sent && rep.audience != core::Audience::private_) {
    auto where = r.body.get<wire::Posted>();
    if (!where.ts.empty()) {
      MessageRef ref;
      ref.channel = where.channel.empty() ? channel : where.channel;
      ref.ts = where.ts;
      d.message_ref = format_message_ref(ref);
    }
  }
  co_return d;
}

// The outbox's decision on an answer; a 429 holds the channel as long as Slack asked.
bot::Delivery SlackAdapter::settle(std::uint64_t seq, const std::string& channel, const ApiAnswer& answer) {
  auto d = classify(answer);
  if (d.status == bot::Delivery::Status::retry && d.retry_after_ms > 0)
    pacer_.hold(channel, ChannelPacer::Clock::now() + milliseconds(d.retry_after_ms));
  if (d.status == bot::Delivery::Status::drop)
    spdlog::warn("slack: dropping reply {} to {}: {}", seq, channel, net::redact(d.error));
  return d;
}

asio::awaitable<ApiResult> SlackAdapter::post(const core::Reply& rep, const std::string& channel,
                                              const std::string& text, const json& blocks) {
  if (rep.audience != core::Audience::private_) {
    wire::PostMessage m;
    m.channel = channel;
    m.text = text;
    json args = m;
    if (!blocks.empty()) args["blocks"] = blocks;
    ApiResult posted = co_await api_.call("chat.postMessage", args, bot_token_, true);
    co_return posted;
  }
  wire::PostEphemeral m;
  m.channel = channel;
  m.user = std::string(raw_id(rep.user));
  m.text = text;
  json args = m;
  if (!blocks.empty()) args["blocks"] = blocks;
  ApiResult r = co_await api_.call("chat.postEphemeral", args, bot_token_, true);
  if (r.answer.ok || !wants_response_url(r.answer.error())) co_return r;
  // response_url works for 30 minutes after the command, even where the bot is not a member.
  if (auto url = response_urls_.find(rep.channel, rep.user, std::chrono::steady_clock::now())) {
    wire::EphemeralResponse reply;
    reply.text = text;
    json body = reply;
    if (!blocks.empty()) body["blocks"] = blocks;
    r = co_await api_.post_url(*url, body);
  }
  co_return r;
}

}  // namespace brigade::slack::detail
