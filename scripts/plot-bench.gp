# Speed-up over XNNPACK dense vs sparsity, one panel per suite, from sprig-bench --plot-dir data.
# gnuplot -e "datadir='bench-results'; suites='mobilenet-v1 transformer'" scripts/plot-bench.gp
#   datadir   where speedup-<suite>.dat and speedup-<suite>-xnn-sparse.dat are (and the PNG goes)
#   suites    space-separated suite names, one panel each
#   output    PNG path (default datadir/speedup-vs-sparsity.png)
# Each data block is one curve: its first line is the title, then "sparsity speed-up" lines
# (median over the suite's layers of XNNPACK dense time / contender time).
if (!exists("datadir")) datadir = "bench-results"
if (!exists("suites")) suites = "mobilenet-v1"
if (!exists("output")) output = datadir."/speedup-vs-sparsity.png"

panels = words(suites)
set terminal pngcairo size 720 * panels, 540 font ",10"
set output output
set multiplot layout 1, panels title "sprig vs XNNPACK: speed-up over XNNPACK dense (median over the suite's layers)"

set xlabel "sparsity (fraction of weights pruned)"
set ylabel "speed-up over XNNPACK dense (x)"
set logscale y 2
set grid xtics ytics
set key top left box opaque
set xrange [*:*]
set format x "%.2f"

do for [p = 1:panels] {
    suite = word(suites, p)
    sprig_file = datadir."/speedup-".suite.".dat"
    xnn_file = datadir."/speedup-".suite."-xnn-sparse.dat"
    # Blocks (curves) = title lines, which start with a double quote.
    sprig_blocks = int(system("grep -c '^\"' '".sprig_file."'"))
    xnn_blocks = int(system("grep -c '^\"' '".xnn_file."'"))
    set title suite
    plot for [b = 0:sprig_blocks - 1] sprig_file index b using 1:2 with linespoints lw 2 pt 7 \
             title columnheader(1), \
         for [b = 0:xnn_blocks - 1] xnn_file index b using 1:2 with linespoints lw 1 dt 2 pt 6 \
             title columnheader(1), \
         1 with lines lw 2 lc rgb "black" title "XNNPACK dense (1.0)"
}
unset multiplot
