#!/usr/bin/env bash
# The README's typed quick-start snippet, compiled against this build and
# run three times: twice in a row, and once after a run that died without
# unlinking its ring (issue 13: a second run used to get EEXIST and crash).
# Usage: readme_snippet.sh SOURCE_DIR LIBMYELON C_COMPILER [SANITIZERS]
set -euo pipefail
src=$1 lib=$2 cc=$3 san=${4:-}
bin=$(cd "$(dirname "$lib")/.." && pwd) # the build tree: runtime/include/myelon/version.h
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
awk '/^```c$/ {n++; if (n == 1) {on = 1; next}} on && /^```$/ {exit} on' "$src/README.md" \
  >"$work/main.c"
grep -q ticks_ticks_unlink "$work/main.c" || { echo "snippet not found in README.md"; exit 1; }
# A distinct segment name, so that concurrent runs do not meet.
name="myl-test-$$-readme"
flags=(-std=c11 -Wall -Wextra -pedantic -Werror "-I$src/tests/golden" "-I$src/runtime/include"
  "-I$bin/runtime/include")
[ -z "$san" ] || flags+=("-fsanitize=$san")
sed "s/myl_channel_ring_opts(&ticks_ticks_desc, NULL, &o)/myl_channel_ring_opts(\&ticks_ticks_desc, \"$name\", \&o)/; s/ticks_ticks_unlink(NULL)/ticks_ticks_unlink(\"$name\")/" \
  "$work/main.c" >"$work/app.c"
grep -q "$name" "$work/app.c"
grep -v ticks_ticks_unlink "$work/app.c" >"$work/crash.c" # dies before unlinking
for p in app crash; do
  "$cc" "${flags[@]}" "$work/$p.c" "$src/tests/golden/ticks.myl.c" "$lib" \
    -o "$work/$p"
done
"$work/app"
"$work/app"
"$work/crash"
test -e "/dev/shm/$name" || { echo "crash variant left no segment"; exit 1; }
"$work/app"
test ! -e "/dev/shm/$name" || { echo "segment left behind"; exit 1; }
echo "README snippet: 3 runs and a run after a dead one passed"
