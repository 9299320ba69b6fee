"""The conformance suite shared with the Rust and JavaScript packages: the corpus
oracle, peer consensus, and pipehat's own cases (tests/cases.jsonl)."""

import json

import pytest

import pipehat
from conftest import CORPUS, TESTS, read_jsonl

ORACLE = read_jsonl(CORPUS / "ORACLE.jsonl")
MAJORITY = read_jsonl(CORPUS / "MAJORITY.jsonl")
CASES = read_jsonl(TESTS / "cases.jsonl")
# Files pipehat rejects on purpose although most peers read them (same list as core/tests/conformance.rs).
MAJORITY_REJECTED = {
    "messages/hl7apy__bad__encchars5.hl7": "too_many_encoding_characters",
    "messages/nhapi__fuzz__pipeparser_hl7exception_id_000087.hl7": "duplicate_delimiter",
}
_cache = {}


def corpus_bytes(rel):
    if rel not in _cache:
        _cache[rel] = (CORPUS / rel).read_bytes()
    return _cache[rel]


def check_line(line):
    data = corpus_bytes(line["file"])
    if line.get("expect_error"):
        try:
            msg = pipehat.parse(data)
        except pipehat.ParseError:
            return
        assert any(d.severity in ("warning", "error") for d in msg.diagnostics), line["file"]
        return
    msg = pipehat.parse(data)
    if "expect_segment_count" in line:
        assert len(msg) == line["expect_segment_count"]
        return
    if line.get("expect_roundtrip"):
        term = msg.segment_terminator
        rebuilt = "".join(str(s) + term for s in msg.segments)
        assert rebuilt.rstrip("\r\n") == data.decode("utf-8").rstrip("\r\n")
        return
    get = msg.get_raw if line["kind"] == "raw" else msg.get
    assert (get(line["path"]) or "") == line["expected"], (line["file"], line["path"])


@pytest.mark.parametrize("line", ORACLE, ids=lambda l: f"{l['file']}:{l.get('path', '')}")
def test_oracle(line):
    check_line(line)


def test_majority():
    assert len(MAJORITY) > 14000
    failures = []
    for line in MAJORITY:
        if line["file"] in MAJORITY_REJECTED:
            with pytest.raises(pipehat.ParseError) as e:
                pipehat.parse(corpus_bytes(line["file"]))
            assert e.value.code == MAJORITY_REJECTED[line["file"]]
            continue
        try:
            check_line(line)
        except AssertionError as e:
            failures.append(str(e))
    assert not failures, failures[:20]


def case_input(case):
    if "input" in case:
        return case["input"].encode("utf-8")
    if "input_hex" in case:
        return bytes.fromhex(case["input_hex"])
    return corpus_bytes(case["file"])


@pytest.mark.parametrize("case", CASES, ids=lambda c: c["name"])
def test_case(case):
    data = case_input(case)
    options = dict(case.get("options", {}))
    if "split" in case:
        # Only message chunks come out of iter_messages; envelopes are skipped.
        expected = [k for k in case["split"] if k == "message"]
        assert ["message" for _ in pipehat.iter_messages(data)] == expected
    if "error" in case:
        with pytest.raises(pipehat.ParseError) as info:
            pipehat.parse(data, **options)
        e = info.value
        got = {"code": e.code, "offset": e.offset, "segment": e.segment, "field": e.field}
        assert got == case["error"]
        assert isinstance(e, ValueError)
        assert "SEND" not in str(e) and "bad" not in str(e)
        return
    msg = pipehat.parse(data, **options)
    for path, want in case.get("get", {}).items():
        assert msg.get(path) == want, path
    for path, want in case.get("get_raw", {}).items():
        assert msg.get_raw(path) == want, path
    for path, want in case.get("locate", {}).items():
        assert msg.locate(path) == (tuple(want) if want is not None else None), path
    codes = [d.code for d in msg.diagnostics]
    for code in case.get("diagnostics", []):
        assert code in codes
    for name, want in case.get("segments_named", {}).items():
        assert [s.index for s in msg.segments_named(name)] == want, name
        first = msg.segment(name)
        assert (first.index if first else None) == (want[0] if want else None), name
    for code, want in case.get("severities", {}).items():
        assert next(d.severity for d in msg.diagnostics if d.code == code) == want, code
    if case.get("no_diagnostics"):
        assert not [d for d in msg.diagnostics if d.severity != "info"], codes
    if "terminator" in case:
        assert msg.segment_terminator == {"cr": "\r", "lf": "\n", "crlf": "\r\n"}[case["terminator"]]
    if "segments" in case:
        assert [s.name for s in msg.segments] == case["segments"]
    if "charset" in case:
        assert msg.charset == case["charset"]
    for path, (code, offset) in case.get("path_errors", {}).items():
        with pytest.raises(pipehat.PathError) as info:
            msg.get(path)
        assert (info.value.code, info.value.offset) == (code, offset)
        assert isinstance(info.value, KeyError)


def test_every_corpus_file_walks_without_error():
    files = sorted((CORPUS / "messages").iterdir())
    assert len(files) == 209
    parsed = 0
    for f in files:
        data = f.read_bytes()
        it = pipehat.iter_messages(data)
        while True:
            try:
                next(it)
            except pipehat.ParseError:
                continue
            except StopIteration:
                break
        try:
            msg = pipehat.parse(data)
        except pipehat.ParseError:
            continue
        parsed += 1
        msg.diagnostics
        json.loads(msg.to_json())
        for seg in msg.segments:
            for field in seg.fields:
                field.value
    assert parsed > 150


def test_lazy_parse_reads_as_a_full_parse():
    """parse(lazy=True) indexes segments only; every value, diagnostic and
    error must be what a full parse gives, on every corpus file."""
    paths = ["MSH-9", "MSH-10", "MSH-18", "PID-3.1", "PID-5", "PID-7", "OBX[2]-5", "EVN-2", "ZZZ-1"]
    compared = 0
    for f in sorted((CORPUS / "messages").iterdir()):
        data = f.read_bytes()
        try:
            full = pipehat.parse(data)
        except pipehat.ParseError as e:
            with pytest.raises(pipehat.ParseError) as info:
                pipehat.parse(data, lazy=True)
            assert (info.value.code, info.value.offset) == (e.code, e.offset)
            continue
        lazy = pipehat.parse(data, lazy=True)
        assert [p for p in paths if lazy.get(p) != full.get(p)] == [], f.name
        assert [d.code for d in lazy.diagnostics] == [d.code for d in full.diagnostics], f.name
        assert lazy.to_json() == full.to_json(), f.name
        compared += 1
    assert compared > 160
