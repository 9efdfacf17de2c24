#!/bin/sh
# shmprim-chanbench, briefly: every row must be there and verified, with the
# bounce and the ratios printed; then with one spoilt message in design B's
# zero-copy 64 B row, that row (and no other) must come out FAILED, exit 1.
# A data check, not a speed check.
bench="$1"
shift
out=$("$bench" "$@" 2>&1)
rc=$?
echo "$out"
if [ "$rc" -eq 77 ]; then
	exit 77         # the two CPUs cannot be pinned: skipped
fi
fail=0
if [ "$rc" -ne 0 ]; then
	echo "check-chanbench: exit status $rc, expected 0"
	fail=1
fi
for size in '16-200 rnd' '64 B' '1 KiB' '16 KiB'; do
	for row in 'A      copy ' 'B      copy ' 'A      zero-copy ' 'B      zero-copy ' 'A      batch 32 ' 'A      blocking '; do
		n=$(echo "$out" | grep -F "$size" | grep -F "$row" | grep -c ' verified$')
		if [ "$n" -ne 1 ]; then
			echo "check-chanbench: throughput row '$size / $row' verified $n times, expected 1"
			fail=1
		fi
	done
done
for row in 'A      copy ' 'B      copy ' 'A      zero-copy ' 'B      zero-copy ' 'A      blocking '; do
	n=$(echo "$out" | grep -v '^[0-9]' | grep "^$row" | grep -c ' verified$')
	if [ "$n" -ne 1 ]; then
		echo "check-chanbench: round-trip row '$row' verified $n times, expected 1"
		fail=1
	fi
done
for line in '^pass 1: bare cache-line bounce [0-9]* ns' '^bare cache-line bounce: median [0-9]* ns' \
            '^rtt     p50 A copy .* / B copy ' '^msgs/s  16 KiB .*A zero-copy  / B zero-copy '; do
	if ! echo "$out" | grep -q "$line"; then
		echo "check-chanbench: no line matching '$line'"
		fail=1
	fi
done
[ "$fail" -eq 0 ] || exit 1

out=$("$bench" "$@" --selftest-corrupt 2>&1)
rc=$?
echo "$out"
spoilt=$(echo "$out" | grep '^64 B  *B  *zero-copy .*FAILED (data did not verify)$' | wc -l)
others=$(echo "$out" | grep 'FAILED' | grep -v '^64 B  *B  *zero-copy ' | wc -l)
if [ "$rc" -ne 1 ] || [ "$spoilt" -ne 1 ] || [ "$others" -ne 0 ]; then
	echo "check-chanbench: with a spoilt message: exit $rc (want 1), spoilt row FAILED $spoilt (want 1), other rows FAILED $others (want 0)"
	exit 1
fi
echo "check-chanbench: every row verified, and the spoilt message was caught"
