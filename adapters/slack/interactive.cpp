// The Slack adapter's thanks modal: views.open with the trigger first (it expires 3 s after the
// click or command), the ack right after, then, for "Thank the author", the message's permalink
// put into the open modal with views.update (the hash keeps a newer modal from being overwritten).
#include <spdlog/spdlog.h>

#include "adapters/net/json_fields.hpp"
#include "adapters/net/redact.hpp"
#include "adapters/slack/adapter_impl.hpp"

namespace brigade::slack::detail {

namespace {

// Built outside coroutine bodies: g++ 12 miscompiles braced json initialisers inside them.
json open_args(const std::string& trigger_id, json view) {
  json j = json::object();
  j["trigger_id"] = trigger_id;
  j["view"] = std::move(view);
  return j;
}

json update_args(const std::string& view_id, const std::string& hash, json view) {
  json j = json::object();
  j["view_id"] = view_id;
  if (!hash.empty()) j["hash"] = hash;
  j["view"] = std::move(view);
  return j;
}

json opened_view(const ApiResult& r) {
  if (!r.body.is_object()) return json::object();
  auto it = r.body.find("view");
  return it != r.body.end() && it->is_object() ? *it : json::object();
}

}  // namespace

asio::awaitable<void> SlackAdapter::open_modal(std::shared_ptr<Conn> conn, std::string envelope_id,
                                               ModalRequest req) {
  ModalMeta meta;
  meta.command = req.command;
  meta.channel = req.channel;
  json args = open_args(req.trigger_id, thanks_modal(req, modal_, meta));
  ApiResult r = co_await api_.call("views.open", args, bot_token_, true);
  if (!r.answer.ok) {
    // An expired trigger (the 3 s are over) or a modal Slack refused: nothing was recorded.
    spdlog::warn("slack: views.open failed for {}: {}", req.user, net::redact(r.answer.error()));
    json hint = req.from_slash ? slash_hint(req.command) : json();
    acked(conn, envelope_id, true, hint);
    co_return;
  }
  acked(conn, envelope_id, true);
  if (req.message_ts.empty() || req.channel.empty()) co_return;
  json opened = opened_view(r);
  try {
    co_await link_modal(std::move(req), std::move(meta), std::move(opened));
  } catch (const std::exception& e) {
    spdlog::warn("slack: adding the message's link to the modal failed: {}", net::redact(e.what()));
  }
}

// chat.getPermalink of the message, then views.update of the open modal with it in the metadata
// (the submission turns it into core::Event::link). Without it the modal simply has no link.
asio::awaitable<void> SlackAdapter::link_modal(ModalRequest req, ModalMeta meta, json opened) {
  std::string view_id = net::string_field(opened, "id"), hash = net::string_field(opened, "hash");
  if (view_id.empty()) co_return;
  std::optional<std::string> link = co_await permalink(req.channel, req.message_ts);
  if (!link) co_return;
  meta.link = *link;
  json args = update_args(view_id, hash, thanks_modal(req, modal_, meta));
  ApiResult r = co_await api_.call("views.update", args, bot_token_, true);
  if (!r.answer.ok)
    spdlog::info("slack: views.update of the thanks modal failed: {} (sent without the link)",
                 net::redact(r.answer.error()));
}

}  // namespace brigade::slack::detail
