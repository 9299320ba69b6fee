#!/usr/bin/env python3
"""pipehat against the Python HL7 libraries users pick today, on the shared
workload, interleaved in one process: every round runs every library once, and
the table reports the median round. Not a test: no assertions on timings.

Usage: python bench.py [--data DIR] [--rounds N] [--only adt,oru,mixed]
The workload comes from ../shared/bench/make_workload.py (generated if missing).
"""

from __future__ import annotations

import argparse
import gc
import json
import os
import pathlib
import statistics
import subprocess
import sys
import time

import pipehat

ROOT = pathlib.Path(__file__).resolve().parents[2]
FIVE = ["MSH-9", "MSH-10", "PID-3.1", "PID-5.1", "PID-7"]


def workload(data_dir: pathlib.Path, name: str) -> bytes:
    path = data_dir / f"{name}.hl7"
    if not path.exists():
        data_dir.mkdir(parents=True, exist_ok=True)
        subprocess.run([sys.executable, str(ROOT.parent / "shared/bench/make_workload.py"), str(data_dir)], check=True)
    return path.read_bytes()


def split(data: bytes) -> list[str]:
    # The workload separates messages with one line feed; segments end with CR.
    return [m for m in data.decode("utf-8").split("\n") if m]


# -- parse + extract five fields, one function per library ----------------------------


def pipehat_five(msgs):
    for m in msgs:
        p = pipehat.parse(m)
        [p.get(x) for x in FIVE]


def pipehat_lazy_five(msgs):
    for m in msgs:
        p = pipehat.parse(m, lazy=True)
        [p.get(x) for x in FIVE]


def python_hl7_five(msgs):
    import hl7

    for m in msgs:
        h = hl7.parse(m)
        [str(h["MSH.F9"]), str(h["MSH.F10"]), h["PID.F3.R1.C1"], h["PID.F5.R1.C1"], str(h["PID.F7"])]


def hl7lw_five(msgs):
    import hl7lw

    parser = hl7lw.Hl7Parser()
    for m in msgs:
        h = parser.parse_message(m)
        [h[x] for x in FIVE]


def hl7kit_five(msgs):
    import hl7kit

    for m in msgs:
        h = hl7kit.parse(m)
        [h.get(x) for x in FIVE]


def medforge_five(msgs):
    import medforge

    for m in msgs:
        h = medforge.parse(m)
        # medforge's get() stops at field level: components by splitting.
        [h.get("MSH-9"), h.get("MSH-10"), h.get("PID-3").split("~")[0].split("^")[0], h.get("PID-5").split("~")[0].split("^")[0], h.get("PID-7")]


def hl7apy_five(msgs):
    from hl7apy.parser import parse_message

    for m in msgs:
        h = parse_message(m, find_groups=False)
        [h.msh.msh_9.value, h.msh.msh_10.value, h.pid.pid_3.pid_3_1.value, h.pid.pid_5.pid_5_1.value, h.pid.pid_7.value]


FIVE_LIBS = {
    "pipehat": pipehat_five,
    "pipehat (lazy=True)": pipehat_lazy_five,
    "python-hl7": python_hl7_five,
    "hl7lw": hl7lw_five,
    "hl7kit": hl7kit_five,
    "medforge": medforge_five,
    "hl7apy": hl7apy_five,
}
# hl7apy is ~1000x slower: it gets a slice of the workload (rates are per byte).
SLICE = {"hl7apy": 100}


def pipehat_dict(msgs):
    for m in msgs:
        pipehat.parse(m).to_dict()


def hl7conv2_dict(msgs):
    import hl7conv2

    for m in msgs:
        hl7conv2.Hl7Json(m).hl7_json


def medforge_dict(msgs):
    import medforge

    for m in msgs:
        medforge.parse(m).to_dict()


DICT_LIBS = {"pipehat": pipehat_dict, "hl7conv2": hl7conv2_dict, "medforge": medforge_dict}


# -- writing: acknowledge each message; edit one field and serialize --------------------


def pipehat_ack(msgs):
    for m in msgs:
        bytes(pipehat.parse(m).ack(control_id="ACK1", timestamp="20240101120000"))


def python_hl7_ack(msgs):
    import hl7

    for m in msgs:
        str(hl7.parse(m).create_ack("AA", message_id="ACK1"))


ACK_LIBS = {"pipehat": pipehat_ack, "python-hl7": python_hl7_ack}


def pipehat_edit(msgs):
    for m in msgs:
        e = pipehat.EditableMessage(m)
        e.set("PID-5.1", "EDITED")
        bytes(e)


def python_hl7_edit(msgs):
    import hl7

    for m in msgs:
        h = hl7.parse(m)
        h["PID.F5.R1.C1"] = "EDITED"
        str(h)


EDIT_LIBS = {"pipehat": pipehat_edit, "python-hl7": python_hl7_edit}


def pipehat_lossless(msgs):
    for m in msgs:
        pipehat.parse(m).to_json(form="lossless")


# -- routing: keep ADT^A01/A04/A08, one message at a time -------------------------------

TYPE_FILTER = pipehat.Filter('MSH-9.1 = "ADT" and MSH-9.2 in ("A01", "A04", "A08")')
WANTED = ("A01", "A04", "A08")


def pipehat_filter(msgs):
    return sum(1 for m in msgs if TYPE_FILTER.matches(m))


def python_hl7_filter(msgs):
    import hl7

    n = 0
    for m in msgs:
        h = hl7.parse(m)
        n += h["MSH.F9.R1.C1"] == "ADT" and h["MSH.F9.R1.C2"] in WANTED
    return n


def hl7lw_filter(msgs):
    import hl7lw

    parser = hl7lw.Hl7Parser()
    n = 0
    for m in msgs:
        h = parser.parse_message(m)
        n += h["MSH-9.1"] == "ADT" and h["MSH-9.2"] in WANTED
    return n


FILTER_LIBS = {"pipehat": pipehat_filter, "python-hl7": python_hl7_filter, "hl7lw": hl7lw_filter}


# -- parse + validate against the declared version ------------------------------------


def pipehat_validate(msgs):
    return sum(pipehat.validate(pipehat.parse(m)).valid for m in msgs)


def hl7apy_validate(msgs):
    from hl7apy.exceptions import HL7apyException
    from hl7apy.parser import parse_message
    from hl7apy.validation import VALIDATION_LEVEL

    valid = 0
    for m in msgs:
        try:
            # Strict parsing checks the structure as it reads; validate() the rest.
            valid += parse_message(m, validation_level=VALIDATION_LEVEL.STRICT).validate()
        except HL7apyException:
            pass
    return valid


VALIDATE_LIBS = {"pipehat": pipehat_validate, "hl7apy": hl7apy_validate}


def timed(fn, msgs) -> float:
    gc.collect()
    t = time.perf_counter()
    fn(msgs)
    return time.perf_counter() - t


def rounds(libs, msgs, n):
    times: dict[str, list[float]] = {k: [] for k in libs}
    sizes = {}
    for k in libs:
        sub = msgs[: SLICE.get(k, len(msgs))]
        sizes[k] = sum(len(m.encode()) for m in sub)
    for _ in range(n):
        for k, fn in libs.items():
            times[k].append(timed(fn, msgs[: SLICE.get(k, len(msgs))]))
    return {k: sizes[k] / statistics.median(v) / 1e6 for k, v in times.items()}


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


def memory_kept(data_dir: pathlib.Path) -> dict[str, float]:
    """RSS growth when every message of mixed.hl7 stays alive, each library in a fresh process."""
    out = {}
    for name, code in KEEP.items():
        script = (
            "import gc,os,sys\n"
            f"sys.path.insert(0,{str(pathlib.Path(__file__).parent)!r})\n"
            "from bench import split, rss_mb\n"
            f"msgs=split(open({str(data_dir / 'mixed.hl7')!r},'rb').read())\n"
            + code.split("\nkept")[0]
            + "\ngc.collect(); before=rss_mb()\nkept"
            + code.split("\nkept")[1]
            + "\ngc.collect(); print(rss_mb()-before)\n"
        )
        r = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True)
        out[name] = float(r.stdout.strip()) if r.returncode == 0 else float("nan")
    return out


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--data", default=str(ROOT / "target/bench-data"))
    ap.add_argument("--rounds", type=int, default=5)
    ap.add_argument("--only", default="adt,oru,mixed")
    args = ap.parse_args()
    data_dir = pathlib.Path(args.data)
    results = {}
    for name in args.only.split(","):
        raw = workload(data_dir, name)
        msgs = split(raw)
        five = rounds(FIVE_LIBS, msgs, args.rounds)
        dicts = rounds(DICT_LIBS, msgs[:1000], args.rounds)
        t = []
        for _ in range(args.rounds):
            t0 = time.perf_counter()
            pipehat.extract(raw, FIVE)
            t.append(time.perf_counter() - t0)
        bulk = len(raw) / statistics.median(t) / 1e6
        with_pid = [m for m in msgs if "\rPID|" in m]
        acks = rounds(ACK_LIBS, msgs, args.rounds)
        edits = rounds(EDIT_LIBS, with_pid, args.rounds)
        lossless = rounds({"pipehat": pipehat_lossless}, msgs, args.rounds)["pipehat"]
        counts = {k: fn(msgs[: SLICE.get(k, len(msgs))]) for k, fn in FILTER_LIBS.items()}
        assert counts["pipehat"] == counts["hl7lw"] or SLICE.get("hl7lw"), counts
        filters = rounds(FILTER_LIBS, msgs, args.rounds)
        t = []
        for _ in range(args.rounds):
            t0 = time.perf_counter()
            TYPE_FILTER.count(raw)
            t.append(time.perf_counter() - t0)
        filter_file = len(raw) / statistics.median(t) / 1e6
        validation = rounds(VALIDATE_LIBS, msgs, args.rounds)
        results[name] = {
            "validate": validation,
            "parse+extract5": five,
            "to_dict": dicts,
            "extract()": bulk,
            "ack": acks,
            "edit1": edits,
            "lossless_json": lossless,
            "type_filter": filters,
            "type_filter_file": filter_file,
        }
        print(f"\n## {name}.hl7: {len(msgs)} messages, {len(raw) / 1e6:.1f} MB")
        print("| library | parse + validate (MB/s) | pipehat is |")
        print("|---|---|---|")
        for k, v in sorted(validation.items(), key=lambda kv: -kv[1]):
            print(f"| {k} | {v:.2f} | {validation['pipehat'] / v:.0f}× |")
        print("| library | parse + extract 5 (MB/s) | pipehat is |")
        print("|---|---|---|")
        for k, v in sorted(five.items(), key=lambda kv: -kv[1]):
            print(f"| {k} | {v:.2f} | {five['pipehat'] / v:.0f}× |")
        print(f"| pipehat.extract() over the file, all cores | {bulk:.0f} | |")
        print("| library | to_dict / JSON objects (MB/s) | pipehat is |")
        print("|---|---|---|")
        for k, v in sorted(dicts.items(), key=lambda kv: -kv[1]):
            print(f"| {k} | {v:.2f} | {dicts['pipehat'] / v:.1f}× |")
        print("| library | parse + ACK, serialized (MB/s) | pipehat is |")
        print("|---|---|---|")
        for k, v in sorted(acks.items(), key=lambda kv: -kv[1]):
            print(f"| {k} | {v:.2f} | {acks['pipehat'] / v:.1f}× |")
        print("| library | parse + set PID-5.1 + serialize (MB/s) | pipehat is |")
        print("|---|---|---|")
        for k, v in sorted(edits.items(), key=lambda kv: -kv[1]):
            print(f"| {k} | {v:.2f} | {edits['pipehat'] / v:.1f}× |")
        print(f"| pipehat parse + lossless JSON text | {lossless:.0f} | |")
        print("| library | keep ADT^A01/A04/A08, per message (MB/s) | pipehat is |")
        print("|---|---|---|")
        for k, v in sorted(filters.items(), key=lambda kv: -kv[1]):
            print(f"| {k} | {v:.2f} | {filters['pipehat'] / v:.0f}× |")
        print(f"| pipehat Filter.count() over the file | {filter_file:.0f} | |")
    mem = memory_kept(data_dir)
    size = len(workload(data_dir, "mixed")) / 1e6
    print(f"\n## memory kept with every message of mixed.hl7 ({size:.1f} MB) alive")
    print("| library | RSS growth (MB) | × input |")
    print("|---|---|---|")
    for k, v in sorted(mem.items(), key=lambda kv: kv[1]):
        print(f"| {k} | {v:.0f} | {v / size:.1f}× |")
    results["memory_kept_mb"] = mem
    (ROOT / "target").mkdir(exist_ok=True)
    (ROOT / "target/python-bench.json").write_text(json.dumps(results, indent=1))


if __name__ == "__main__":
    main()
