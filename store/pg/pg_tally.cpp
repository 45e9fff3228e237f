// Leaderboards and counts on PostgreSQL: from the tally table (kept by the kudos_tally trigger) for
// week … all, from the kudos log by time range for single days; verify() recomputes the tallies
// from the log in SQL and lists every difference, rebuild_tallies() re-files the log under the
// current calendar and replaces the tally table. Same meaning as store/ledger_tally.cpp and
// store/ledger_verify.cpp.
#include <algorithm>

#include "store/buckets.hpp"
#include "store/pg/pg_ledger.hpp"

namespace brigade::store::pg {

namespace {

constexpr std::size_t kMaxDriftLines = 100;
constexpr int kBucketBatch = 50000;

// The tallies the live kudos imply, by (period, bucket, scope, role, person), from the same bucket
// columns the trigger uses (see brigade_tally in sql/0001_init.sql).
constexpr std::string_view kLogTallies =
    "SELECT p.period, p.bucket, s.scope, r.role, r.person, count(*)::integer AS count FROM kudos k "
    "CROSS JOIN LATERAL (VALUES (1::smallint, k.b_week), (2::smallint, k.b_month), "
    "(3::smallint, k.b_quarter), (4::smallint, k.b_year), (5::smallint, 0)) AS p (period, bucket) "
    "CROSS JOIN LATERAL (SELECT 0 AS scope UNION ALL SELECT k.channel WHERE k.channel <> 0) AS s "
    "CROSS JOIN LATERAL (VALUES (0::smallint, k.recipient), (1::smallint, k.giver)) AS r (role, person) "
    "WHERE NOT k.revoked GROUP BY 1, 2, 3, 4, 5";

// Ranked people only (PersonState::ranked), most first, `limit` of them plus everyone tied with
// the last; ties by person number, as the LMDB rank index orders them. `source` yields (person, n).
std::string board_sql(std::string_view source, std::size_t limit) {
  std::string sql = "SELECT id, name, n FROM (SELECT s.person, s.n, i.id, i.name FROM (";
  sql += source;
  sql += ") s JOIN ids i ON i.num = s.person WHERE i.privacy = 0 AND NOT i.gone AND NOT i.forgotten ORDER BY s.n DESC";
  if (limit != 0)
    sql += " FETCH FIRST " + std::to_string(std::min<std::uint64_t>(limit, std::uint64_t{1} << 62)) + " ROWS WITH TIES";
  sql += ") t ORDER BY n DESC, person";
  return sql;
}

// verify()'s findings: the first kMaxDriftLines differences, and how many more there were.
struct Drift {
  VerifyReport& rep;
  std::uint64_t unreported = 0;
  void note(std::string line) {
    if (rep.drift.size() < kMaxDriftLines)
      rep.drift.push_back(std::move(line));
    else
      ++unreported;
  }
};

std::string who(const Result& r, int row, int col, std::uint32_t num) {
  if (!r.null(row, col)) return r.str(row, col);
  // Appended, not "#" + to_string(…): GCC 12 at -O3 warns -Wrestrict on that (its bug 105651).
  std::string s = "#";
  s += std::to_string(num);
  s += " (unknown number)";
  return s;
}

// Rewrites the calendar bucket columns of every kudos whose buckets differ under `cal`, in batches
// of distinct timestamps (the buckets depend on ts alone), in time order so Buckets asks the zone
// once per local day.
void refile_kudos(Conn& c, const core::Calendar& cal) {
  Buckets buckets(cal);
  Millis last = -1;
  for (;;) {
    auto r = c.exec("SELECT DISTINCT ts FROM kudos WHERE ts > $1 ORDER BY ts LIMIT $2", Params(last, kBucketBatch));
    if (r.empty()) break;
    std::vector<std::uint64_t> ts, cols[4];
    for (int i = 0; i < r.rows(); ++i) {
      last = r.i64(i, 0);
      const auto& b = buckets.of(last);
      ts.push_back(static_cast<std::uint64_t>(last));
      for (std::size_t p = 0; p < 4; ++p) cols[p].push_back(static_cast<std::uint64_t>(std::int64_t{b[p]}));
    }
    c.exec(
        "UPDATE kudos k SET b_week = u.w, b_month = u.m, b_quarter = u.q, b_year = u.y "
        "FROM unnest($1::bigint[], $2::integer[], $3::integer[], $4::integer[], $5::integer[]) AS u (ts, w, m, q, y) "
        "WHERE k.ts = u.ts AND (k.b_week, k.b_month, k.b_quarter, k.b_year) IS DISTINCT FROM (u.w, u.m, u.q, u.y)",
        Params().add_array(ts).add_array(cols[0]).add_array(cols[1]).add_array(cols[2]).add_array(cols[3]));
    if (r.rows() < kBucketBatch) break;
  }
}

// The kudos filed under buckets the calendar does not give their time (written by a replica with
// another calendar, or left by an interrupted re-filing): per filed combination, the calendar must
// give its earliest and its latest ts those very buckets (buckets grow with ts, so then every ts
// between gets them too).
void check_buckets(Conn& c, const core::Calendar& cal, Drift& drift) {
  auto r = c.exec(
      "SELECT b_week, b_month, b_quarter, b_year, min(ts), max(ts), count(*) FROM kudos "
      "GROUP BY 1, 2, 3, 4 ORDER BY 5");
  constexpr Period kFiled[] = {Period::week, Period::month, Period::quarter, Period::year};
  for (int i = 0; i < r.rows(); ++i) {
    const Millis first = r.i64(i, 4), last = r.i64(i, 5);
    bool agree = true;
    std::string filed;
    for (int p = 0; p < 4; ++p) {
      const auto b = static_cast<std::int32_t>(r.i64(i, p));
      agree = agree && cal.bucket(kFiled[p], first) == b && cal.bucket(kFiled[p], last) == b;
      filed += (p ? ", " : "") + cal.label(kFiled[p], b);
    }
    if (agree) continue;
    drift.note("kudos buckets: " + r.str(i, 6) + " kudos from " + cal.datetime_string(first) + " to " +
               cal.datetime_string(last) + " are filed under " + filed + ", not where calendar " +
               cal.signature() + " puts them all");
  }
}

}  // namespace

std::vector<LeaderEntry> PgLedger::leaderboard(std::string_view channel, Period p, std::int32_t bucket,
                                               std::size_t limit) {
  std::vector<LeaderEntry> out;
  std::uint32_t scope = 0;
  if (!channel.empty()) {
    auto c = find_num(channel);
    if (!c) return out;
    scope = *c;
  }
  if (p == Period::all) bucket = 0;
  Result r;
  if (!has_tally(p)) {
    const auto range = cal_.range(p, bucket);
    r = c_.exec(board_sql("SELECT recipient AS person, count(*) AS n FROM kudos WHERE ts >= $1 AND ts < $2 "
                          "AND NOT revoked AND ($3 = 0 OR channel = $3) GROUP BY recipient",
                          limit),
                Params(range.from, range.until, scope));
  } else {
    r = c_.exec(board_sql("SELECT person, count AS n FROM tally WHERE period = $1 AND bucket = $2 AND scope = $3 "
                          "AND role = 0 AND count > 0",
                          limit),
                Params(static_cast<std::uint8_t>(p), bucket, scope));
  }
  out.reserve(static_cast<std::size_t>(r.rows()));
  for (int i = 0; i < r.rows(); ++i) out.push_back(LeaderEntry{r.str(i, 0), r.str(i, 1), r.u32(i, 2)});
  return out;
}

PersonCounts PgLedger::counts(std::string_view user, std::string_view channel, Period p, std::int32_t bucket) {
  PersonCounts pc;
  const auto u = find_num(user);
  if (!u) return pc;
  std::uint32_t scope = 0;
  if (!channel.empty()) {
    auto c = find_num(channel);
    if (!c) return pc;
    scope = *c;
  }
  if (p == Period::all) bucket = 0;
  Result r;
  if (!has_tally(p)) {
    const auto range = cal_.range(p, bucket);
    r = c_.exec(
        "SELECT count(*) FILTER (WHERE recipient = $1), count(*) FILTER (WHERE giver = $1) FROM kudos "
        "WHERE (giver = $1 OR recipient = $1) AND ts >= $2 AND ts < $3 AND NOT revoked AND ($4 = 0 OR channel = $4)",
        Params(*u, range.from, range.until, scope));
  } else {
    r = c_.exec(
        "SELECT greatest(coalesce(max(count) FILTER (WHERE role = 0), 0), 0), "
        "greatest(coalesce(max(count) FILTER (WHERE role = 1), 0), 0) FROM tally "
        "WHERE period = $1 AND bucket = $2 AND scope = $3 AND role IN (0, 1) AND person = $4",
        Params(static_cast<std::uint8_t>(p), bucket, scope, *u));
  }
  pc.received = r.u32(0, 0);
  pc.given = r.u32(0, 1);
  return pc;
}

VerifyReport PgLedger::verify() {
  VerifyReport rep;
  Drift drift{rep};
  auto n = c_.exec(
      "SELECT count(*) FILTER (WHERE NOT revoked), count(*), (SELECT value FROM counters WHERE name = 'kudos'), "
      "(SELECT count(*) FROM tally WHERE count <> 0) FROM kudos");
  rep.kudos = n.u64(0, 0);
  rep.tally_keys = n.u64(0, 3);
  if (n.u64(0, 1) != n.u64(0, 2))
    drift.note("kudos: " + n.str(0, 1) + " in the log, the K-number counter says " + n.str(0, 2));
  // Stored and recomputed tallies side by side; a stored count of 0 is the same as none.
  auto r = c_.exec(
      "SELECT d.period, d.bucket, d.scope, d.role, d.person, d.stored, d.expected, d.total, s.id, p.id FROM ("
      "SELECT period, bucket, scope, role, person, t.count AS stored, e.count AS expected, count(*) OVER () AS total "
      "FROM (" + std::string(kLogTallies) + ") e FULL OUTER JOIN (SELECT * FROM tally WHERE count <> 0) t "
      "USING (period, bucket, scope, role, person) WHERE e.count IS DISTINCT FROM t.count "
      "ORDER BY period, bucket, scope, role, person LIMIT $1) d "
      "LEFT JOIN ids s ON s.num = d.scope AND d.scope <> 0 LEFT JOIN ids p ON p.num = d.person "
      "ORDER BY d.period, d.bucket, d.scope, d.role, d.person",
      Params(static_cast<std::int64_t>(kMaxDriftLines)));
  for (int i = 0; i < r.rows(); ++i) {
    const auto scope = r.u32(i, 2), person = r.u32(i, 4);
    std::string s = "tally ";
    s += r.i64(i, 3) == 0 ? "received" : "given";
    s += ", " + cal_.label(static_cast<Period>(r.i64(i, 0)), static_cast<std::int32_t>(r.i64(i, 1)));
    s += ", " + (scope == 0 ? std::string("workspace") : "channel " + who(r, i, 8, scope));
    s += ", " + who(r, i, 9, person) + ": ";
    if (r.null(i, 6))
      s += "stored " + r.str(i, 5) + ", not in the log";
    else if (r.null(i, 5))
      s += "missing, the log says " + r.str(i, 6);
    else
      s += "stored " + r.str(i, 5) + ", the log says " + r.str(i, 6);
    drift.note(std::move(s));
  }
  if (!r.empty()) drift.unreported += r.u64(0, 7) - static_cast<std::uint64_t>(r.rows());
  check_buckets(c_, cal_, drift);
  if (drift.unreported > 0) rep.drift.push_back("… and " + std::to_string(drift.unreported) + " more differences");
  return rep;
}

std::uint64_t PgLedger::rebuild_tallies() {
  need_write("rebuild_tallies");
  lock_tallies();
  // The trigger would count every re-filed kudos twice over (out of its old buckets, into the new
  // ones) only for the table to be replaced below: off for this transaction. DISABLE TRIGGER takes
  // a SHARE ROW EXCLUSIVE lock on kudos until commit (writers wait, readers do not); rebuilds run
  // at open, under the migration lock.
  c_.run("ALTER TABLE kudos DISABLE TRIGGER kudos_tally");
  refile_kudos(c_, cal_);
  c_.run("DELETE FROM tally");
  c_.exec("INSERT INTO tally (period, bucket, scope, role, person, count) " + std::string(kLogTallies));
  c_.run("ALTER TABLE kudos ENABLE TRIGGER kudos_tally");
  return c_.exec("SELECT count(*) FROM kudos WHERE NOT revoked").u64(0, 0);
}

}  // namespace brigade::store::pg
