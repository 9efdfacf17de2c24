"""Summarises a placement sweep log (sw2.sh, sw4.sh, sw5.sh): passes are classed by the
bounce before and after them (fast: both under 200 ns, slow: both over 300), and each
variant's figures (round-trip p50 in ns, or Mitems/s) are summarised over every placement
of every pass in that mode.   python3 summarise.py LOG [VARIANT...]"""
import sys, collections, statistics

def figure(fields):
    for key in ("p50", "Mitems/s"):
        if key in fields:
            return float(fields[fields.index(key) + 1])
    raise ValueError("no figure in: " + " ".join(fields))

passes, cur = [], None
for line in open(sys.argv[1]):
    f = line.split()
    if not f:
        continue
    if f[0] == "bounce":
        if cur is not None:
            cur["after"] = int(f[1])
            passes.append(cur)
        cur = {"before": int(f[1]), "rows": []}
    else:
        cur["rows"].append((f[1], figure(f)))
variants = sys.argv[2:] or sorted({v for p in passes for v, _ in p["rows"]})
for mode, cond in (("fast", lambda p: p["before"] < 200 and p["after"] < 200),
                   ("slow", lambda p: p["before"] > 300 and p["after"] > 300)):
    chosen = [p for p in passes if cond(p)]
    if not chosen:
        continue
    print(mode, "passes", len(chosen))
    for v in variants:
        xs = [x for p in chosen for w, x in p["rows"] if w == v]
        if xs:
            print("  %-5s median %7.1f  min %7.1f  max %7.1f  n %d  share >= 450: %.2f" %
                  (v, statistics.median(xs), min(xs), max(xs), len(xs), sum(x >= 450 for x in xs) / len(xs)))
