// `brigade admin revoke|audit|export|forget`.
#include "app/admin.hpp"

#include <unistd.h>

#include <CLI/CLI.hpp>
#include <ctime>
#include <fstream>
#include <iostream>
#include <nlohmann/json.hpp>

#include "app/admin_format.hpp"
#include "app/store_open.hpp"
#include "commands/corrections.hpp"
#include "store/store.hpp"

namespace brigade::app {
namespace {

using nlohmann::json;

std::unique_ptr<store::Store> open_store(const config::Config& cfg, bool read_only) {
  return open_configured_store(cfg, core::Calendar(cfg.timezone, cfg.week_start), read_only);
}

// A qualified id as given, or the one person a display name or localpart names.
std::string resolve_user(store::Reader& r, const std::string& user) {
  const auto ids = store::ids_given(r, user, '@');
  if (ids.size() == 1) return ids.front();
  if (ids.empty()) throw std::runtime_error("nobody called '" + user + "' is known; give the qualified id");
  throw std::runtime_error("'" + user + "' could be " + store::id_list(ids) + "; give the qualified id");
}

int revoke(const config::Config& cfg, const AdminOptions& o, std::ostream& out) {
  const auto number = store::parse_kudos_label(o.kudos);
  if (!number) throw std::invalid_argument("'" + o.kudos + "' is not a kudos number like K42");
  auto st = open_store(cfg, false);
  core::SystemClock clock;
  auto w = st->write();
  const auto k = w->kudos_numbered(*number);
  if (!k) throw std::runtime_error("there is no " + store::kudos_label(*number));
  if (k->revoked)
    throw std::runtime_error(store::kudos_label(*number) + " was already withdrawn; nothing changed");
  const store::Revocation why{clock.now_ms(), store::RevokeHow::revoke, commands::cli_actor(), o.reason};
  auto tb = commands::take_back(*w, cfg.rules, st->calendar(), {k->id}, why);
  for (const auto& reply : tb.replies) w->enqueue(commands::reply_adapter(reply), reply);
  w->commit();
  out << "revoked " << store::kudos_label(*number) << " (" << store::to_string(k->kind) << " from "
      << k->giver << " to " << k->recipient << ", " << st->calendar().date_string(k->ts) << ")"
      << (tb.replies.empty() ? "" : "; the recipient is told privately when the bot next sends") << "\n";
  return 0;
}

int audit(const config::Config& cfg, const AdminOptions& o, std::ostream& out, std::ostream& err) {
  auto st = open_store(cfg, true);
  const auto& cal = st->calendar();
  core::Millis since = 0;
  if (!o.since.empty()) {
    const auto day = cal.parse_day(o.since);
    if (!day) throw std::invalid_argument("--since: expected YYYY-MM-DD, got '" + o.since + "'");
    since = cal.start_of_day(*day);
  }
  auto r = st->read();
  if (o.verify) {
    const auto check = r->verify_audit();
    if (!check.ok()) {
      err << "audit log: entry " << check.first_bad << " is bad: " << check.problem << "\n";
      return 1;
    }
    out << "audit log: " << check.entries << " entries, chain intact"
        << (check.head.empty() ? std::string() : ", head " + check.head) << "\n";
    return 0;
  }
  const auto entries = r->audit(since, 0);
  write_audit(out, entries, cal, o.format, [&](const std::string& id) { return r->name_of(id); });
  return 0;
}

int export_person(const config::Config& cfg, const AdminOptions& o, std::ostream& out) {
  auto st = open_store(cfg, false);
  core::SystemClock clock;
  auto w = st->write();
  const auto id = resolve_user(*w, o.user);
  const auto rec = w->export_person(id);
  if (!rec) throw std::runtime_error("Brigade holds nothing about " + id);
  commands::audit(*w, clock.now_ms(), commands::cli_actor(), "export", id, "data export (access request)");
  const std::string doc = person_json(*rec, st->calendar(), clock.now_ms()).dump(2) + "\n";
  if (o.output.empty()) {
    out << doc;
  } else {
    std::ofstream f(o.output, std::ios::binary | std::ios::trunc);
    if (!(f << doc) || !f.flush()) throw std::runtime_error("cannot write " + o.output);
  }
  w->commit();
  if (!o.output.empty()) out << "wrote everything Brigade holds about " << id << " to " << o.output << "\n";
  return 0;
}

int forget(const config::Config& cfg, const AdminOptions& o, std::istream& in, std::ostream& out) {
  auto st = open_store(cfg, false);
  std::string id;
  {
    auto r = st->read();
    id = resolve_user(*r, o.user);
    if (!r->export_person(id)) throw std::runtime_error("Brigade holds nothing about " + id);
  }
  if (!o.yes) {
    if (::isatty(STDIN_FILENO) == 0)
      throw std::runtime_error("forget is irreversible: confirm on a terminal, or pass --yes");
    out << "This erases " << id << " for good: their id and names, the reasons they wrote and the text of "
        << "their help requests. Counts stay, under a tombstone.\nType the id to confirm: " << std::flush;
    std::string typed;
    std::getline(in, typed);
    if (typed != id) throw std::runtime_error("not confirmed; nothing erased");
  }
  core::SystemClock clock;
  auto w = st->write();
  const auto tomb = w->forget(id);
  commands::audit(*w, clock.now_ms(), commands::cli_actor(), "forget", tomb,
                  "erased on request; counts kept under the tombstone");
  w->commit();
  out << "erased: " << tomb << " now stands where the person was; everyone else's totals are unchanged\n";
  return 0;
}

}  // namespace

void add_admin(CLI::App& app, AdminOptions& o, const std::string& config_help, std::string& config_file) {
  o.admin =
      app.add_subcommand("admin", "Corrections, the audit trail and people's data (safe while the bot runs)");
  o.admin->require_subcommand(1);
  o.revoke =
      o.admin->add_subcommand("revoke", "Withdraw a kudos (a correction entry; the recipient is told)");
  o.revoke->add_option("kudos", o.kudos, "the kudos, e.g. K42")->required();
  o.revoke->add_option("--reason", o.reason, "why (the recipient is told)")->required();
  o.audit = o.admin->add_subcommand("audit", "Print the audit log, or check its hash chain");
  o.audit->add_option("--since", o.since, "first day, YYYY-MM-DD");
  o.audit->add_option("--format", o.format, "table, csv or json")
      ->check(CLI::IsMember({"table", "csv", "json"}));
  o.audit->add_flag("--verify", o.verify, "recompute the hash chain and name the first bad entry");
  o.exporter = o.admin->add_subcommand("export", "Everything Brigade holds about one person, as JSON");
  o.exporter->add_option("--user", o.user, "qualified id (slack:T1:U1) or a known name")->required();
  o.exporter->add_option("--output", o.output, "write to this file instead of stdout");
  o.forget = o.admin->add_subcommand("forget", "Erase one person for good; everyone's totals stay");
  o.forget->add_option("--user", o.user, "qualified id or a known name")->required();
  o.forget->add_flag("--yes", o.yes, "do not ask for confirmation");
  for (auto* sub : {o.admin, o.revoke, o.audit, o.exporter, o.forget})
    sub->add_option("--config", config_file, config_help);
}

int run_admin(const config::Config& cfg, const AdminOptions& o, std::istream& in, std::ostream& out,
              std::ostream& err) {
  try {
    if (o.revoke->parsed()) return revoke(cfg, o, out);
    if (o.audit->parsed()) return audit(cfg, o, out, err);
    if (o.exporter->parsed()) return export_person(cfg, o, out);
    if (o.forget->parsed()) return forget(cfg, o, in, out);
  } catch (const std::invalid_argument& e) {
    err << "brigade admin: " << e.what() << "\n";
    return 2;
  } catch (const std::exception& e) {
    err << "brigade admin: " << e.what() << "\n";
    return 1;
  }
  return 2;
}

}  // namespace brigade::app
