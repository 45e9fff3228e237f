// What the dashboard's sections share across its files (web-internal): display names read once per
// page, URL encoding, and the manager view's section.
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

// The manager view: any range, people and channel; the same summary as the API, downloadable.
// `channels`: those the page saw, for the filter.
void summary_section(std::ostringstream& o, store::Reader& r, const core::Calendar& cal,
                     const DashboardQuery& q, Names& name, const std::string& period,
                     const std::set<std::string>& channels);

}  // namespace brigade::web
