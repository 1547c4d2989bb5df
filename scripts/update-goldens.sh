#!/usr/bin/env bash
# Regenerates myelonc's expected outputs from the current compiler:
#   tests/golden/<stem>.myl.{h,c}, <stem>.fbs   for each schema listed below
#   tests/golden/<stem>.print       what myelonc --print says of it
#   tests/gen/diag/<name>.err       for each tests/gen/diag/<name>.myl (or .fbs) with an .err
#   tests/gen/compat/<name>.out     for each pair <name>.old.myl, <name>.new.myl (or .fbs)
# Usage: scripts/update-goldens.sh [BUILD_DIR]   (default: build)
# Builds myelonc first (or uses $MYELONC). Review `git diff` before committing: every change
# in these files is a change in what users get.
set -euo pipefail
cd "$(dirname "$0")/.."
build=${1:-build}
if [ -n "${MYELONC:-}" ]; then
  m=$MYELONC # called from the update-goldens build target: already built
else
  cmake --build "$build" --target myelonc >/dev/null
  m="$build/gen/myelonc"
fi
golden=(schemas/ticks.myl schemas/common.myl schemas/fabric.myl tests/golden/edge.myl \
  tests/golden/framed.myl tests/golden/tables.myl tests/golden/topo.myl \
  tests/golden/pipes.myl tests/golden/bridged.myl tests/fbs/zoo_types.fbs tests/fbs/zoo.fbs \
  tests/fbs/zoo_chan.myl tests/fbs/atlas.fbs tests/fbs/ring_a.fbs tests/fbs/ring_b.fbs tests/fbs/numbers.fbs)
for s in "${golden[@]}"; do
  "$m" --emit-fbs -o tests/golden -I schemas "$s"
done
m=$(realpath "$m")
# What --print says of each (run in the schema's folder with a relative -I,
# as the test does: the paths it prints are the same on every machine).
for s in "${golden[@]}"; do
  name=$(basename "$s")
  inc=$(realpath --relative-to="$(dirname "$s")" schemas)
  (cd "$(dirname "$s")" && "$m" --print -I "$inc" "$name") >"tests/golden/${name%%.*}.print"
done
cd tests/gen/diag
for err in *.err; do
  name=${err%.err}
  src=$name.myl
  [ -e "$name.fbs" ] && src=$name.fbs
  "$m" --check "$src" 2>"$err" >/dev/null && { echo "$src: no error?" >&2; exit 1; } || true
done
cd ../compat
for old in *.old.myl *.old.fbs; do
  name=${old%.old.*}
  ext=${old##*.}
  set +e
  "$m" --check-compat "$name.old.$ext" "$name.new.$ext" >"$name.stdout" 2>"$name.out"
  rc=$?
  set -e
  { echo "--- stdout"; cat "$name.stdout"; echo "--- exit $rc"; } >>"$name.out"
  rm -f "$name.stdout"
done
echo "goldens, diagnostics and compat outputs updated; review with git diff"
