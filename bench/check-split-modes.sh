#!/bin/sh
# Each workload's JSON names the bounce before it and the bounce of the passes it kept,
# and bench/split-modes classes a workload by the kept one (the bounce before can read
# the other mode when the VM flips during the workload).
#   check-split-modes.sh BENCH SPLIT_MODES
bench="$1"
split="$2"
tmp=$(mktemp -d) || exit 1
trap 'rm -rf "$tmp"' EXIT

fail() {
	echo "check-split-modes: $*"
	exit 1
}
command -v python3 > /dev/null || { echo "check-split-modes: SKIP: no python3 for bench/split-modes"; exit 77; }

"$bench" --quick --runs 1 --scale 0.05 --workloads rtt --json "$tmp/run.json" > "$tmp/out" 2>&1
rc=$?
[ "$rc" -ne 77 ] || { cat "$tmp/out"; exit 77; }     # fewer than two CPUs: skipped
[ "$rc" -eq 0 ] || { cat "$tmp/out"; fail "exit status $rc, expected 0"; }
for when in before kept; do
	n=$(grep -c "^{\"workload\": \"bounce-check\", \"impl\": \"bounce floor\", \"backend\": \"-\", \"param\": \"$when rtt\", \"median\": [0-9.]*," "$tmp/run.json")
	[ "$n" -eq 1 ] || fail "$n '$when rtt' bounce-check lines in the JSON, expected 1"
done

# Synthetic runs: the kept bounce decides, and a run without one falls back on the bounce before.
row='{"workload": "rtt", "impl": "shmprim", "backend": "c11", "param": "cap=1024 p50", "median": 100, "min": 100, "max": 100, "unit": "ns"}'
absent='{"workload": "absent", "impl": "none", "backend": "-", "param": "", "reason": ""}'
check() { # BOUNCE-CHECK-LINES...: one run of them, split into $tmp/split.txt
	printf '%s\n' "$@" "$row" "$absent" > "$tmp/s.json"
	python3 "$split" "$tmp/out-split" "$tmp/s.json" > "$tmp/split.txt" || fail "split-modes failed"
	rm -rf "$tmp/out-split"
}
bc() { echo "{\"workload\": \"bounce-check\", \"impl\": \"bounce floor\", \"backend\": \"-\", \"param\": \"$1 rtt\", \"median\": $2, \"min\": $2, \"max\": $2, \"unit\": \"ns\"}"; }
expect() {
	grep -qxF "$1" "$tmp/split.txt" || { cat "$tmp/split.txt"; fail "$2: no line '$1'"; }
}
check "$(bc before 400)" "$(bc kept 100)"
expect "fast: 1 pseudo-runs; samples per workload {'rtt': 1}" "slow before, fast kept"
expect "slow: 0 pseudo-runs; samples per workload {'rtt': 0}" "slow before, fast kept"
check "$(bc before 100)" "$(bc kept 400)"
expect "slow: 1 pseudo-runs; samples per workload {'rtt': 1}" "fast before, slow kept"
check "$(bc before 400)"
expect "slow: 1 pseudo-runs; samples per workload {'rtt': 1}" "no kept line"
check "$(bc before 400)" "$(bc kept 200)"
expect "slow: 0 pseudo-runs; samples per workload {'rtt': 0}" "kept between the modes"
expect "fast: 0 pseudo-runs; samples per workload {'rtt': 0}" "kept between the modes"
echo "check-split-modes: both bounce lines written; split-modes classes by the kept one"
