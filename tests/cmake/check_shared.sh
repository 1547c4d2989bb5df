#!/usr/bin/env bash
# A shared-library build (BUILD_SHARED_LIBS=ON): libmyelon.so (and the
# bridge's and health endpoint's libraries, where this machine builds them)
# carry the soname number MYL_ABI_VERSION, and a program linked with
# libmyelon.so names that soname and runs. A program linked with an older,
# incompatible libmyelon then fails to load a newer one instead of reading
# its structs wrongly. Installed to a prefix, the tools start from there
# with no LD_LIBRARY_PATH (their RUNPATH finds the libraries). Usage:
#   check_shared.sh <myelon source dir> <work dir> <C compiler>
set -euo pipefail
src=$1 work=$2 cc=$3
command -v readelf >/dev/null || { echo "readelf not installed"; exit 77; }
rm -rf "$work"
b="$work/b"
cmake -S "$src" -B "$b" -DBUILD_SHARED_LIBS=ON -DCMAKE_BUILD_TYPE=Release -DMYELON_BUILD_TESTS=OFF \
  -DMYELON_BUILD_BENCH=OFF -DMYELON_BUILD_EXAMPLES=OFF -DMYELON_BUILD_MAN=OFF >/dev/null
abi=$(sed -n 's/^#define MYL_ABI_VERSION \([0-9][0-9]*\)$/\1/p' "$b/runtime/include/myelon/version.h")
[ -n "$abi" ] || { echo "no MYL_ABI_VERSION in version.h"; exit 1; }
targets=(myelon_runtime)
help=$(cmake --build "$b" --target help)
for t in myelon_bridge myelon_health; do
  if grep -q "\\b$t\\b" <<<"$help"; then targets+=("$t"); fi
done
cmake --build "$b" -j2 >/dev/null
soname() { readelf -d "$1" | sed -n 's/.*(SONAME).*\[\(.*\)\]/\1/p'; }
bad=0
for t in "${targets[@]}"; do
  name=lib${t/myelon_runtime/myelon}.so
  lib=$(find "$b" -name "$name" | head -1)
  [ -n "$lib" ] || { echo "$t: $name not built"; bad=1; continue; }
  got=$(soname "$lib")
  if [ "$got" != "$name.$abi" ]; then
    echo "$t: soname '$got', expected '$name.$abi' (MYL_ABI_VERSION $abi)"
    bad=1
  else
    echo "$t: soname $got"
  fi
done
# A program against the shared runtime: it loads and its ring round trip
# works (the inline hot path calls only what runtime/myelon.map exports).
libdir=$(dirname "$(find "$b" -name libmyelon.so | head -1)")
"$cc" -std=c11 -Wall -Wextra -Werror -pedantic -I "$src/runtime/include" -I "$b/runtime/include" \
  "$src/tests/cmake/app_runtime.c" -o "$work/app" -L "$libdir" -lmyelon -pthread
needed=$(readelf -d "$work/app" | sed -n 's/.*(NEEDED).*\[\(libmyelon\.so[^]]*\)\]/\1/p')
if [ "$needed" != "libmyelon.so.$abi" ]; then
  echo "app needs '$needed', expected libmyelon.so.$abi"
  bad=1
fi
LD_LIBRARY_PATH=$libdir "$work/app"
# Installed: each tool runs from the prefix as it is.
cmake --install "$b" --prefix "$work/pfx" >/dev/null
for tool in myelon-stat myelon-bridge myelon-health; do
  [ -e "$work/pfx/bin/$tool" ] || continue # not built on this machine
  if out=$(env -u LD_LIBRARY_PATH "$work/pfx/bin/$tool" --version 2>&1); then
    echo "installed $tool: $out"
  else
    echo "installed $tool does not start: $out"
    bad=1
  fi
done
exit $bad
