// Recognition summaries on PostgreSQL: per-person totals by kind, values received and the newest
// reasons over a time range, as two aggregate queries (counts and values; reasons) over the live
// kudos the filters select. Same result as store/ledger_summary.cpp.
#include <algorithm>
#include <limits>
#include <unordered_map>

#include "store/pg/pg_ledger.hpp"

namespace brigade::store::pg {

namespace {

// The kudos a summary counts: live, from <= ts < until, in channel $3 (0 = any), and, when $4 is
// true, given or received by one of the people $5. `listed(x)`: whether person column x is one
// of them (or no people were named).
constexpr std::string_view kMatching =
    "WITH m AS MATERIALIZED (SELECT id, ts, giver, recipient, kind, vals FROM kudos "
    "WHERE NOT revoked AND ts >= $1 AND ts < $2 AND ($3 = 0 OR channel = $3) "
    "AND (NOT $4 OR giver = ANY ($5::integer[]) OR recipient = ANY ($5::integer[]))) ";

std::string listed(std::string_view col) {
  return "(NOT $4 OR " + std::string(col) + " = ANY ($5::integer[]))";
}

// Rows of (person, what, kind, value, n): what 0 received and 1 given (per kind), 2 a value
// received (n times), 3 the total (person 0); with the person's id, name and whether ranked.
std::string counts_sql() {
  return std::string(kMatching) +
         "SELECT u.person, u.what, u.kind, u.value, u.n, i.id, i.name, "
         "coalesce(i.privacy = 0 AND NOT i.gone AND NOT i.forgotten, false) FROM ("
         "SELECT recipient AS person, 0 AS what, kind, NULL::text AS value, count(*) AS n FROM m WHERE " +
         listed("recipient") +
         " GROUP BY recipient, kind "
         "UNION ALL SELECT giver, 1, kind, NULL, count(*) FROM m WHERE " +
         listed("giver") +
         " GROUP BY giver, kind "
         "UNION ALL SELECT recipient, 2, 0, v, count(*) FROM m CROSS JOIN LATERAL unnest(m.vals) AS v WHERE " +
         listed("recipient") +
         " GROUP BY recipient, v "
         "UNION ALL SELECT 0, 3, 0, NULL, count(*) FROM m) u LEFT JOIN ids i ON i.num = u.person AND u.person <> 0";
}

// The newest $6 kudos each listed person received (by ts, then id), then the recipient's number.
std::string reasons_sql() {
  return std::string(kMatching) + std::string(kKudosSelect) +
         "JOIN (SELECT id, row_number() OVER (PARTITION BY recipient ORDER BY ts DESC, id DESC) AS rn FROM m "
         "WHERE " + listed("recipient") + ") x ON x.id = k.id WHERE x.rn <= $6 ORDER BY k.recipient, k.ts DESC, k.id DESC";
}

void fill(PersonSummary& p, int what, std::size_t kind, std::uint32_t n) {
  if (kind >= kKindSlots) return;
  if (what == 0) {
    p.received += n;
    p.received_by_kind[kind] += n;
    if (static_cast<Kind>(kind) == Kind::help) p.helps_resolved += n;
  } else {
    p.given += n;
    p.given_by_kind[kind] += n;
  }
}

// One row of counts_sql() into the summary: the total, or a person's count or value.
void add_row(Summary& s, std::unordered_map<std::uint32_t, std::size_t>& at, const Result& r, int i) {
  const auto what = static_cast<int>(r.i64(i, 1));
  const auto n = r.u32(i, 4);
  if (what == 3) {
    s.total = n;
    return;
  }
  const auto person = r.u32(i, 0);
  if (r.null(i, 5))
    throw StoreError("the ids table has no entry for number " + std::to_string(person), StoreError::Code::damaged);
  auto [it, fresh] = at.emplace(person, s.people.size());
  if (fresh) {
    s.people.emplace_back();
    s.people.back().user = r.str(i, 5);
    s.people.back().name = r.str(i, 6);
    s.people.back().ranked = r.boolean(i, 7);
  }
  auto& p = s.people[it->second];
  if (what == 2)
    p.values.emplace_back(r.str(i, 3), n);
  else
    fill(p, what, static_cast<std::size_t>(r.i64(i, 2)), n);
}

}  // namespace

Summary PgLedger::summary(const SummaryQuery& q) {
  Summary s;
  s.from = q.from;
  s.until = q.until;
  if (q.until <= q.from) return s;
  std::uint32_t chan = 0;
  if (!q.channel.empty()) {
    auto c = find_num(q.channel);
    if (!c) return s;
    chan = *c;
  }
  std::vector<std::uint64_t> users;
  if (!q.users.empty()) {
    std::vector<std::string> ids;
    for (const auto& u : q.users)
      if (!u.empty() && u.size() <= kMaxIdBytes) ids.push_back(u);
    auto r = c_.exec("SELECT DISTINCT num FROM ids WHERE id = ANY ($1::text[])", Params().add_array(ids));
    for (int i = 0; i < r.rows(); ++i) users.push_back(r.u64(i, 0));
    if (users.empty()) return s;
  }
  const bool filter = !users.empty();

  auto r = c_.exec(counts_sql(), Params(q.from, q.until, chan, filter).add_array(users));
  std::unordered_map<std::uint32_t, std::size_t> at;  // person → index in s.people
  for (int i = 0; i < r.rows(); ++i) add_row(s, at, r, i);
  if (q.max_reasons > 0 && !s.people.empty()) {
    const auto cap = static_cast<std::int64_t>(
        std::min<std::uint64_t>(q.max_reasons, static_cast<std::uint64_t>(std::numeric_limits<std::int64_t>::max())));
    auto k = c_.exec(reasons_sql(), Params(q.from, q.until, chan, filter).add_array(users).add(cap));
    std::unordered_map<std::string, std::size_t> by_id;
    for (std::size_t i = 0; i < s.people.size(); ++i) by_id.emplace(s.people[i].user, i);
    for (int i = 0; i < k.rows(); ++i) {
      auto kd = kudos_row(k, i);
      auto it = by_id.find(kd.recipient);
      if (it != by_id.end()) s.people[it->second].reasons.push_back(std::move(kd));
    }
  }
  for (auto& p : s.people)
    std::sort(p.values.begin(), p.values.end(), [](const auto& x, const auto& y) {
      return x.second != y.second ? x.second > y.second : x.first < y.first;
    });
  std::sort(s.people.begin(), s.people.end(), [](const PersonSummary& x, const PersonSummary& y) {
    if (x.received != y.received) return x.received > y.received;
    if (x.given != y.given) return x.given > y.given;
    return x.user < y.user;
  });
  return s;
}

}  // namespace brigade::store::pg
