"""Corpus messages broken on purpose (tests/mutations.jsonl, the cases the Rust
and JavaScript suites run too): no panic, errors that place themselves and
quote nothing, bytes back exactly, bulk paths agreeing with parse()."""

import pipehat
from conftest import CORPUS, TESTS, read_jsonl
from robustness import CANARY, apply_edits, check_input

CASES = read_jsonl(TESTS / "mutations.jsonl")


def test_broken_corpus_messages():
    assert len(CASES) == 400
    parsed = 0
    for case in CASES:
        data = apply_edits((CORPUS / case["file"]).read_bytes(), case["edits"])
        assert CANARY.encode() in data, case["name"]
        check_input(data, case["name"])
        try:
            pipehat.parse(data)
            parsed += 1
        except pipehat.ParseError:
            pass
    # Both sides are exercised: most cases still parse, some do not.
    assert 200 < parsed < len(CASES), parsed


def test_the_edits_land_where_the_cases_say():
    out = apply_edits(b"MSH|^~\\&|A\rPID|1\r", [[3, 1, "2a"], [0, 0, "0b"], [100, 0, "1c"], [2, 2, ""]])
    assert out == b"\x0bM*^~\\&|A\rPID|1\r\x1c"


def test_the_corpus_and_the_fuzz_regressions_as_they_are():
    files = sorted([*(CORPUS / "messages").iterdir(), *(TESTS / "fuzz-regressions").iterdir()])
    assert len(files) == 217
    for path in files:
        check_input(path.read_bytes(), path.name)
