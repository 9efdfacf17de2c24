#!/usr/bin/env python3
"""Print the workload with the fewest fast samples so far (kept bounce < 150 ns) in DIR/w*.json."""
import glob, json, sys
ws = ["spsc-tput", "rtt", "ipc", "slab", "entry-size"]
fast = dict.fromkeys(ws, 0)
for p in glob.glob(sys.argv[1] + "/w*.json"):
    try:
        for l in open(p):
            j = json.loads(l)
            if j["workload"] == "bounce-check" and j["param"].startswith("kept ") and j["median"] < 150:
                fast[j["param"][5:]] += 1
    except ValueError:
        pass
print(min(ws, key=lambda w: fast[w]))
