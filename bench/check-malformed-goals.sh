#!/bin/sh
# A malformed goals file must stop the benchmark before it measures anything:
# exit status 2 and one line naming the file, the line and what is wrong,
# never a quiet default. Each case is the real goals file with one bad line
# added at its end (so the rest of it must read cleanly, and the line number
# counts its comments and blank lines), or with a block left open.
#   check-malformed-goals.sh BENCH GOALS
bench="$1"
goals="$2"
tmp=$(mktemp -d) || exit 1
trap 'rm -rf "$tmp"' EXIT

fail() {
	echo "check-malformed-goals: $*"
	exit 1
}
# $1: the file, $2: the line the benchmark must print
expect_refusal() {
	out=$("$bench" --goals "$1" --quick --runs 1 --scale 0.05 --workloads rtt 2>&1)
	rc=$?
	echo "$out"
	[ "$rc" -eq 2 ] || fail "$1: exit status $rc, expected 2"
	echo "$out" | grep -qxF "$2" || fail "$1: no line '$2'"
	! echo "$out" | grep -q '^== ' || fail "$1: it measured workloads anyway"
}
n=0
# $1: the line added, $2: what the benchmark must say about it
bad_line() {
	n=$((n + 1))
	cp "$goals" "$tmp/goals$n" || exit 1
	printf '%s\n' "$1" >> "$tmp/goals$n"
	expect_refusal "$tmp/goals$n" "shmprim-bench: $tmp/goals$n:$(wc -l < "$tmp/goals$n"): $2"
}

row='rtt:shmprim:c11:cap=1024'
against='rtt:bounce floor:-:cap=1024'
six='(what | param | row | against | goal | if against is missing)'
bad_line "x | rtt p50 | $row | $against | <= 1.25" "5 fields, not 6 $six"
bad_line "x | rtt p50 | $row | $against | <= fast | n/a" "goal: 'fast' is not a positive number"
bad_line "x | rtt p50 | $row | $against | about 1.25 | n/a" \
	"goal 'about 1.25' is none of '>= X', '<= X', 'within T', 'documented'"
bad_line "x | rtt p50 | $row | $against | <= 1.25 | maybe" "'maybe': if against is missing, 'n/a' or 'skip'"
bad_line "x | rtt p50 | rtt:shmprim:{be}:cap=1024 | $against | <= 1.25 | n/a" \
	"{be} is not the name of an enclosing each block"
bad_line "x | rtt p50 | rtt-typo:shmprim:c11:cap=1024 | $against | <= 1.25 | n/a" \
	"row: unknown workload 'rtt-typo' (spsc-tput, rtt, ipc, slab, entry-size)"
bad_line "x | rtt p50 | rtt:shmprim:c11 | $against | <= 1.25 | n/a" \
	"row 'rtt:shmprim:c11' is not WORKLOAD:IMPL:BACKEND:PARAM"
bad_line "end" "'end' without an 'each'"

# a block with no end: the error names the line of its "each"
n=$((n + 1))
cp "$goals" "$tmp/goals$n" || exit 1
printf 'each be = c11, gcc\n\tx {be} | rtt p50 | rtt:shmprim:{be}:cap=1024 | %s | <= 1.25 | n/a\n' "$against" \
	>> "$tmp/goals$n"
expect_refusal "$tmp/goals$n" "shmprim-bench: $tmp/goals$n:$(($(wc -l < "$tmp/goals$n") - 1)): 'each' without its 'end'"

# no file at all
expect_refusal "$tmp/none" \
	"shmprim-bench: cannot read the goals file $tmp/none: No such file or directory (--goals FILE names another)"
echo "check-malformed-goals: all $((n + 1)) malformed goals files refused, with file and line"
