#!/usr/bin/env bash
# Random kill -9 trials on a running topology (tests/fault/topo_stress.c):
# 100 trials by default; each prints nothing unless it hangs, loses or
# duplicates a request (--verbose prints every trial).
#   scripts/topo-stress.sh [--trials N] [--seed S] [--requests R] [--verbose]
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/deps.sh
cmake -S . -B build -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
cmake --build build -j2 --target topo_stress topo_worker >/dev/null
[ $# -gt 0 ] || set -- --trials 100
exec build/tests/fault/topo_stress "$@"
