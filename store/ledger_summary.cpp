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

struct Ledger::SummaryAcc {
  std::uint32_t received = 0;
  std::uint32_t given = 0;
  std::uint32_t helps = 0;
  std::array<std::uint32_t, kKindSlots> received_by_kind{};
  std::array<std::uint32_t, kKindSlots> given_by_kind{};
  std::vector<std::pair<std::string, std::uint32_t>> values;  // few distinct per person: a vector beats a map
  // (ts, id, record) of what they received, for the newest reasons. The record bytes point into
  // the map and stay valid: nothing is written while a summary runs.
  std::vector<std::tuple<Millis, std::uint64_t, std::string_view>> received_kudos;

  void add_received(const codec::KudosRec& r, std::uint64_t id, std::string_view bytes) {
    ++received;
    ++received_by_kind[static_cast<std::size_t>(r.kind)];
    if (r.kind == Kind::help) ++helps;
    codec::each_value(r, [&](std::string_view v) {
      auto it = std::find_if(values.begin(), values.end(), [&](const auto& e) { return e.first == v; });
      if (it == values.end())
        values.emplace_back(std::string(v), 1);
      else
        ++it->second;
    });
    received_kudos.emplace_back(r.ts, id, bytes);
  }
  void add_given(const codec::KudosRec& r) {
    ++given;
    ++given_by_kind[static_cast<std::size_t>(r.kind)];
  }
};

template <class Fn>
void Ledger::for_each_kudos(const std::vector<std::uint32_t>& users, std::uint32_t chan, std::uint64_t lo,
                            std::uint64_t hi, Fn&& fn) {
  lmdb::Cursor c(txn_, db(kKudos));
  MDB_val k, d;
  if (!users.empty() || chan != 0) {
    // In id order: neighbouring kudos share pages, and LMDB's cursor stays on the page when it can.
    for (auto id : summary_ids(users, chan, lo, hi)) {
      const auto idk = key64(id);
      k = val(idk);
      if (!c.get(k, d, MDB_SET_KEY)) codec::corrupt("index", "points at missing kudos " + std::to_string(id));
      fn(id, view(d));
    }
  } else {
    const auto lok = key64(lo);
    k = val(lok);
    for (bool ok = c.get(k, d, MDB_SET_RANGE); ok; ok = c.get(k, d, MDB_NEXT)) {
      const auto id = codec::read64(view(k), "kudos key");
      if (id >= hi) break;
      fn(id, view(d));
    }
  }
}

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

  std::unordered_map<std::uint32_t, SummaryAcc> people;
  auto consider = [&](std::uint64_t id, std::string_view bytes) {
    const auto r = codec::decode_kudos(id, bytes);
    if (r.revoked || r.ts < q.from || r.ts >= q.until) return;
    if (chan != 0 && r.channel != chan) return;
    const bool giver = listed(r.giver), recipient = listed(r.recipient);
    if (!giver && !recipient) return;
    ++s.total;
    if (recipient) people[r.recipient].add_received(r, id, bytes);
    if (giver) people[r.giver].add_given(r);
  };

  for_each_kudos(users, chan, lo, hi, consider);

  NameCache cache;
  s.people.reserve(people.size());
  for (auto& [num, a] : people)
    if (listed(num)) s.people.push_back(person_summary(num, a, q.max_reasons, cache));
  std::sort(s.people.begin(), s.people.end(), [](const PersonSummary& x, const PersonSummary& y) {
    if (x.received != y.received) return x.received > y.received;
    if (x.given != y.given) return x.given > y.given;
    return x.user < y.user;
  });
  return s;
}

std::vector<std::uint64_t> Ledger::summary_ids(const std::vector<std::uint32_t>& users, std::uint32_t chan,
                                               std::uint64_t lo, std::uint64_t hi) {
  std::vector<std::uint64_t> ids;
  if (users.empty()) {
    collect_index(kByChan, chan, lo, hi, ids);
    return ids;
  }
  for (auto u : users) collect_index(kByUser, u, lo, hi, ids);
  if (users.size() > 1) {
    std::sort(ids.begin(), ids.end());
    ids.erase(std::unique(ids.begin(), ids.end()), ids.end());
  }
  return ids;
}

PersonSummary Ledger::person_summary(std::uint32_t num, SummaryAcc& a, std::size_t max_reasons,
                                     NameCache& cache) {
  PersonSummary p;
  const auto& names = cached_name(num, cache);
  p.user = names.first;
  p.name = names.second;
  p.received = a.received;
  p.given = a.given;
  p.received_by_kind = a.received_by_kind;
  p.given_by_kind = a.given_by_kind;
  p.helps_resolved = a.helps;
  p.ranked = ranked(num);
  std::sort(a.values.begin(), a.values.end(), [](const auto& x, const auto& y) {
    return x.second != y.second ? x.second > y.second : x.first < y.first;
  });
  p.values = std::move(a.values);
  auto newest = [](const auto& x, const auto& y) {
    return std::get<0>(x) != std::get<0>(y) ? std::get<0>(x) > std::get<0>(y)
                                            : std::get<1>(x) > std::get<1>(y);
  };
  const auto n = std::min(max_reasons, a.received_kudos.size());
  std::partial_sort(a.received_kudos.begin(), a.received_kudos.begin() + static_cast<std::ptrdiff_t>(n),
                    a.received_kudos.end(), newest);
  p.reasons.reserve(n);
  for (std::size_t i = 0; i < n; ++i) {
    const auto& [ts, id, bytes] = a.received_kudos[i];
    p.reasons.push_back(to_kudos(id, codec::decode_kudos(id, bytes), cache));
  }
  return p;
}

}  // namespace brigade::store
