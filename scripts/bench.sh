#!/bin/sh
# The benchmark suite in one command: build (Release), run bench/suite,
# plot its CSV with gnuplot and regenerate the results section of
# docs/PERFORMANCE.md from it.
#
#   scripts/bench.sh [--smoke] [--out DIR] [--no-build] [suite options...]
#
# Default: CSV, PNG and SVG in docs/bench/, and docs/PERFORMANCE.md
# rewritten between its "suite" markers. --smoke: tiny counts, every
# payload checked (the ctest bench_suite_smoke runs this with --no-build
# and MYELON_SUITE naming the binary). With --out elsewhere than
# docs/bench, the report goes to DIR/PERFORMANCE.md, a copy of the doc,
# and the source tree is not touched. Other options go to bench/suite
# (--only GROUP, --trials N, --iters N, --bytes N, --events N, --cpus A,B).
# Run on a quiet machine: a compile or a test suite on the other CPU
# ruins a spin-waiting benchmark.
set -eu
cd "$(dirname "$0")/.."
out=docs/bench
build=1
smoke=""
while [ $# -gt 0 ]; do
  case $1 in
    --smoke) smoke=--smoke; shift ;;
    --out) out=$2; shift 2 ;;
    --no-build) build=0; shift ;;
    *) break ;;
  esac
done
suite=${MYELON_SUITE:-build-bench/bench/suite}
if [ $build = 1 ]; then
  scripts/deps.sh
  cmake -S . -B build-bench -DCMAKE_BUILD_TYPE=Release -DMYELON_BUILD_TESTS=OFF \
    -DMYELON_BUILD_EXAMPLES=OFF >/dev/null
  cmake --build build-bench -j"$(nproc)" --target suite
  suite=build-bench/bench/suite
fi
mkdir -p "$out"
# A run of one group (--only) keeps the other groups' results. Only the
# suite's own files go: docs/bench also holds the topology, pipeline and
# bridge benchmarks' results, which their own scripts write.
case " $* " in *" --only "*) ;; *)
  for f in meta meta-floor meta-ladder meta-topo meta-peers floor ladder topo peers; do
    rm -f "$out/$f.csv"
  done
  for f in floor_rt ladder_rt ladder_stream topo peers_rt peers_stream; do
    rm -f "$out/$f.png" "$out/$f.svg"
  done ;;
esac
# A failed case (a wrong payload, a process that died) fails the command,
# after the plots and the report of what did run.
rc=0
"$suite" $smoke --out "$out" "$@" || rc=$?
if command -v gnuplot >/dev/null; then
  sh scripts/bench-plot.sh "$out"
else
  echo "bench.sh: gnuplot missing, no plots (scripts/deps.sh installs it)" >&2
fi
if [ "$(cd "$out" && pwd)" = "$(pwd)/docs/bench" ]; then
  doc=docs/PERFORMANCE.md
else
  doc=$out/PERFORMANCE.md
  cp docs/PERFORMANCE.md "$doc"
fi
sh scripts/perf-report.sh "$out" "$doc"
# The generated section must be there, with a table for every group run.
grep -q '^<!-- suite:end -->$' "$doc"
echo "bench.sh: CSV and plots in $out, report in $doc"
[ $rc = 0 ] || echo "bench.sh: the suite failed (status $rc): see FAIL above" >&2
exit $rc
