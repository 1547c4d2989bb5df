#!/bin/sh
# Plot the benchmark suite's CSV (bench/suite, scripts/bench.sh) with
# gnuplot: DIR/*.png and DIR/*.svg beside DIR/*.csv.
#
#   scripts/bench-plot.sh DIR
#
# POSIX sh, awk and gnuplot (Debian: gnuplot-nox, scripts/deps.sh).
set -eu
dir=$1
command -v gnuplot >/dev/null || { echo "bench-plot: gnuplot missing (scripts/deps.sh)" >&2; exit 1; }
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

# dat GROUP "case|wait|metric" ... > file: one row per size (or per
# label for row-wise tables), one column per series; "?" where missing.
# Values of repeated rows (the copy pipeline's two runs) are averaged.
ladder() { # metric -> size floor/copy raw framed compact flatbuffers
  awk -F, -v met="$1" -v base="$2" '
    NR > 1 && $2 == "spin" { k = $1 SUBSEP $3 SUBSEP $4; s[k] += $5; n[k]++; sizes[$3] = 1 }
    END {
      split(base " raw framed compact flatbuffers", C, " ")
      for (z = 64; z <= 2097152; z *= 2) {
        if (!(z in sizes)) continue
        line = z
        for (i = 1; i <= 5; i++) {
          c = C[i]; m = met
          if (i == 1 && base == "raw") m = "floor_p50_ns"
          k = c SUBSEP z SUBSEP m
          line = line " " ((k in n) ? s[k] / n[k] : "?")
        }
        print line
      }
    }' "$dir/ladder.csv"
}
ladder rt_p50_ns raw >"$tmp/ladder_rt.dat"
ladder gb_per_s copy >"$tmp/ladder_stream.dat"

awk -F, 'NR > 1 && $1 == "ring" {
    if ($4 == "floor_p50_ns") f[$2 " " $3 " B"] = $5
    if ($4 == "rt_p50_ns") { r[$2 " " $3 " B"] = $5; order[++n] = $2 " " $3 " B" }
  }
  END { for (i = 1; i <= n; i++) printf "\"%s\" %s %s\n", order[i], f[order[i]], r[order[i]] }' \
  "$dir/floor.csv" >"$tmp/floor_rt.dat"

awk -F, 'NR > 1 && $4 == "events_per_s" { printf "\"%s\" %s\n", $1, $5 }' "$dir/topo.csv" \
  >"$tmp/topo.dat"

awk -F, 'NR > 1 && $4 == "rt_p50_ns" {
    c = $1 == "myelon" ? "myelon " $2 : $1
    if (!(c in seen)) { seen[c] = 1; order[++n] = c }
    v[c, $3] = $5
  }
  END {
    for (i = 1; i <= n; i++) {
      c = order[i]; line = "\"" c "\""
      split("0 64 1024 4096", Z, " ")
      for (j = 1; j <= 4; j++) line = line " " (((c, Z[j]) in v) ? v[c, Z[j]] : "?")
      print line
    }
  }' "$dir/peers.csv" >"$tmp/peers_rt.dat"

awk -F, 'NR > 1 && $4 == "events_per_s" {
    c = $1 == "myelon" ? "myelon " $2 : $1; printf "\"%s\" %s\n", c, $5 }' "$dir/peers.csv" \
  >"$tmp/peers_stream.dat"

# The subtitle: machine, time and load of the group's run (meta-GROUP.csv,
# else the whole run's meta.csv).
subtitle() {
  m=$dir/meta-$1.csv
  [ -f "$m" ] || m=$dir/meta.csv
  awk -F, '{ v[$1] = substr($0, length($1) + 2) }
    END { printf "%s, %s, load %s (%s run)", v["cpu"], v["date"], v["loadavg_at_start"], v["mode"] }' "$m"
}

png=png
gnuplot -e 'set terminal pngcairo' >/dev/null 2>&1 && png=pngcairo

plot() { # name, gnuplot body
  sub=$(subtitle "${1%%_*}")
  for t in svg png; do
    if [ $t = svg ]; then term="set terminal svg size 900,520 dynamic font 'sans,11'"
    else term="set terminal $png size 900,520"; fi
    gnuplot <<GP
$term
set output '$dir/$1.$t'
set datafile missing '?'
set key outside right top
set grid ytics
set bmargin 7
set label 99 '$sub' at screen 0.01, screen 0.015 font ',9'
$2
GP
  done
}

plot ladder_rt "
set title 'Layer ladder: round trip p50, spin'
set logscale xy 2
set logscale y 10
set xlabel 'message (bytes)'
set ylabel 'ns'
set xtics ('64' 64, '256' 256, '1K' 1024, '4K' 4096, '16K' 16384, '64K' 65536, '256K' 262144, '1M' 1048576, '2M' 2097152)
plot '$tmp/ladder_rt.dat' u 1:2 w lp t 'copy floor', '' u 1:3 w lp t 'raw', '' u 1:4 w lp t 'framed', '' u 1:5 w lp t 'compact', '' u 1:6 w lp t 'FlatBuffers'"

plot ladder_stream "
set title 'Layer ladder: streaming GB/s, spin'
set logscale x 2
set xlabel 'message (bytes)'
set ylabel 'GB/s'
set xtics ('64' 64, '256' 256, '1K' 1024, '4K' 4096, '16K' 16384, '64K' 65536, '256K' 262144, '1M' 1048576, '2M' 2097152)
set yrange [0:*]
plot '$tmp/ladder_stream.dat' u 1:2 w lp t 'copy pipeline', '' u 1:3 w lp t 'raw', '' u 1:4 w lp t 'framed', '' u 1:5 w lp t 'compact', '' u 1:6 w lp t 'FlatBuffers'"

plot floor_rt "
set title 'Round trip p50 against the floor, by wait mode'
set style data histograms
set style histogram clustered gap 1
set style fill solid 0.8 border -1
set logscale y
set yrange [10:*]
set ylabel 'ns'
set xtics rotate by -35
plot '$tmp/floor_rt.dat' u 2:xtic(1) t 'floor', '' u 3 t 'ring'"

plot topo "
set title 'Topologies: events/s (block: more processes than cores)'
set style data histograms
set style fill solid 0.8 border -1
set logscale y
set yrange [1000:*]
set ylabel 'events/s'
set xtics rotate by -35
unset key
plot '$tmp/topo.dat' u 2:xtic(1)"

plot peers_rt "
set title 'Round trip p50: the ring and its peers'
set style data histograms
set style histogram clustered gap 1
set style fill solid 0.8 border -1
set logscale y
set yrange [10:*]
set ylabel 'ns'
set xtics rotate by -35
plot '$tmp/peers_rt.dat' u 2:xtic(1) t '0 B', '' u 3 t '64 B', '' u 4 t '1 KB', '' u 5 t '4 KB'"

plot peers_stream "
set title '64 B streaming: events/s'
set style data histograms
set style fill solid 0.8 border -1
set logscale y
set yrange [1000:*]
set ylabel 'events/s'
set xtics rotate by -35
unset key
plot '$tmp/peers_stream.dat' u 2:xtic(1)"
