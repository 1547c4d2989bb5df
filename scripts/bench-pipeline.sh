#!/usr/bin/env bash
# The pipeline benchmarks in one command (issue 10): builds bench/pipe_bench
# (Release), runs it with its journal directory on the repository's file
# system (build-bench/pipe-bench: real fdatasync; /dev/shm would make
# every fsync free), writes docs/bench/pipeline_journal.csv and
# exchange_latency.csv, and plots docs/bench/exchange_latency.{png,svg}.
# Arguments go to pipe_bench (e.g. --trials 7 --orders 40000).
# Run it on a quiet machine: nothing else should be using the CPUs or the
# disk. It prints the CPU model and the load beside the figures.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/deps.sh --bench
cmake -S . -B build-bench -DCMAKE_BUILD_TYPE=Release -DMYELON_BUILD_TESTS=OFF \
  -DMYELON_BUILD_EXAMPLES=OFF >/dev/null
cmake --build build-bench -j"$(nproc)" --target pipe_bench
mkdir -p docs/bench
echo "cpu: $(lscpu | sed -n 's/^Model name: *//p' | head -1); $(nproc) CPUs;" \
  "$(date -u '+%Y-%m-%d %H:%M UTC'); load before:$(uptime | sed 's/.*load average://')"
build-bench/bench/pipe_bench --dir build-bench/pipe-bench --csv-dir docs/bench "$@"
echo "load after:$(uptime | sed 's/.*load average://')"
gnuplot docs/bench/exchange_latency.gp
echo "plotted docs/bench/exchange_latency.png and .svg"
