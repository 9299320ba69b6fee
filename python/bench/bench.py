#!/usr/bin/env python3
"""pipehat against the Python HL7 libraries users pick today, on the shared
workload. Not a test: nothing here asserts timings.

1. The headline figures: every contender of every task (TASKS) alone in a
   fresh Python process, which imports only that library, warms it up for
   half a second, then times runs for a second, three at least (their
   median is the process's figure: three runs of a fast contender swung
   with the machine's load); the
   processes alternate over --rounds rounds (round, workload, task,
   contender). Medians and ranges over the rounds; ratios round by round.
2. The same tasks interleaved in one process (every round runs every
   contender once, after a full collection): a second table, since in one
   process one library's garbage changes another's figure.
3. Memory kept with every message of mixed.hl7 alive, a process per library.

Everything goes to target/bench-report/python.json, printed by
benches/report.py (which `make bench-report` also has write
docs/performance.md).

    python bench.py [--rounds 3] [--interleaved-rounds 5] [--tasks five,dict,...]
                    [--workloads adt,oru,mixed] [--skip interleaved,memory] [--data DIR]
"""

from __future__ import annotations

import argparse
import datetime
import functools
import gc
from importlib import import_module
import json
import os
import pathlib
import platform
import statistics
import subprocess
import sys
import time
from types import SimpleNamespace

ROOT = pathlib.Path(__file__).resolve().parents[2]
FIVE = ["MSH-9", "MSH-10", "PID-3.1", "PID-5.1", "PID-7"]
TYPE_FILTER = 'MSH-9.1 = "ADT" and MSH-9.2 in ("A01", "A04", "A08")'
WANTED = ("A01", "A04", "A08")


def workload(data_dir: pathlib.Path, name: str) -> bytes:
    path = data_dir / f"{name}.hl7"
    if not path.exists():
        data_dir.mkdir(parents=True, exist_ok=True)
        subprocess.run([sys.executable, str(ROOT.parent / "shared/bench/make_workload.py"), str(data_dir)], check=True)
    return path.read_bytes()


def split(data: bytes) -> list[str]:
    # The workload separates messages with one line feed; segments end with CR.
    return [m for m in data.decode("utf-8").split("\n") if m]


# -- the contenders: each a loader that imports its library and returns the function timed
# over the task's input (inp.msgs, the messages as str; inp.raw, the whole file) ------------


def per_message(load):
    """A contender that parses each message and reads it: ``load()`` imports
    the library and returns ``(parse, read)``."""

    def loader():
        parse, read = load()

        def run(inp):
            for m in inp.msgs:
                read(parse(m))

        return run

    return loader


def read_five(message):
    """MSH-9, MSH-10, PID-3.1, PID-5.1, PID-7 with ``get`` (pipehat, hl7kit)."""
    return [message.get(x) for x in FIVE]


def read_five_python_hl7(h):
    return [str(h["MSH.F9"]), str(h["MSH.F10"]), h["PID.F3.R1.C1"], h["PID.F5.R1.C1"], str(h["PID.F7"])]


def read_five_medforge(h):
    # medforge's get() stops at field level: components by splitting.
    first = lambda v: v.split("~")[0].split("^")[0]  # noqa: E731
    return [h.get("MSH-9"), h.get("MSH-10"), first(h.get("PID-3")), first(h.get("PID-5")), h.get("PID-7")]


def read_five_hl7apy(h):
    return [h.msh.msh_9.value, h.msh.msh_10.value, h.pid.pid_3.pid_3_1.value, h.pid.pid_5.pid_5_1.value, h.pid.pid_7.value]


def hl7apy_parse():
    from hl7apy.parser import parse_message

    return lambda m: parse_message(m, find_groups=False)


def pipehat_extract():
    import pipehat

    return lambda inp: pipehat.extract(inp.raw, FIVE)


def marshal_floor():
    """The floor of to_dict: the same objects, made by ``marshal.loads``
    (CPython's fastest way to make objects from bytes, in C) with no HL7 work
    at all. Their bytes are made from pipehat's own to_dict in the first,
    untimed run, each value a string of its own (pipehat's to_dict shares
    repeated short strings, which marshal would then write once and load
    once: through JSON they come back apart, as a parser without such
    sharing makes them)."""
    import json
    import marshal

    import pipehat

    dumped: list = []

    def run(inp):
        if not dumped:
            dumped.extend(marshal.dumps(json.loads(json.dumps(pipehat.parse(m).to_dict()))) for m in inp.msgs)
        for d in dumped:
            marshal.loads(d)

    return run


def pipehat_edit():
    """Edits a message (str) and serializes it: pipehat has no parse step apart."""
    import pipehat

    def edit(m):
        e = pipehat.EditableMessage(m)
        e.set("PID-5.1", "EDITED")
        return bytes(e)

    return edit


def python_hl7_edit_one(h):
    h["PID.F5.R1.C1"] = "EDITED"
    return str(h)


def pipehat_filter():
    import pipehat

    f = pipehat.Filter(TYPE_FILTER)
    return lambda inp: sum(1 for m in inp.msgs if f.matches(m))


def pipehat_filter_count():
    import pipehat

    f = pipehat.Filter(TYPE_FILTER)
    return lambda inp: f.count(inp.raw)


def counting(load):
    """A filter contender: ``load()`` imports the library and returns
    ``(parse, keep)``; the run counts the messages kept."""

    def loader():
        parse, keep = load()
        return lambda inp: sum(1 for m in inp.msgs if keep(parse(m)))

    return loader


def pipehat_validate():
    import pipehat

    return lambda inp: sum(pipehat.validate(pipehat.parse(m)).valid for m in inp.msgs)


def hl7apy_validate():
    from hl7apy.exceptions import HL7apyException
    from hl7apy.parser import parse_message
    from hl7apy.validation import VALIDATION_LEVEL

    def run(inp):
        valid = 0
        for m in inp.msgs:
            try:
                # Strict parsing checks the structure as it reads; validate() the rest.
                valid += parse_message(m, validation_level=VALIDATION_LEVEL.STRICT).validate()
            except HL7apyException:
                pass
        return valid

    return run


# Each task: title, the peer ratios are against, and its contenders; `slice`
# limits a task (or, by contender, `slices`) to the workload's first messages,
# `pid` to messages with a PID segment.
TASKS: dict = {
    "five": {
        "title": "parse + 5 fields",
        "peer": "hl7lw",
        "libs": {
            "pipehat": per_message(lambda: (import_module("pipehat").parse, read_five)),
            "pipehat (lazy=True)": per_message(lambda: (functools.partial(import_module("pipehat").parse, lazy=True), read_five)),
            "pipehat.extract() (one call over the file)": pipehat_extract,
            "python-hl7": per_message(lambda: (import_module("hl7").parse, read_five_python_hl7)),
            "hl7lw": per_message(lambda: (import_module("hl7lw").Hl7Parser().parse_message, lambda h: [h[x] for x in FIVE])),
            "hl7kit": per_message(lambda: (import_module("hl7kit").parse, read_five)),
            "medforge": per_message(lambda: (import_module("medforge").parse, read_five_medforge)),
            "hl7apy": per_message(lambda: (hl7apy_parse(), read_five_hl7apy)),
        },
        # hl7apy is ~1000x slower: it gets a slice of the workload (rates are per byte).
        "slices": {"hl7apy": 100},
    },
    "dict": {
        "title": "parse + objects (to_dict)",
        "peer": "hl7conv2",
        "slice": 1000,
        "libs": {
            "pipehat": per_message(lambda: (import_module("pipehat").parse, lambda p: p.to_dict())),
            "hl7conv2": per_message(lambda: (import_module("hl7conv2").Hl7Json, lambda h: h.hl7_json)),
            "medforge": per_message(lambda: (import_module("medforge").parse, lambda h: h.to_dict())),
            "floor: the same objects from marshal.loads, no HL7 work": marshal_floor,
        },
    },
    "json": {
        "title": "parse + JSON text (to_json)",
        "peer": None,
        "libs": {
            "pipehat (form tree)": per_message(lambda: (import_module("pipehat").parse, lambda p: p.to_json(form="tree"))),
            "pipehat (form lossless)": per_message(
                lambda: (import_module("pipehat").parse, lambda p: p.to_json(form="lossless"))
            ),
        },
    },
    "validate": {
        "title": "parse + validate against the declared version",
        "peer": "hl7apy",
        "libs": {"pipehat": pipehat_validate, "hl7apy": hl7apy_validate},
        "slices": {"hl7apy": 100},
    },
    "ack": {
        "title": "parse + ACK, serialized",
        "peer": "python-hl7",
        "libs": {
            "pipehat": per_message(
                lambda: (
                    import_module("pipehat").parse,
                    lambda p: bytes(p.ack(control_id="ACK1", timestamp="20240101120000")),
                )
            ),
            "python-hl7": per_message(
                lambda: (import_module("hl7").parse, lambda h: str(h.create_ack("AA", message_id="ACK1")))
            ),
        },
    },
    "edit": {
        "title": "parse + set PID-5.1 + serialize",
        "peer": "python-hl7",
        "pid": True,
        "libs": {
            "pipehat": per_message(lambda: (pipehat_edit(), lambda out: out)),
            "python-hl7": per_message(lambda: (import_module("hl7").parse, python_hl7_edit_one)),
        },
    },
    "filter": {
        "title": "keep ADT^A01/A04/A08 (type filter)",
        "peer": "hl7lw",
        "libs": {
            "pipehat": pipehat_filter,
            "pipehat Filter.count() (one call over the file)": pipehat_filter_count,
            "python-hl7": counting(
                lambda: (import_module("hl7").parse, lambda h: h["MSH.F9.R1.C1"] == "ADT" and h["MSH.F9.R1.C2"] in WANTED)
            ),
            "hl7lw": counting(
                lambda: (
                    import_module("hl7lw").Hl7Parser().parse_message,
                    lambda h: h["MSH-9.1"] == "ADT" and h["MSH-9.2"] in WANTED,
                )
            ),
        },
    },
}


def task_input(task: dict, lib: str, raw: bytes) -> SimpleNamespace:
    """The input of `lib` in `task`, and the bytes its rate is per: the
    messages' size when sliced, the whole file's otherwise."""
    msgs = split(raw)
    limit = task.get("slices", {}).get(lib, task.get("slice"))
    sliced = limit is not None or task.get("pid")
    if task.get("pid"):
        msgs = [m for m in msgs if "\rPID|" in m]
    if limit is not None:
        msgs = msgs[:limit]
    size = sum(len(m.encode()) for m in msgs) if sliced else len(raw)
    return SimpleNamespace(msgs=msgs, raw=raw, bytes=size)


# How long a process warms up and times its contender, in seconds, and the
# fewest timed runs (as npm/bench/bench.mjs does).
WARM_UP = 0.5
MEASURE = 1.0
MIN_RUNS = 3


def one(data_dir: pathlib.Path, task_name: str, lib: str, w: str) -> dict:
    """One contender, one task, one workload, in this process alone."""
    task = TASKS[task_name]
    inp = task_input(task, lib, workload(data_dir, w))
    try:
        fn = task["libs"][lib]()
        warm = time.perf_counter()
        fn(inp)
        while time.perf_counter() - warm < WARM_UP:
            fn(inp)
        runs = []
        start = time.perf_counter()
        while len(runs) < MIN_RUNS or time.perf_counter() - start < MEASURE:
            t = time.perf_counter()
            fn(inp)
            runs.append(time.perf_counter() - t)
    except Exception as e:  # a library that cannot read a workload is reported, not timed
        return {"error": f"{type(e).__name__}: {str(e)[:60]}"}
    s = statistics.median(runs)
    return {"mbs": inp.bytes / s / 1e6, "msgs": len(inp.msgs) / s}


def per_process(args, results: dict) -> None:
    for r in range(args.rounds):
        for w in args.workloads:
            for t in args.tasks:
                for lib in TASKS[t]["libs"]:
                    out = subprocess.run(
                        [sys.executable, __file__, "--data", str(args.data), "--one", t, lib, w],
                        capture_output=True,
                        text=True,
                        check=True,
                    )
                    got = json.loads(out.stdout)
                    runs = results["perProcess"].setdefault(t, {}).setdefault(w, {}).setdefault(lib, [])
                    if "error" in got:
                        if r == 0:
                            print(f"{lib}: fails on {w} ({got['error']})", file=sys.stderr)
                        continue
                    runs.append(got["mbs"])
        print(f"round {r + 1} of {args.rounds} done", file=sys.stderr)


def interleaved(args, results: dict) -> None:
    for t in args.tasks:
        task = TASKS[t]
        fns = {lib: load() for lib, load in task["libs"].items()}
        for w in args.workloads:
            raw = workload(args.data, w)
            inputs = {lib: task_input(task, lib, raw) for lib in fns}
            rates = results["interleaved"].setdefault(t, {}).setdefault(w, {})
            for lib, fn in fns.items():  # a warm-up run each, untimed, as in the processes of part 1
                fn(inputs[lib])
            for _ in range(args.interleaved_rounds):
                for lib, fn in fns.items():
                    gc.collect()
                    started = time.perf_counter()
                    fn(inputs[lib])
                    rates.setdefault(lib, []).append(inputs[lib].bytes / (time.perf_counter() - started) / 1e6)


def rss_mb() -> float:
    with open("/proc/self/statm") as f:
        return int(f.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") / 1e6


KEEP = {
    "pipehat": "import pipehat\nkept=[pipehat.parse(m) for m in msgs]",
    "python-hl7": "import hl7\nkept=[hl7.parse(m) for m in msgs]",
    "hl7lw": "import hl7lw\np=hl7lw.Hl7Parser()\nkept=[p.parse_message(m) for m in msgs]",
    "hl7kit": "import hl7kit\nkept=[hl7kit.parse(m) for m in msgs]",
    "medforge": "import medforge\nkept=[medforge.parse(m) for m in msgs]",
}


def memory_kept(data_dir: pathlib.Path) -> dict:
    """RSS growth when every message of mixed.hl7 stays alive, each library in a fresh process."""
    growth: dict = {}
    for name, code in KEEP.items():
        setup, keep = code.split("\nkept")
        script = (
            "import gc,os,sys\n"
            f"sys.path.insert(0,{str(pathlib.Path(__file__).parent)!r})\n"
            "from bench import split, rss_mb\n"
            f"msgs=split(open({str(data_dir / 'mixed.hl7')!r},'rb').read())\n"
            f"{setup}\ngc.collect(); before=rss_mb()\nkept{keep}\ngc.collect(); print(rss_mb()-before)\n"
        )
        r = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True)
        growth[name] = float(r.stdout.strip()) if r.returncode == 0 else None
    return {"inputMB": len(workload(data_dir, "mixed")) / 1e6, "growthMB": growth}


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--data", type=pathlib.Path, default=pathlib.Path(os.environ.get("PIPEHAT_BENCH_DATA", ROOT / "target/bench-data")))
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--interleaved-rounds", type=int, default=5)
    ap.add_argument("--tasks", type=lambda s: s.split(","), default=list(TASKS))
    ap.add_argument("--workloads", type=lambda s: s.split(","), default=["adt", "oru", "mixed"])
    ap.add_argument("--skip", type=lambda s: s.split(","), default=[])
    ap.add_argument("--one", nargs=3, help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.one:
        print(json.dumps(one(args.data, *args.one)))
        return
    results: dict = {
        "runtime": f"Python {platform.python_version()}",
        "date": datetime.date.today().isoformat(),
        "rounds": args.rounds,
        "interleavedRounds": args.interleaved_rounds,
        "tasks": {t: {"title": TASKS[t]["title"], "peer": TASKS[t]["peer"]} for t in args.tasks},
        "workloads": {},
        "perProcess": {},
        "interleaved": {},
    }
    for w in args.workloads:
        raw = workload(args.data, w)
        results["workloads"][w] = {"bytes": len(raw), "messages": len(split(raw))}
    per_process(args, results)
    if "interleaved" not in args.skip:
        interleaved(args, results)
    if "memory" not in args.skip:
        results["memory"] = memory_kept(args.data)
    (ROOT / "target/bench-report").mkdir(parents=True, exist_ok=True)
    out = ROOT / "target/bench-report/python.json"
    out.write_text(json.dumps(results, indent=1))
    subprocess.run([sys.executable, str(ROOT / "benches/report.py"), "--print", str(out)], check=True)


if __name__ == "__main__":
    main()
