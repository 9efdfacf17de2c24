#!/bin/sh
# Until $1 (epoch): full shmprim-bench --json runs back to back (c11,gcc, the fix's
# build); before each, a bounce probe, and when it is under 200 ns one fast-mode
# placement pass of the round-trip harness (edb3e18, f96c22b, the fix).
end=$1; i=0
while [ $(date +%s) -lt $end ]; do
  b=$(/tmp/with-quiet /tmp/probe/bounce)
  echo "$(date +%H:%M:%S) bounce $b" >> /tmp/modes11/probe.log
  if [ "$b" -lt 200 ]; then
    (cd /tmp/rttx && VARS="old new th1" /tmp/with-quiet ./sw2.sh /tmp/modes11/sw2-fast$i.txt 1)
  fi
  /tmp/with-quiet /tmp/bb13/bench/shmprim-bench --backends c11,gcc --json /tmp/modes11/run$i.json > /tmp/modes11/run$i.txt 2>&1
  echo "$(date +%H:%M:%S) run$i done" >> /tmp/modes11/probe.log
  i=$((i+1))
done
echo done > /tmp/modes11/DONE
