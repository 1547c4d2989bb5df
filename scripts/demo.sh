#!/usr/bin/env bash
# Build everything and run the main demo.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/deps.sh
cmake -S . -B build -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
cmake --build build -j"$(nproc)"
# The inference fabric: a scheduler and 4 worker processes, one of them
# killed with SIGKILL mid-run, re-dispatched around and restarted
# (docs/FABRIC.md); then the raw ticks channel (producer + 2 consumers).
build/examples/fabric_demo --workers 4 --requests 200000
echo
exec build/examples/ticks_demo
