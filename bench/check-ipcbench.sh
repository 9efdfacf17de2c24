#!/bin/sh
# shmprim-ipcbench, briefly: every row must be there and verified (throughput
# and round trip at 64 B, 1 KiB, 16 KiB; fan-in at 8 and 64 producers), with
# the bounce, memcpy and the targets printed; then with one spoilt message in
# the busy channel's 64 B throughput row, that row (and no other) must come
# out FAILED, exit 1. A data check, not a speed check. A row absent for a
# reason of this machine (mq_open refused, Boost not built) skips the test
# (77) once everything else has passed, saying why. The futex_waitv row is
# fan-in only (8 and 64 producers, verified, and no one-to-one row).
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
	echo "check-ipcbench: exit status $rc, expected 0"
	fail=1
fi
# each result line tagged with its table: T throughput, R round trip, F fan-in
tagged=$(echo "$out" | awk '/^throughput,/ {t="T"} /^round trip,/ {t="R"} /^fan-in,/ {t="F"}
	/^targets/ {t=""} /^absent:/ {t=""} t != "" {print t "|" $0}')
absent=$(echo "$out" | sed -n '/^absent:/,$p')
skip=""
for impl in 'pipe' 'AF_UNIX stream' 'AF_UNIX seqpacket' 'POSIX mq' 'Boost message_queue' \
            'shmprim channel busy' 'shmprim channel futex' 'shmprim channel epoll fd' 'ring+slab busy' \
            'shmprim futex_waitv'; do
	if echo "$absent" | grep -q "^  $impl: "; then
		case "$impl" in
		'POSIX mq'|'Boost message_queue')
			skip="$skip
$(echo "$absent" | grep "^  $impl: ")"
			continue ;;
		esac
		echo "check-ipcbench: row '$impl' absent: $(echo "$absent" | grep "^  $impl: ")"
		fail=1
		continue
	fi
	for size in '64 B' '1 KiB' '16 KiB'; do
		for t in T R; do
			if [ "$impl" = 'shmprim futex_waitv' ]; then     # fan-in only: no such row at all
				n=$(echo "$tagged" | grep -F "$t|$size" | grep -cF " $impl ")
				if [ "$n" -ne 0 ]; then
					echo "check-ipcbench: fan-in-only row '$t $size $impl' printed $n times, expected 0"
					fail=1
				fi
				continue
			fi
			n=$(echo "$tagged" | grep -F "$t|$size" | grep -F " $impl " | grep -c ' verified$')
			if [ "$n" -ne 1 ]; then
				echo "check-ipcbench: row '$t $size $impl' verified $n times, expected 1"
				fail=1
			fi
		done
	done
	case "$impl" in
	'Boost message_queue'|'shmprim channel futex') ;;   # no fan-in row: no fd, no poll call
	*)
		for np in 8 64; do
			n=$(echo "$tagged" | grep "^F|$np  " | grep -F " $impl " | grep -c ' verified$')
			if [ "$n" -ne 1 ]; then
				echo "check-ipcbench: fan-in row '$np $impl' verified $n times, expected 1"
				fail=1
			fi
		done ;;
	esac
done
for line in '^pass [0-9]*: bare cache-line bounce [0-9]* ns' '^bare cache-line bounce: median [0-9]* ns' \
            '^memcpy 16 KiB hot .* verified$' '^memcpy 16 KiB into 256 KiB .* verified$' \
            '^64 B msgs/s, shmprim channel busy / best of ' '^64 B round trip p50, shmprim channel busy / AF_UNIX' \
            '^64 B round trip p50, shmprim channel epoll fd / AF_UNIX stream  *[0-9.]*x' \
            '^fan-in 8 msgs/s, shmprim channel epoll fd / best of .*[0-9]x' \
            '^fan-in 64 msgs/s, shmprim futex_waitv / best of .*[0-9]x' \
            '^16 KiB msgs/s, shmprim channel busy / ring+slab busy' '^16 KiB GB/s, shmprim channel busy / memcpy'; do
	if ! echo "$out" | grep -q "$line"; then
		echo "check-ipcbench: no line matching '$line'"
		fail=1
	fi
done
[ "$fail" -eq 0 ] || exit 1

out=$("$bench" "$@" --tables tput --selftest-corrupt 2>&1)
rc=$?
echo "$out"
tagged=$(echo "$out" | awk '/^throughput,/ {t="T"} /^round trip,/ {t="R"} /^fan-in,/ {t="F"}
	/^targets/ {t=""} /^absent:/ {t=""} t != "" {print t "|" $0}')
spoilt=$(echo "$tagged" | grep -c '^T|64 B  *shmprim channel busy .*FAILED (data did not verify)$')
others=$(echo "$out" | grep 'FAILED' | grep -vc '^64 B  *shmprim channel busy ')
if [ "$rc" -ne 1 ] || [ "$spoilt" -ne 1 ] || [ "$others" -ne 0 ]; then
	echo "check-ipcbench: with a spoilt message: exit $rc (want 1), spoilt row FAILED $spoilt (want 1), other rows FAILED $others (want 0)"
	exit 1
fi
echo "check-ipcbench: every row verified, and the spoilt message was caught"
if [ -n "$skip" ]; then
	echo "check-ipcbench: skipped, rows absent on this machine:$skip"
	exit 77
fi
exit 0
