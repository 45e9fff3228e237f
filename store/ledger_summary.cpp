// Recognition summaries: per-person totals, kinds, values and recent reasons over a time range,
// read from the log through the cheapest index the filters allow.
#include <algorithm>
#include <tuple>
#include <unordered_map>

#include "store/ledger.hpp"

namespace brigade::store {

using codec::key64;
using lmdb::val;
using lmdb::view;

namespace {

struct Acc {
  std::uint32_t received = 0;
  std::uint32_t given = 0;
  std::uint32_t helps = 0;
  std::array<std::uint32_t, kKindSlots> received_by_kind{};
  std::array<std::uint32_t, kKindSlots> given_by_kind{};
  std::vector<std::pair<std::string, std::uint32_t>> values;  // few distinct per person: a vector beats a map
  // (ts, id, record) of what they received, for the newest reasons. The record bytes point into
  // the map and stay valid: nothing is written while a summary runs.
  std::vector<std::tuple<Millis, std::uint64_t, std::string_view>> received_kudos;
};

}  // namespace

Summary Ledger::summary(const SummaryQuery& q) {
  Summary s;
  s.from = q.from;
  s.until = q.until;
  auto [lo, hi] = id_range(q.from, q.until);
  if (lo >= hi) return s;

  std::uint32_t chan = 0;
  if (!q.channel.empty()) {
    auto c = find_num(q.channel);
    if (!c) return s;
    chan = *c;
  }
  std::vector<std::uint32_t> users;
  for (const auto& u : q.users)
    if (auto n = find_num(u)) users.push_back(*n);
  std::sort(users.begin(), users.end());
  users.erase(std::unique(users.begin(), users.end()), users.end());
  if (!q.users.empty() && users.empty()) return s;
  auto listed = [&](std::uint32_t n) {
    return users.empty() || std::binary_search(users.begin(), users.end(), n);
  };

  std::unordered_map<std::uint32_t, Acc> people;
  auto consider = [&](std::uint64_t id, std::string_view bytes) {
    const auto r = codec::decode_kudos(id, bytes);
    if (r.revoked || r.ts < q.from || r.ts >= q.until) return;
    if (chan != 0 && r.channel != chan) return;
    const bool giver = listed(r.giver), recipient = listed(r.recipient);
    if (!giver && !recipient) return;
    ++s.total;
    const auto kind = static_cast<std::size_t>(r.kind);
    if (recipient) {
      auto& a = people[r.recipient];
      ++a.received;
      ++a.received_by_kind[kind];
      if (r.kind == Kind::help) ++a.helps;
      codec::each_value(r, [&](std::string_view v) {
        auto it = std::find_if(a.values.begin(), a.values.end(), [&](const auto& e) { return e.first == v; });
        if (it == a.values.end())
          a.values.emplace_back(std::string(v), 1);
        else
          ++it->second;
      });
      a.received_kudos.emplace_back(r.ts, id, bytes);
    }
    if (giver) {
      auto& a = people[r.giver];
      ++a.given;
      ++a.given_by_kind[kind];
    }
  };

  lmdb::Cursor c(txn_, db(kKudos));
  MDB_val k, d;
  if (!users.empty() || chan != 0) {
    std::vector<std::uint64_t> ids;
    if (!users.empty()) {
      for (auto u : users) collect_index(kByUser, u, lo, hi, ids);
      if (users.size() > 1) {
        std::sort(ids.begin(), ids.end());
        ids.erase(std::unique(ids.begin(), ids.end()), ids.end());
      }
    } else {
      collect_index(kByChan, chan, lo, hi, ids);
    }
    // In id order: neighbouring kudos share pages, and LMDB's cursor stays on the page when it can.
    for (auto id : ids) {
      const auto idk = key64(id);
      k = val(idk);
      if (!c.get(k, d, MDB_SET_KEY)) codec::corrupt("index", "points at missing kudos " + std::to_string(id));
      consider(id, view(d));
    }
  } else {
    const auto lok = key64(lo);
    k = val(lok);
    for (bool ok = c.get(k, d, MDB_SET_RANGE); ok; ok = c.get(k, d, MDB_NEXT)) {
      const auto id = codec::read64(view(k), "kudos key");
      if (id >= hi) break;
      consider(id, view(d));
    }
  }

  NameCache cache;
  s.people.reserve(people.size());
  for (auto& [num, a] : people) {
    if (!listed(num)) continue;
    PersonSummary p;
    const auto& names = cached_name(num, cache);
    p.user = names.first;
    p.name = names.second;
    p.received = a.received;
    p.given = a.given;
    p.received_by_kind = a.received_by_kind;
    p.given_by_kind = a.given_by_kind;
    p.helps_resolved = a.helps;
    std::sort(a.values.begin(), a.values.end(), [](const auto& x, const auto& y) {
      return x.second != y.second ? x.second > y.second : x.first < y.first;
    });
    p.values = std::move(a.values);
    auto newest = [](const auto& x, const auto& y) {
      return std::get<0>(x) != std::get<0>(y) ? std::get<0>(x) > std::get<0>(y)
                                              : std::get<1>(x) > std::get<1>(y);
    };
    const auto n = std::min(q.max_reasons, a.received_kudos.size());
    std::partial_sort(a.received_kudos.begin(), a.received_kudos.begin() + static_cast<std::ptrdiff_t>(n),
                      a.received_kudos.end(), newest);
    p.reasons.reserve(n);
    for (std::size_t i = 0; i < n; ++i) {
      const auto& [ts, id, bytes] = a.received_kudos[i];
      p.reasons.push_back(to_kudos(id, codec::decode_kudos(id, bytes), cache));
    }
    s.people.push_back(std::move(p));
  }
  std::sort(s.people.begin(), s.people.end(), [](const PersonSummary& x, const PersonSummary& y) {
    if (x.received != y.received) return x.received > y.received;
    if (x.given != y.given) return x.given > y.given;
    return x.user < y.user;
  });
  return s;
}

}  // namespace brigade::store
