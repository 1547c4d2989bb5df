#!/bin/sh
# Runs test_fbs_ring on flatc's buffer of ring.json (ring_a.fbs and
# ring_b.fbs include each other), then has flatc decode the copy our
# builders made: its JSON must equal flatc's JSON of its own buffer.
# Usage: interop_ring.sh TEST_BINARY FLATC_BUFFER SRC OUT
set -eu
t=$1 buf=$2 src=$3 out=$4
rm -rf "$out"
mkdir -p "$out"
"$t" "$buf" "$out/ours.bin"
cp "$buf" "$out/theirs.bin"
cd "$out"
flatc --json --strict-json -o "$out" "$src/ring_a.fbs" -- "$out/theirs.bin"
flatc --json --strict-json -o "$out" "$src/ring_a.fbs" -- "$out/ours.bin"
if ! cmp "$out/theirs.json" "$out/ours.json"; then
  diff -u "$out/theirs.json" "$out/ours.json" | head -40
  echo "flatc decodes our buffer differently from its own" >&2
  exit 1
fi
echo "flatc --json: our buffer and flatc's decode the same ($(wc -l <"$out/ours.json") lines)"
