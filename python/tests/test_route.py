"""Routing and mapping from Python: the shared route cases
(tests/route_cases.jsonl, also run by the Rust and JavaScript suites), every
corpus message, the shared benchmark workload counted two ways, and the CLI."""

import io
import json
import pathlib
import subprocess
import sys

import pytest

import pipehat
from pipehat import cli
from conftest import TESTS, corpus_messages

CASES = [json.loads(line) for line in (TESTS / "route_cases.jsonl").read_text(encoding="utf-8").splitlines()]
MAPPINGS = TESTS.parent / "core" / "mappings"
WORKLOAD_SCRIPT = TESTS.parents[1] / "shared" / "bench" / "make_workload.py"


def by_kind(kind):
    return [pytest.param(c, id=c["name"]) for c in CASES if c["kind"] == kind]


def spec_of(case):
    if "spec_file" in case:
        return MAPPINGS / case["spec_file"]
    return case.get("spec_text", case.get("spec"))


@pytest.mark.parametrize("case", by_kind("filter"))
def test_filter(case):
    f = pipehat.Filter(case["expr"])
    msg = pipehat.parse(case["input"])
    assert f.matches(msg) is case["expect"]
    assert f.matches(case["input"]) is case["expect"]
    assert f.matches(case["input"].encode()) is case["expect"]
    if "header_only" in case:
        assert f.reads_header_only is case["header_only"]
    matched, total, unreadable = f.scan(case["input"] * 2)
    assert (len(matched), total, unreadable) == (2 if case["expect"] else 0, 2, [])
    if case["expect"]:
        assert matched[0] == case["input"].encode()


@pytest.mark.parametrize("case", by_kind("filter_error"))
def test_filter_error(case):
    with pytest.raises(pipehat.FilterError) as e:
        pipehat.Filter(case["expr"])
    assert (e.value.code, e.value.offset) == (case["code"], case["offset"])
    assert isinstance(e.value, ValueError)


@pytest.mark.parametrize("case", by_kind("route"))
def test_route(case):
    as_dict_order = {}
    for destination, expression in case["routes"]:
        as_dict_order.setdefault(destination, expression)
    router = pipehat.Router([tuple(r) for r in case["routes"]])
    assert router.destinations(pipehat.parse(case["input"])) == case["expect"]
    assert router.destinations(case["input"].encode()) == case["expect"]
    assert len(router) == len(case["routes"])


@pytest.mark.parametrize("case", by_kind("diff"))
def test_diff(case):
    a, b = pipehat.parse(case["a"]), pipehat.parse(case["b"])
    ignore = case.get("ignore", [])
    assert pipehat.diff(a, b, ignore=ignore) == case["expect"]
    detector = pipehat.ChangeDetector(ignore)
    assert detector.changes(case["a"], case["b"]) == case["expect"]
    if "kinds" in case:
        assert [d["kind"] for d in detector.changes(a, b, details=True)] == case["kinds"]
    unchanged = not case["expect"]
    assert detector.is_unchanged(a, b) is unchanged
    assert (detector.fingerprint(a) == detector.fingerprint(case["b"])) is unchanged
    assert len(detector.fingerprint(a)) == 16 and int(detector.fingerprint(a), 16) >= 0


@pytest.mark.parametrize("case", by_kind("map"))
def test_map(case):
    spec = spec_of(case)
    mapping = pipehat.Mapping(spec)
    got = mapping.apply(pipehat.parse(case["input"]))
    assert got == case["expect"]
    first = got[0] if mapping.has_rows and got else got
    if first:
        assert list(first) == mapping.keys
    assert json.loads(mapping.apply_json(case["input"])) == case["expect"]
    text = spec.read_text() if isinstance(spec, pathlib.Path) else json.dumps(spec)
    assert pipehat.Mapping(text).apply(case["input"]) == case["expect"]


@pytest.mark.parametrize("case", by_kind("map_error"))
def test_map_error(case):
    with pytest.raises(pipehat.MappingError) as e:
        pipehat.Mapping(spec_of(case))
    assert (e.value.code, e.value.pointer) == (case["code"], case["pointer"])


def test_numbers_are_int_or_float():
    rows = pipehat.Mapping(MAPPINGS / "oru-observations.json").apply(next(c for c in CASES if c["kind"] == "map" and c.get("spec_file") == "oru-observations.json")["input"])
    assert type(rows[0]["set"]) is int and type(rows[1]["value"]) is float


def test_wrong_argument_types():
    with pytest.raises(TypeError):
        pipehat.Filter('MSH-9.1 = "ADT"').matches(42)
    with pytest.raises(TypeError):
        pipehat.Mapping(42)
    with pytest.raises(pipehat.PathError):
        pipehat.ChangeDetector(["PID-0"])
    with pytest.raises(pipehat.ParseError):
        pipehat.diff(b"not hl7", b"MSH|^~\\&|A\r")


def test_corpus():
    adt = pipehat.Mapping(MAPPINGS / "adt-patient.json")
    oru = pipehat.Mapping(MAPPINGS / "oru-observations.json")
    detector = pipehat.ChangeDetector(["MSH-7", "MSH-10"])
    seen = 0
    for name, data, msg in corpus_messages():
        q = lambda v: json.dumps(v or "")  # noqa: E731 - JSON strings are filter strings
        f = pipehat.Filter(f"MSH-9.1 = {q(msg.message_type)} and MSH-9.2 in ({q(msg.trigger_event)}, \"none\")")
        assert f.matches(msg) and f.matches(data), name
        assert pipehat.diff(msg, msg) == [], name
        assert detector.fingerprint(msg) == detector.fingerprint(data), name
        if msg.segment("PID") is not None:
            edited = msg.edit()
            edited.set("PID-5.1", "CHANGED-NAME")
            changed = edited.to_message()
            assert any(p.startswith("PID-5") for p in pipehat.diff(msg, changed)), name
            assert detector.fingerprint(msg) != detector.fingerprint(changed), name
        assert isinstance(adt.apply(msg), dict) and isinstance(oru.apply(msg), list), name
        seen += 1
    assert seen >= 170


@pytest.fixture(scope="module")
def workload(tmp_path_factory):
    out = tmp_path_factory.mktemp("workload")
    subprocess.run([sys.executable, str(WORKLOAD_SCRIPT), str(out)], check=True, capture_output=True)
    return out


def independent_count(data, types):
    """MSH-9.1^MSH-9.2 read with plain string operations, nothing from pipehat."""
    count = 0
    for line in data.decode("utf-8").replace("\r", "\n").split("\n"):
        if line.startswith("MSH|"):
            msh9 = line.split("|")[8].split("^")
            if (msh9 + [""])[0] == types[0] and (msh9 + ["", ""])[1] in types[1]:
                count += 1
    return count


@pytest.mark.parametrize("name", ["adt", "oru", "mixed", "big"])
def test_workload_counts_match_an_independent_count(workload, name):
    data = (workload / f"{name}.hl7").read_bytes()
    f = pipehat.Filter('MSH-9.1 = "ADT" and MSH-9.2 in ("A01", "A04", "A08")')
    assert f.count(data) == independent_count(data, ("ADT", ("A01", "A04", "A08")))
    oru = pipehat.Filter('MSH-9.1 = "ORU"')
    assert oru.count(data) == independent_count(data, ("ORU", ("R01",)))
    matched, total, unreadable = f.scan(data)
    assert total == data.count(b"MSH|") and unreadable == []
    assert all(m.startswith(b"MSH|") for m in matched)
    if name == "mixed":
        high = pipehat.Filter('any(OBX-8 = "H")').count(data)
        expected = sum(
            1 for m in data.split(b"\nMSH|") if b"|H|||F|" in m
        )
        assert high == expected


def run_cli(*args):
    out = io.StringIO()
    code = cli.main(list(args), out=out)
    return code, out.getvalue()


def test_cli_filter_count_and_messages(tmp_path):
    adt = next(c for c in CASES if c["name"] == "route_adt_update")["input"]
    oru = next(c for c in CASES if c["name"] == "route_lab_result")["input"]
    path = tmp_path / "feed.hl7"
    path.write_bytes((adt + "\n" + oru + "\n" + adt).encode())
    assert run_cli("filter", 'MSH-9.1 = "ADT"', str(path), "--count") == (0, "2\n")
    code, text = run_cli("filter", 'MSH-9.1 = "ORU"', str(path))
    assert (code, text) == (0, oru + "\n")
    assert run_cli("filter", "PID-5 = ", str(path), "--count")[0] == 2


def test_cli_map_and_diff(tmp_path):
    case = next(c for c in CASES if c["name"] == "example_oru_observations")
    path = tmp_path / "oru.hl7"
    path.write_bytes(case["input"].encode())
    code, text = run_cli("map", str(MAPPINGS / "oru-observations.json"), str(path))
    assert code == 0 and [json.loads(line) for line in text.splitlines()] == case["expect"]
    d = next(c for c in CASES if c["name"] == "timestamps_and_control_id")
    a, b = tmp_path / "a.hl7", tmp_path / "b.hl7"
    a.write_bytes(d["a"].encode())
    b.write_bytes(d["b"].encode())
    assert run_cli("diff", str(a), str(b)) == (1, "\n".join(d["expect"]) + "\n")
    assert run_cli("diff", str(a), str(b), "--ignore", "MSH-7,MSH-10,EVN-2") == (0, "")
