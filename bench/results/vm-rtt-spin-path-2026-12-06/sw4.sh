#!/bin/sh
out=$1; : > $out
for rep in $(seq 1 $2); do
echo "bounce $(/tmp/probe/bounce)" >> $out
for n in $(seq 0 8 56); do for v in old tip fix; do
  echo "$rep $v $n $(./sw4/$v-$n)" >> $out
done; done
done
echo "bounce $(/tmp/probe/bounce)" >> $out
