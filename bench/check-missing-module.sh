#!/bin/sh
# A missing or unloadable shmprim module must stop the benchmark before it
# measures anything: exit status 1, the module's path and why. Leaving that
# backend out with --backends is how to run without it, and the run then
# lists it as absent, in the summary and the JSON.
#   check-missing-module.sh BENCH BACKEND...    (the backends built here)
# The first backend's module is the one hidden; the others are copied into a
# directory the benchmark is pointed at (SHMPRIM_BENCH_MODULE_DIR).
bench="$1"
shift
hidden="$1"
rest=$(shift; echo "$*" | tr ' ' ',')
tmp=$(mktemp -d) || exit 1
trap 'rm -rf "$tmp"' EXIT
for b in "$@"; do
	[ "$b" = "$hidden" ] || cp "$(dirname "$bench")/shmprim-bench-$b.so" "$tmp/" || exit 1
done

fail() {
	echo "check-missing-module: $*"
	exit 1
}
run() {
	out=$(SHMPRIM_BENCH_MODULE_DIR="$tmp" "$bench" --quick --runs 1 --scale 0.05 --workloads rtt "$@" 2>&1)
	rc=$?
	echo "$out"
}
# $1: what was wrong with the module, $2: the reason the benchmark must give
expect_refusal() {
	[ "$rc" -eq 1 ] || fail "$1: exit status $rc, expected 1"
	line="shmprim-bench: no usable module for backend $hidden: $tmp/shmprim-bench-$hidden.so ($2)"
	echo "$out" | grep -qxF "$line" || fail "$1: no line '$line'"
	if [ -n "$rest" ]; then
		hint="or leave their backends out on purpose: --backends $rest"
		echo "$out" | grep -qF "$hint" || fail "$1: no hint '$hint'"
	fi
	! echo "$out" | grep -q '^== ' || fail "$1: it measured workloads anyway"
}

run
expect_refusal "module missing" "cannot open shared object file: No such file or directory"

# not a shared object at all (the reason is glibc's dlerror() text)
head -c 256 /dev/zero > "$tmp/shmprim-bench-$hidden.so"
run
expect_refusal "module unloadable" "invalid ELF header"
rm "$tmp/shmprim-bench-$hidden.so"

if [ -z "$rest" ]; then
	echo "check-missing-module: only $hidden is built here, so no run can leave it out with --backends"
	exit 77
fi
run --backends "$rest" --json "$tmp/run.json"
[ "$rc" -ne 77 ] || exit 77     # fewer than two CPUs: skipped
[ "$rc" -eq 0 ] || fail "--backends $rest: exit status $rc, expected 0"
line=$(printf '  %-19s %-7s %s' shmprim "$hidden" "left out by --backends")
echo "$out" | grep -qxF "$line" || fail "--backends $rest: summary has no line '$line'"
json="{\"workload\": \"absent\", \"impl\": \"shmprim\", \"backend\": \"$hidden\", \"param\": \"\","
json="$json \"reason\": \"left out by --backends\"}"
grep -qxF "$json" "$tmp/run.json" || fail "--backends $rest: JSON has no line '$json'"
kept=${rest%%,*}
grep -qF "\"impl\": \"shmprim\", \"backend\": \"$kept\"" "$tmp/run.json" || fail "--backends $rest: no $kept row"
! grep -v '"workload": "absent"' "$tmp/run.json" | grep -qF "\"backend\": \"$hidden\"" ||
	fail "--backends $rest: $hidden rows ran anyway"
echo "check-missing-module: refused a missing and an unloadable $hidden module; --backends $rest listed it as absent"
