#!/usr/bin/env bash
# The multi-process stress mode, one command: builds an optimised tree in
# build-stress and runs every ring mode (SP/MP2/MP4 gated, SP lossy -- the
# runtime refuses MP + lossy -- x shm/file x 1/2/4 consumers) with
# MYELON_STRESS_EVENTS events each (default 10,000,000) through real
# mp_producer/mp_consumer processes; each consumer checks every event.
# Extra arguments go to mp_stress, e.g. --only sp-gated-shm or --slot 200.
set -euo pipefail
cd "$(dirname "$0")/.."
events=${MYELON_STRESS_EVENTS:-10000000}
cmake -S . -B build-stress -DCMAKE_BUILD_TYPE=Release -DMYELON_BUILD_BENCH=OFF \
  -DMYELON_BUILD_EXAMPLES=OFF >/dev/null
cmake --build build-stress -j"$(nproc)" --target mp_stress mp_producer mp_consumer
exec build-stress/tests/mp/mp_stress --events "$events" "$@"
