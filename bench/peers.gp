# peers.gp - the plot of make bench-peers: each loader's median time above
# the firmware's own time against the kernel's size.
# gnuplot -e "dat='...plot.dat'; png='...peers.png'" bench/peers.gp
set terminal pngcairo size 900,560 noenhanced
set output png
set title "Kernel load under OVMF (QEMU): time above the firmware's own time, median"
set xlabel "kernel file-backed data (MiB)"
set ylabel "seconds above firmware"
set logscale x 2
set xtics (1, 4, 16, 64, 256)
set xrange [0.8:320]
set key top left
set grid
plot dat using 1:3 with linespoints lw 2 pt 7 title "Runway (protocol = runway, quiet)", \
     dat using 1:4 with linespoints lw 2 pt 5 title "Runway (protocol = multiboot2, quiet)", \
     dat using 1:5 with linespoints lw 2 pt 11 dt 3 title "Runway (protocol = runway, log lines)", \
     dat using 1:6 with linespoints lw 2 pt 9 title "GRUB 2 (multiboot2)", \
     dat using 1:2 with linespoints lw 2 pt 13 dt 2 title "floor (firmware reads the file)"
