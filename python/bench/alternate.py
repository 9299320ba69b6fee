"""What the per-process benchmarks here share: each (workload, kind) runs
alone in a fresh process (``script --one kind workload`` printing a JSON
object with ``mb_s`` and ``msg_s``), alternated over rounds; the table gives
medians and ranges."""

from __future__ import annotations

import json
import statistics
import subprocess
import sys


def alternate(script: str, workloads: list, kinds: list, rounds: int) -> dict:
    results: dict = {}
    for _ in range(rounds):
        for w in workloads:
            for k in kinds:
                out = subprocess.run([sys.executable, script, "--one", k, w], capture_output=True, check=True)
                results.setdefault((w, k), []).append(json.loads(out.stdout))
    return results


def print_table(results: dict) -> None:
    print("| workload | measurement | MB/s median (range) | messages/s median |")
    print("|---|---|---|---|")
    for (w, k), runs in results.items():
        mb = [r["mb_s"] for r in runs]
        ms = [r["msg_s"] for r in runs]
        print(f"| {w} | {k} | {statistics.median(mb):.1f} ({min(mb):.1f}–{max(mb):.1f}) | {statistics.median(ms):,.0f} |")


def main(script: str, one, workloads: list, kinds: list, data, root) -> None:
    """The command line of a per-process benchmark: ``--one KIND WORKLOAD``
    measures once and prints JSON; otherwise every measurement is alternated
    over ``--rounds`` and tabled (the workload made first when missing)."""
    import argparse

    ap = argparse.ArgumentParser()
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--one", nargs=2, help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.one:
        print(json.dumps(one(*args.one)))
        return
    if not (data / "adt.hl7").exists():
        subprocess.run(["make", "bench-data"], cwd=root, check=True)
    print_table(alternate(script, workloads, kinds, args.rounds))
