"""De-identification throughput from Python on the shared workload, with the
built-in Safe Harbor policy. Each measurement runs alone in its own process;
the measurements alternate over several rounds, and the table gives medians
and ranges (MB/s of HL7 input, messages/s). Not a test.

    python python/bench/deid.py [--rounds 3]

- deidentify: Deidentifier.deidentify(m) for each message (a Message each).
- file 1 thread / every core: Deidentifier.deidentify_file over the whole
  file, into /dev/null, framing kept.
- regex script: for scale, the kind of script teams write today. It is plain
  Python with `re` and `hmac`, over the same main fields: split into
  segments and fields, then the names, addresses, phones, dates and
  identifiers of PID, NK1, GT1, IN1 and PV1 redacted, hashed or cut to the
  year. It is not a peer: it covers far less, with no escapes, components,
  versions or Z-segments. No HL7 v2 de-identification library runs here.
"""

from __future__ import annotations

import hashlib
import hmac
import os
import pathlib
import re
import sys
import time

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parent))
from alternate import main as bench_main  # noqa: E402

ROOT = pathlib.Path(__file__).resolve().parents[2]
DATA = pathlib.Path(os.environ.get("PIPEHAT_BENCH_DATA", ROOT / "target" / "bench-data"))
WORKLOADS = ["adt", "oru", "mixed"]
KINDS = ["deidentify", "file_1", "file_all", "regex"]
KEY = b"pipehat benchmark key"

# The regex script: field numbers by segment (as split on "|", MSH aside).
NAMES = {"PID": (5, 6, 9), "NK1": (2, 30), "GT1": (3,), "IN1": (16,)}
ADDRESSES = {"PID": (11,), "NK1": (4,), "GT1": (5,), "IN1": (19,)}
PHONES = {"PID": (13, 14), "NK1": (5, 6), "GT1": (6, 7)}
IDS = {"PID": (2, 3, 4, 18, 19), "PV1": (19,), "IN1": (36,), "ORC": (2, 3), "OBR": (2, 3)}
DATE = re.compile(r"\b(\d{4})\d{4}(\d{4,6}(\.\d+)?)?([+-]\d{4})?\b")
EMAIL = re.compile(r"[\w.+-]+@[\w-]+\.[\w.]+")


def regex_script(message: bytes) -> bytes:
    segments = message.decode("latin-1").replace("\n", "\r").split("\r")
    out = []
    for seg in segments:
        fields = seg.split("|")
        name = fields[0]
        if name.startswith("Z"):
            continue
        for i in NAMES.get(name, ()) + PHONES.get(name, ()):
            if i < len(fields):
                fields[i] = ""
        for i in ADDRESSES.get(name, ()):
            if i < len(fields):
                parts = fields[i].split("^")
                fields[i] = "^".join(p if k in (3, 5) else (p[:3] if k == 4 else "") for k, p in enumerate(parts))
        for i in IDS.get(name, ()):
            if i < len(fields) and fields[i]:
                parts = fields[i].split("^")
                parts[0] = hmac.new(KEY, parts[0].encode(), hashlib.sha256).hexdigest()[:12]
                fields[i] = "^".join(parts)
        line = "|".join(fields)
        line = EMAIL.sub("", line)
        line = DATE.sub(lambda m: m.group(1), line)
        out.append(line)
    return "\r".join(out).encode("latin-1")


def one(kind: str, workload: str) -> dict:
    import pipehat

    path = DATA / f"{workload}.hl7"
    data = path.read_bytes()
    messages = [bytes(c.bytes) for c in pipehat.split(data) if c.kind == "message"]
    d = pipehat.Deidentifier(KEY)
    started = time.perf_counter()
    if kind == "deidentify":
        for m in messages:
            d.deidentify(m)
    elif kind == "regex":
        for m in messages:
            regex_script(m)
    else:
        with open(os.devnull, "wb") as out:
            d.deidentify_file(path, out, threads=1 if kind == "file_1" else 0)
    seconds = time.perf_counter() - started
    return {"mb_s": len(data) / seconds / 1e6, "msg_s": len(messages) / seconds}


if __name__ == "__main__":
    bench_main(__file__, one, WORKLOADS, KINDS, DATA, ROOT)
