#!/bin/sh
# The loopback Slack load (bench/slack_load) side by side on LMDB (one process), PostgreSQL with
# one replica and PostgreSQL with two replicas, in one run. PostgreSQL is a throwaway cluster from
# pg_virtualenv with fsync on (synchronous_commit stays at its default, on), one fresh database
# per configuration, pg_stat_statements loaded to count what the bots ask of it.
#
#   bench/pg_load.sh [slack_load options, e.g. --commands 20000 --window 64]
#   bench/pg_load.sh stat DBNAME      (inside the cluster: the counters slack_load --stat reads)
#   bench/pg_load.sh top DBNAME [N]   (inside the cluster: DBNAME's N busiest statements)
#
# BIN (default ./build-release) holds brigade and bench/slack_load. `make bench-load-pg` runs it.
# TOP=N prints the N statements each PostgreSQL set-up ran most, after the run, with their mean
# planning and execution time (it turns on pg_stat_statements.track_planning, which costs a
# little: leave it off for the figures).
set -eu
BIN=${BIN:-./build-release}

# `pg_load.sh stat DBNAME`: "LABEL VALUE" lines, cumulative: statements the database ran for
# DBNAME (top level, from every connection of every replica), COMMITs, and the CPU of the whole
# cluster in µs (postmaster, its live children, the children it has reaped). Round trips are the
# bots' own count (slack_load reads brigade_db_round_trips_total from each replica's /metrics):
# the server cannot tell which statements came together.
if [ "${1:-}" = stat ]; then
  psql -XAt -v db="$2" <<'SQL'
SELECT v.line FROM (
  SELECT coalesce(sum(calls), 0) AS statements,
         coalesce(sum(calls) FILTER (WHERE upper(query) = 'COMMIT'), 0) AS commits
    FROM pg_stat_statements s JOIN pg_database d ON d.oid = s.dbid
   WHERE d.datname = :'db') q,
  LATERAL (VALUES (1, 'db statements ' || q.statements), (2, 'db commits ' || q.commits)) AS v (n, line)
ORDER BY v.n;
SQL
  pm=$(head -n 1 "$(psql -XAtc 'SHOW data_directory')/postmaster.pid")
  tck=$(getconf CLK_TCK)
  {
    awk '{ print $14 + $15 + $16 + $17 }' "/proc/$pm/stat"
    for p in $(ps -o pid= --ppid "$pm"); do awk '{ print $14 + $15 }' "/proc/$p/stat" 2>/dev/null || true; done
  } | awk -v tck="$tck" '{ t += $1 } END { printf "db CPU us %.0f\n", t * 1000000 / tck }'
  exit 0
fi

# `pg_load.sh top DBNAME [N]`: calls, mean planning and execution ms, and the statement's text.
if [ "${1:-}" = top ]; then
  psql -XA -F ' | ' -v db="$2" -v n="${3:-25}" <<'SQL'
SELECT s.calls, round(s.mean_plan_time::numeric, 3) AS plan_ms, round(s.mean_exec_time::numeric, 3) AS exec_ms,
       left(regexp_replace(s.query, '\s+', ' ', 'g'), 110) AS query
  FROM pg_stat_statements s JOIN pg_database d ON d.oid = s.dbid
 WHERE d.datname = :'db' ORDER BY s.calls DESC, s.total_exec_time DESC LIMIT :n;
SQL
  exit 0
fi

if [ -z "${BRIGADE_PG_LOAD:-}" ]; then
  # A port of our own: pg_virtualenv takes the first free one from 5432, which races with other
  # throwaway clusters started at the same moment (the test suites').
  if [ -z "${PGPORT:-}" ]; then
    PGPORT=55432
    while ss -Hltn "sport = :$PGPORT" | grep -q . || [ -e "/var/run/postgresql/.s.PGSQL.$PGPORT" ]; do
      PGPORT=$((PGPORT + 1))
    done
    export PGPORT
  fi
  exec env BRIGADE_PG_LOAD=1 pg_virtualenv -t -o fsync=on -o shared_preload_libraries=pg_stat_statements \
    -o pg_stat_statements.track_utility=on -o pg_stat_statements.track_planning="$([ -n "${TOP:-}" ] && echo on || echo off)" \
    "$0" "$@"
fi

# Inside the cluster.
psql -XAtq -c 'CREATE EXTENSION pg_stat_statements'
createdb bench_pg1
createdb bench_pg2
echo "pg_load: PostgreSQL $(psql -XAtc 'SHOW server_version'), fsync=$(psql -XAtc 'SHOW fsync')," \
  "synchronous_commit=$(psql -XAtc 'SHOW synchronous_commit'), data in $(psql -XAtc 'SHOW data_directory')" >&2
self="$(cd "$(dirname "$0")" && pwd)/$(basename "$0")"
"$BIN/bench/slack_load" --timeout 900 --post-wait 120 \
  --bot lmdb="$BIN/brigade run" \
  --bot pg1="env BRIGADE_STORE='dbname=bench_pg1' $BIN/brigade run" \
  --bot pg2="env BRIGADE_STORE='dbname=bench_pg2' $BIN/brigade run" \
  --replicas pg2=2 --stat pg1="$self stat bench_pg1" --stat pg2="$self stat bench_pg2" "$@"
if [ -n "${TOP:-}" ]; then
  for db in bench_pg1 bench_pg2; do
    echo "pg_load: the statements $db ran most (calls over the whole run)"
    "$self" top "$db" "$TOP"
  done
fi
