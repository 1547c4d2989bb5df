#!/usr/bin/env bash
# Random kill -9 trials of the exchange example (examples/exchange,
# docs/EXCHANGE.md): each trial runs the exchange on a fresh directory,
# kills it with SIGKILL at random instants (1 to --kills times), restarts
# it, and verifies every recovery against the acknowledgements the client
# received. 1,000 trials by default; prints one summary line, or what
# failed. Options are the driver's:
#   scripts/exchange-stress.sh [--trials N] [--seed S] [--orders K] [--kills M]
#                              [--snapshot-every N] [--dir BASE] [--verbose]
#                              [--broken-ack]
# --dir puts the pipelines on a real file system instead of /dev/shm;
# --broken-ack runs an exchange that acknowledges before the journal has
# the order, which the checker must catch.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/deps.sh
cmake -S . -B build -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
cmake --build build -j"$(nproc)" --target exchange_driver exchange_server >/dev/null
trials=(--trials 1000)
for a in "$@"; do [ "$a" = --trials ] && trials=(); done
exec build/examples/exchange_driver "${trials[@]}" --orders 3000 --kills 3 "$@"
