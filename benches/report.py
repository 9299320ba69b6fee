#!/usr/bin/env python3
"""Prints the last `make bench` run as a markdown table: median MB/s per
benchmark and the ratio of pipehat to the fastest peer in the same group.
Usage: python3 benches/report.py [target/criterion]"""
import json, os, sys

root = sys.argv[1] if len(sys.argv) > 1 else "target/criterion"
rows = {}
for dirpath, _, files in os.walk(root):
    if "benchmark.json" not in files or not dirpath.endswith("/new"):
        continue
    bench = json.load(open(os.path.join(dirpath, "benchmark.json")))
    est = json.load(open(os.path.join(dirpath, "estimates.json")))
    tp = bench.get("throughput") or {}
    nbytes = tp.get("Bytes") or tp.get("BytesDecimal")
    if not nbytes:
        continue
    mbps = nbytes / (est["median"]["point_estimate"] / 1e9) / 1e6
    rows.setdefault(bench["group_id"], []).append((bench["function_id"] + (("/" + bench["value_str"]) if bench.get("value_str") else ""), mbps))

order = {"parse": 0, "extract5": 1, "visit": 2}
wl = {"adt": 0, "oru": 1, "mixed": 2, "big": 3}
print("| group | pipehat MB/s | fastest peer | peer MB/s | ratio |")
print("|---|---|---|---|---|")
for group in sorted(rows, key=lambda g: (wl.get(g.split("/")[1], 9), order.get(g.split("/")[0], 9))):
    entries = rows[group]
    ours = [e for e in entries if e[0].startswith("pipehat")]
    peers = [e for e in entries if not e[0].startswith("pipehat") and not e[0].startswith("baseline")]
    base = [e for e in entries if e[0].startswith("baseline")]
    for name, v in ours:
        if peers:
            pn, pv = max(peers, key=lambda e: e[1])
            print(f"| {group} {name} | {v:,.0f} | {pn} | {pv:,.1f} | {v / pv:,.0f}× |")
        else:
            print(f"| {group} {name} | {v:,.0f} | – | – | – |")
    for name, v in base:
        print(f"| {group} {name} | {v:,.0f} (baseline) | | | |")
