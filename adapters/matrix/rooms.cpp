// The Matrix adapter's rooms: joins (configured, invited, aliases), members and room names for
// mentions and replies, the senders reactions point at, and whether a mentioned account exists.
#include <spdlog/spdlog.h>

#include "adapters/matrix/adapter_impl.hpp"
#include "adapters/matrix/ids.hpp"
#include "adapters/matrix/wire.hpp"

namespace brigade::matrix::detail {

namespace {

constexpr std::size_t kRecentSenders = 20000;

}  // namespace

bool MatrixAdapter::invite_allowed(const std::string& room, const std::string& inviter) const {
  if (cfg_.autojoin_servers.empty()) return true;
  for (const auto& r : cfg_.autojoin_rooms)
    if (r == room) return true;
  auto server = server_of(inviter);
  for (const auto& s : cfg_.autojoin_servers)
    if (s == server) return true;
  return false;
}

// Joins a room id or alias; the room id, or nothing when the server would not let us in.
asio::awaitable<std::optional<std::string>> MatrixAdapter::join(std::string room, std::string inviter) {
  std::string path =
      room.front() == '!' ? "/rooms/" + path_segment(room) + "/join" : "/join/" + path_segment(room);
  for (int attempt = 0; attempt < 5 && !stopping_; ++attempt) {
    auto a = co_await call(http_, "POST", path, json::object());
    if (a.ok()) {
      std::string id = a.body.get<wire::RoomIdAnswer>().room_id;
      if (id.empty()) id = room;
      spdlog::info("matrix: joined {}{}", id, inviter.empty() ? "" : " (invited by " + inviter + ")");
      co_await load_members(id);
      co_return id;
    }
    if (a.transient()) {
      auto d = a.retry_after_ms > 0 ? milliseconds(a.retry_after_ms) : opt_.backoff_base * (1 << attempt);
      co_await sleep(d);
      continue;
    }
    spdlog::warn("matrix: cannot join {}: {}", room, a.describe());
    if (!inviter.empty()) co_await reject(room, "join failed");
    co_return std::nullopt;
  }
  co_return std::nullopt;
}

asio::awaitable<void> MatrixAdapter::reject(std::string room, std::string why) {
  auto a = co_await call(http_, "POST", "/rooms/" + path_segment(room) + "/leave", json::object());
  spdlog::info("matrix: declined the invite to {} ({}){}", room, why, a.ok() ? "" : ": " + a.describe());
}

// A room's members as the server knows them now, replacing what member events taught.
asio::awaitable<bool> MatrixAdapter::load_members(std::string room) {
  auto a = co_await call(http_, "GET", "/rooms/" + path_segment(room) + "/joined_members", nullptr);
  members_loaded_[room] = std::chrono::steady_clock::now();
  auto joined = a.ok() ? a.body.get<wire::JoinedMembers>() : wire::JoinedMembers{};
  if (!joined.present) {
    spdlog::debug("matrix: joined_members of {} failed: {}", room, a.describe());
    co_return false;
  }
  dir_.set_members(room, std::move(joined.members));
  if (dir_.room_name(room).empty()) co_await load_room_name(room);
  co_return true;
}

// Every room Brigade is in with its members: those never loaded are (quiet rooms since the start).
asio::awaitable<bool> MatrixAdapter::load_all_members() {
  auto a = co_await call(http_, "GET", "/joined_rooms", nullptr);
  auto joined = a.ok() ? a.body.get<wire::JoinedRooms>() : wire::JoinedRooms{};
  if (!joined.present) {
    spdlog::info("matrix: joined_rooms failed: {}", a.describe());
    co_return false;
  }
  bool complete = true;
  for (const auto& room : joined.rooms) {
    if (stopping_) co_return false;
    if (dir_.complete(room)) continue;
    bool loaded = co_await load_members(room);
    complete = complete && loaded;
  }
  co_return complete;
}

// Who left or joined in a batch: gone once they share no room with Brigade (their direct room for
// private replies aside), back when they join one. Before anyone is taken for gone, every room's
// members are known (someone may still be in a quiet room); when they cannot be, nobody is marked
// gone by this batch.
asio::awaitable<PeopleChanges> MatrixAdapter::people_of(std::vector<MembershipChange> changes) {
  std::map<std::string, std::string> direct;
  for (const auto& c : changes) {
    if (auto it = direct_.find(c.user); it != direct_.end())
      direct[c.user] = it->second;
    else if (auto known = state_.meta(meta_key(kMetaDirect, c.user)))
      direct[c.user] = *known;
  }
  PeopleChanges out = people_changes(changes, dir_, direct);
  if (out.gone.empty()) co_return out;
  bool complete = co_await load_all_members();
  out = people_changes(changes, dir_, direct);
  if (!complete && !out.gone.empty()) {
    spdlog::info("matrix: not every room's members are known; {} who left stay in the rankings for now",
                 out.gone.size());
    out.gone.clear();
  }
  for (const auto& user : out.gone)
    spdlog::info("matrix: {} shares no room with Brigade any more; hidden from rankings", user);
  co_return out;
}

// A room's m.room.name, else its canonical alias: what replies call the room.
asio::awaitable<void> MatrixAdapter::load_room_name(std::string room) {
  auto a = co_await call(http_, "GET", "/rooms/" + path_segment(room) + "/state/m.room.name", nullptr);
  std::string name = a.ok() ? a.body.get<wire::RoomNameState>().name : "";
  if (name.empty()) {
    a = co_await call(http_, "GET", "/rooms/" + path_segment(room) + "/state/m.room.canonical_alias",
                      nullptr);
    name = a.ok() ? a.body.get<wire::CanonicalAliasState>().alias : "";
  }
  if (!name.empty()) dir_.set_room_name(room, name);
}

// Whether a user id exists on its homeserver, for mentions of people who are not in the room
// (typed ids: "@nobody:localhost" would otherwise be credited and reach the leaderboard).
// Only a definite "no such profile" says no; an error we cannot read does not refuse anyone.
asio::awaitable<bool> MatrixAdapter::account_exists(std::string user) {
  auto now = std::chrono::steady_clock::now();
  if (auto it = accounts_.find(user); it != accounts_.end() && now - it->second.second < opt_.members_ttl)
    co_return it->second.first;
  auto a = co_await call(http_, "GET", "/profile/" + path_segment(user), nullptr);
  bool exists = !(a.status == 404 && a.code == "M_NOT_FOUND");
  if (a.ok() || !exists) accounts_[user] = {exists, now};
  if (!exists) spdlog::info("matrix: {} has no profile on its server; not crediting it", user);
  co_return exists;
}

// Marks mentioned users the homeserver does not know, so the command refuses them by name.
asio::awaitable<void> MatrixAdapter::vet_mentions(core::Event& e, std::string room) {
  for (auto& m : e.mentions) {
    if (m.is_channel()) continue;
    std::string user(raw_id(m.user.id));
    if (user.empty() || user == me_.user_id || dir_.member(room, user)) continue;
    m.user.unknown = !co_await account_exists(user);
  }
}

// The sender of an event a reaction points at: from what this process saw, else the server.
asio::awaitable<std::string> MatrixAdapter::sender_of(std::string room, std::string event_id) {
  if (auto it = senders_.find(event_id); it != senders_.end()) co_return it->second;
  auto a = co_await call(http_, "GET", "/rooms/" + path_segment(room) + "/event/" + path_segment(event_id),
                         nullptr);
  if (a.ok()) co_return a.body.get<wire::EventSender>().sender;
  spdlog::info("matrix: cannot look up {} in {}: {}", event_id, room, a.describe());
  co_return std::string();
}

void MatrixAdapter::remember_sender(const json& ev) {
  if (!ev.is_object()) return;
  auto [id, sender] = ev.get<wire::EventSender>();
  if (id.empty() || sender.empty()) return;
  if (senders_.emplace(id, sender).second) sender_order_.push_back(id);
  while (sender_order_.size() > kRecentSenders) {
    senders_.erase(sender_order_.front());
    sender_order_.pop_front();
  }
}

// Rooms found encrypted before this process started are marked in the data file.
bool MatrixAdapter::known_encrypted(const std::string& room) {
  if (encrypted_.count(room)) return true;
  auto [it, fresh] = checked_rooms_.insert(room);
  if (!fresh) return false;
  return state_.meta(meta_key(kMetaEncrypted, room)).has_value();
}

}  // namespace brigade::matrix::detail
