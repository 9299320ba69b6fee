"""HL7 v2 -> FHIR R4 throughput from Python, on the shared workload. Each
measurement runs alone in its own process; the measurements alternate over
several rounds and the table gives medians and ranges (MB/s of HL7 input,
messages/s). No peer converter runs on this machine. Not a test.

    python python/bench/fhir.py [--rounds 3]

- to_fhir: pipehat.parse(m).to_fhir() for each message (a dict per Bundle).
- to_fhir_file 1 thread / every core: pipehat.to_fhir_file over the whole
  file, NDJSON into /dev/null.
"""

from __future__ import annotations

import os
import pathlib
import sys
import time

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parent))
from alternate import main as bench_main  # noqa: E402

ROOT = pathlib.Path(__file__).resolve().parents[2]
DATA = pathlib.Path(os.environ.get("PIPEHAT_BENCH_DATA", ROOT / "target" / "bench-data"))
WORKLOADS = ["adt", "oru", "mixed"]
KINDS = ["to_fhir", "file_1", "file_all"]


def one(kind: str, workload: str) -> dict:
    import pipehat

    path = DATA / f"{workload}.hl7"
    data = path.read_bytes()
    messages = [bytes(c.bytes) for c in pipehat.split(data) if c.kind == "message"]
    started = time.perf_counter()
    if kind == "to_fhir":
        n = 0
        for m in messages:
            try:
                pipehat.parse(m).to_fhir()
                n += 1
            except pipehat.FhirError:
                pass
    else:
        with open(os.devnull, "wb") as out:
            s = pipehat.to_fhir_file(path, out, threads=1 if kind == "file_1" else 0)
        n = s["bundles"]
    seconds = time.perf_counter() - started
    return {"mb_s": len(data) / seconds / 1e6, "msg_s": len(messages) / seconds, "bundles": n}


if __name__ == "__main__":
    bench_main(__file__, one, WORKLOADS, KINDS, DATA, ROOT)
