#!/bin/sh
# myelonc generates the same C from a FlatBuffers schema as from its .myl
# equivalent: for each pair STEM.fbs / STEM.myl in SRC, the generated
# STEM.myl.h and STEM.myl.c may differ only in their first line, which
# names the source file.
# Usage: same_c.sh MYELONC SRC OUT STEM...
set -eu
m=$1 src=$2 out=$3
shift 3
rm -rf "$out"
mkdir -p "$out/fbs" "$out/myl"
for stem in "$@"; do
  "$m" -o "$out/fbs" "$src/$stem.fbs"
  "$m" -o "$out/myl" "$src/$stem.myl"
  for ext in myl.h myl.c; do
    head -n 1 "$out/fbs/$stem.$ext" | sed "s/from $stem\.fbs\./from $stem.myl./" >"$out/a"
    tail -n +2 "$out/fbs/$stem.$ext" >>"$out/a"
    if ! cmp -s "$out/a" "$out/myl/$stem.$ext"; then
      diff -u "$out/myl/$stem.$ext" "$out/a" | head -50
      echo "$stem.$ext: $stem.fbs and $stem.myl give different C" >&2
      exit 1
    fi
  done
  echo "$stem: same C from .fbs and .myl"
done
