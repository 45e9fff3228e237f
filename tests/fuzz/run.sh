#!/bin/sh
# Runs each fuzz target for a set time, merges inputs that reach new code into its (minimised)
# corpus, copies any crash into tests/fuzz/crashes/<target>/, and prints execs/s per target.
# `make fuzz` calls it.
# Usage: tests/fuzz/run.sh BIN_DIR SECONDS TARGET...
set -u
bin_dir=$1
seconds=$2
shift 2
here=$(cd "$(dirname "$0")" && pwd)
work=$bin_dir/work
export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}
failed=""
summary=""
for t in "$@"; do
  fuzzer=$bin_dir/fuzz_$t
  corpus=$here/corpus/$t
  crashes=$here/crashes/$t
  [ -x "$fuzzer" ] || { echo "fuzz: no $fuzzer (build it: cmake --build --preset fuzz)" >&2; exit 2; }
  rm -rf "$work/$t" "$work/$t.artifacts"
  mkdir -p "$work/$t" "$work/$t.artifacts" "$corpus" "$crashes"
  log=$work/$t.log
  echo "fuzz: $t for ${seconds}s (log: $log)"
  # New inputs go to the scratch corpus first; only those that add coverage are merged below.
  start=$(date +%s)
  "$fuzzer" -max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 -print_final_stats=1 \
    -artifact_prefix="$work/$t.artifacts/" "$work/$t" "$corpus" >"$log" 2>&1
  rc=$?
  took=$(($(date +%s) - start))
  execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -n 1)
  rate=$(sed -n 's/^stat::average_exec_per_sec: *//p' "$log" | tail -n 1)
  # The corpus becomes the smallest set of old and new inputs that covers the same code, plus
  # every hand-written seed (a file not named by its SHA-1), so it stays small in the repository.
  before=$(find "$corpus" -type f ! -name '.*' | wc -l)
  rm -rf "$work/$t.min" && mkdir -p "$work/$t.min"
  if "$fuzzer" -merge=1 -timeout=10 -rss_limit_mb=2048 "$work/$t.min" "$corpus" "$work/$t" >>"$log" 2>&1; then
    find "$corpus" -type f ! -name '.*' | grep -vE '/[0-9a-f]{40}$' | xargs -r cp -t "$work/$t.min"
    find "$corpus" -type f ! -name '.*' -delete
    cp "$work/$t.min"/* "$corpus/"
  fi
  after=$(find "$corpus" -type f ! -name '.*' | wc -l)
  line=$(printf '%-9s %8s execs/s  %10s execs in %ss  corpus %s -> %s' "$t" "${rate:-?}" "${execs:-?}" \
    "$took" "$before" "$after")
  if [ "$rc" -ne 0 ]; then
    for a in "$work/$t.artifacts"/*; do
      [ -f "$a" ] || continue
      cp "$a" "$crashes/" && echo "fuzz: $t: kept $crashes/$(basename "$a")"
    done
    grep -m 3 -E 'ERROR:|runtime error:|FUZZ_CHECK|SUMMARY:' "$log" >&2
    failed="$failed $t"
    line="$line  FAILED (see $log)"
  fi
  summary="$summary$line
"
done
printf '\n%s' "$summary"
if [ -n "$failed" ]; then
  echo "fuzz: crashes in:$failed -- fix them; the inputs in tests/fuzz/crashes/ now fail make test" >&2
  exit 1
fi
