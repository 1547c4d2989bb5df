#!/usr/bin/env bash
# Configures the project with each switch that turns the tests off and
# checks that the build then defines no test. Usage:
#   check_options.sh <myelon source dir> <work dir>
set -euo pipefail
src=$1 work=$2
rm -rf "$work"
for opt in BUILD_TESTING=OFF MYELON_BUILD_TESTS=OFF; do
  b="$work/${opt%%=*}"
  cmake -S "$src" -B "$b" -D"$opt" -DMYELON_BUILD_BENCH=OFF -DMYELON_BUILD_EXAMPLES=OFF >/dev/null
  n=$(cd "$b" && ctest -N | sed -n 's/^Total Tests: //p')
  if [ "$n" != 0 ]; then
    echo "-D$opt: $n tests defined, expected none"
    exit 1
  fi
  echo "-D$opt: no tests"
done
