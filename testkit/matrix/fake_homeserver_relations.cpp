// The fake homeserver's view of relations in its event log: what clients show for an edited
// event, the reactions on an event, and an event delivered again.
#include <algorithm>

#include "testkit/matrix/fake_homeserver_impl.hpp"

namespace brigade::testing {

using nlohmann::json;

nlohmann::json FakeMatrix::shown(const std::string& event_id) const {
  std::lock_guard lk(impl_->mu);
  const Impl::Entry* original = nullptr;
  for (const auto& e : impl_->log)
    if (e.ev.value("event_id", "") == event_id) original = &e;
  if (!original) return nullptr;
  json now = original->ev["content"];
  for (const auto& e : impl_->log) {
    const json& c = e.ev["content"];
    if (e.room != original->room || e.ev.value("sender", "") != original->ev.value("sender", "") ||
        !c.is_object() || !c.contains("m.new_content") || !c.contains("m.relates_to"))
      continue;
    const json& rel = c["m.relates_to"];
    if (rel.is_object() && rel.value("rel_type", "") == "m.replace" && rel.value("event_id", "") == event_id)
      now = c["m.new_content"];  // the log is in order: the last edit wins
  }
  return now;
}

std::vector<FakeMatrix::Reaction> FakeMatrix::reactions(const std::string& event_id) const {
  std::lock_guard lk(impl_->mu);
  std::vector<Reaction> out;
  for (const auto& e : impl_->log) {
    const json& c = e.ev["content"];
    if (e.ev.value("type", "") != "m.reaction" || !c.is_object() || !c.contains("m.relates_to")) continue;
    const json& rel = c["m.relates_to"];
    const std::string id = e.ev.value("event_id", "");
    if (!rel.is_object() || rel.value("event_id", "") != event_id || impl_->redacted(id)) continue;
    if (std::any_of(out.begin(), out.end(), [&](const Reaction& r) { return r.event_id == id; }))
      continue;  // redelivered: one event
    out.push_back(Reaction{id, e.ev.value("sender", ""), rel.value("key", "")});
  }
  return out;
}

bool FakeMatrix::redeliver(const std::string& event_id) {
  {
    std::lock_guard lk(impl_->mu);
    const Impl::Entry* found = nullptr;
    for (const auto& e : impl_->log)
      if (e.ev.value("event_id", "") == event_id) found = &e;
    if (!found) return false;
    Impl::Entry copy = *found;
    impl_->log.push_back(std::move(copy));
  }
  impl_->changed();
  return true;
}

}  // namespace brigade::testing
