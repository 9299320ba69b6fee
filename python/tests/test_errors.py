"""tests/errors.jsonl (also run by the Rust and JavaScript suites): each way
pipehat refuses something raises the same class, code, offset and text."""

import json
import pathlib

import pytest

import pipehat

TESTS = pathlib.Path(__file__).resolve().parents[2] / "tests"
ROWS = [json.loads(line) for line in (TESTS / "errors.jsonl").read_text(encoding="utf-8").splitlines()]

# The built-in error each pipehat error also is (JavaScript's are in
# npm/test/checks.mjs): KeyError for a path, ValueError for the others.
BASES = {
    "PathError": KeyError,
    "TransportError": Exception,
    "TransportTimeoutError": TimeoutError,
    "TransportConnectionError": ConnectionError,
}


def run(row):
    op = row["op"]
    if op == "parse":
        return pipehat.parse(row["input"], **row.get("options", {}))
    if op == "get":
        return pipehat.parse(row["input"]).get(row["path"])
    if op == "fhir":
        return pipehat.parse(row["input"]).to_fhir(**row["options"])
    if op == "deid":
        return pipehat.Deidentifier(row["key"], row["policy"])
    if op == "explain":
        return pipehat.explain(row["path"], version=row["version"])
    if op == "filter":
        return pipehat.Filter(row["expression"])
    if op == "mapping":
        return pipehat.Mapping(row["spec"])
    if op == "profile":
        return pipehat.Profile(row["spec"])
    if op == "from_json":
        return pipehat.from_json(row["text"])
    if op == "build":
        header = dict(row["header"])
        return pipehat.build(header.pop("message_type"), **header)
    if op == "edit":
        editable = pipehat.parse(row["input"]).edit()
        return (editable.set_raw if row.get("raw") else editable.set)(*row["set"])
    if op == "datatype":
        message = pipehat.parse(row["input"])
        return getattr(message, f"get_{row['read']}")(row["path"])
    if op == "mllp":
        return pipehat.MllpDecoder(max_frame_size=row["max_frame_size"]).push(bytes.fromhex(row["input_hex"]))
    if op == "split":
        return list(pipehat.Splitter(max_chunk_size=row["max_chunk_size"]).push(row["input"]).finish())
    if op == "transport_reject":
        return pipehat.transport.reject(row["input"])
    if op == "http_check":
        r = row["request"]
        return pipehat.transport.http_check(r["method"], r["content_type"], r["authorization"], r["body_length"])
    if op == "transport_error":
        raise pipehat.transport.error(row["error_code"])
    raise AssertionError(f"unknown op {op}")


@pytest.mark.parametrize("row", ROWS, ids=[r["name"] for r in ROWS])
def test_error_row(row):
    cls = getattr(pipehat, row["class"])
    with pytest.raises(cls) as raised:
        run(row)
    e = raised.value
    assert isinstance(e, pipehat.HL7Error)
    assert isinstance(e, BASES.get(row["class"], ValueError))
    assert type(e).__name__ == row["class"]
    assert (e.code, getattr(e, "offset", None), str(e)) == (row["code"], row["offset"], row["message"])
    for key, want in row.get("attrs", {}).items():
        assert getattr(e, key) == want, key


def test_every_class_is_covered():
    classes = {name for name in dir(pipehat) if name.endswith("Error") and name != "HL7Error"}
    assert classes == {row["class"] for row in ROWS}
