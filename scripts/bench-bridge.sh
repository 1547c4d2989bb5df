#!/usr/bin/env bash
# The bridge benchmark in one command: builds bench/bridge_bench (Release)
# and runs it: 64 B streaming through a bridge vs plain ZeroMQ PUSH/PULL,
# 64 B round trip over two bridges (bridge processes, then bridges in the
# pinging processes driven by myl_bridge_step) vs a ZeroMQ PAIR
# ping-pong, 1 MiB events through a bridge (bridge processes, then
# bridges stepped by the producing and reading processes) vs the same
# messages on a plain TCP connection and over plain ZeroMQ PUSH/PULL;
# all on 127.0.0.1, interleaved in one run, medians of --runs. Every
# message is checked. Writes docs/bench/bridge.csv. Arguments go to
# bridge_bench (e.g. --runs 5 --stream 2000000 --rtt 50000 --large 1000).
# Run it on a quiet machine: nothing else should be using the CPUs.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/deps.sh --bench
cmake -S . -B build-bench -DCMAKE_BUILD_TYPE=Release -DMYELON_BUILD_TESTS=OFF \
  -DMYELON_BUILD_EXAMPLES=OFF >/dev/null
cmake --build build-bench -j"$(nproc)" --target bridge_bench
mkdir -p docs/bench
echo "cpu: $(lscpu | sed -n 's/^Model name: *//p' | head -1); $(nproc) cpus;" \
  "$(date -u '+%Y-%m-%d %H:%M UTC'); load: $(cut -d' ' -f1-3 /proc/loadavg)"
build-bench/bench/bridge_bench --csv docs/bench/bridge.csv "$@"
