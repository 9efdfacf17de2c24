# written by bench/plot-json from bench/results/vm-ipcbench-2026-12-05.json; run: gnuplot bench/results/vm-ipcbench-2026-12-05.svg.gp
set terminal svg size 1500,560 dynamic noenhanced font 'sans,11' background '#ffffff'
set output 'bench/results/vm-ipcbench-2026-12-05.svg'
set multiplot layout 1,3 title 'shmprim-ipcbench, 2-vCPU VM (AMD EPYC), slow mode: IPC between processes (median, bars: min-max of the passes, bounce 411 ns)'
set logscale xy
set key below font ',8'
set grid ytics
$p0_s0 << EOD
64 0.6193 0.547 0.6943
1024 0.6037 0.4373 0.6048
16384 0.1855 0.1459 0.1912
EOD
$p0_s1 << EOD
64 0.4048 0.3522 0.4163
1024 0.4357 0.3144 0.4541
16384 0.1783 0.1549 0.1823
EOD
$p0_s2 << EOD
64 0.457 0.3482 0.4729
1024 0.4324 0.3586 0.4662
16384 0.1709 0.1439 0.1819
EOD
$p0_s3 << EOD
64 0.3809 0.3112 0.3999
1024 0.2946 0.2854 0.4085
16384 0.1156 0.08052 0.1232
EOD
$p0_s4 << EOD
64 3.678 3.299 3.807
1024 0.8999 0.7848 0.9335
16384 0.2497 0.2092 0.2631
EOD
$p0_s5 << EOD
64 14.04 12.6 14.77
1024 3.3 3.134 3.71
16384 0.4929 0.4354 0.5779
EOD
$p0_s6 << EOD
64 3.631 3.566 3.732
1024 2.642 2.545 2.914
16384 0.5288 0.4766 0.5574
EOD
$p0_s7 << EOD
64 1.828 1.789 1.89
1024 1.637 1.527 1.808
16384 0.4878 0.3962 0.4882
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
64 1.915e+04 1.902e+04 2.154e+04
1024 2.117e+04 1.943e+04 2.353e+04
16384 2.963e+04 2.717e+04 3.036e+04
EOD
$p1_s1 << EOD
64 2.149e+04 2.129e+04 2.787e+04
1024 2.542e+04 2.178e+04 2.775e+04
16384 3.156e+04 2.857e+04 3.253e+04
EOD
$p1_s2 << EOD
64 2.475e+04 2.143e+04 2.851e+04
1024 2.463e+04 2.307e+04 2.739e+04
16384 3.153e+04 2.903e+04 3.234e+04
EOD
$p1_s3 << EOD
64 2.22e+04 1.97e+04 2.352e+04
1024 2.136e+04 2.032e+04 2.223e+04
16384 3.299e+04 3.112e+04 3.517e+04
EOD
$p1_s4 << EOD
64 2.454e+04 2.295e+04 2.756e+04
1024 2.543e+04 2.442e+04 2.654e+04
16384 2.877e+04 2.836e+04 2.923e+04
EOD
$p1_s5 << EOD
64 601.2 561.1 741.4
1024 1182 1182 1182
16384 5581 5380 5721
EOD
$p1_s6 << EOD
64 851.6 841.6 861.7
1024 1242 1212 1262
16384 5561 5551 5831
EOD
$p1_s7 << EOD
64 1623 1433 1743
1024 2044 2004 2094
16384 6933 6833 6993
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
8 0.6907 0.6703 0.722
64 0.5314 0.492 0.7228
EOD
$p2_s1 << EOD
8 0.4657 0.3893 0.4668
64 0.3833 0.3181 0.4615
EOD
$p2_s2 << EOD
8 0.4936 0.3994 0.4952
64 0.4197 0.3484 0.4631
EOD
$p2_s3 << EOD
8 0.4171 0.3732 0.4453
64 0.3769 0.3284 0.4038
EOD
$p2_s5 << EOD
8 11.04 10.54 11.22
64 3.661 3.466 4.17
EOD
$p2_s7 << EOD
8 1.749 1.727 8.451
64 1.517 1.396 1.676
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
