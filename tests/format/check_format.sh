#!/usr/bin/env bash
# Fails if clang-format (root .clang-format) would change any C source of
# the tree. Generated goldens are checked by their own test.
set -euo pipefail
cd "$1"
if ! command -v clang-format >/dev/null; then
  echo "clang-format not installed"; exit 77
fi
if [ -d .git ] && command -v git >/dev/null; then
  files=$(git ls-files -co --exclude-standard -- '*.c' '*.h' | grep -v -e '^tests/golden/' -e '^build' || true)
else
  files=$(find . -path ./build\* -prune -o \( -name '*.c' -o -name '*.h' \) -print | grep -v '/tests/golden/')
fi
bad=0
for f in $files; do
  [ -f "$f" ] || continue
  if ! clang-format --dry-run -Werror "$f" >/dev/null 2>&1; then
    echo "not formatted: $f (run: clang-format -i $f)"
    bad=$((bad + 1))
  fi
done
n=$(echo "$files" | wc -w)
echo "format: $((n - bad)) passed, $bad failed"
[ "$bad" -eq 0 ]
