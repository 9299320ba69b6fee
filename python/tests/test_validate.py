"""Dictionary and validation from Python: the shared cases
(tests/validate_cases.jsonl, also run by the Rust and JavaScript suites),
the corpus against tests/golden/validation.json, ACKs fed by a report, and
the CLI."""

import io
import json

import pytest

import pipehat
from pipehat import cli
from conftest import CORPUS, TESTS

CASES = [json.loads(line) for line in (TESTS / "validate_cases.jsonl").read_text(encoding="utf-8").splitlines()]
GOLDEN = json.loads((TESTS / "golden" / "validation.json").read_text(encoding="utf-8"))


def by_kind(kind):
    return [pytest.param(c, id=c["name"]) for c in CASES if c["kind"] == kind]


@pytest.mark.parametrize("case", by_kind("explain"))
def test_explain(case):
    if "error" in case:
        with pytest.raises((pipehat.DictionaryError, pipehat.PathError)) as e:
            pipehat.explain(case["path"], version=case["version"])
        assert e.value.code == case["error"]
        return
    e = pipehat.explain(case["path"], version=case["version"])
    if case["expect"] is None:
        assert e is None
        return
    got = {k: getattr(e, k) for k in ("name", "datatype", "optionality", "repeatable", "table")}
    assert got == case["expect"]


def profile_of(case):
    if "profile_yaml" in case:
        return pipehat.Profile.from_yaml(case["profile_yaml"])
    if "profile_text" in case:
        return case["profile_text"]
    return case.get("profile")


def as_profile(spec):
    return spec if isinstance(spec, pipehat.Profile) or spec is None else pipehat.Profile(spec)


@pytest.mark.parametrize("case", by_kind("validate"))
def test_validate(case):
    profile = profile_of(case)
    report = pipehat.validate(pipehat.parse(case["input"]), version=case.get("version"),
                              profile=as_profile(profile))
    assert [[i.code, i.severity, i.path] for i in report.issues] == case["issues"]
    assert report.valid is case["valid"] and bool(report) is case["valid"]
    # The same from bytes, and with the profile given as a dict.
    again = pipehat.validate(case["input"].encode(), version=case.get("version"), profile=profile)
    assert [i.code for i in again.issues] == [c for c, _, _ in case["issues"]]
    for issue in report.issues:
        assert 0 <= issue.offset <= len(case["input"].encode())
        assert issue.code in issue.message
    if "ack" in case:
        # The issues as ERR segments: the same bytes as Rust's Report::ack_errors.
        msg = pipehat.parse(case["input"])
        ack = msg.ack(errors=report.ack_errors(), diagnostics="none", control_id="ACK1", timestamp="20240101000000")
        assert str(ack) == case["ack"]


@pytest.mark.parametrize("case", by_kind("named_json"))
def test_named_json(case):
    msg = pipehat.parse(case["input"])
    assert msg.to_dict(form="named") == case["expect"]
    assert json.loads(msg.to_json(form="named")) == case["expect"]


@pytest.mark.parametrize("case", by_kind("profile_error"))
def test_profile_error(case):
    with pytest.raises(pipehat.ProfileError) as e:
        as_profile(profile_of(case))
    assert (e.value.code, e.value.pointer) == (case["code"], case["pointer"])


def test_yaml_profile_files(tmp_path):
    # A .yaml or .yml path is read as YAML, anything else as JSON; broken YAML has its own code.
    case = next(c for c in CASES if c["kind"] == "validate" and "profile_yaml" in c)
    for suffix in (".yaml", ".yml"):
        path = tmp_path / f"profile{suffix}"
        path.write_text(case["profile_yaml"])
        report = pipehat.validate(case["input"], profile=pipehat.Profile(path))
        assert [[i.code, i.severity, i.path] for i in report.issues] == case["issues"]
    with pytest.raises(pipehat.ProfileError) as e:
        pipehat.Profile.from_yaml("segments: [unclosed")
    assert (e.value.code, e.value.pointer) == ("invalid_yaml", "")
    assert "unclosed" not in str(e.value)


def test_corpus_matches_the_golden_summary():
    seen = 0
    for path in sorted((CORPUS / "messages").iterdir()):
        data = path.read_bytes()
        try:
            msg = pipehat.parse(data)
        except pipehat.ParseError:
            assert path.name not in GOLDEN
            continue
        report = pipehat.validate(msg)
        want = GOLDEN[path.name]
        assert report.version == want["version"] and report.structure == want["structure"], path.name
        assert report.valid is want["valid"], path.name
        assert [f"{i.severity} {i.code} {i.path}" for i in report.issues] == want["issues"], path.name
        seen += 1
    assert seen == len(GOLDEN)


def test_report_feeds_the_ack():
    case = next(c for c in CASES if c["name"] == "missing_required_field")
    msg = pipehat.parse(case["input"])
    report = pipehat.validate(msg)
    ack = msg.ack(code="AE", errors=report.ack_errors(), control_id="A1", timestamp="20240101")
    assert ack.get("MSA-1") == "AE"
    assert ack.get("ERR-3.1") == "101" and ack.get("ERR-2.1") == "PID" and ack.get("ERR-2.3") == "3"


def run_cli(*args):
    out = io.StringIO()
    code = cli.main(list(args), out=out)
    return code, out.getvalue()


def test_cli_validate_and_explain(tmp_path):
    case = next(c for c in CASES if c["name"] == "bad_datetime_in_a_ts")
    path = tmp_path / "m.hl7"
    path.write_bytes(case["input"].encode())
    code, text = run_cli("validate", str(path))
    assert code == 1 and "invalid_datetime" in text and "PID-7.1" in text
    good = next(c for c in CASES if c["name"] == "valid_adt_a01")
    path.write_bytes(good["input"].encode())
    assert run_cli("validate", str(path))[0] == 0
    code, text = run_cli("explain", "PID-5", "PID-8", "--version", "2.5")
    assert code == 0
    assert text.startswith("PID-5: Patient Name (XPN, required, repeats)\n")
    assert "PID-8: Administrative Sex (IS, optional, once, table 0001)" in text
    code, text = run_cli("show", str(path))
    assert "# Patient Name" in text
