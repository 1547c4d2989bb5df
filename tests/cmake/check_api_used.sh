#!/usr/bin/env bash
# Every public function (MYL_API in the public headers, but the myl__
# internals) is named somewhere a test runs it: tests/, examples/,
# bench/ or templates/ (generated code, which the tests compile and run).
# A name only the library itself uses is listed, and the run fails: write
# the test that calls it (CONTRIBUTING.md, "Coverage"). A name is a
# word match, so a comment counts: this catches a function nothing
# mentions, not one only a comment mentions.
#   check_api_used.sh SOURCE_DIR
set -u
src=$1
cd "$src" || exit 2
names=$(grep -rhoE 'MYL_API [^;(]*\bmyl_[a-z0-9_]+[[:space:]]*\(' \
  runtime/include bridge/include health/include |
  grep -oE 'myl_[a-z0-9_]+[[:space:]]*\($' | tr -d '( ' | grep -v '^myl__' | sort -u)
[ -n "$names" ] || { echo "no MYL_API names found"; exit 2; }
n=0 missing=0
for f in $names; do
  n=$((n + 1))
  if ! grep -rqw -- "$f" tests examples bench templates; then
    echo "named by no test, example, benchmark or template: $f"
    missing=$((missing + 1))
  fi
done
echo "$n public functions, $missing named nowhere a test runs"
[ "$missing" -eq 0 ]
