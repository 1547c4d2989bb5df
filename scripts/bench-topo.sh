#!/usr/bin/env bash
# The topology benchmark in one command: builds bench/topo_bench (Release),
# runs it (64 B round trip through generated endpoints vs the raw ring
# ping-pong, interleaved in one run; dispatch-and-gather throughput for
# 1, 2, 4, 8 workers), writes docs/bench/topo_rtt.csv and
# topo_throughput.csv, and plots docs/bench/topo_throughput.{png,svg}.
# Arguments go to topo_bench (e.g. --trials 5 --requests 100000).
# Run it on a quiet machine: nothing else should be using the CPUs.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/deps.sh --bench
cmake -S . -B build-bench -DCMAKE_BUILD_TYPE=Release -DMYELON_BUILD_TESTS=OFF \
  -DMYELON_BUILD_EXAMPLES=OFF >/dev/null
cmake --build build-bench -j"$(nproc)" --target topo_bench
mkdir -p docs/bench
echo "cpu: $(lscpu | sed -n 's/^Model name: *//p' | head -1); $(date -u '+%Y-%m-%d %H:%M UTC')"
build-bench/bench/topo_bench --csv-dir docs/bench "$@"
gnuplot docs/bench/topo_throughput.gp
echo "plotted docs/bench/topo_throughput.png and .svg"
