#!/bin/sh
# Builds shmprim from scratch and runs shmprim-bench on a bigger, bare machine
# (e.g. a 16-core box), where the 2-vCPU VM's mode flips do not happen.
# Needs a C compiler, meson and ninja; every peer library is optional (its rows
# are skipped), and so are Criterion (tests are not built here) and liburcu
# (the urcu backend is skipped). Nothing is downloaded.
#
#   bench/device-run.sh [--quick] [extra shmprim-bench options]
#
# Results go to $OUT (or ./bench-out): for each CPU pair it picks (two
# physical cores sharing a last-level cache, and, if the machine has more than
# one, two cores in different last-level caches) the table, JSON lines and an
# SVG plot when python3 and gnuplot are present (--plot runs bench/plot-json).
set -u
src=$(cd "$(dirname "$0")/.." && pwd)
out=${OUT:-$PWD/bench-out}
build=${BENCH_BUILD_DIR:-/tmp/shmprim-bench-build}
mkdir -p "$out"
log="$out/device-run.log"
: > "$log"

say() { echo "$*" | tee -a "$log"; }

for tool in cc meson ninja; do
	if ! command -v "$tool" > /dev/null 2>&1; then
		say "device-run: $tool is missing; cannot build (install meson, ninja-build and gcc)"
		exit 2
	fi
done

say "== machine"
{ uname -a; nproc; grep -m1 'model name' /proc/cpuinfo; command -v lscpu > /dev/null && lscpu; } >> "$log" 2>&1
for pkg in ck libdpdk liburcu-cds criterion; do
	if command -v pkg-config > /dev/null 2>&1 && pkg-config --exists "$pkg"; then
		say "found $pkg $(pkg-config --modversion "$pkg")"
	else
		say "missing $pkg (its rows or suites are skipped)"
	fi
done

say "== build"
rm -rf "$build"
if ! meson setup "$build" "$src" -Dtests=disabled -Dbench=enabled -Dbuildtype=release >> "$log" 2>&1; then
	say "device-run: meson setup failed, see $log"
	tail -20 "$log"
	exit 2
fi
if ! ninja -C "$build" >> "$log" 2>&1; then
	say "device-run: build failed, see $log"
	tail -30 "$log"
	exit 2
fi
bench="$build/bench/shmprim-bench"

# CPU pairs: physical cores only (the first thread of each core), first two
# sharing cpu0's last-level cache, then cpu0 with a core outside that cache.
first_thread() {
	sed 's/[,-].*//' "/sys/devices/system/cpu/cpu$1/topology/thread_siblings_list" 2> /dev/null || echo "$1"
}
llc_of() {
	# the highest cache index lists the CPUs sharing the last-level cache
	idx=$(ls -d /sys/devices/system/cpu/cpu"$1"/cache/index* 2> /dev/null | sort -V | tail -1)
	[ -n "$idx" ] && cat "$idx/shared_cpu_list" 2> /dev/null || echo "?"
}
in_list() { # cpu list
	echo "$2" | tr ',' '\n' | while IFS=- read lo hi; do
		[ -z "$hi" ] && hi=$lo
		[ "$1" -ge "$lo" ] && [ "$1" -le "$hi" ] && echo yes && break
	done
}
cpus=$(ls -d /sys/devices/system/cpu/cpu[0-9]* | sed 's/.*cpu//' | sort -n)
llc0=$(llc_of 0)
same=""
cross=""
for c in $cpus; do
	[ "$c" -eq 0 ] && continue
	[ "$(first_thread "$c")" = "$c" ] || continue        # skip SMT siblings
	[ "$(first_thread 0)" = "$(first_thread "$c")" ] && continue
	if [ -n "$(in_list "$c" "$llc0")" ]; then
		[ -z "$same" ] && same=$c
	else
		[ -z "$cross" ] && cross=$c
	fi
done
[ -z "$same" ] && same=1
pairs="0,$same"
[ -n "$cross" ] && pairs="$pairs 0,$cross"
say "cpu pairs: $pairs (cpu0 last-level cache: $llc0)"

rc=0
for pair in $pairs; do
	tag=$(echo "$pair" | tr ',' '-')
	say "== shmprim-bench --cpus $pair $*"
	"$bench" --cpus "$pair" --json "$out/bench-cpus$tag.json" --plot "$out/bench-cpus$tag.svg" "$@" \
		> "$out/bench-cpus$tag.txt" 2>> "$log"
	r=$?
	tail -60 "$out/bench-cpus$tag.txt" | tee -a "$log"
	[ "$r" -ne 0 ] && rc=$r
done
exit $rc
