# Plots docs/bench/exchange_latency.csv (bench/pipe_bench, via
# scripts/bench-pipeline.sh) into exchange_latency.png and .svg: the
# exchange's order-to-report latency by percentile, with the journal's
# fdatasync on every commit and without fsync, 1 and 16 orders in flight.
# Run from the repository root: gnuplot docs/bench/exchange_latency.gp
set datafile separator ","
set key top left
set grid xtics ytics mxtics mytics
set xlabel "percentile"
set ylabel "order sent -> report received (microseconds)"
set title "Exchange end to end (examples/exchange, generated runner, one process)\n(journal on ext4; see docs/PERFORMANCE.md for the machine and its load)"
set logscale y 10
# the percentile axis in "nines": x = -log10(1 - p/100)
nines(p) = p >= 100 ? 4.5 : -log10(1 - p / 100.0)
set xtics ("0" 0, "50" nines(50), "90" nines(90), "99" nines(99), "99.9" nines(99.9), "99.99" nines(99.99), "max" 4.5)
set xrange [0:4.6]
sel(j, w, jj, ww, v) = (j eq jj && w == ww) ? v : NaN
plot_cmd = "plot \
  'docs/bench/exchange_latency.csv' every ::1 using (nines($3)):(sel(strcol(1), $2, 'fsync', 1, $4 / 1000.0)) with linespoints lw 2 pt 7 title 'fsync every commit, 1 in flight', \
  '' every ::1 using (nines($3)):(sel(strcol(1), $2, 'fsync', 16, $4 / 1000.0)) with linespoints lw 2 pt 5 title 'fsync every commit, 16 in flight', \
  '' every ::1 using (nines($3)):(sel(strcol(1), $2, 'nofsync', 1, $4 / 1000.0)) with linespoints lw 2 pt 9 title 'no fsync, 1 in flight', \
  '' every ::1 using (nines($3)):(sel(strcol(1), $2, 'nofsync', 16, $4 / 1000.0)) with linespoints lw 2 pt 11 title 'no fsync, 16 in flight'"
set terminal pngcairo size 900,560 font ",11"
set output "docs/bench/exchange_latency.png"
eval(plot_cmd)
set terminal svg size 900,560 dynamic font ",11"
set output "docs/bench/exchange_latency.svg"
eval(plot_cmd)
