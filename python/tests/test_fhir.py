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
