// Audit log and personal-data export formats.
#include "app/admin_format.hpp"

#include <ctime>
#include <nlohmann/json.hpp>
#include <ostream>

namespace brigade::app {
namespace {

using nlohmann::json;

std::string csv_field(const std::string& s) {
  // Quoted always; a leading = + - @ is defused so a spreadsheet never runs it as a formula.
  std::string out = "\"";
  if (!s.empty() && (s[0] == '=' || s[0] == '+' || s[0] == '-' || s[0] == '@')) out += '\'';
  for (char c : s) out += c == '"' ? std::string("\"\"") : std::string(1, c);
  return out + "\"";
}

json kudos_json(const store::Kudos& k) {
  json j = {{"id", store::kudos_label(k.number)},
            {"ts", iso_utc(k.ts)},
            {"giver", k.giver},
            {"recipient", k.recipient},
            {"channel", k.channel},
            {"kind", store::to_string(k.kind)},
            {"reason", k.reason},
            {"values", k.values},
            {"revoked", k.revoked}};
  if (k.ask != 0) j["ask"] = k.ask;
  if (k.revocation)
    j["revocation"] = {{"ts", iso_utc(k.revocation->ts)},
                       {"how", store::to_string(k.revocation->how)},
                       {"by", k.revocation->by},
                       {"reason", k.revocation->reason}};
  return j;
}

json audit_json(const store::AuditEntry& e, const std::string& actor_name) {
  return {{"seq", e.seq},       {"ts", iso_utc(e.ts)},  {"actor", e.actor},   {"actor_name", actor_name},
          {"action", e.action}, {"subject", e.subject}, {"detail", e.detail}, {"prev_hash", e.prev_hash},
          {"hash", e.hash}};
}

}  // namespace

std::string iso_utc(core::Millis ts) {
  const std::time_t t = static_cast<std::time_t>(ts / 1000);
  std::tm tm{};
  gmtime_r(&t, &tm);
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &tm);
  return buf;
}

void write_audit(std::ostream& out, const std::vector<store::AuditEntry>& entries, const core::Calendar& cal,
                 const std::string& format, const std::function<std::string(const std::string&)>& name_of) {
  if (format == "json") {
    json a = json::array();
    for (const auto& e : entries) a.push_back(audit_json(e, name_of(e.actor)));
    out << a.dump(2) << "\n";
    return;
  }
  if (format == "csv") {
    out << "seq,ts,actor,action,subject,detail,prev_hash,hash\n";
    for (const auto& e : entries)
      out << e.seq << "," << iso_utc(e.ts) << "," << csv_field(e.actor) << "," << csv_field(e.action) << ","
          << csv_field(e.subject) << "," << csv_field(e.detail) << "," << e.prev_hash << "," << e.hash
          << "\n";
    return;
  }
  if (entries.empty()) {
    out << "The audit log is empty.\n";
    return;
  }
  for (const auto& e : entries)
    out << "#" << e.seq << "  " << cal.date_string(e.ts) << " " << iso_utc(e.ts).substr(11, 8) << "Z  "
        << e.actor << "  " << e.action << (e.subject.empty() ? "" : "  " + e.subject)
        << (e.detail.empty() ? "" : "  — " + e.detail) << "\n";
}

json person_json(const store::PersonRecord& p, const core::Calendar&, core::Millis now) {
  json j;
  j["exported_at"] = iso_utc(now);
  j["user"] = p.user;
  j["name"] = p.name;
  j["privacy"] = store::to_string(p.state.privacy);
  j["hidden_automatically"] = p.state.gone;
  json given = json::array(), received = json::array(), asks = json::array(), audit = json::array();
  for (const auto& k : p.given) given.push_back(kudos_json(k));
  for (const auto& k : p.received) received.push_back(kudos_json(k));
  for (const auto& a : p.asks)
    asks.push_back({{"id", a.id},
                    {"channel", a.channel},
                    {"requester", a.requester},
                    {"text", a.text},
                    {"state", store::to_string(a.state)},
                    {"taker", a.taker},
                    {"helpers", a.helpers},
                    {"created", iso_utc(a.created)},
                    {"updated", iso_utc(a.updated)}});
  for (const auto& e : p.audit) audit.push_back(audit_json(e, ""));
  j["kudos_given"] = std::move(given);
  j["kudos_received"] = std::move(received);
  j["help_requests"] = std::move(asks);
  j["audit_entries"] = std::move(audit);
  return j;
}

}  // namespace brigade::app
