#!/usr/bin/env bash
# Build and run the whole test suite: the normal build, then Release and
# Debug, then ASan+UBSan, then TSan on the concurrency tests, then a
# libFuzzer smoke run. MYELON_TEST_QUICK=1 runs the normal build only.
# Every build here has MYELON_WERROR=ON: a warning fails the project's own
# builds (users' builds keep the default, OFF).
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/deps.sh --test
jobs=$(nproc)

echo "== build: RelWithDebInfo"
cmake -S . -B build -DCMAKE_BUILD_TYPE=RelWithDebInfo -DMYELON_WERROR=ON >/dev/null
cmake --build build -j"$jobs"
(cd build && ctest --output-on-failure -j"$jobs" -LE 'fuzz')

[ "${MYELON_TEST_QUICK:-0}" = 1 ] && exit 0

# Release (-O3) and Debug (-O0) compile everything, because each optimiser
# level warns about different things (gcc -O3 found a format truncation
# RelWithDebInfo did not). To keep CI short, Release runs only the tests of
# code the optimiser changes most (the inline ring hot path, framing, both
# codecs, the generated goldens) and Debug runs none: the ASan+UBSan build
# below is a Debug build and runs every test. The Debug build is clang's,
# so that a second compiler's warnings cover everything (the tests and the
# code generated for them included); gcc's -O0 is the ASan+UBSan build's.
# The fuzz build, clang's too, compiles only the fuzz targets, and the
# TSan build only the concurrency tests.
echo "== build: Release (tests: ring, frame, codecs, goldens)"
cmake -S . -B build-release -DCMAKE_BUILD_TYPE=Release -DMYELON_WERROR=ON >/dev/null
cmake --build build-release -j"$jobs"
(cd build-release && ctest --output-on-failure -j"$jobs" \
  -R '^(test_ring_basic|test_api|test_frame|test_group|test_compact|test_fb|myelonc_golden_.*)$')

echo "== build: Debug, clang (build only)"
CC=clang CXX=clang++ cmake -S . -B build-debug -DCMAKE_BUILD_TYPE=Debug -DMYELON_WERROR=ON >/dev/null
cmake --build build-debug -j"$jobs"

echo "== build: ASan+UBSan"
cmake -S . -B build-asan -DCMAKE_BUILD_TYPE=Debug -DMYELON_WERROR=ON -DMYELON_SANITIZE=address,undefined \
  -DMYELON_BUILD_BENCH=OFF >/dev/null
cmake --build build-asan -j"$jobs"
(cd build-asan && ASAN_OPTIONS=detect_leaks=1 ctest --output-on-failure -j"$jobs" -LE 'fuzz|nosan')

echo "== build: TSan (concurrency tests)"
cmake -S . -B build-tsan -DCMAKE_BUILD_TYPE=RelWithDebInfo -DMYELON_WERROR=ON -DMYELON_SANITIZE=thread \
  -DMYELON_BUILD_BENCH=OFF -DMYELON_BUILD_EXAMPLES=OFF >/dev/null
cmake --build build-tsan -j"$jobs" --target concurrency_targets
(cd build-tsan && TSAN_OPTIONS=halt_on_error=1 ctest --output-on-failure -j"$jobs" -L concurrency)

echo "== build: libFuzzer smoke (clang)"
CC=clang CXX=clang++ cmake -S . -B build-fuzz -DCMAKE_BUILD_TYPE=RelWithDebInfo -DMYELON_WERROR=ON \
  -DMYELON_BUILD_FUZZ=ON -DCMAKE_C_FLAGS="-fsanitize=fuzzer-no-link,address,undefined" \
  -DCMAKE_CXX_FLAGS="-fsanitize=fuzzer-no-link,address,undefined" \
  -DMYELON_BUILD_BENCH=OFF -DMYELON_BUILD_EXAMPLES=OFF >/dev/null
cmake --build build-fuzz -j"$jobs" --target fuzz_targets
(cd build-fuzz && ctest --output-on-failure -j"$jobs" -L fuzz)
