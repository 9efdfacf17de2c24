#!/bin/sh
# A program built through pkg-config against the installed library: builds
# the bench module that way (bench/installed-module) and runs shmprim-bench
# with it (--module). Its rows shmprim:pkgconfig and shmprim-inline:pkgconfig
# must be in the JSON (a row whose data did not verify is left out of it and
# fails the run). Skipped (77), saying why, when pkg-config or the install
# cannot be done here; a --module that does not load must be an error.
#   check-installed-module.sh BENCH BUILDDIR BACKEND
bench="$1"
build="$2"
backend="$3"
here=$(dirname "$0")
tmp=$(mktemp -d) || exit 1
trap 'rm -rf "$tmp"' EXIT

fail() {
	echo "check-installed-module: $*"
	exit 1
}
so=$("$here/installed-module" "$build" "$tmp/pc")
rc=$?
[ "$rc" -ne 77 ] || { echo "check-installed-module: skipped: the module cannot be built through pkg-config here"; exit 77; }
[ "$rc" -eq 0 ] || fail "bench/installed-module failed (exit status $rc)"

out=$("$bench" --module "$so" --backends "$backend" --quick --runs 1 --scale 0.05 \
	--workloads spsc-tput,rtt --json "$tmp/run.json" 2>&1)
rc=$?
echo "$out"
[ "$rc" -ne 77 ] || exit 77     # fewer than two CPUs: skipped
[ "$rc" -eq 0 ] || fail "shmprim-bench --module $so: exit status $rc, expected 0"
for impl in shmprim shmprim-inline; do
	for wl in "spsc-tput\", \"impl\": \"$impl\", \"backend\": \"pkgconfig\", \"param\": \"cap=1024 batch=1\"" \
	          "rtt\", \"impl\": \"$impl\", \"backend\": \"pkgconfig\", \"param\": \"cap=1024 p50\""; do
		grep -qF "{\"workload\": \"$wl" "$tmp/run.json" || fail "no verified row {\"workload\": \"$wl in the JSON"
	done
done
# the in-tree rows ran beside them, in the same run
grep -qF "\"impl\": \"shmprim-inline\", \"backend\": \"$backend\"" "$tmp/run.json" ||
	fail "no shmprim-inline $backend row beside the pkgconfig ones"

# a --module that is not a module stops the run before it measures anything
head -c 256 /dev/zero >"$tmp/bad.so"
out=$("$bench" --module "$tmp/bad.so" --backends "$backend" --quick --runs 1 --scale 0.05 --workloads rtt 2>&1)
rc=$?
[ "$rc" -eq 1 ] || fail "--module $tmp/bad.so: exit status $rc, expected 1"
line="shmprim-bench: --module $tmp/bad.so: not a usable module: invalid ELF header"
echo "$out" | grep -qxF "$line" || fail "--module $tmp/bad.so: no line '$line' in: $out"
! echo "$out" | grep -q '^== ' || fail "--module $tmp/bad.so: it measured workloads anyway"
echo "check-installed-module: shmprim:pkgconfig and shmprim-inline:pkgconfig rows verified; a bad --module refused"
