"""FHIR R4: the shared cases of tests/fhir_cases.jsonl, and the Bundles of
the reference pairs and corpus checked by fhir.resources."""
import json
import pathlib
from typing import Any, Dict, List

import pytest

import pipehat

TESTS = pathlib.Path(__file__).resolve().parents[2] / "tests"
CASES = [json.loads(line) for line in (TESTS / "fhir_cases.jsonl").read_text(encoding="utf-8").splitlines()]


def leaves(node: Any, path: str, out: List[Any]) -> None:
    if isinstance(node, dict):
        for k, v in node.items():
            leaves(v, f"{path}.{k}", out)
    elif isinstance(node, list):
        for v in node:
            leaves(v, path, out)
    else:
        out.append((path, node))


def flatten(bundle: Dict[str, Any]) -> List[Any]:
    out: List[Any] = []
    for k, v in bundle.items():
        if k != "entry":
            leaves(v, f"Bundle.{k}", out)
    for e in bundle["entry"]:
        for k, v in e.items():
            if k != "resource":
                leaves(v, f"Bundle.entry.{k}", out)
        r = e["resource"]
        leaves(r, r["resourceType"], out)
    return out


def options(case: Dict[str, Any]) -> Dict[str, Any]:
    return {k: v for k, v in case["options"].items()}


@pytest.mark.parametrize("case", CASES, ids=[c["name"] for c in CASES])
def test_shared_fhir_case(case: Dict[str, Any]) -> None:
    msg = pipehat.parse(case["message"])
    if "error" in case:
        with pytest.raises(pipehat.FhirError) as e:
            msg.to_fhir(**options(case))
        assert e.value.code == case["error"]
        assert e.value.pointer == case.get("pointer")
        return
    out = msg.to_fhir(report=True, **options(case))
    bundle, report = out["bundle"], out["report"]
    flat = flatten(bundle)
    for path, value in case.get("has", []):
        assert (path, value) in flat, (path, value)
    for path in case.get("lacks", []):
        assert not any(p == path or p.startswith(path + ".") for p, _ in flat), path
    if "first" in case:
        assert bundle["entry"][0]["resource"]["resourceType"] == case["first"]
    for ty, id_ in case.get("ids", {}).items():
        assert id_ in [e["resource"]["id"] for e in bundle["entry"] if e["resource"]["resourceType"] == ty]
    for key, values in case.get("report", {}).items():
        got = report[key] if isinstance(report[key], list) else [report[key]]
        for v in values:
            assert v in got, (key, v)
    for key, values in case.get("report_lacks", {}).items():
        for v in values:
            assert v not in report[key], (key, v)
    # the same call on bytes gives the same Bundle
    assert pipehat.to_fhir(case["message"].encode(), **options(case)) == bundle


def test_same_patient_same_id_across_messages() -> None:
    a = pipehat.parse(CASES[0]["message"]).to_fhir()
    b = pipehat.parse(CASES[6]["message"]).to_fhir()
    pa = [e["resource"]["id"] for e in a["entry"] if e["resource"]["resourceType"] == "Patient"]
    pb = [e["resource"]["id"] for e in b["entry"] if e["resource"]["resourceType"] == "Patient"]
    assert pa == pb and len(pa) == 1


def test_references_resolve_inside_the_bundle() -> None:
    for case in CASES:
        if "error" in case:
            continue
        bundle = pipehat.parse(case["message"]).to_fhir(**options(case))
        urls = {e["fullUrl"] for e in bundle["entry"]}
        refs = [v for p, v in flatten(bundle) if p.endswith(".reference")]
        assert refs and all(r in urls for r in refs), case["name"]


def test_errors_never_quote_the_message() -> None:
    with pytest.raises(pipehat.FhirError) as e:
        pipehat.parse("MSH|^~\\&|SECRETAPP|B|C|D|20240115||MFN^M01|1|P|2.5.1\r").to_fhir()
    assert "SECRETAPP" not in str(e.value)


PAIRS = TESTS / "fhir" / "pairs"
NO_MAP = b"MSH|^~\\&|A|B|C|D|20240115||MFN^M01^MFN_M01|1|P|2.5.1\r"


def pair_inputs() -> List[bytes]:
    return [p.read_bytes() for p in sorted(PAIRS.glob("*/*.hl7"))]


def test_to_fhir_file_writes_each_bundle_in_order_on_every_core(tmp_path: pathlib.Path) -> None:
    inputs = pair_inputs()
    source = tmp_path / "all.hl7"
    # messages one after another, one without a map in the middle
    source.write_bytes(b"\r\n".join(m.lstrip(b"\xef\xbb\xbf") for m in inputs[:20]) + b"\r\n" + NO_MAP
                       + b"\r\n".join(m.lstrip(b"\xef\xbb\xbf") for m in inputs[20:]))
    summary = pipehat.to_fhir_file(source, tmp_path / "out.ndjson")
    assert summary["messages"] == len(inputs) + 1 and summary["bundles"] == len(inputs)
    assert [(e["message"], e["code"]) for e in summary["errors"]] == [(20, "fhir_no_map")]
    lines = (tmp_path / "out.ndjson").read_text(encoding="utf-8").splitlines()
    expected = [json.dumps(pipehat.to_fhir(m), separators=(",", ":"), ensure_ascii=False) for m in inputs]
    assert [json.loads(x) for x in lines] == [json.loads(x) for x in expected]
    one = tmp_path / "one.ndjson"
    pipehat.to_fhir_file(source, one, threads=1)
    assert one.read_bytes() == (tmp_path / "out.ndjson").read_bytes()


def test_to_fhir_file_into_a_file_object_with_options() -> None:
    import io

    buf = io.BytesIO()
    summary = pipehat.to_fhir_file(CASES[0]["message"].encode(), buf, bundle_type="collection",
                                   overrides={"drop": ["Specimen"]})
    assert summary == {"messages": 1, "bundles": 1, "errors": []}
    bundle = json.loads(buf.getvalue())
    assert bundle["type"] == "collection" and "Specimen" not in {e["resource"]["resourceType"] for e in bundle["entry"]}
    with pytest.raises(pipehat.FhirError) as e:
        pipehat.to_fhir_file(b"", buf, overrides={"nope": 1})
    assert (e.value.code, e.value.pointer) == ("fhir_invalid_overrides", "/nope")
    with pytest.raises(FileNotFoundError):
        pipehat.to_fhir_file(TESTS / "no-such-file.hl7", buf)


def test_cli_fhir_writes_ndjson_and_names_the_messages_it_skips(tmp_path: pathlib.Path) -> None:
    import subprocess
    import sys

    good = tmp_path / "oru.hl7"
    good.write_text(CASES[0]["message"], encoding="utf-8")
    bad = tmp_path / "mfn.hl7"
    bad.write_bytes(NO_MAP)
    run = subprocess.run([sys.executable, "-m", "pipehat", "fhir", str(good), str(bad)], capture_output=True)
    assert run.returncode == 1
    lines = run.stdout.decode().splitlines()
    assert len(lines) == 1 and json.loads(lines[0]) == pipehat.to_fhir(CASES[0]["message"])
    assert run.stderr.decode() == f"pipehat: {bad}: message 1 (byte 0): fhir_no_map\n"
    run = subprocess.run([sys.executable, "-m", "pipehat", "fhir", str(good), "--bundle-type", "transaction",
                          "--report"], capture_output=True)
    assert run.returncode == 0
    assert json.loads(run.stdout)["type"] == "transaction"
    report = json.loads(run.stderr)
    assert report["structure"] == "ORU_R01" and report["file"] == str(good)
    overrides = tmp_path / "o.json"
    overrides.write_text('{"drop": 3}', encoding="utf-8")
    run = subprocess.run([sys.executable, "-m", "pipehat", "fhir", str(good), "--overrides", str(overrides)],
                         capture_output=True)
    assert run.returncode == 2
    assert run.stderr.decode().strip() == (f"pipehat: {overrides}: the FHIR overrides are not valid "
                                           "(fhir_invalid_overrides, at '/drop')")


@pytest.mark.parametrize("golden", sorted((TESTS / "golden").glob("*.fhir.json")), ids=lambda p: p.name)
def test_golden_bundles(golden: pathlib.Path) -> None:
    source = TESTS / "corpus" / "messages" / golden.name.replace(".fhir.json", ".hl7")
    assert pipehat.parse(source.read_bytes()).to_fhir() == json.loads(golden.read_text(encoding="utf-8"))
