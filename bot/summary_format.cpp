// The recognition summary's renderings: table (CLI), CSV and JSON (CLI and web API).
#include "bot/summary_format.hpp"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <iomanip>
#include <ostream>
#include <sstream>

#include "core/text.hpp"

namespace brigade::bot {
namespace {

std::string display(const store::PersonSummary& p) {
  return p.name.empty() ? p.user : p.name;
}

std::string display(const NameOf& name_of, std::string_view id) {
  auto n = name_of(id);
  return n.empty() ? std::string(id) : n;
}

std::string top_values(const store::PersonSummary& p, std::size_t n, std::string_view sep) {
  std::string out;
  for (std::size_t i = 0; i < p.values.size() && i < n; ++i) {
    if (i) out += sep;
    out += "#" + p.values[i].first + " ×" + std::to_string(p.values[i].second);
  }
  return out;
}

std::uint32_t kind(const std::array<std::uint32_t, store::kKindSlots>& a, store::Kind k) {
  return a[static_cast<std::size_t>(k)];
}

// Pads to a display width counted in code points (names are often not ASCII).
std::string pad(std::string s, std::size_t width) {
  auto n = core::utf8_length(s);
  if (n < width) s.append(width - n, ' ');
  return s;
}

}  // namespace

std::string csv_field(std::string_view v) {
  std::string s(v);
  // A cell starting with = + - @ is a formula to spreadsheet programs: neutralise it.
  if (!s.empty() && std::string_view("=+-@\t\r").find(s.front()) != std::string_view::npos) s.insert(0, "'");
  if (s.find_first_of(",\"\n\r") == std::string::npos) return s;
  std::string q = "\"";
  for (char c : s) {
    if (c == '"') q += '"';
    q += c;
  }
  return q + "\"";
}

// Columns are only ever added at the end: spreadsheets and scripts read them by position.
std::string summary_csv_header() {
  return "user,name,received,given,received_thanks,received_praise,received_help,given_thanks,given_praise,"
         "given_help,helps_resolved,top_values,reasons,reason_ids,ranked\r\n";
}

std::string summary_csv_row(const store::PersonSummary& p, const core::Calendar& cal, const NameOf& name_of) {
  // reason_ids names the kudos of each entry in reasons, in the same order (K ids for /kudos revoke).
  std::string reasons, ids;
  for (const auto& k : p.reasons) {
    if (k.reason.empty()) continue;
    if (!reasons.empty()) {
      reasons += " | ";
      ids += " | ";
    }
    reasons += cal.date_string(k.ts) + " " + display(name_of, k.giver) + ": " + k.reason;
    ids += store::kudos_label(k.number);
  }
  std::ostringstream o;
  o << csv_field(p.user) << ',' << csv_field(p.name) << ',' << p.received << ',' << p.given << ','
    << kind(p.received_by_kind, store::Kind::thanks) << ',' << kind(p.received_by_kind, store::Kind::praise)
    << ',' << kind(p.received_by_kind, store::Kind::help) << ',' << kind(p.given_by_kind, store::Kind::thanks)
    << ',' << kind(p.given_by_kind, store::Kind::praise) << ',' << kind(p.given_by_kind, store::Kind::help)
    << ',' << p.helps_resolved << ',' << csv_field(top_values(p, 3, " ")) << ',' << csv_field(reasons) << ','
    << csv_field(ids) << ',' << (p.ranked ? "true" : "false") << "\r\n";
  return o.str();
}

std::string summary_csv(const store::Summary& s, const core::Calendar& cal, const NameOf& name_of) {
  std::string out = summary_csv_header();
  for (const auto& p : s.people) out += summary_csv_row(p, cal, name_of);
  return out;
}

namespace {

// One person of the JSON summary. Keys come out sorted, whatever their order here.
nlohmann::json person_json(const store::PersonSummary& p, const core::Calendar& cal, const NameOf& name_of) {
  using nlohmann::json;
  auto kinds = [](const std::array<std::uint32_t, store::kKindSlots>& a) {
    return json{{"thanks", kind(a, store::Kind::thanks)},
                {"praise", kind(a, store::Kind::praise)},
                {"help", kind(a, store::Kind::help)}};
  };
  json values = json::array();
  for (const auto& [v, n] : p.values) values.push_back({{"value", v}, {"count", n}});
  json reasons = json::array();
  for (const auto& k : p.reasons)
    reasons.push_back({{"id", store::kudos_label(k.number)},
                       {"from", k.giver},
                       {"from_name", name_of(k.giver)},
                       {"kind", store::to_string(k.kind)},
                       {"reason", k.reason},
                       {"values", k.values},
                       {"channel", k.channel},
                       {"at", cal.datetime_string(k.ts)}});
  return json{{"user", p.user},
              {"name", p.name},
              {"received", p.received},
              {"given", p.given},
              {"received_by_kind", kinds(p.received_by_kind)},
              {"given_by_kind", kinds(p.given_by_kind)},
              {"helps_resolved", p.helps_resolved},
              {"values", values},
              {"reasons", reasons},
              {"ranked", p.ranked}};
}

}  // namespace

std::string summary_json(const store::Summary& s, const core::Calendar& cal, const NameOf& name_of,
                         const SummaryPage* page) {
  using nlohmann::json;
  auto dump = [](const json& j) { return j.dump(2, ' ', false, json::error_handler_t::replace); };
  // The document without its people, with a marker where they go: keys come out sorted, so the
  // text is the same as dumping one tree with every person in it.
  json doc{{"from", cal.date_string(s.from)},
           {"until", cal.date_string(s.until - 1)},
           {"timezone", cal.tz_name()},
           {"total", s.total},
           {"people", json::array({0})}};
  if (page) {
    doc["offset"] = page->offset;
    doc["limit"] = page->limit;
    doc["people_total"] = page->people_total;
    const auto next = page->offset + s.people.size();
    doc["next"] = next < page->people_total ? json(next) : json(nullptr);
  }
  const std::string frame = dump(doc);
  const std::string marker = "[\n    0\n  ]";
  const auto at = frame.find(marker);
  std::string out = frame.substr(0, at);
  if (s.people.empty()) out += "[]";
  for (std::size_t i = 0; i < s.people.size(); ++i) {
    std::string text = dump(person_json(s.people[i], cal, name_of));
    out += i == 0 ? "[\n    " : ",\n    ";
    for (char c : text) {  // one level deeper than a top-level dump
      out += c;
      if (c == '\n') out += "    ";
    }
  }
  if (!s.people.empty()) out += "\n  ]";
  out += frame.substr(at + marker.size());
  return out + "\n";
}

// People who are not ranked (hidden by their own choice, gone, forgotten) are in the table, since a
// manager's report counts everyone, but marked, so that nobody copies the table out as a ranking.
std::string summary_table(const store::Summary& s, const core::Calendar& cal, const NameOf& name_of) {
  std::ostringstream o;
  o << "Recognition " << cal.date_string(s.from) << " to " << cal.date_string(s.until - 1) << " ("
    << cal.tz_name() << "): " << s.total << " kudos\n";
  if (s.people.empty()) {
    o << "Nobody was recognised in this range.\n";
    return o.str();
  }
  auto shown = [](const store::PersonSummary& p) { return display(p) + (p.ranked ? "" : " *"); };
  std::size_t w = 6;
  bool unranked = false;
  for (const auto& p : s.people) {
    w = std::max(w, core::utf8_length(shown(p)));
    unranked |= !p.ranked;
  }
  w = std::min<std::size_t>(w, 32);
  o << '\n' << pad("person", w) << "  received  given  thanks  praise  help  helped  top values\n";
  for (const auto& p : s.people) {
    o << pad(shown(p), w) << "  " << std::setw(8) << p.received << "  " << std::setw(5) << p.given << "  "
      << std::setw(6) << kind(p.received_by_kind, store::Kind::thanks) << "  " << std::setw(6)
      << kind(p.received_by_kind, store::Kind::praise) << "  " << std::setw(4)
      << kind(p.received_by_kind, store::Kind::help) << "  " << std::setw(6) << p.helps_resolved << "  "
      << top_values(p, 3, ", ") << '\n';
  }
  if (unranked) o << "* not ranked: hidden by their own choice, left, or forgotten\n";
  bool any = false;
  for (const auto& p : s.people) {
    for (const auto& k : p.reasons) {
      if (k.reason.empty()) continue;
      if (!any) o << "\nWhat for:\n";
      any = true;
      o << "  " << cal.date_string(k.ts) << "  " << store::kudos_label(k.number) << "  " << display(p)
        << " ← " << display(name_of, k.giver) << " (" << store::to_string(k.kind) << "): " << k.reason
        << '\n';
    }
  }
  return o.str();
}

}  // namespace brigade::bot
