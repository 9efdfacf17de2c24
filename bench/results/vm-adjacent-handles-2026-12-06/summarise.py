#!/usr/bin/env python3
"""Adjacent against apart handles, same binary and code offset: summarise run.sh outputs.
A pass counts for a mode when the bounce before and after it agree (fast < 150 ns,
slow > 250); each ratio is adjacent / apart at one code offset in one pass."""
import re, statistics, sys
ratios = {}  # (mode, kind) -> [ratio]
for path in sys.argv[1:]:
    lines = open(path).read().splitlines()
    bounces = [i for i, l in enumerate(lines) if l.startswith("bounce ")]
    for a, b in zip(bounces, bounces[1:]):
        ba, bb = int(lines[a].split()[1]), int(lines[b].split()[1])
        mode = "fast" if max(ba, bb) < 150 else "slow" if min(ba, bb) > 250 else None
        if not mode:
            continue
        vals = {}
        for l in lines[a + 1:b]:
            m = re.match(r"\d+ (rtt|tput) nops=(\d+) (spacing|cons_off)=(\d+) .*?(p50|Mitems/s) ([\d.]+)", l)
            if m:
                vals[(m.group(1), m.group(2), m.group(4) == "336")] = float(m.group(6))
        for (kind, nops, adjacent), v in vals.items():
            if adjacent and (kind, nops, False) in vals:
                ratios.setdefault((mode, kind), []).append(v / vals[(kind, nops, False)])
for (mode, kind), r in sorted(ratios.items()):
    what = "round trip p50, adjacent/apart (lower is faster)" if kind == "rtt" else "single items Mitems/s, adjacent/apart"
    print(f"{mode} {what}: median {statistics.median(r):.3f}x, range {min(r):.3f}-{max(r):.3f}, {len(r)} offset-passes")
