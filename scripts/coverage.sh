#!/usr/bin/env bash
# Line and branch coverage of the library, the compiler, the bridge, the
# health endpoint and the tools by the whole test suite (gcov counters,
# reported by gcovr). A developer's tool, not run by CI: 20-25 minutes on
# two cores (the build at -O0, the suite but its fuzz smoke runs and
# clang-tidy, then the report).
#   bash scripts/coverage.sh [BUILD_DIR]      (default: build-cov)
# Prints the per-file table (also in BUILD_DIR/coverage.txt) and writes an
# annotated source view to BUILD_DIR/coverage/index.html.
# Counted: every process that exits, forked test children included (they
# end in _exit(), wrapped by scripts/coverage_exit.c to write their
# counters). Not counted: processes killed by a signal (the fault tests'
# kill -9 victims). Left out: the package tests that link the installed
# library into a project of their own, built without --coverage (it would
# miss gcov's functions).
set -euo pipefail
cd "$(dirname "$0")/.."
root=$(pwd)
build=${1:-build-cov}
scripts/deps.sh --coverage
jobs=$(nproc)
mkdir -p "$build"
build=$(cd "$build" && pwd)
cc -c -O2 scripts/coverage_exit.c -o "$build/coverage_exit.o"
# -O0: lines map to code one to one. Atomic counter updates: the runtime's
# threads run the same lines at once, and plain increments lose counts (or
# wrap them negative, which gcovr refuses). Counters from an earlier run
# would be added to, so they go first.
find "$build" -name '*.gcda' -delete
cmake -S . -B "$build" -DCMAKE_BUILD_TYPE=Debug -DMYELON_WERROR=ON \
  -DCMAKE_C_FLAGS="--coverage -fprofile-update=atomic -O0" \
  -DCMAKE_CXX_FLAGS="--coverage -fprofile-update=atomic -O0" \
  -DCMAKE_EXE_LINKER_FLAGS="--coverage -Wl,--wrap=_exit $build/coverage_exit.o" \
  -DCMAKE_SHARED_LINKER_FLAGS="--coverage -Wl,--wrap=_exit $build/coverage_exit.o" >/dev/null
cmake --build "$build" -j"$jobs"
# A failing test still leaves its counters: report what ran, then fail.
rc=0
(cd "$build" && ctest --output-on-failure -j"$jobs" -LE 'fuzz|tidy' \
  -E '^(outoftree_(find|pkgconfig|schema|forms_find)|readme_(pkgconfig|snippet))$') || rc=$?
# Sources of the project only: not the tests, benchmarks or examples that
# drive them, nor code generated into the build directory.
mkdir -p "$build/coverage"
gcovr -r "$root" --object-directory "$build" \
  -e "$root/tests/" -e "$root/bench/" -e "$root/examples/" -e "$build/" \
  --txt "$build/coverage.txt" --html-details "$build/coverage/index.html" --print-summary
cat "$build/coverage.txt"
exit $rc
