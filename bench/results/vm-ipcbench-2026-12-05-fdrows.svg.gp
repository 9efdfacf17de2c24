# written by bench/plot-json from bench/results/vm-ipcbench-2026-12-05-fdrows.json; run: gnuplot bench/results/vm-ipcbench-2026-12-05-fdrows.svg.gp
set terminal svg size 1500,560 dynamic noenhanced font 'sans,11' background '#ffffff'
set output 'bench/results/vm-ipcbench-2026-12-05-fdrows.svg'
set multiplot layout 1,3 title 'shmprim-ipcbench: IPC between processes (median, bars: min-max of the passes, bounce 491 ns)'
set logscale xy
set key below font ',8'
set grid ytics
$p0_s0 << EOD
64 0.523 0.4833 0.581
1024 0.4485 0.4127 0.5125
16384 0.1081 0.1003 0.1275
EOD
$p0_s1 << EOD
64 0.3327 0.3211 0.339
1024 0.3391 0.313 0.365
16384 0.1282 0.1276 0.1387
EOD
$p0_s2 << EOD
64 0.3696 0.3653 0.3932
1024 0.3656 0.33 0.3705
16384 0.122 0.1074 0.1227
EOD
$p0_s3 << EOD
64 0.3472 0.3366 0.383
1024 0.3554 0.3366 0.3655
16384 0.08061 0.0803 0.08406
EOD
$p0_s4 << EOD
64 2.999 2.913 3.006
1024 0.8018 0.7419 0.9241
16384 0.186 0.1847 0.1916
EOD
$p0_s5 << EOD
64 11.1 10.75 12.3
1024 2.508 2.438 2.778
16384 0.4063 0.3866 0.4093
EOD
$p0_s6 << EOD
64 3.202 3.163 3.441
1024 2.027 1.973 2.288
16384 0.3742 0.3668 0.3975
EOD
$p0_s7 << EOD
64 7.427 5.54 8.508
1024 2.664 2.615 2.923
16384 0.3783 0.3696 0.3888
EOD
$p0_s8 << EOD
64 1.624 1.553 1.83
1024 1.4 1.314 1.429
16384 0.3353 0.3262 0.3519
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
  $p0_s7 using 1:2:3:4 with yerrorlines lw 1.5 pt 12 lc 8 title 'shmprim channel epoll fd', \
  $p0_s8 using 1:2:3:4 with yerrorlines lw 1.5 pt 13 lc 9 title 'ring+slab busy'
$p1_s0 << EOD
64 2.292e+04 2.24e+04 2.497e+04
1024 2.181e+04 2.155e+04 2.713e+04
16384 3.393e+04 3.388e+04 3.891e+04
EOD
$p1_s1 << EOD
64 2.575e+04 2.351e+04 3.135e+04
1024 2.679e+04 2.589e+04 3.305e+04
16384 4.002e+04 3.486e+04 4.14e+04
EOD
$p1_s2 << EOD
64 2.617e+04 2.353e+04 3.101e+04
1024 2.63e+04 2.628e+04 3.215e+04
16384 3.627e+04 3.505e+04 4.329e+04
EOD
$p1_s3 << EOD
64 2.339e+04 1.722e+04 2.593e+04
1024 2.494e+04 2.403e+04 2.586e+04
16384 3.967e+04 3.804e+04 4.146e+04
EOD
$p1_s4 << EOD
64 2.549e+04 2.118e+04 2.941e+04
1024 3.061e+04 2.918e+04 3.347e+04
16384 3.773e+04 3.313e+04 3.976e+04
EOD
$p1_s5 << EOD
64 741.4 711.4 861.7
1024 1302 1272 1643
16384 7454 6182 7464
EOD
$p1_s6 << EOD
64 901.7 811.6 931.8
1024 1423 1373 1753
16384 7524 6593 7645
EOD
$p1_s7 << EOD
64 1.854e+04 1.542e+04 2.442e+04
1024 2.249e+04 1.713e+04 2.372e+04
16384 2.334e+04 2.159e+04 3.623e+04
EOD
$p1_s8 << EOD
64 1753 1673 1834
1024 2375 2274 2595
16384 8446 8156 8576
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
  $p1_s7 using 1:2:3:4 with yerrorlines lw 1.5 pt 12 lc 8 title 'shmprim channel epoll fd', \
  $p1_s8 using 1:2:3:4 with yerrorlines lw 1.5 pt 13 lc 9 title 'ring+slab busy'
$p2_s0 << EOD
8 0.4815 0.4364 0.5027
64 0.4998 0.4142 0.5336
EOD
$p2_s1 << EOD
8 0.3044 0.2813 0.3192
64 0.3022 0.2548 0.3833
EOD
$p2_s2 << EOD
8 0.3094 0.3031 0.3388
64 0.2851 0.2656 0.3074
EOD
$p2_s3 << EOD
8 0.3572 0.2867 0.3656
64 0.3153 0.2544 0.3242
EOD
$p2_s5 << EOD
8 7.196 6.788 8.488
64 3.011 2.88 4.054
EOD
$p2_s7 << EOD
8 5.077 4.426 8.134
64 2.753 2.528 3.763
EOD
$p2_s8 << EOD
8 1.613 1.534 1.729
64 1.486 1.325 1.506
EOD
$p2_s9 << EOD
8 4.188 3.892 5.002
64 2.387 2.221 3.231
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
  $p2_s7 using 1:2:3:4 with yerrorlines lw 1.5 pt 12 lc 8 title 'shmprim channel epoll fd', \
  $p2_s8 using 1:2:3:4 with yerrorlines lw 1.5 pt 13 lc 9 title 'ring+slab busy', \
  $p2_s9 using 1:2:3:4 with yerrorlines lw 1.5 pt 5 lc 10 title 'shmprim futex_waitv'
unset multiplot
