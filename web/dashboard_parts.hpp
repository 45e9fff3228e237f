// What the dashboard's sections share across its files (web-internal): display names read once per
// page, URL encoding, individual kudos as list items, the kudos lookup and the manager view's section.
#pragma once

#include <map>
#include <set>
#include <sstream>
#include <string>
#include <string_view>

#include "web/dashboard.hpp"

namespace brigade::web {

std::string encode(std::string_view s);  // a URL query value

// Display names, each read once per page; an id without one shows its last part.
struct Names {
  store::Reader& r;
  std::map<std::string, std::string, std::less<>> cache;
  const std::string& operator()(const std::string& id) {
    auto it = cache.find(id);
    if (it != cache.end()) return it->second;
    auto n = r.name_of(id);
    if (n.empty()) {
      auto colon = id.rfind(':');
      n = colon == std::string::npos ? id : id.substr(colon + 1);
    }
    return cache.emplace(id, n).first->second;
  }
};

// Individual kudos as the page lists them: each with its K id (a link that looks it up), and one
// taken back struck through, saying who took it back and why.
struct KudosList {
  const core::Calendar& cal;
  const DashboardQuery& q;
  Names& name;
  std::string period;  // kept in the K id's link
  void item(std::ostringstream& o, const store::Kudos& k) const;
  // "revoked by dave: duplicate · 2026-11-16 13:00", "withdrawn by carol (reaction removed)", …
  std::string taken_back(const store::Kudos& k) const;
};

// The kudos q.kudos names ("K42"), with every audit entry about it; nothing when q.kudos is empty.
void kudos_section(std::ostringstream& o, store::Reader& r, const KudosList& list);
// The form that looks a kudos up by its K id.
void kudos_form(std::ostringstream& o, const KudosList& list);
// The kudos given and received by `users` in the summary's range, newest first, taken back ones too.
void person_kudos(std::ostringstream& o, store::Reader& r, const KudosList& list,
                  const store::SummaryQuery& sq);

// The manager view: any range, people and channel; the same summary as the API, downloadable.
// `channels`: those the page saw, for the filter.
void summary_section(std::ostringstream& o, store::Reader& r, const KudosList& list,
                     const std::set<std::string>& channels);

}  // namespace brigade::web
