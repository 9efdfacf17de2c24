#!/bin/sh
# The benchmark must catch a wrong ring: run it with a deliberately broken
# one and expect exit status 1, that ring's rows reported FAILED and no
# other row failing.
bench="$1"
shift
out=$("$bench" "$@" --selftest-broken 2>&1)
rc=$?
echo "$out"
if [ "$rc" -eq 77 ]; then
	exit 77         # fewer than two CPUs: skipped
fi
if [ "$rc" -ne 1 ]; then
	echo "check-broken: exit status $rc, expected 1"
	exit 1
fi
broken=$(echo "$out" | grep -c '^broken (self-test) .*FAILED')
others=$(echo "$out" | grep 'FAILED\|NO DATA' | grep -vc '^broken (self-test)')
if [ "$broken" -lt 1 ] || [ "$others" -ne 0 ]; then
	echo "check-broken: $broken broken rows FAILED (want >= 1), $others other rows failed (want 0)"
	exit 1
fi
echo "check-broken: the broken ring was caught in $broken rows"
