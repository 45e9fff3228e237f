#!/bin/sh
# Fails when a source file includes a folder that tests/unit/include_graph.txt does not allow it
# (e.g. the engine in bot/ including an adapter, or an adapter including web/). Usage:
#   include_graph_test.sh SOURCE_ROOT
set -eu
root=${1:?usage: include_graph_test.sh SOURCE_ROOT}
table="$root/tests/unit/include_graph.txt"
cd "$root"
folders=$(sed -e 's/#.*//' "$table" | awk 'NF { print $1 }')
# shellcheck disable=SC2086
files=$(find $folders -path '*/node_modules' -prune -o \( -name '*.cpp' -o -name '*.hpp' -o -name '*.h' \) -print | sort)
[ -n "$files" ] || { echo "no sources found under $root"; exit 1; }
# shellcheck disable=SC2086
awk -v table="$table" '
  function owner(path,   best, f) {
    best = ""
    for (f in allowed)
      if (index(path "/", f "/") == 1 && length(f) > length(best)) best = f
    return best
  }
  BEGIN {
    while ((getline line < table) > 0) {
      sub(/#.*/, "", line)
      n = split(line, w, /[ \t]+/)
      if (n == 0 || w[1] == "") continue
      allowed[w[1]] = " "
      for (i = 2; i <= n; i++) if (w[i] != "" && w[i] != "-") allowed[w[1]] = allowed[w[1]] w[i] " "
    }
  }
  FNR == 1 { from = owner(FILENAME) }
  /^[ \t]*#[ \t]*include[ \t]*"/ {
    inc = $0
    sub(/^[^"]*"/, "", inc)
    sub(/".*$/, "", inc)
    if (index(inc, "/") == 0) next            # a file next to this one
    to = owner(inc)
    if (to == "") to = inc                      # a folder the table does not know: never allowed
    if (to == from || allowed[from] ~ / \* /) next
    if (index(allowed[from], " " to " ") == 0) {
      printf "%s:%d: %s may not include %s (\"%s\"); see tests/unit/include_graph.txt\n", FILENAME, FNR, from, to, inc
      bad++
    }
  }
  END {
    if (bad) { printf "%d include(s) outside the allowed graph\n", bad; exit 1 }
    print "include graph: every include follows tests/unit/include_graph.txt"
  }
' $files
