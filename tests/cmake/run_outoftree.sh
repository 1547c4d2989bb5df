#!/usr/bin/env bash
# Out-of-tree use of an installed myelon. Usage:
#   run_outoftree.sh <myelon build dir> <myelon source dir> <work dir> <case>
# case: find     - find_package(myelon) + myelon::runtime
#       pkgconfig - cc $(pkg-config --cflags --libs myelon)
#       schema   - find_package(myelon) + add_myelon_schema(), and
#                  regeneration when an imported schema changes
#       subdir   - add_subdirectory(<myelon source>) + add_myelon_schema()
#       stubs    - add_myelon_schema(... STUBS DIR): stubs written once, kept
#                  when edited, compiled with the generated code
set -euo pipefail
build=$1 src=$2 work=$3 case=$4
rm -rf "$work"
mkdir -p "$work"
cmake --install "$build" --prefix "$work/prefix" >/dev/null
case "$case" in
find)
  cmake -S "$src/tests/cmake/find_runtime" -B "$work/b" -DCMAKE_PREFIX_PATH="$work/prefix" >/dev/null
  cmake --build "$work/b"
  "$work/b/app"
  ;;
pkgconfig)
  pc=$(dirname "$(find "$work/prefix" -name myelon.pc | head -1)")
  export PKG_CONFIG_PATH=$pc
  # shellcheck disable=SC2046
  cc -std=c11 -Wall -Wextra -Werror -pedantic $(pkg-config --cflags myelon) \
    "$src/tests/cmake/app_runtime.c" -o "$work/app" $(pkg-config --libs --static myelon)
  "$work/app"
  # Generated code too: the installed myelonc, then only pkg-config flags.
  proj="$src/tests/cmake/schema_project"
  "$work/prefix/bin/myelonc" -o "$work/gen" -I "$proj" "$proj/app.myl" "$proj/common.myl"
  # shellcheck disable=SC2046
  cc -std=c11 -Wall -Wextra -Werror -pedantic $(pkg-config --cflags myelon) -I "$work/gen" \
    "$proj/main.c" "$work/gen/app.myl.c" "$work/gen/common.myl.c" -o "$work/schema_app" \
    $(pkg-config --libs --static myelon)
  "$work/schema_app"
  ;;
schema|subdir)
  # The project is copied so that the test can edit its imported schema.
  cp -r "$src/tests/cmake/schema_project" "$work/proj"
  if [ "$case" = schema ]; then
    cmake -S "$work/proj" -B "$work/b" -DCMAKE_PREFIX_PATH="$work/prefix" >/dev/null
  else
    cmake -S "$work/proj" -B "$work/b" -DMYELON_SOURCE_DIR="$src" >/dev/null
  fi
  cmake --build "$work/b"
  "$work/b/app"
  hdr=$(find "$work/b" -name 'app.myl.h' | head -1)
  [ -n "$hdr" ] || { echo "app.myl.h not generated"; exit 1; }
  if grep -q 'extra_field' "$hdr"; then echo "unexpected field before edit"; exit 1; fi
  cp "$hdr" "$work/app.before.h"
  # Edit the *imported* schema only: the dependent must be regenerated.
  sed -i 's|^  // EDIT-HERE|  extra_field: u32;|' "$work/proj/common.myl"
  grep -q 'extra_field' "$work/proj/common.myl"
  cmake --build "$work/b"
  common_hdr=$(find "$work/b" -name 'common.myl.h' | head -1)
  grep -q 'extra_field' "$common_hdr" || { echo "common.myl.h not regenerated"; exit 1; }
  # app.myl.h embeds the fingerprint of what it imports, so it must change too.
  if cmp -s "$hdr" "$work/app.before.h"; then echo "app.myl.h not regenerated"; exit 1; fi
  "$work/b/app"
  echo "regeneration after editing the imported schema: ok"
  ;;
stubs)
  cp -r "$src/tests/cmake/stubs_project" "$work/proj"
  cmake -S "$work/proj" -B "$work/b" -DCMAKE_PREFIX_PATH="$work/prefix" >/dev/null
  for r in boss workers; do
    [ -s "$work/proj/stubs/topo_Farm_$r.c" ] || { echo "stub of role $r not written"; exit 1; }
  done
  cmake --build "$work/b"
  # An edited stub is the user's: neither configuring nor building again
  # writes over it.
  echo '/* edited by the user */' >>"$work/proj/stubs/topo_Farm_workers.c"
  cp "$work/proj/stubs/topo_Farm_workers.c" "$work/edited.c"
  touch "$work/proj/topo.myl"
  cmake -S "$work/proj" -B "$work/b" >/dev/null
  cmake --build "$work/b"
  cmp -s "$work/proj/stubs/topo_Farm_workers.c" "$work/edited.c" ||
    { echo "an edited stub was overwritten"; exit 1; }
  echo "stubs written once and kept: ok"
  ;;
*) echo "unknown case $case"; exit 2 ;;
esac
