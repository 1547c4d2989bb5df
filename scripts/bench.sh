#!/usr/bin/env bash
# Build (Release) and run the benchmarks; CSV goes to bench/results/.
# Run on a quiet machine: nothing else should be using the two CPUs.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/deps.sh
cmake -S . -B build-bench -DCMAKE_BUILD_TYPE=Release -DMYELON_BUILD_TESTS=OFF \
  -DMYELON_BUILD_EXAMPLES=OFF >/dev/null
cmake --build build-bench -j"$(nproc)" --target ring_bench
mkdir -p bench/results
build-bench/bench/ring_bench --csv bench/results/ring_bench.csv "$@"
