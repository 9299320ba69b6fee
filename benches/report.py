#!/usr/bin/env python3
"""The benchmarks' tables, from what the benchmarks wrote.

    python3 benches/report.py                      # criterion (Rust): every group, pipehat and the fastest peer
    python3 benches/report.py --print FILE.json    # the tables of npm/bench/bench.mjs or python/bench/bench.py
    python3 benches/report.py --write docs/performance.md

``--write`` replaces, in the page, each block between
``<!-- bench-report:NAME -->`` and ``<!-- /bench-report:NAME -->`` with tables
made anew: ``rust`` from target/criterion, ``npm`` from
target/bench-report/npm.json, ``python`` from target/bench-report/python.json,
and ``goals`` (the goals of the speed work, each met or not) from all three.
A block whose results are missing is left as it is (and said so).
"""

from __future__ import annotations

import json
import os
import re
import statistics
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
CRITERION = os.path.join(ROOT, "target/criterion")
WORKLOADS = ["adt", "oru", "mixed", "big"]


# -- criterion -------------------------------------------------------------------------


def criterion(root: str = CRITERION) -> dict:
    """{group: {function: MB/s}} from criterion's last run (the median sample)."""
    rows: dict = {}
    for dirpath, _, files in os.walk(root):
        if "benchmark.json" not in files or not dirpath.endswith("/new"):
            continue
        with open(os.path.join(dirpath, "benchmark.json")) as f:
            bench = json.load(f)
        with open(os.path.join(dirpath, "estimates.json")) as f:
            est = json.load(f)
        tp = bench.get("throughput") or {}
        nbytes = tp.get("Bytes") or tp.get("BytesDecimal")
        if not nbytes:
            continue
        function = "/".join(x for x in (bench.get("function_id"), bench.get("value_str")) if x)
        rows.setdefault(bench["group_id"], {})[function] = nbytes / (est["median"]["point_estimate"] / 1e9) / 1e6
    return rows


def _peers(entries: dict) -> dict:
    return {k: v for k, v in entries.items() if not k.startswith(("pipehat", "baseline"))}


def criterion_groups(rows: dict) -> str:
    """Every group: each pipehat function against the group's fastest peer."""
    order = {"parse": 0, "extract5": 1, "visit": 2}
    out = ["| group | pipehat MB/s | fastest peer | peer MB/s | ratio |", "|---|---|---|---|---|"]

    def key(g: str):
        parts = g.split("/")
        return (WORKLOADS.index(parts[1]) if len(parts) > 1 and parts[1] in WORKLOADS else 9, order.get(parts[0], 9), g)

    for group in sorted(rows, key=key):
        entries = rows[group]
        peers = _peers(entries)
        best = max(peers.items(), key=lambda e: e[1]) if peers else None
        for name, v in entries.items():
            if name.startswith("baseline"):
                out.append(f"| {group} {name} | {v:,.0f} (baseline) | | | |")
            elif not best:
                out.append(f"| {group} {name} | {v:,.0f} | – | – | – |")
            elif name.startswith("pipehat"):
                out.append(f"| {group} {name} | {v:,.0f} | {best[0]} | {best[1]:,.1f} | {v / best[1]:,.0f}× |")
    return "\n".join(out)


def rust_block(rows: dict) -> str:
    """The Rust figures the performance page quotes, a row per workload."""

    def get(group: str, function: str) -> float | None:
        return rows.get(group, {}).get(function)

    def mb(v: float | None) -> str:
        return "–" if v is None else f"{v:,.0f}"

    head = [
        "| workload | parse (`Message::parse`) | parse + 5 `get(Path)` | parse + 5 `get(\"…\")` | text ÷ Path time | visit every subcomponent | parse + `to_json` | parse + lossless JSON | parse + validate | fastest peer, parse + 5 | pipehat ÷ peer |",
        "|---|---|---|---|---|---|---|---|---|---|---|",
    ]
    for w in WORKLOADS:
        paths = rows.get(f"paths/{w}", {})
        text, path = paths.get("Message::parse + get(text)"), paths.get("Message::parse + get(Path)")
        five = get(f"extract5/{w}", "pipehat")
        peers = _peers(rows.get(f"extract5/{w}", {}))
        peer = max(peers.items(), key=lambda e: e[1]) if peers else None
        cells = [
            mb(get(f"parse/{w}", "pipehat (Message::parse)")),
            mb(path),
            mb(text),
            f"{path / text:.2f}×" if text and path else "–",
            mb(get(f"visit/{w}", "pipehat")),
            mb(get("write", f"to_json/{w}")),
            mb(get("write", f"to_lossless_json/{w}")),
            mb(get("route", f"validate/{w}")),
            f"{peer[0]}, {peer[1]:,.1f}" if peer else "–",
            f"{five / peer[1]:,.0f}×" if peer and five else "–",
        ]
        if any(c != "–" for c in cells[:8]):
            head.append(f"| {w} | " + " | ".join(cells) + " |")
    return "\n".join(head)


# What the write and route groups' functions do, in the order shown.
FUNCTIONS = {
    "write": {
        "reserialize": "an unedited message written again",
        "edit1": "parse + set one field (PID-5.1, else MSH-10) + serialize",
        "to_json": "parse + `to_json`",
        "to_lossless_json": "parse + lossless JSON",
        "ack": "parse + ACK, serialized",
    },
    "route": {
        "type_filter": "a type filter on each message (MSH-9 in ADT^A01/A04/A08)",
        "type_filter_split": "the same, splitting the file too",
        "obx_filter": "`any(OBX-8 = \"H\")`",
        "fingerprint": "a fingerprint of each message (change detection)",
        "map": "a mapping of 8 paths to named values",
        "validate": "parse + validate against the declared version, one thread",
        "validate_2_threads": "the same on two threads",
        "validate_one_shot": "`validate()` per message",
    },
}


def functions_block(rows: dict, group: str) -> str:
    """A criterion group of functions by workload (`function/workload`)."""
    entries = rows.get(group, {})
    workloads = [w for w in WORKLOADS if any(k.endswith("/" + w) for k in entries)]
    lines = ["| " + group + " | " + " | ".join(f"{w} MB/s" for w in workloads) + " |", "|---|" + "---|" * len(workloads)]
    for function, what in FUNCTIONS[group].items():
        cells = [entries.get(f"{function}/{w}") for w in workloads]
        if any(c is not None for c in cells):
            lines.append(f"| {what} | " + " | ".join("–" if c is None else f"{c:,.0f}" for c in cells) + " |")
    return "\n".join(lines) if len(lines) > 2 else ""


# -- the npm and Python benchmarks ----------------------------------------------------------


def _spread(values: list) -> str:
    if not values:
        return "fails"
    m = statistics.median(values)
    fmt = (lambda x: f"{x:,.0f}") if m >= 100 else (lambda x: f"{x:,.1f}") if m >= 1 else (lambda x: f"{x:.3f}")
    if len(values) == 1:
        return fmt(m)
    return f"{fmt(m)} ({fmt(min(values))}–{fmt(max(values))})"


def _round_ratios(ours: list, theirs: list) -> list:
    """Ours over theirs round by round (both ran in the same round); none
    when a side lacks rounds."""
    return [a / b for a, b in zip(ours, theirs) if b] if len(ours) == len(theirs) else []


def _ratios(ours: list, theirs: list) -> str:
    """The round-by-round ratios: median and range."""
    pairs = _round_ratios(ours, theirs)
    if not pairs:
        return "–"
    m = statistics.median(pairs)
    if len(pairs) == 1:
        return f"{m:,.1f}×"
    return f"{m:,.1f}× ({min(pairs):,.1f}–{max(pairs):,.1f})"


def task_table(result: dict, section: str, task: str) -> str:
    """One task: a row per contender, for each workload MB/s median (range)
    and, for pipehat's rows, the ratio to the task's peer."""
    data = result[section].get(task, {})
    peer = result["tasks"][task]["peer"]
    workloads = [w for w in WORKLOADS if w in data]
    libs: list = []
    for w in workloads:
        for lib in data[w]:
            if lib not in libs:
                libs.append(lib)
    header = "| contender | " + " | ".join(f"{w} MB/s" for w in workloads)
    if peer:
        header += " | " + " | ".join(f"{w}: pipehat ÷ {peer}" for w in workloads)
    lines = [header + " |", "|" + "---|" * (1 + len(workloads) * (2 if peer else 1))]

    def speed(lib: str) -> float:
        runs = data[workloads[0]].get(lib) or [0]
        return statistics.median(runs)

    for lib in sorted(libs, key=speed, reverse=True):
        row = [_spread(data[w].get(lib, [])) for w in workloads]
        if peer:
            if lib.startswith(("pipehat", "floor")):
                row += [_ratios(data[w].get(lib, []), data[w].get(peer, [])) for w in workloads]
            else:
                row += [""] * len(workloads)
        lines.append(f"| {lib} | " + " | ".join(row) + " |")
    return "\n".join(lines)


def binding_block(result: dict) -> str:
    rounds = result["rounds"]
    out = [
        f"{result['runtime']}, {result['date']}. Each contender alone in its own process "
        "(half a second of warm-up, then the median of the runs of the next second, three at least), "
        f"alternated over {rounds} rounds; MB/s of HL7 input, median (range) over the rounds; "
        "ratios round by round, median (range).",
        "",
    ]
    for task, meta in result["tasks"].items():
        if task in result["perProcess"]:
            out += [f"**{meta['title']}**", "", task_table(result, "perProcess", task), ""]
    if result.get("interleaved"):
        out += [
            f"Interleaved in one process instead ({result['interleavedRounds']} rounds, every contender once "
            "per round, the garbage of the runs before collected first): a second view, since in one process "
            "one library's garbage and heap sizing change another's figure.",
            "",
        ]
        for task, meta in result["tasks"].items():
            if task in result["interleaved"]:
                out += [f"*{meta['title']}, interleaved*", "", task_table(result, "interleaved", task), ""]
    memory = result.get("memory")
    if memory:
        out += [
            f"Memory kept with every message of mixed.hl7 ({memory['inputMB']:.1f} MB) alive, a process per library:",
            "",
            "| library | RSS growth (MB) | × input |",
            "|---|---|---|",
        ]
        for lib, v in sorted(memory["growthMB"].items(), key=lambda kv: float("inf") if kv[1] is None else kv[1]):
            out.append(f"| {lib} | fails | |" if v is None else f"| {lib} | {v:,.0f} | {v / memory['inputMB']:.1f}× |")
        out.append("")
    nodes = result.get("nodes")
    if nodes:
        out += [
            "parse() + 5 fields under each Node the repository installs, each contender alone in its process "
            f"as above ({rounds} rounds), with the messages' strings as V8 stores the workload's text (one byte "
            "a character) and as it stores a text that holds a character above U+00FF (two bytes a character, "
            "as after one curly quote anywhere in a file): MB/s, median (range), and pipehat ÷ hl7parser round "
            "by round.",
            "",
            nodes_table(nodes),
            "",
        ]
    return "\n".join(out).rstrip()


def nodes_table(nodes: dict) -> str:
    """parse() + 5 fields by Node version and string storage: pipehat's MB/s
    and its ratio to hl7parser, per workload."""
    workloads = [w for w in WORKLOADS if any(w in by for forms in nodes.values() for by in forms.values())]
    header = "| Node | strings | " + " | ".join(f"{w}: pipehat MB/s | {w}: ÷ hl7parser" for w in workloads) + " |"
    lines = [header, "|" + "---|" * (2 + 2 * len(workloads))]
    label = {"narrow": "one byte a character", "wide": "two bytes a character"}
    for version, forms in nodes.items():
        for form, by in forms.items():
            row = [version, label.get(form, form)]
            for w in workloads:
                data = by.get(w, {})
                row += [_spread(data.get("pipehat", [])), _ratios(data.get("pipehat", []), data.get("hl7parser", []))]
            lines.append("| " + " | ".join(row) + " |")
    return "\n".join(lines)


# -- the goals of issue 24, measured --------------------------------------------------------------------


def _median_range(values: list) -> tuple:
    return (statistics.median(values), min(values), max(values)) if values else None


def _per_round(result: dict, task: str, w: str, lib: str, peer: str) -> list:
    data = result["perProcess"].get(task, {}).get(w, {})
    return _round_ratios(data.get(lib, []), data.get(peer, []))


def goals_block(rows: dict, npm: dict | None, python: dict | None) -> str:
    """Each goal, the figure measured (median and range over rounds, or
    criterion's median) and whether it is met."""
    out = ["| goal | measured | met |", "|---|---|---|"]

    def row(goal: str, value, target: float, unit: str, note: str = "") -> None:
        if value is None:
            out.append(f"| {goal} | not measured | |")
            return
        m, lo, hi = value if isinstance(value, tuple) else (value, value, value)
        text = f"{m:,.1f}{unit}" if lo == hi else f"{m:,.1f}{unit} ({lo:,.1f}–{hi:,.1f})"
        out.append(f"| {goal} | {text}{note} | {'yes' if m >= target else 'no'} |")

    def crit(group: str, function: str):
        return rows.get(group, {}).get(function)

    row("Rust `Message::parse` + 5 `get(\"…\")`, adt ≥ 1,500 MB/s", crit("paths/adt", "Message::parse + get(text)"), 1500, " MB/s")
    for w in ("adt", "oru", "mixed"):
        text, path = crit(f"paths/{w}", "Message::parse + get(text)"), crit(f"paths/{w}", "Message::parse + get(Path)")
        ratio = path / text if text and path else None
        if ratio is None:
            row(f"Rust `get(\"…\")` ≤ 1.5× `get(Path)`, {w}", None, 0, "")
        else:
            out.append(f"| Rust `get(\"…\")` ≤ 1.5× `get(Path)` in time, {w} | {ratio:.2f}× | {'yes' if ratio <= 1.5 else 'no'} |")
    for w in ("adt", "oru", "mixed"):
        row(f"Rust visit every subcomponent, {w} ≥ 400 MB/s", crit(f"visit/{w}", "pipehat"), 400, " MB/s")
    for w in ("adt", "oru", "mixed"):
        row(f"Rust parse + `to_json`, {w} ≥ 300 MB/s", crit("write", f"to_json/{w}"), 300, " MB/s")
        row(f"Rust parse + lossless JSON, {w} ≥ 300 MB/s", crit("write", f"to_lossless_json/{w}"), 300, " MB/s")
    if python:
        for w in ("adt", "oru", "mixed"):
            mbs = python["perProcess"].get("dict", {}).get(w, {})
            floor = _median_range(mbs.get("floor: the same objects from marshal.loads, no HL7 work", []))
            note = f"; CPython's floor, marshal.loads of the same objects: {floor[0]:,.1f} MB/s" if floor else ""
            row(f"Python parse + `to_dict`, {w} ≥ 120 MB/s", _median_range(mbs.get("pipehat", [])), 120, " MB/s", note)
            row(f"Python `to_dict` ≥ 10× hl7conv2, {w}", _median_range(_per_round(python, "dict", w, "pipehat", "hl7conv2")), 10, "×")
    if npm:
        floor_five = "floor of parse() + 5 get(): the WebAssembly calls and strings alone, no parsing"
        floor_extract = "floor of extract(): the input copied in and the strings made, no parsing"
        for w in ("adt", "oru", "mixed"):
            floor = _median_range(_per_round(npm, "five", w, floor_five, "hl7parser"))
            note = f"; the floor alone: {floor[0]:,.1f}×" if floor else ""
            row(f"JavaScript `parse()` + 5 fields ≥ 10× hl7parser, {w}", _median_range(_per_round(npm, "five", w, "pipehat", "hl7parser")), 10, "×", note)
        for w in ("adt", "oru", "mixed"):
            floor = _median_range(_per_round(npm, "five", w, floor_extract, "hl7parser"))
            note = f"; the floor alone: {floor[0]:,.1f}×" if floor else ""
            lib = "pipehat.extract() (one call over the file)"
            row(f"JavaScript `extract()` ≥ 15× hl7parser, {w}", _median_range(_per_round(npm, "five", w, lib, "hl7parser")), 15, "×", note)
        floor_validate = "floor of validate(): parsing and validating inside WebAssembly alone, the report left in memory"
        for w in ("adt", "oru", "mixed"):
            mbs = npm["perProcess"].get("validate", {}).get(w, {})
            floor = _median_range(mbs.get(floor_validate, []))
            note = f"; the floor alone: {floor[0]:,.1f} MB/s" if floor else ""
            row(f"JavaScript parse + `validate` ≥ 150 MB/s, {w}", _median_range(mbs.get("pipehat", [])), 150, " MB/s", note)
    return "\n".join(out)


# -- the page -------------------------------------------------------------------------------------


def write(page: str) -> None:
    blocks = {}
    rows = criterion()
    if rows:
        tables = [rust_block(rows)] + [functions_block(rows, g) for g in FUNCTIONS]
        blocks["rust"] = "\n\n".join(t for t in tables if t)
    results = {}
    for name in ("npm", "python"):
        path = os.path.join(ROOT, f"target/bench-report/{name}.json")
        if os.path.exists(path):
            with open(path) as f:
                results[name] = json.load(f)
            blocks[name] = binding_block(results[name])
    if rows and results:
        blocks["goals"] = goals_block(rows, results.get("npm"), results.get("python"))
    with open(page) as f:
        text = f.read()
    for name in ("goals", "rust", "npm", "python"):
        pattern = re.compile(rf"(<!-- bench-report:{name} -->\n)(?:.*?\n)?(<!-- /bench-report:{name} -->)", re.S)
        if not pattern.search(text):
            sys.exit(f"{page} has no bench-report:{name} block")
        if name not in blocks:
            print(f"bench-report: no results for {name}; its block is left as it was", file=sys.stderr)
            continue
        text = pattern.sub(lambda m: m.group(1) + blocks[name] + "\n" + m.group(2), text)
    with open(page, "w") as f:
        f.write(text)


def main(argv: list) -> None:
    if argv[:1] == ["--print"]:
        with open(argv[1]) as f:
            print(binding_block(json.load(f)))
    elif argv[:1] == ["--write"]:
        write(argv[1])
    else:
        rows = criterion(argv[0] if argv else CRITERION)
        print(rust_block(rows))
        for group in FUNCTIONS:
            print()
            print(functions_block(rows, group))
        print()
        print(criterion_groups(rows))


if __name__ == "__main__":
    main(sys.argv[1:])
