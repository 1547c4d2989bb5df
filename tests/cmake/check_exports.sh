#!/usr/bin/env bash
# What a shared libmyelon linked with runtime/myelon.map exports: every
# function the public headers declare (MYL_API), nothing else; internal
# myl__* names only where the headers declare them MYL_API because their
# static inline functions call them. Usage:
#   check_exports.sh <libmyelon.so> <runtime/include/myelon>
set -euo pipefail
lib=$1 inc=$2
command -v nm >/dev/null || { echo "nm not installed"; exit 77; }
exported=$(nm -D --defined-only "$lib" | awk '{print $NF}' | sed 's/@.*//' | grep -v '^MYELON_0$' | sort -u)
# MYL_API declarations keep the name and its '(' on the first line.
declared=$(grep -h '^MYL_API ' "$inc"/*.h | grep -o '^MYL_API [^(]*(' | sed -E 's/.*[ *]([A-Za-z_0-9]+)\($/\1/' | sort -u)
bad=0
for s in $exported; do
  if ! grep -qx "$s" <<<"$declared"; then
    echo "exported but not declared MYL_API in a public header: $s"
    bad=1
  fi
done
for s in $declared; do
  if ! grep -qx "$s" <<<"$exported"; then
    echo "declared MYL_API but not exported (runtime/myelon.map?): $s"
    bad=1
  fi
done
# An internal name is exported only for the headers' inline code: it must
# be called somewhere in a public header besides its declaration.
# The exceptions: names declared with a trailing /* bridge */ comment are
# exported for libmyelon_bridge, a separate library, and /* stat */ for
# myelon-stat and libmyelon_health (tools/stat.c).
for s in $(grep '^myl__' <<<"$exported" || true); do
  if grep -hE "^MYL_API .*\b$s\(.*/\* (bridge|stat) \*/" "$inc"/*.h >/dev/null; then
    continue
  fi
  if ! grep -h "\b$s(" "$inc"/*.h | grep -vq '^MYL_API '; then
    echo "internal $s is exported but no inline code in a public header calls it"
    bad=1
  fi
done
echo "exports: $(wc -w <<<"$exported") symbols, $(grep -c '^myl__' <<<"$exported" || true) of them myl__*"
exit $bad
