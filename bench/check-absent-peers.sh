#!/bin/sh
# A peer that is not built must be named in the run's summary and its JSON,
# with why. BENCH is the driver built as if no peer package had been found
# (shmprim-bench-no-peers), so this holds on every machine.
#   check-absent-peers.sh BENCH
bench="$1"
tmp=$(mktemp -d) || exit 1
trap 'rm -rf "$tmp"' EXIT

fail() {
	echo "check-absent-peers: $*"
	exit 1
}
out=$("$bench" --quick --runs 1 --scale 0.05 --workloads rtt --json "$tmp/run.json" 2>&1)
rc=$?
echo "$out"
[ "$rc" -ne 77 ] || exit 77     # fewer than two CPUs: skipped
[ "$rc" -eq 0 ] || fail "exit status $rc, expected 0"

ck="libck-dev"
cpp="a C++ compiler, libboost-dev or libreaderwriterqueue-dev"
n=0
for peer in "ck_ring|$ck" "ck_stack|$ck" "rte_ring|libdpdk-dev" "boost spsc_queue|$cpp" "moodycamel RWQ|$cpp" \
            "urcu cds_lfs|liburcu-dev"; do
	impl=${peer%%|*}
	why="not built: ${peer#*|} not found when this build was configured"
	why="$why (installed since? meson setup --wipe BUILDDIR)"
	line=$(printf '  %-19s %-7s %s' "$impl" - "$why")
	echo "$out" | grep -qxF "$line" || fail "summary has no line '$line'"
	json="{\"workload\": \"absent\", \"impl\": \"$impl\", \"backend\": \"-\", \"param\": \"\","
	json="$json \"reason\": \"$why\"}"
	grep -qxF "$json" "$tmp/run.json" || fail "JSON has no line '$json'"
	! grep -v '"workload": "absent"' "$tmp/run.json" | grep -qF "\"impl\": \"$impl\"" || fail "a $impl row ran"
	n=$((n + 1))
done
echo "$out" | grep -q '^absent: [0-9]* expected implementations (listed at the end, with why)$' ||
	fail "no 'absent:' line at the top"
echo "check-absent-peers: all $n peers listed as absent, with why"
