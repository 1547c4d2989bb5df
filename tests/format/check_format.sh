#!/usr/bin/env bash
# Fails if clang-format (root .clang-format) would change any C source of
# the project. Only the project's own source folders are read, so build
# directories (whatever their name) and other files in the tree do not
# count. Generated goldens are checked by their own test.
set -euo pipefail
cd "$1"
if ! command -v clang-format >/dev/null; then
  echo "clang-format not installed"; exit 77
fi
# The folders that hold the project's C sources (keep in step with the tree).
src_dirs=(runtime bridge health gen templates tools tests bench examples)
files=$(find "${src_dirs[@]}" -path tests/golden -prune -o -type f \( -name '*.c' -o -name '*.h' \) -print | sort)
bad=0
for f in $files; do
  if ! clang-format --dry-run -Werror "$f" >/dev/null 2>&1; then
    echo "not formatted: $f (run: clang-format -i $f)"
    bad=$((bad + 1))
  fi
done
n=$(echo "$files" | wc -w)
echo "format: $((n - bad)) passed, $bad failed"
[ "$bad" -eq 0 ]
