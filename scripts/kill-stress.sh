#!/usr/bin/env bash
# Random kill -9 trials over every ring shape (tests/fault/kill_stress.c):
# 1,008 trials by default, each printing nothing unless it hangs or loses.
#   scripts/kill-stress.sh [--trials N] [--seed S] [--events N] [--verbose]
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/deps.sh
cmake -S . -B build -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
cmake --build build -j"$(nproc)" --target kill_stress >/dev/null
[ $# -gt 0 ] || set -- --trials 1008 --events 4000
exec build/tests/fault/kill_stress "$@"
