#!/usr/bin/env bash
# Random kill -9 trials of a process running a pipeline
# (tests/fault/pipeline_stress.c): 1,000 trials by default; each prints
# nothing unless a check fails (--verbose: one line per trial).
#   scripts/pipeline-stress.sh [--trials N] [--seed S] [--per-dir K] [--dir BASE] [--verbose]
# --dir puts the pipelines on a real file system instead of /dev/shm.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/deps.sh
cmake -S . -B build -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
cmake --build build -j"$(nproc)" --target pipeline_stress >/dev/null
[ $# -gt 0 ] || set -- --trials 1000
exec build/tests/fault/pipeline_stress "$@"
