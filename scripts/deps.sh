#!/usr/bin/env bash
# Install the Debian packages myelon's build, tests and benchmarks need,
# only those missing. Run by demo.sh, and by test.sh with --test, which adds
# the packages only the tests use (promtool, from prometheus, lints
# myelon-stat's metrics text; iproute2's `ip netns` makes the bridge's two
# "hosts", tests/bridge/netns.sh; gdb prints the stacks of a relay test's
# child that will not exit, tests/bridge/relay_test.h); with --bench, what the benchmark scripts use
# to plot (gnuplot, without X).
set -euo pipefail
MYELON_DEPS=(build-essential g++ cmake pkg-config lemon clang clang-format clang-tidy
             libclang-rt-dev libcmocka-dev flatbuffers-compiler libflatbuffers-dev
             libzmq3-dev libnng-dev libmicrohttpd-dev scdoc gnuplot-nox)
case "${1:-}" in
  --test) MYELON_DEPS+=(prometheus iproute2 gdb) ;;
  --coverage) MYELON_DEPS+=(prometheus iproute2 gdb gcovr) ;;
  --bench) MYELON_DEPS+=(gnuplot-nox) ;;
esac
missing=()
for p in "${MYELON_DEPS[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  echo "installing: ${missing[*]}"
  SUDO=""
  [ "$(id -u)" -eq 0 ] || SUDO="sudo"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi
