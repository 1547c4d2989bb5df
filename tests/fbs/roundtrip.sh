#!/bin/sh
# The round trip .fbs -> myelonc --emit-fbs -> flatc: for each schema
# given, flatc's binary schema (--schema -b, with doc comments and the
# built-in attributes) of the original and of myelonc's --emit-fbs output
# must be the same bytes. Skipped (77) without flatc.
# Usage: roundtrip.sh MYELONC OUT SCHEMA.fbs...
set -eu
command -v flatc >/dev/null || { echo "flatc not installed: skipped"; exit 77; }
m=$1 out=$2
shift 2
rm -rf "$out"
mkdir -p "$out/emit" "$out/orig" "$out/back"
out=$(cd "$out" && pwd)
flags="--schema -b --bfbs-comments --bfbs-builtins"
for f in "$@"; do
  "$m" --emit-fbs -o "$out/emit" "$f"
done
for f in "$@"; do
  stem=$(basename "$f" .fbs)
  (cd "$(dirname "$f")" && flatc $flags -o "$out/orig" "$stem.fbs")
  (cd "$out/emit" && flatc $flags -o "$out/back" "$stem.fbs")
  if ! cmp "$out/orig/$stem.bfbs" "$out/back/$stem.bfbs"; then
    echo "$stem.fbs: the binary schema of myelonc's --emit-fbs output differs" >&2
    exit 1
  fi
  echo "$stem.fbs: same binary schema after the round trip"
done
