# alloc-scaling.gp - plot bench_alloc's scaling CSV (log-log).
# gnuplot -e "csv='build/bench/alloc-scaling.csv'; png='out.png'" bench/alloc-scaling.gp
set terminal pngcairo size 1000,650 font "sans,11"
set output png
set datafile separator ","
set title "Cost of one page allocation against memory size (log-log)\n(fragmented OVMF q35 map, the same number of reserved holes at every size; median of 3)"
set logscale xy
set xrange [0.8:80]
set xtics ("1" 1, "2" 2, "4" 4, "8" 8, "16" 16, "32" 32, "64" 64)
set xlabel "memory size (GiB)"
set ylabel "time per page allocation"
set ytics ("1 ns" 1, "10 ns" 10, "100 ns" 100, "1 us" 1e3, "10 us" 1e4, \
	   "100 us" 1e5, "1 ms" 1e6, "10 ms" 1e7, "100 ms" 1e8)
set grid xtics ytics mytics
set key top left box opaque
plot csv skip 1 using 1:4 with linespoints lw 2 pt 5 ps 1.2 lc rgb "#2471a3" \
	title "(1) Runway mm\\_alloc\\_run, 1 page (every page)", \
     csv skip 1 using 1:5 with linespoints lw 2 pt 7 ps 1.2 lc rgb "#c0392b" \
	title "(2) walk to the Nth frame (sampled calls)", \
     csv skip 1 using 1:6 with linespoints lw 2 pt 9 ps 1.4 lc rgb "#1e8449" \
	title "(3) bitmap + largest-free hint per 64-page group (every page)"
