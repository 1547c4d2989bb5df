#!/usr/bin/env bash
# The README's pkg-config lines, run as written against an installed tree
# whose libdir is multiarch (lib/x86_64-linux-gnu: myelon.pc must climb
# three levels to its prefix), with the README's own schema and main.c.
# Then the same lines exactly as written (lib/pkgconfig) against this
# build's own installed tree.
# Usage: readme_pkgconfig.sh <myelon source dir> <work dir> <C compiler> <this build dir>
set -euo pipefail
src=$1 work=$2 cc=$3 self=$4
rm -rf "$work"
mkdir -p "$work"
libdir=lib/x86_64-linux-gnu
cmake -S "$src" -B "$work/build" -DCMAKE_INSTALL_LIBDIR=$libdir -DCMAKE_C_COMPILER="$cc" \
  -DMYELON_BUILD_TESTS=OFF -DMYELON_BUILD_BENCH=OFF -DMYELON_BUILD_EXAMPLES=OFF >/dev/null
cmake --build "$work/build" -j2 >/dev/null
PREFIX="$work/prefix"
cmake --install "$work/build" --prefix "$PREFIX" >/dev/null
test -f "$PREFIX/$libdir/pkgconfig/myelon.pc" || { echo "myelon.pc not under $libdir"; exit 1; }

# The README's schema (its first plain ``` block), its first ```c block
# (main.c), and the shell lines of the block that runs pkg-config.
app="$work/app"
mkdir -p "$app"
# Fences: an opening ``` (with or without a language) and its closing ```.
awk '!f && /^```/ {f = 1; lang = substr($0, 4); next} f && /^```$/ {f = 0; if (lang == "" && !done) done = 1; next}
     f && lang == "" && !done' "$src/README.md" >"$app/ticks.myl"
awk '/^```c$/ {n++; if (n == 1) {on = 1; next}} on && /^```$/ {exit} on' "$src/README.md" >"$app/main.c"
awk '/^```sh$/ {on = 1; buf = ""; next} on && /^```$/ {on = 0; if (buf ~ /pkg-config/) {printf "%s", buf; exit}; next}
     on {buf = buf $0 "\n"}' "$src/README.md" >"$app/lines.sh"
grep -q '^package ticks;' "$app/ticks.myl" || { echo "schema not found in README.md"; exit 1; }
grep -q ticks_ticks_unlink "$app/main.c" || { echo "main.c not found in README.md"; exit 1; }
grep -q -- '--variable=myelonc' "$app/lines.sh" || { echo "pkg-config lines not found in README.md"; exit 1; }
echo "--- README lines:"
cat "$app/lines.sh"
# A distinct ring name, so that concurrent runs do not meet.
name="myl-test-$$-readme-pc"
sed -i "s/myl_channel_ring_opts(&ticks_ticks_desc, NULL, &o)/myl_channel_ring_opts(\&ticks_ticks_desc, \"$name\", \&o)/; s/ticks_ticks_unlink(NULL)/ticks_ticks_unlink(\"$name\")/" \
  "$app/main.c"
grep -q "$name" "$app/main.c"
export PKG_CONFIG_PATH=""
run_lines() { # <lines file> <prefix>
  rm -rf "$app/gen" "$app/app"
  # Only the installed tree: no myelonc on PATH.
  (cd "$app" && PREFIX=$2 PATH=/usr/bin:/bin bash -euo pipefail "$1")
  "$app/app"
  test ! -e "/dev/shm/$name" || { echo "segment left behind"; exit 1; }
}
# The multiarch case of the README's PKG_CONFIG_PATH comment.
sed "s|\$PREFIX/lib/pkgconfig|\$PREFIX/$libdir/pkgconfig|" "$app/lines.sh" >"$app/lines-multiarch.sh"
grep -q "$libdir" "$app/lines-multiarch.sh"
run_lines lines-multiarch.sh "$PREFIX"
echo "README pkg-config lines: built and ran against $libdir"
cmake --install "$self" --prefix "$work/prefix-self" >/dev/null
test -f "$work/prefix-self/lib/pkgconfig/myelon.pc" || { echo "this build's libdir is not lib"; exit 77; }
run_lines lines.sh "$work/prefix-self"
echo "README pkg-config lines: built and ran as written against lib"
