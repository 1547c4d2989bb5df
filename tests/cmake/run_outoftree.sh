#!/usr/bin/env bash
# Out-of-tree use of an installed myelon. Usage:
#   run_outoftree.sh <myelon build dir> <myelon source dir> <work dir> <case>
# case: find     - find_package(myelon) + myelon::runtime (and myelon::health)
#       pkgconfig - cc $(pkg-config --cflags --libs myelon) (and myelon-health)
#       schema   - find_package(myelon) + add_myelon_schema(), and
#                  regeneration when an imported schema changes
#       subdir   - add_subdirectory(<myelon source>) + add_myelon_schema()
#       stubs    - add_myelon_schema(... STUBS DIR): stubs written once, kept
#                  when edited, compiled with the generated code
#       forms_find, forms_subdir, forms_fetch - every add_myelon_schema()
#                  form (tests/cmake/schema_forms) with find_package,
#                  add_subdirectory or FetchContent; forms_find also checks
#                  the configure-time errors
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
  # myelon::health, when this build has libmyelon_health.
  if [ -f "$work/prefix/include/myelon/health.h" ]; then
    "$work/b/app_health"
  fi
  # myelon::bridge, when this build has libmyelon_bridge.
  if [ -f "$work/prefix/include/myelon/bridge.h" ]; then
    "$work/b/app_bridge"
  fi
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
  # myelon-health.pc, when this build has libmyelon_health.
  if [ -f "$pc/myelon-health.pc" ]; then
    # shellcheck disable=SC2046
    cc -std=c11 -Wall -Wextra -Werror -pedantic $(pkg-config --cflags myelon-health) \
      "$src/tests/cmake/app_health.c" -o "$work/app_health" $(pkg-config --libs --static myelon-health)
    "$work/app_health"
  fi
  # myelon-bridge.pc, when this build has libmyelon_bridge.
  if [ -f "$work/prefix/include/myelon/bridge.h" ]; then
    [ -f "$pc/myelon-bridge.pc" ] || { echo "bridge.h installed, myelon-bridge.pc not"; exit 1; }
    # shellcheck disable=SC2046
    cc -std=c11 -Wall -Wextra -Werror -pedantic $(pkg-config --cflags myelon-bridge) \
      "$src/tests/cmake/app_bridge.c" -o "$work/app_bridge" $(pkg-config --libs --static myelon-bridge)
    "$work/app_bridge"
  fi
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
  [ -s "$work/proj/stubs/topo_Adder.c" ] || { echo "stub of pipeline Adder not written"; exit 1; }
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
  # A pipeline added to the schema: the build (which configures again,
  # the schema being a configure dependency) writes its stub, and says
  # nothing of the stubs that exist.
  printf 'pipeline Doubler {\n  input ticks;\n  stage journal durable fsync;\n}\n' \
    >>"$work/proj/topo.myl"
  out=$(cmake --build "$work/b" 2>&1)
  [ -s "$work/proj/stubs/topo_Doubler.c" ] || { echo "stub of a pipeline added later not written"; exit 1; }
  if grep -q "left as it is" <<<"$out"; then
    echo "the build spoke of the stubs that exist:"; grep "left as it is" <<<"$out"; exit 1
  fi
  echo "stubs written once and kept: ok"
  ;;
forms_*)
  use=${case#forms_}
  proj="$src/tests/cmake/schema_forms"
  cmake -S "$proj" -B "$work/b" -DMYELON_USE="$use" -DCMAKE_PREFIX_PATH="$work/prefix" \
    -DMYELON_SOURCE_DIR="$src" >/dev/null
  cmake --build "$work/b" -j2
  for app in app_a app_b app_obj app_c app_d; do "$work/b/$app"; done
  # What OUT_VAR listed exists after the build (the .fbs from FLAGS too).
  IFS=";" read -r -a files <"$work/b/gen_files.txt" || true # no final newline
  for f in "${files[@]}"; do test -s "$f" || { echo "OUT_VAR file $f not generated"; exit 1; }; done
  echo "OUT_VAR: ${#files[@]} files generated"
  # Each target that generates has a directory of its own.
  for d in shapes_gen shapes_obj app_c app_d; do
    test -f "$work/b/myelon_gen/$d/app.myl.h" || { echo "myelon_gen/$d/app.myl.h missing"; exit 1; }
  done
  if [ "$use" = find ]; then
    expect_error() { # <BROKEN value> <text the error must contain>
      if cmake -S "$proj" -B "$work/broken-$1" -DCMAKE_PREFIX_PATH="$work/prefix" -DBROKEN="$1" \
        >"$work/broken-$1.log" 2>&1; then
        echo "BROKEN=$1: configure succeeded"
        exit 1
      fi
      # CMake wraps long messages: compare without line breaks.
      tr -s ' \n' ' ' <"$work/broken-$1.log" | grep -qF "$2" ||
        { cat "$work/broken-$1.log"; echo "BROKEN=$1: no '$2' in the error"; exit 1; }
      echo "BROKEN=$1: configure fails naming the fix ($2)"
    }
    expect_error import 'imports "common.myl", which is neither next to it nor in IMPORT_DIRS (none). Add the directory that holds it: IMPORT_DIRS <dir>.'
    expect_error twice 'add_myelon_schema(TARGET <name> SCHEMAS ...) and link it to each'
  fi
  ;;
*) echo "unknown case $case"; exit 2 ;;
esac
