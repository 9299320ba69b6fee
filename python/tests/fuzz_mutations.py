"""`make fuzz` for the Python package: fresh broken corpus messages from
tests/mutations.py (random seeds) through the checks of robustness.py, until
the time is up. A failing input is written to fuzz/artifacts/ and the run
fails; keep it in tests/fuzz-regressions/ once fixed.

    python python/tests/fuzz_mutations.py [seconds]
"""

import pathlib
import random
import sys
import time
import traceback

HERE = pathlib.Path(__file__).resolve().parent
TESTS = HERE.parents[1] / "tests"
sys.path[:0] = [str(HERE), str(TESTS)]

import mutations  # noqa: E402  (tests/mutations.py, the generator)
from robustness import apply_edits, check_input  # noqa: E402


def main():
    seconds = float(sys.argv[1]) if len(sys.argv) > 1 else 60.0
    deadline = time.monotonic() + seconds
    files = {}
    runs = 0
    while time.monotonic() < deadline:
        seed = random.randrange(2**31)
        for case in mutations.cases(seed, 300):
            if time.monotonic() >= deadline:
                break
            if case["file"] not in files:
                files[case["file"]] = (mutations.CORPUS / case["file"]).read_bytes()
            data = apply_edits(files[case["file"]], case["edits"])
            try:
                check_input(data, f"seed {seed} {case['name']}")
            except Exception:
                artifacts = HERE.parents[1] / "fuzz" / "artifacts"
                artifacts.mkdir(parents=True, exist_ok=True)
                path = artifacts / f"python-seed{seed}-{case['name']}.hl7"
                path.write_bytes(data)
                traceback.print_exc()
                sys.exit(f"failed on {path}")
            runs += 1
    print(f"python fuzz: {runs} broken messages checked in {seconds:g} s, no failure")


if __name__ == "__main__":
    main()
