# written by bench/plot-json from bench/results/vm-ipcbench-2026-12-05-half.json; run: gnuplot bench/results/vm-ipcbench-2026-12-05-half.svg.gp
set terminal svg size 1500,560 dynamic noenhanced font 'sans,11' background '#ffffff'
set output 'bench/results/vm-ipcbench-2026-12-05-half.svg'
set multiplot layout 1,3 title 'shmprim-ipcbench, 2-vCPU VM (AMD EPYC), slow mode: IPC between processes (median, bars: min-max of the passes, bounce 421 ns)'
set logscale xy
set key below font ',8'
set grid ytics
$p0_s0 << EOD
64 0.5739 0.552 0.5777
1024 0.5142 0.4129 0.6396
16384 0.1391 0.1385 0.1814
EOD
$p0_s1 << EOD
64 0.3385 0.3056 0.4302
1024 0.3671 0.286 0.4452
16384 0.1908 0.1454 0.2014
EOD
$p0_s2 << EOD
64 0.3519 0.3378 0.4348
1024 0.3914 0.3168 0.4811
16384 0.1692 0.1341 0.1936
EOD
$p0_s3 << EOD
64 0.2995 0.2218 0.3502
1024 0.3454 0.2283 0.3748
16384 0.1074 0.0773 0.1076
EOD
$p0_s4 << EOD
64 3.998 2.111 6.334
1024 1.012 0.7427 1.448
16384 0.2438 0.2054 0.314
EOD
$p0_s5 << EOD
64 15.42 5.37 40.71
1024 3.197 3.171 9.072
16384 0.5908 0.4919 0.6731
EOD
$p0_s6 << EOD
64 3.961 2.001 15.56
1024 2.66 2.362 7.484
16384 0.5345 0.4324 0.6325
EOD
$p0_s7 << EOD
64 1.957 1.51 7.79
1024 1.675 1.592 5.13
16384 0.4966 0.4117 0.5944
EOD
set title 'throughput, one producer to one consumer'
set xlabel 'message size (bytes)'
set ylabel 'Mmsg/s'
set xrange [40:30000]
set xtics (64, 1024, 16384)
plot $p0_s0 using 1:2:3:4 with yerrorlines lw 1.5 pt 5 lc 1 title 'pipe', \
  $p0_s1 using 1:2:3:4 with yerrorlines lw 1.5 pt 6 lc 2 title 'AF_UNIX stream', \
  $p0_s2 using 1:2:3:4 with yerrorlines lw 1.5 pt 7 lc 3 title 'AF_UNIX seqpacket', \
  $p0_s3 using 1:2:3:4 with yerrorlines lw 1.5 pt 8 lc 4 title 'POSIX mq', \
  $p0_s4 using 1:2:3:4 with yerrorlines lw 1.5 pt 9 lc 5 title 'Boost message_queue', \
  $p0_s5 using 1:2:3:4 with yerrorlines lw 1.5 pt 10 lc 6 title 'shmprim channel busy', \
  $p0_s6 using 1:2:3:4 with yerrorlines lw 1.5 pt 11 lc 7 title 'shmprim channel futex', \
  $p0_s7 using 1:2:3:4 with yerrorlines lw 1.5 pt 12 lc 8 title 'ring+slab busy'
$p1_s0 << EOD
64 1.83e+04 1.635e+04 2.154e+04
1024 1.941e+04 1.682e+04 2.204e+04
16384 2.612e+04 2.283e+04 3.058e+04
EOD
$p1_s1 << EOD
64 2.155e+04 1.921e+04 2.568e+04
1024 2.271e+04 1.94e+04 2.612e+04
16384 2.747e+04 2.438e+04 3.258e+04
EOD
$p1_s2 << EOD
64 2.174e+04 1.9e+04 2.569e+04
1024 2.258e+04 1.984e+04 2.619e+04
16384 2.812e+04 2.457e+04 3.284e+04
EOD
$p1_s3 << EOD
64 1.941e+04 1.655e+04 2.176e+04
1024 2.006e+04 1.704e+04 2.258e+04
16384 3.124e+04 2.72e+04 3.54e+04
EOD
$p1_s4 << EOD
64 2.495e+04 2.014e+04 2.577e+04
1024 2.404e+04 2.035e+04 2.684e+04
16384 3.046e+04 2.451e+04 3.178e+04
EOD
$p1_s5 << EOD
64 641.2 180.3 691.3
1024 1172 450.9 1252
16384 5931 4238 6122
EOD
$p1_s6 << EOD
64 871.7 250.5 871.7
1024 1192 490.9 1383
16384 6052 4308 6242
EOD
$p1_s7 << EOD
64 1593 440.8 1693
1024 1954 691.3 2084
16384 7114 4459 7144
EOD
set title 'round trip p50'
set xlabel 'message size (bytes)'
set ylabel 'ns'
set xrange [40:30000]
set xtics (64, 1024, 16384)
plot $p1_s0 using 1:2:3:4 with yerrorlines lw 1.5 pt 5 lc 1 title 'pipe', \
  $p1_s1 using 1:2:3:4 with yerrorlines lw 1.5 pt 6 lc 2 title 'AF_UNIX stream', \
  $p1_s2 using 1:2:3:4 with yerrorlines lw 1.5 pt 7 lc 3 title 'AF_UNIX seqpacket', \
  $p1_s3 using 1:2:3:4 with yerrorlines lw 1.5 pt 8 lc 4 title 'POSIX mq', \
  $p1_s4 using 1:2:3:4 with yerrorlines lw 1.5 pt 9 lc 5 title 'Boost message_queue', \
  $p1_s5 using 1:2:3:4 with yerrorlines lw 1.5 pt 10 lc 6 title 'shmprim channel busy', \
  $p1_s6 using 1:2:3:4 with yerrorlines lw 1.5 pt 11 lc 7 title 'shmprim channel futex', \
  $p1_s7 using 1:2:3:4 with yerrorlines lw 1.5 pt 12 lc 8 title 'ring+slab busy'
$p2_s0 << EOD
8 0.6448 0.6291 0.6957
64 0.5962 0.5816 0.6175
EOD
$p2_s1 << EOD
8 0.378 0.3555 0.4716
64 0.3585 0.3372 0.4261
EOD
$p2_s2 << EOD
8 0.4004 0.376 0.4258
64 0.3345 0.3289 0.4487
EOD
$p2_s3 << EOD
8 0.431 0.3891 0.5389
64 0.3246 0.3183 0.5209
EOD
$p2_s5 << EOD
8 10.87 6.653 11.35
64 3.786 3.297 4.579
EOD
$p2_s7 << EOD
8 6.852 1.798 7.234
64 1.703 1.417 2.648
EOD
set title 'fan-in, 64 B messages'
set xlabel 'producer processes'
set ylabel 'Mmsg/s'
set xrange [5:100]
set xtics (8, 64)
plot $p2_s0 using 1:2:3:4 with yerrorlines lw 1.5 pt 5 lc 1 title 'pipe', \
  $p2_s1 using 1:2:3:4 with yerrorlines lw 1.5 pt 6 lc 2 title 'AF_UNIX stream', \
  $p2_s2 using 1:2:3:4 with yerrorlines lw 1.5 pt 7 lc 3 title 'AF_UNIX seqpacket', \
  $p2_s3 using 1:2:3:4 with yerrorlines lw 1.5 pt 8 lc 4 title 'POSIX mq', \
  $p2_s5 using 1:2:3:4 with yerrorlines lw 1.5 pt 10 lc 6 title 'shmprim channel busy', \
  $p2_s7 using 1:2:3:4 with yerrorlines lw 1.5 pt 12 lc 8 title 'ring+slab busy'
unset multiplot
