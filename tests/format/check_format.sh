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
src_dirs=(runtime bridge health gen templates tools tests bench examples scripts)
files=$(find "${src_dirs[@]}" -path tests/golden -prune -o -type f \( -name '*.c' -o -name '*.h' \) -print | sort)
# One clang-format for every file (a process per file cost 25-45 s of
# CI): each finding names its file, "FILE:LINE:COL: error: ...".
out=$(mktemp)
trap 'rm -f "$out"' EXIT
rc=0
# shellcheck disable=SC2086 # $files: paths without blanks, one word each
clang-format --dry-run -Werror $files >"$out" 2>&1 || rc=$?
bad_files=$(sed -n 's/^\([^:]*\):[0-9]*:[0-9]*: error: .*/\1/p' "$out" | sort -u |
  grep -Fx -f <(printf '%s\n' $files) || true)
for f in $bad_files; do
  echo "not formatted: $f (run: clang-format -i $f)"
done
bad=$(echo "$bad_files" | grep -c . || true)
n=$(echo "$files" | wc -w)
if [ "$rc" -ne 0 ] && [ "$bad" -eq 0 ]; then
  cat "$out"
  echo "format: clang-format failed (exit $rc) without naming a file"
  exit 1
fi
echo "format: $((n - bad)) passed, $bad failed"
[ "$bad" -eq 0 ]
