#!/bin/sh
# Until $1 (epoch): single-workload shmprim-bench --json runs back to back (c11,gcc, this
# build). Before each, a bounce probe: when it reads fast (under 170 ns), the workload
# with the fewest fast samples so far runs; otherwise the next workload in turn, so the
# machine stays as busy as with full runs and a flip during a run is still caught
# (split-modes classes each workload by the bounce of the passes it kept).
end=$1; d=$(dirname "$0"); i=0; n=0
set -- spsc-tput rtt ipc slab entry-size
while [ $(date +%s) -lt $end ]; do
  b=$(/tmp/with-quiet /tmp/probe/bounce)
  if [ "$b" -lt 170 ]; then
    w=$(python3 $d/fewest.py $d)
  else
    eval w=\${$((n % 5 + 1))}; n=$((n+1))
  fi
  /tmp/with-quiet /tmp/bb12/bench/shmprim-bench --backends c11,gcc --workloads $w --json $d/w$i.json > $d/w$i.txt 2>&1
  k=$(grep -o '"kept [a-z-]*", "median": [0-9.]*' $d/w$i.json | grep -o '[0-9.]*$')
  echo "$(date +%H:%M:%S) probe $b run w$i $w kept-bounce $k" >> $d/probe.log
  i=$((i+1))
done
echo done > $d/DONE
