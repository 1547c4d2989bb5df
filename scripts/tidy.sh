#!/usr/bin/env bash
# Runs clang-tidy (configuration: .clang-tidy at the root) over the C
# sources of runtime/, gen/, tools/, bridge/ and health/, with the flags of
# a configured build's compile_commands.json. Any finding fails. About a
# minute on two cores. Usage: scripts/tidy.sh [BUILD_DIR]   (default: build)
# Exit 77 (skipped) when clang-tidy or the compile database is missing.
set -euo pipefail
cd "$(dirname "$0")/.."
build=${1:-build}
tidy=$(command -v clang-tidy || command -v clang-tidy-14 || true)
if [ -z "$tidy" ]; then
  echo "clang-tidy not installed"; exit 77
fi
if [ ! -f "$build/compile_commands.json" ]; then
  echo "no $build/compile_commands.json (configure the build first)"; exit 77
fi
files=$(ls runtime/src/*.c gen/*.c tools/*.c bridge/src/*.c health/src/*.c)
jobs=${MYELON_TIDY_JOBS:-$(nproc)}
log=$(mktemp)
trap 'rm -f "$log"' EXIT
# One clang-tidy per file, jobs at a time; --quiet drops the "N warnings
# generated" lines that count suppressed, non-project findings.
if ! printf '%s\n' $files | xargs -P "$jobs" -n 1 "$tidy" --quiet -p "$build" >"$log" 2>&1; then
  grep -E '(warning|error):' "$log" || cat "$log"
  echo "clang-tidy: findings above (fix them, or suppress in .clang-tidy with a reason)"
  exit 1
fi
echo "clang-tidy: $(echo $files | wc -w) files, no findings"
