// Matrix request bodies and store changes (see requests.hpp).
#include "adapters/matrix/requests.hpp"

#include "adapters/matrix/ids.hpp"

namespace brigade::matrix {

using nlohmann::json;

json sync_filter() {
  json types = json::array({"m.room.message", "m.room.member", "m.reaction", "m.room.redaction",
                            "m.room.encrypted", "m.room.encryption", "m.room.name"});
  json none = json::object();
  none["not_types"] = json::array({"*"});
  json timeline = json::object();
  timeline["limit"] = 100;
  timeline["types"] = types;
  json state = json::object();
  state["lazy_load_members"] = true;
  json room = json::object();
  room["timeline"] = timeline;
  room["state"] = state;
  room["ephemeral"] = none;
  room["account_data"] = none;
  json f = json::object();
  f["presence"] = none;
  f["account_data"] = none;
  f["room"] = room;
  return f;
}

bot::AdapterEffects session_effects(std::string device, std::string token) {
  bot::AdapterEffects e;
  if (!device.empty()) e.meta.emplace_back(std::string(kMetaDevice), std::move(device));
  e.meta.emplace_back(std::string(kMetaToken), std::move(token));
  return e;
}

bot::AdapterEffects batch_effects(std::vector<std::string> revokes,
                                  const std::vector<std::string>& newly_encrypted, PeopleChanges people,
                                  std::string next) {
  bot::AdapterEffects e;
  e.revoke_sources = std::move(revokes);
  e.gone = std::move(people.gone);
  e.back = std::move(people.back);
  for (const auto& room : newly_encrypted) {
    bot::AdapterEffects::Notice n;
    n.once_key = std::string(kMetaEncrypted) + room;
    n.adapter = "matrix";
    n.reply.audience = core::Audience::channel;
    n.reply.channel = qualify(room);
    n.reply.body.push_back(core::Span{
        "This room is end-to-end encrypted, and Brigade cannot read encrypted messages, so it will not "
        "answer commands here. Use Brigade in an unencrypted room.",
        ""});
    e.notices.push_back(std::move(n));
  }
  e.cursor.emplace(std::string(kCursor), std::move(next));
  return e;
}

}  // namespace brigade::matrix
