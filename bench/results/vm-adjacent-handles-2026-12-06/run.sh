#!/bin/sh
# usage: run.sh OUT PASSES — per pass: bounce, then at each code offset the inlined round
# trip with handles 4096 apart and back to back (336 = sizeof the producer handle), then
# single-item throughput with the consumer's handle 8192 or 336 bytes after the producer's
out=$1; : > $out
for rep in $(seq 1 $2); do
  echo "bounce $(/tmp/probe/bounce)" >> $out
  for n in 0 16 32 48; do
    for sp in 4096 336; do echo "$rep rtt nops=$n spacing=$sp $(./rtt-$n 0 150000 $sp)" >> $out; done
    for o in 8192 336; do echo "$rep tput nops=$n cons_off=$o $(./tput-$n-$o 10000000)" >> $out; done
  done
done
echo "bounce $(/tmp/probe/bounce)" >> $out
