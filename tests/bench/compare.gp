# SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
# compare.gp - bench-compare's figure, from the data compare.py wrote.
#   gnuplot -c tests/bench/compare.gp DIR OUT.png "SYSTEM..."
# Left: every observer's crash-to-dead time, per system (log scale).
# Right: false deaths (observer-level) per fault, per system.
dir = ARG1
systems = ARG3
n = words(systems)

set terminal pngcairo noenhanced size 1400,560 font "DejaVu Sans,11"
set output ARG2
set multiplot layout 1,2

set title "crash → declared dead, every observer of every crash"
set logscale y
set yrange [100:*]
set ylabel "ms after the crash"
set xrange [-0.6:n - 0.4]
set xtics () 
do for [k = 0:n - 1] { set xtics add (word(systems, k + 1) k) }
set grid ytics
set style boxplot nooutliers
set style fill transparent solid 0.25
set boxwidth 0.5
set key off
plot for [k = 0:n - 1] dir.'/dead.dat' index k using (k):2 with boxplot lc k + 1, \
     for [k = 0:n - 1] dir.'/dead.dat' index k using ($1 + (rand(0) - 0.5) * 0.35):2 \
         with points pt 7 ps 0.45 lc k + 1

falsedat = dir.'/false.dat'
if (system("test -s ".falsedat." && echo 1 || echo 0") + 0 == 0) { unset multiplot; exit }
set title "false deaths of live hosts (observer-level; counts under each fault)"
unset logscale y
set yrange [0:*]
set ylabel "deaths declared"
set xrange [*:*]
set xtics auto
set style data histograms
set style histogram clustered gap 1
set style fill solid 0.8 border -1
set boxwidth 0.9
set key top left
set bmargin 4
plot for [c = 2:n + 1] falsedat using c:xtic(1) title columnheader(c) lc c - 1
unset multiplot
