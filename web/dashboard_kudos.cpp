// Individual kudos on the dashboard: list items with their K ids, taken-back ones struck through, the
// lookup of one kudos by K id (with its audit trail) and a person's kudos in the manager view — what
// an admin needs to find the K id to revoke and to check what became of it.
#include <algorithm>
#include <set>

#include "core/text.hpp"
#include "web/dashboard_parts.hpp"

namespace brigade::web {

namespace {

using core::escape_html;
constexpr std::size_t kPersonKudos = 50;       // a person's kudos listed in the manager view
constexpr std::size_t kPersonKudosRead = 500;  // read per person for them (before the channel filter)

}  // namespace

std::string KudosList::taken_back(const store::Kudos& k) const {
  if (!k.revocation) return "taken back";
  const auto& v = *k.revocation;
  std::string by = v.by.empty() ? "" : " by " + name(v.by);
  std::string out;
  switch (v.how) {
    case store::RevokeHow::revoke:
      out = "revoked" + by + (v.reason.empty() ? "" : ": " + v.reason);
      break;
    case store::RevokeHow::legacy:
      out = "taken back (before corrections were recorded)";
      break;
    default: {
      const char* how = v.how == store::RevokeHow::reaction   ? "reaction removed"
                        : v.how == store::RevokeHow::redacted ? "message deleted"
                                                              : "";
      std::string why = v.reason.empty() ? how : v.reason;
      out = "withdrawn" + by + (why.empty() ? "" : " (" + why + ")");
    }
  }
  if (v.ts != 0) out += " · " + cal.datetime_string(v.ts);
  return out;
}

void KudosList::item(std::ostringstream& o, const store::Kudos& k) const {
  const auto id = store::kudos_label(k.number);
  std::string href = "/?period=" + encode(period) + "&kudos=" + id;
  if (!q.token.empty()) href += "&token=" + encode(q.token);
  o << "<li class=\"kudos" << (k.revoked ? " revoked" : "") << "\" data-kudos=\"" << id
    << "\"><a class=\"kid\" href=\"" << escape_html(href) << "\">" << id << "</a> "
    << (k.revoked ? "<del>" : "") << "<b>" << escape_html(name(k.giver)) << "</b> → <b>"
    << escape_html(name(k.recipient)) << "</b>";
  if (!k.reason.empty()) o << " <span class=\"reason\">" << escape_html(k.reason) << "</span>";
  for (const auto& v : k.values) o << " <span class=\"dim\">#" << escape_html(v) << "</span>";
  o << (k.revoked ? "</del>" : "") << " <span class=\"dim\">· " << store::to_string(k.kind) << " · "
    << escape_html(cal.datetime_string(k.ts));
  if (!k.channel.empty()) o << " · #" << escape_html(name(k.channel));
  o << "</span>";
  if (k.revoked) o << " <span class=\"why\">" << escape_html(taken_back(k)) << "</span>";
  o << "</li>";
}

void kudos_form(std::ostringstream& o, const KudosList& list) {
  o << "<form id=\"find-kudos\" method=\"get\" action=\"/\"><input type=\"hidden\" name=\"period\" value=\""
    << escape_html(list.period) << "\">";
  if (!list.q.token.empty())
    o << "<input type=\"hidden\" name=\"token\" value=\"" << escape_html(list.q.token) << "\">";
  o << "<label>Find a kudos<input name=\"kudos\" placeholder=\"K42\" size=\"8\" value=\""
    << escape_html(list.q.kudos) << "\"></label><button type=\"submit\">Show</button></form>";
}

void kudos_section(std::ostringstream& o, store::Reader& r, const KudosList& list) {
  const std::string typed(core::trim(list.q.kudos));
  if (typed.empty()) return;
  o << "<section id=\"kudos\" class=\"wide\">";
  const auto number = store::parse_kudos_label(typed);
  const auto k = number ? r.kudos_numbered(*number) : std::nullopt;
  if (!k) {
    o << "<h2>Find a kudos</h2><p id=\"no-kudos\">"
      << (number ? "There is no kudos " + store::kudos_label(*number) + "."
                 : "'" + escape_html(typed) + "' is not a kudos id: they look like K42.")
      << "</p></section>";
    return;
  }
  const auto id = store::kudos_label(k->number);
  o << "<h2>Kudos " << id << "</h2><ul>";
  list.item(o, *k);
  o << "</ul><p id=\"kudos-status\">"
    << (k->revoked ? "Not counted: " + escape_html(list.taken_back(*k)) + "."
                   : std::string("Counted in every tally and summary."));
  if (k->ask != 0) o << " For help request #" << k->ask << ".";
  o << "</p><p class=\"dim\">Audit trail</p><ul id=\"kudos-audit\">";
  std::size_t shown = 0;
  for (const auto& e : r.audit(0, 0)) {
    if (e.subject != id) continue;
    ++shown;
    o << "<li>" << escape_html(list.cal.datetime_string(e.ts)) << " · "
      << escape_html(e.actor.empty() ? std::string("unknown") : list.name(e.actor)) << " · "
      << escape_html(e.action);
    if (!e.detail.empty()) o << " · " << escape_html(e.detail);
    o << " <span class=\"dim\">(entry " << e.seq << ")</span></li>";
  }
  if (shown == 0) o << "<li class=\"dim\">No audit entries about " << id << ".</li>";
  o << "</ul></section>";
}

void person_kudos(std::ostringstream& o, store::Reader& r, const KudosList& list,
                  const store::SummaryQuery& sq) {
  if (sq.users.empty()) return;
  std::vector<store::Kudos> all;
  std::set<std::uint64_t> seen;
  bool cut = false;  // someone has more than was read: the count below is a floor
  for (std::size_t i = 0; i < sq.users.size() && i < 5; ++i) {
    auto theirs = r.kudos_of(sq.users[i], sq.from, sq.until, kPersonKudosRead, true);
    cut |= theirs.size() == kPersonKudosRead;
    for (auto& k : theirs)
      if ((sq.channel.empty() || k.channel == sq.channel) && seen.insert(k.id).second)
        all.push_back(std::move(k));
  }
  std::sort(all.begin(), all.end(), [](const auto& a, const auto& b) { return a.id > b.id; });
  o << "<div id=\"person-kudos\"><p class=\"dim\">Their kudos, given and received, newest first (taken back "
       "ones struck through)</p><ul>";
  for (std::size_t i = 0; i < all.size() && i < kPersonKudos; ++i) list.item(o, all[i]);
  if (all.empty()) o << "<li class=\"dim\">None in this range.</li>";
  if (all.size() > kPersonKudos)
    o << "<li class=\"dim\">and " << all.size() - kPersonKudos << (cut ? " or more" : " more")
      << ": narrow the range to see them.</li>";
  o << "</ul></div>";
}

}  // namespace brigade::web
