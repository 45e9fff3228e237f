#!/bin/bash
# Runs a test command against a real, throwaway PostgreSQL cluster: pg_virtualenv (Debian's
# postgresql-common) creates one (fsync off, listening on loopback only), exports
# PGHOST/PGPORT/PGUSER/PGPASSWORD/PGDATABASE, runs the command with BRIGADE_TEST_STORE=postgresql
# and drops the cluster afterwards, whatever the command's outcome. Works as root (-t: the
# cluster's files go to a temporary directory, so several runs can go at once) and as a user.
# Usage: with_postgres.sh COMMAND [ARGS...]    (exit status: the command's)
# Environment: BRIGADE_PG_TIMEOUT (seconds, default 560: under ctest's TIMEOUT 600, so a hung run
# still stops its cluster rather than being killed past the clean-up).
# The command gets BRIGADE_TEST_PG_CTL, the cluster's control command: "$BRIGADE_TEST_PG_CTL stop
# -m fast", "… start", "… restart -m fast" (pg_ctlcluster; tests/integration/replica_process_test.cpp
# stops and restarts the server under running replicas).
set -u

if [ "${1:-}" = "--inside" ]; then
  # In the cluster's environment: say that the cluster came up, then become the test.
  : > "$2"
  shift 2
  export BRIGADE_TEST_PG_CTL="pg_ctlcluster ${PGVERSION:-} regress"
  BRIGADE_TEST_STORE=postgresql exec "$@"
fi

[ $# -gt 0 ] || { echo "usage: with_postgres.sh COMMAND [ARGS...]" >&2; exit 2; }
if ! command -v pg_virtualenv > /dev/null 2>&1; then
  echo "with_postgres.sh: pg_virtualenv is missing: install Debian's postgresql and postgresql-common" \
       "(make test-deps installs deploy/packages-test.txt)" >&2
  exit 1
fi
if ! ls /usr/lib/postgresql/*/bin/pg_ctl > /dev/null 2>&1; then
  echo "with_postgres.sh: no PostgreSQL server is installed (/usr/lib/postgresql/*/bin/pg_ctl): install postgresql" >&2
  exit 1
fi

self=$(cd "$(dirname "$0")" && pwd)/$(basename "$0")
marker_dir=$(mktemp -d -t with_postgres.XXXXXX) || exit 1
trap 'rm -rf "$marker_dir"' EXIT

# A free port of our own (pg_createcluster's choice races with other runs starting at the same
# moment); a cluster that does not come up is retried on another port.
free_port() {
  while :; do
    p=$(( $(od -An -N2 -tu2 /dev/urandom) % 20000 + 20000 ))
    (exec 3<>"/dev/tcp/127.0.0.1/$p") 2>/dev/null || { echo "$p"; return; }
  done 2>/dev/null
}

attempt=1
while :; do
  marker="$marker_dir/started.$attempt"
  # timeout runs in a process group of its own, out of reach of a terminal's Ctrl-C: relay it, so
  # an interrupted run still drops its cluster (timeout passes the signal on to the whole group).
  PGPORT=$(free_port) timeout --kill-after=30 "${BRIGADE_PG_TIMEOUT:-560}" \
    pg_virtualenv -t -o fsync=off -o listen_addresses=localhost "$self" --inside "$marker" "$@" &
  child=$!
  trap 'interrupted=1; kill -TERM "$child" 2> /dev/null' INT TERM HUP
  wait "$child"
  status=$?
  while kill -0 "$child" 2> /dev/null; do
    wait "$child"
    status=$?
  done
  trap - INT TERM HUP
  # Done unless the cluster itself failed to come up (the command never started).
  if [ "$status" -eq 0 ] || [ -e "$marker" ] || [ "$status" -eq 124 ] || [ -n "${interrupted:-}" ] ||
     [ "$attempt" -ge 3 ]; then
    exit "$status"
  fi
  echo "with_postgres.sh: the cluster did not start (status $status); trying another port" >&2
  attempt=$((attempt + 1))
done
