#!/bin/sh
# usage: sw2.sh OUT PASSES
out=$1; : > $out
for rep in $(seq 1 $2); do
echo "bounce $(/tmp/probe/bounce)" >> $out
for n in $(seq 0 4 60); do for v in $VARS; do
  echo "$rep $v $n $(./sw2/$v-$n 0 150000)" >> $out
done; done
done
echo "bounce $(/tmp/probe/bounce)" >> $out
