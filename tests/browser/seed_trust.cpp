// Helper for the browser test: writes, through the store API, what chat commands cannot make yet —
// a kudos an admin revoked (with its audit entry) and a person hidden from rankings who would top
// them — into a fresh data directory, before `brigade run` opens it. Prints the revoked kudos' K id.
//
//   brigade_browser_seed DATA_DIR
#include <chrono>
#include <cstdio>
#include <exception>
#include <string>

#include "store/store.hpp"

namespace {

using namespace brigade;

void audit(store::Writer& w, core::Millis ts, const std::string& actor, const std::string& action,
           const std::string& subject, const std::string& detail) {
  store::AuditEntry e;
  e.ts = ts;
  e.actor = actor;
  e.action = action;
  e.subject = subject;
  e.detail = detail;
  w.append_audit(e);
}

store::Kudos kudos(core::Millis ts, const std::string& giver, const std::string& recipient,
                   const std::string& reason) {
  store::Kudos k;
  k.ts = ts;
  k.giver = "console:" + giver;
  k.recipient = "console:" + recipient;
  k.channel = "console:general";
  k.reason = reason;
  return k;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 2) {
    std::fprintf(stderr, "usage: brigade_browser_seed DATA_DIR\n");
    return 2;
  }
  try {
    store::Options o;
    o.dir = argv[1];
    auto s = store::Store::open(o, core::Calendar("UTC"));
    const core::Millis now = std::chrono::duration_cast<std::chrono::milliseconds>(
                                 std::chrono::system_clock::now().time_since_epoch())
                                 .count();
    auto w = s->write();
    for (const char* who : {"alice", "carol", "dave", "erin", "frank"})
      w->set_name(std::string("console:") + who, who);
    w->set_name("console:general", "general");
    // frank is thanked most of all, and has chosen to stay out of every ranking.
    for (const char* giver : {"carol", "dave", "erin"}) {
      auto k = kudos(now - 60000, giver, "frank", "for the on-call handover");
      w->add_kudos(k);
    }
    w->set_privacy("console:frank", store::Privacy::hidden);
    audit(*w, now - 50000, "console:frank", "privacy", "console:frank", "hidden from rankings");
    // erin thanked the wrong person; dave, an admin, revoked it.
    auto wrong = kudos(now - 40000, "erin", "alice", "for the database failover");
    w->add_kudos(wrong);
    const auto label = store::kudos_label(wrong.number);
    w->revoke_kudos(wrong.id,
                    store::Revocation{now - 30000, store::RevokeHow::revoke, "console:dave", "meant for bob"},
                    core::Period::day);
    audit(*w, now - 30000, "console:dave", "revoke", label, "meant for bob");
    w->commit();
    std::printf("%s\n", label.c_str());
    return 0;
  } catch (const std::exception& e) {
    std::fprintf(stderr, "brigade_browser_seed: %s\n", e.what());
    return 1;
  }
}
