// The Slack adapter's envelopes: route them, build the event (with bounded name lookups), hand it
// to the committer, and ack once it is durable.
#include <spdlog/spdlog.h>

#include "adapters/net/redact.hpp"
#include "adapters/slack/adapter_impl.hpp"
#include "adapters/slack/ids.hpp"
#include "adapters/slack/mentions.hpp"
#include "adapters/slack/wire.hpp"

namespace brigade::slack::detail {

namespace {

// Built outside coroutine bodies: g++ 12 miscompiles braced json initialisers inside them.
json arg(const char* key, json value) {
  json j = json::object();
  j[key] = std::move(value);
  return j;
}

}  // namespace

// The workspace's people in pages of 200, so most names need no lookup on the ack path.
asio::awaitable<void> SlackAdapter::load_users() {
  std::string cursor;
  int pages = 0;
  auto deadline = std::chrono::steady_clock::now() + milliseconds(20000);
  while (!stopping_ && std::chrono::steady_clock::now() < deadline) {
    json args = arg("limit", 200);
    if (!cursor.empty()) args["cursor"] = cursor;
    auto r = co_await api_.call("users.list", args, bot_token_);
    if (r.answer.status == 429) {
      co_await sleep(milliseconds(r.answer.retry_after_ms));
      continue;  // same cursor
    }
    if (!r.answer.ok) {
      spdlog::warn("slack: users.list failed: {}; names are looked up one by one",
                   net::redact(r.answer.error()));
      co_return;
    }
    ++pages;
    auto page = r.body.get<wire::UsersPage>();
    for (const auto& u : page.members) dir_.add_user(u);
    cursor = std::move(page.next_cursor);
    if (cursor.empty()) break;
  }
  spdlog::info("slack: {} users known ({} pages of users.list)", dir_.user_count(), pages);
}

asio::awaitable<void> SlackAdapter::handle_envelope(std::shared_ptr<Conn> conn, Frame f) {
  std::string envelope_id = f.envelope_id;
  try {
    co_await process_envelope(conn, std::move(f));
  } catch (const std::exception& e) {
    // Unacked on purpose: Slack redelivers events, and a failed slash command was not recorded.
    spdlog::error("slack: envelope {} failed: {}", envelope_id, net::redact(e.what()));
    acked(conn, envelope_id, false);
  }
}

asio::awaitable<void> SlackAdapter::process_envelope(std::shared_ptr<Conn> conn, Frame f) {
  auto received = std::chrono::steady_clock::now();
  std::string envelope_id = f.envelope_id;
  if (auto change = person_change(f, me_)) {
    commit_then_ack(conn, envelope_id, person_effects(std::move(*change)));
    co_return;
  }
  Action a = route(f, me_);
  if (a.kind == Action::Kind::ignore) {
    spdlog::debug("slack: acking envelope {} without action: {}", envelope_id, a.why);
    acked(conn, envelope_id, true);
    co_return;
  }
  if (a.kind == Action::Kind::revoke) {
    commit_then_ack(conn, envelope_id, bot::AdapterEffects::revoke(a.revoke_source));
    co_return;
  }
  if (a.kind == Action::Kind::open_modal) {
    co_await open_modal(conn, envelope_id, std::move(a.modal));
    co_return;
  }
  if (a.kind == Action::Kind::answer) {
    acked(conn, envelope_id, true, a.answer);
    co_return;
  }
  if (!a.command.view_hash.empty()) home_hash_[a.command.user] = a.command.view_hash;
  core::Event e = co_await build_event(a.command);
  bool form = a.command.form, values_shown = !modal_.values.empty();
  committer_.submit(std::move(e), [this, post = rt_.poster(), conn, envelope_id, type = f.type,
                                   form, values_shown, received](const commands::Result& r) {
    // Runs on the writer thread once the transaction is durable; the socket lives on ours
    // (reached through the poster, which drops the work if the adapter is already gone).
    post([this, conn, envelope_id, received, ack = command_ack(r, type, form, values_shown)] {
      acked(conn, envelope_id, ack.send, ack.payload);
      if (ack.send)
        metrics_.ack_seconds(
            "slack", std::chrono::duration<double>(std::chrono::steady_clock::now() - received).count());
    });
  });
}

// Store changes without a command (a kudos taken back, a person gone or back): the envelope is
// acked once they are durable, unacked when the commit failed (Slack redelivers it).
void SlackAdapter::commit_then_ack(const std::shared_ptr<Conn>& conn, const std::string& envelope_id,
                                   bot::AdapterEffects effects) {
  committer_.submit(std::move(effects), [this, post = rt_.poster(), conn, envelope_id](bool ok) {
    post([this, conn, envelope_id, ok] { acked(conn, envelope_id, ok); });
  });
}

// A deactivated account is hidden from rankings, an active one shown again (history kept either
// way); the directory takes the new user object, so mentions see the account as it is now.
bot::AdapterEffects SlackAdapter::person_effects(PersonChange change) {
  dir_.add_user(change.profile);
  bot::AdapterEffects effects;
  if (change.gone) {
    spdlog::info("slack: {} was deactivated; hidden from rankings", change.user);
    effects.gone.push_back(std::move(change.user));
  } else {
    spdlog::debug("slack: {} is active", change.user);
    effects.back.push_back(std::move(change.user));
  }
  return effects;
}

asio::awaitable<void> SlackAdapter::ensure_user(const std::string& id) {
  if (id.empty() || dir_.user(id)) co_return;
  auto r = co_await lookup_api_.call("users.info", arg("user", id), bot_token_);
  if (r.answer.ok && r.body.contains("user")) dir_.add_user(r.body["user"]);
}

// A user group's members (for "@team" mentions), each with a name where time allows.
asio::awaitable<void> SlackAdapter::ensure_group(const std::string& g,
                                                 std::chrono::steady_clock::time_point deadline) {
  auto in_time = [&] { return std::chrono::steady_clock::now() < deadline; };
  if (!in_time() || dir_.group(g)) co_return;
  auto r = co_await lookup_api_.call("usergroups.users.list", arg("usergroup", g), bot_token_);
  if (!r.answer.ok) {
    spdlog::warn("slack: usergroups.users.list {} failed: {}", g, r.answer.error());
    co_return;
  }
  std::vector<std::string> members = r.body.get<wire::UsergroupUsers>().users;
  for (const auto& m : members)
    if (in_time()) co_await ensure_user(m);
  dir_.set_group(g, std::move(members));
}

asio::awaitable<core::Event> SlackAdapter::build_event(Inbound in) {
  if (in.team.empty()) in.team = me_.team_id;
  auto refs = scan_references(in.text);
  // Lookups sit on the 3-second ack path: each is bounded, and a miss only costs a nicer name.
  auto deadline = std::chrono::steady_clock::now() + opt_.lookup_timeout;
  auto in_time = [&] { return std::chrono::steady_clock::now() < deadline; };
  co_await ensure_user(in.user);
  for (const auto& g : refs.groups) co_await ensure_group(g, deadline);
  for (const auto& u : refs.users)
    if (in_time()) co_await ensure_user(u);
  for (const auto& c : refs.channels) {
    if (!in_time() || dir_.channel(c)) continue;
    auto r = co_await lookup_api_.call("conversations.info", arg("channel", c), bot_token_);
    if (!r.answer.ok) continue;
    std::string name = r.body.get<wire::ConversationInfo>().name;
    dir_.set_channel(c, name.empty() ? c : name);
  }
  auto rw = rewrite(in.text, in.team, dir_);
  core::Event e;
  e.source_id = in.source_id;
  e.platform = "slack";
  const UserInfo* who = dir_.user(in.user);
  e.user = core::UserRef{qualify(in.team, in.user), who ? who->name : in.user_name, who && who->is_bot};
  std::string cname = !in.channel_name.empty() ? in.channel_name : dir_.channel(in.channel).value_or("");
  e.channel = core::ChannelRef{qualify(in.team, in.channel), cname};
  e.command = in.command;
  e.text = std::move(rw.text);
  e.mentions = std::move(rw.mentions);
  e.ts_ms = in.ts_ms;
  e.form = in.form;
  e.link = std::move(in.link);
  if (!in.response_url.empty())
    response_urls_.remember(e.channel.id, e.user.id, in.response_url, std::chrono::steady_clock::now());
  co_return e;
}

}  // namespace brigade::slack::detail
