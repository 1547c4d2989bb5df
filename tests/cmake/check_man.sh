#!/usr/bin/env bash
# The man pages: each renders without a groff warning, documents every
# option its tool's --help lists, and is installed with the docs.
# Usage: check_man.sh <myelon build dir> <work dir> <myelonc> <myelon-stat>
#                     [myelon-health=<path>] [myelon-bridge=<path>]
#   (each given when libmyelon_health, libmyelon_bridge are built)
# Exit 77 (skipped) when the build has no man pages (scdoc not installed);
# exit 1 when a tool is missing or its --help fails or lists no option
# (an empty option list would let every page pass unchecked).
set -euo pipefail
build=$1 work=$2 myelonc=$3 stat=$4
shift 4
health= bridge=
for a in "$@"; do
  case $a in
    myelon-health=*) health=${a#*=} ;;
    myelon-bridge=*) bridge=${a#*=} ;;
    *) echo "check_man.sh: bad argument $a"; exit 2 ;;
  esac
done
man_dir="$build/docs/man"
[ -f "$man_dir/myelonc.1" ] || { echo "no man pages built (scdoc missing)"; exit 77; }
tools="myelonc myelon-stat"
[ -n "$health" ] && tools="$tools myelon-health"
[ -n "$bridge" ] && tools="$tools myelon-bridge"
for tool in $tools; do
  page="$man_dir/$tool.1"
  warn=$(LC_ALL=C.UTF-8 groff -man -Tutf8 -ww -z "$page" 2>&1 || true)
  [ -z "$warn" ] || { echo "$tool.1: groff warns:"; echo "$warn"; exit 1; }
  bin=$myelonc
  [ "$tool" = myelon-stat ] && bin=$stat
  [ "$tool" = myelon-health ] && bin=$health
  [ "$tool" = myelon-bridge ] && bin=$bridge
  [ -x "$bin" ] || { echo "$tool: no executable at '$bin'"; exit 1; }
  help=$("$bin" --help) || { echo "$tool --help failed"; exit 1; }
  opts=$(printf '%s\n' "$help" | grep -o -- '--[a-z][a-z-]*' | sort -u) || true
  [ -n "$opts" ] || { echo "$tool --help lists no option"; exit 1; }
  # Every long option of --help appears in the page, in bold (\fB--opt\fR).
  for opt in $opts; do
    grep -qF -- "\\fB$opt\\fR" "$page" || { echo "$tool.1 does not document $opt"; exit 1; }
  done
  echo "$tool.1: renders cleanly, documents every option of --help"
done
rm -rf "$work"
cmake --install "$build" --prefix "$work/prefix" >/dev/null
installed="share/man/man1/myelonc.1 share/man/man1/myelon-stat.1 share/doc/myelon/README.md
  share/doc/myelon/docs/myl.md share/doc/myelon/docs/ARCHITECTURE.md"
[ -n "$health" ] && installed="$installed share/man/man1/myelon-health.1 bin/myelon-health
  include/myelon/health.h share/doc/myelon/docs/HEALTH.md"
[ -n "$bridge" ] && installed="$installed share/man/man1/myelon-bridge.1 bin/myelon-bridge
  include/myelon/bridge.h share/doc/myelon/docs/BRIDGE.md"
for f in $installed; do
  test -s "$work/prefix/$f" || { echo "not installed: $f"; exit 1; }
done
MANPATH="$work/prefix/share/man" man -w myelon-stat >/dev/null
echo "installed: man pages and share/doc/myelon"
