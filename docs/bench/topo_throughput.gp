# Plots docs/bench/topo_throughput.csv (bench/topo_bench, via
# scripts/bench-topo.sh) into topo_throughput.png and .svg.
# Run from the repository root: gnuplot docs/bench/topo_throughput.gp
set datafile separator ","
set key top right
set grid ytics
set xlabel "worker processes"
set ylabel "requests answered per second (median, min-max bar)"
set title "Dispatch and gather through a generated topology: 64 B requests\n(yielding waits: up to 9 processes on 2 CPUs; see docs/PERFORMANCE.md)"
set xtics ("1" 1, "2" 2, "4" 4, "8" 8)
set logscale x 2
set xrange [0.8:10]
set yrange [0:*]
set format y "%.1s%c"
plot_cmd = "plot 'docs/bench/topo_throughput.csv' every ::1 using 1:4:5:6 with yerrorlines lw 2 pt 7 title 'scheduler + N workers'"
set terminal pngcairo size 900,560 font ",11"
set output "docs/bench/topo_throughput.png"
eval(plot_cmd)
set terminal svg size 900,560 dynamic font ",11"
set output "docs/bench/topo_throughput.svg"
eval(plot_cmd)
