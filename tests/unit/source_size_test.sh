#!/bin/sh
# No source file over 400 lines and no function over 60, in every folder with sources: what a
# newcomer has to hold in their head at once. Functions are found the simple way — a line at
# the left margin (or one indent, in a class) that ends a signature with "{" — and measured to
# the brace that closes them.
# Usage: source_size_test.sh REPO_ROOT
set -eu
root=${1:?usage: source_size_test.sh REPO_ROOT}
cd "$root"
max_lines=400
max_function=60
status=0
files=$(find core store commands config bot adapters web app testkit tests bench \
          \( -name '*.cpp' -o -name '*.hpp' \) -not -path '*/node_modules/*' 2>/dev/null | sort)
for f in $files; do
  n=$(wc -l < "$f")
  if [ "$n" -gt "$max_lines" ]; then
    echo "$f: $n lines (at most $max_lines: split it along its sections)"
    status=1
  fi
done
long=$(awk -v max="$max_function" '
  FNR == 1 { inside = 0 }
  !inside && /^(  )?[A-Za-z].*\)[ a-z>:<_]*\{[ ]*$/ && !/^ *(if|for|while|switch|else|namespace|struct|class|enum|do)[ (]/ {
    inside = 1; depth = 0; start = FNR; sig = $0
  }
  inside {
    line = $0
    gsub(/\\./, "", line)              # escapes, then string and character literals
    gsub(/"[^"]*"/, "", line)
    gsub(/\047[^\047]*\047/, "", line)
    opens = gsub(/\{/, "{", line); closes = gsub(/\}/, "}", line)
    depth += opens - closes
    if (depth <= 0 && FNR > start) {
      if (FNR - start + 1 > max) printf "%s:%d: a function of %d lines (at most %d):%s\n", FILENAME, start, FNR - start + 1, max, sig
      inside = 0
    }
  }' $files)
if [ -n "$long" ]; then
  echo "$long"
  status=1
fi
exit $status
