#!/usr/bin/env python3
"""Writes tests/mutations.jsonl: corpus messages broken on purpose, the same
cases for the Rust, JavaScript and Python suites. Edit here, then run:
python3 tests/mutations.py  (make fuzz runs it with --seed N --count M for
fresh cases on stdout)

Each line names a file ("file", a path relative to tests/corpus/) and the edits
that break it ("edits": [offset, bytes to delete, hex of bytes to insert],
applied in order, each to the result of the one before; an offset past the
end means the end). Every suite applies the edits, then checks what
core/tests/robustness.rs, npm/test/robustness.mjs and
python/tests/robustness.py check: no panic or trap, errors with a code and
a position inside the input, no message content in any error or diagnostic
text (each case inserts the marker CANARY), the bytes back exactly, and the
bulk paths (split, extract) agreeing with parse().

The edits aim at what real feeds and fuzzers break: delimiters and line
breaks where they do not belong, cut and doubled runs, MLLP and batch bytes,
escape sequences (whole, cut short, unknown), and non-ASCII bytes, valid
UTF-8 or not.
"""
import argparse
import json
import pathlib
import random

HERE = pathlib.Path(__file__).resolve().parent
CORPUS = HERE / "corpus"
CANARY = b"QZXJV"
COUNT = 400
SEED = 20261129

PIECES = [
    b"|", b"^", b"~", b"\\", b"&", b"#", b"\r", b"\n", b"\r\n", b"\r\r", b"\x0b", b"\x1c", b"\x1c\r",
    b"\x00", b"MSH|^~\\&|", b"\rMSH|^~\\&|X", b"\rBHS|^~\\&", b"\rFHS|^~\\&", b"\rBTS|3", b"\rFTS|1",
    b"\\T\\", b"\\F\\", b"\\E\\", b"\\X41\\", b"\\X4", b"\\Zxy\\", b"\\.br\\", b"\\H\\", b"\\C2842\\",
    b"\\", b"\xc3", b"\xe9", b"\xff", b"\xef\xbb\xbf", "é".encode(), "€".encode(), "\U0001f600".encode(),
    b"||||||||", b"^^^^", b"~~", b"&&", b"\rZZ1|", b"\rPID|", b"\rOBX|1|ED|||^^^Base64^", b"MSH",
    b"|2.5.1|", b"|UNICODE UTF-8", b"|8859/1", b" ", b"\t",
]


def edits_for(rng, data):
    """One case's edits: 1 to 4 breakages, then the marker somewhere."""
    edits = []
    length = len(data)
    for _ in range(rng.randint(1, 4)):
        at = rng.randint(0, length)
        kind = rng.random()
        if kind < 0.45:
            piece = rng.choice(PIECES)
            edits.append([at, 0, piece.hex()])
            length += len(piece)
        elif kind < 0.6:
            n = min(rng.randint(1, 24), length - at)
            edits.append([at, n, ""])
            length -= n
        elif kind < 0.75:
            piece = bytes([rng.randrange(256)])
            n = min(1, length - at)
            edits.append([at, n, piece.hex()])
            length += 1 - n
        elif kind < 0.9:
            # A run of the message itself, doubled (from the original bytes:
            # close enough to what a repeated read or a bad splice gives).
            start = rng.randint(0, max(0, len(data) - 1))
            run = data[start:start + rng.randint(1, 80)]
            edits.append([at, 0, run.hex()])
            length += len(run)
        else:
            edits.append([at, length - at, ""])  # cut short
            length = at
    at = rng.randint(0, length)
    edits.append([at, 0, CANARY.hex()])
    return edits


def cases(seed, count):
    """`count` cases: every corpus file once (while `count` allows), then files at random."""
    rng = random.Random(seed)
    files = sorted(p.relative_to(CORPUS).as_posix() for p in (CORPUS / "messages").iterdir())
    files += sorted("../" + p.relative_to(HERE).as_posix() for p in (HERE / "fuzz-regressions").iterdir())
    for i in range(count):
        name = files[i] if i < len(files) else rng.choice(files)
        data = (CORPUS / name).read_bytes()
        yield {"name": f"m{i:03}", "file": name, "edits": edits_for(rng, data)}


def main():
    # With --seed and --count, fresh cases go to stdout instead (make fuzz).
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seed", type=int)
    parser.add_argument("--count", type=int, default=COUNT)
    args = parser.parse_args()
    if args.seed is not None:
        for line in cases(args.seed, args.count):
            print(json.dumps(line))
        return
    lines = list(cases(SEED, COUNT))
    with open(HERE / "mutations.jsonl", "w", encoding="utf-8") as f:
        for line in lines:
            f.write(json.dumps(line) + "\n")
    print(f"wrote {len(lines)} cases")


if __name__ == "__main__":
    main()
