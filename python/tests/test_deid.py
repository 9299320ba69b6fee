"""De-identification: the shared cases of tests/deid_cases.jsonl, whole files
with their framing, policies from files, the crosswalk and the CLI."""
import io
import json
import pathlib
import subprocess
import sys
import threading

import pytest

import pipehat

TESTS = pathlib.Path(__file__).resolve().parents[2] / "tests"
CASES = [json.loads(line) for line in (TESTS / "deid_cases.jsonl").read_text(encoding="utf-8").splitlines()]
CORPUS = sorted((TESTS / "corpus" / "messages").glob("*.hl7"))
KEY = b"pipehat python test key"


@pytest.mark.parametrize("case", CASES, ids=[c["name"] for c in CASES])
def test_shared_case(case):
    if "error" in case:
        with pytest.raises(pipehat.DeidError) as e:
            pipehat.Deidentifier(case["key"], case["policy"])
        assert (e.value.code, e.value.pointer) == (case["error"]["code"], case["error"]["pointer"])
        return
    d = pipehat.Deidentifier(case["key"], case["policy"])
    out = d.deidentify(case["message"])
    assert isinstance(out, pipehat.Message)
    assert str(out) == case["output"]
    if "report" in case:
        assert [[c["path"], c["action"], c["count"]] for c in d.report["changes"]] == case["report"]
        assert d.report["messages"] == 1
    # The module function, with the policy as JSON text, gives the same bytes.
    policy = None if case["policy"] is None else json.dumps(case["policy"])
    assert bytes(pipehat.deidentify(case["message"].encode(), key=case["key"], policy=policy)) == out.__bytes__()


def test_a_file_keeps_its_framing_and_equals_message_by_message(tmp_path):
    d = pipehat.Deidentifier(KEY)
    one = pipehat.Deidentifier(KEY)
    messages = []
    for path in CORPUS:
        for chunk in pipehat.split(path.read_bytes()):
            if chunk.kind == "message":
                try:
                    messages.append(bytes(pipehat.parse(chunk.bytes)))
                except pipehat.ParseError:
                    pass
    assert len(messages) > 150
    framed = b"".join(b"\x0b" + m + b"\x1c\r" for m in messages)
    target = io.BytesIO()
    summary = d.deidentify_file(framed, target, threads=2)
    assert summary == {"messages": len(messages), "written": len(messages), "errors": [], "dropped_bytes": 0}
    expected = b"".join(b"\x0b" + one.deidentify(m).__bytes__() + b"\x1c\r" for m in messages)
    assert target.getvalue() == expected
    # Reports add up the same whichever way the messages went.
    assert d.report == one.report
    # To a path, from a path.
    source = tmp_path / "in.hl7"
    source.write_bytes(framed)
    summary = pipehat.Deidentifier(KEY).deidentify_file(source, tmp_path / "out.hl7", threads=1)
    assert (tmp_path / "out.hl7").read_bytes() == expected
    assert summary["written"] == len(messages)


def test_unparseable_messages_and_stray_text_are_left_out():
    data = (b"hello patient DOE\r"
            b"MSH|^~\\&|A|B|||2024||ADT^A01|1|P|2.5.1\rPID|1||7^^^H^MR||DOE^J\r"
            b"ZZZ\x00|an unknown segment with DOE\r"
            b"MSH|^~\\&|A|B|||2024||ADT^A01|2|P|2.5.1\rPID|1||8^^^H^MR||ROE^R\r")
    out = io.BytesIO()
    d = pipehat.Deidentifier(KEY)
    summary = d.deidentify_file(data, out)
    assert summary["written"] == 2 and summary["dropped_bytes"] == len(b"hello patient DOE\r")
    assert b"DOE" not in out.getvalue() and b"ROE" not in out.getvalue()


def test_policies_from_yaml_and_json_files(tmp_path):
    msg = "MSH|^~\\&|A|B|||20240101||ADT^A01|1|P|2.5.1\rPID|1||42^^^H^MR||DOE^JANE||19800101\rZPI|x\r"
    yaml = tmp_path / "p.yaml"
    yaml.write_text("extends: none\nfields:\n  PID-5: remove\n  ZPI: remove\n", encoding="utf-8")
    as_json = tmp_path / "p.json"
    as_json.write_text(json.dumps({"extends": "none", "fields": {"PID-5": "remove", "ZPI": "remove"}}), encoding="utf-8")
    want = "MSH|^~\\&|A|B|||20240101||ADT^A01|1|P|2.5.1\rPID|1||42^^^H^MR||||19800101\r"
    for policy in (yaml, as_json, str(as_json.read_text()), {"extends": "none", "fields": {"PID-5": "remove", "ZPI": "remove"}}):
        assert str(pipehat.deidentify(msg, key=KEY, policy=policy)) == want
    assert str(pipehat.deidentify(msg, key=KEY, policy="safe-harbor")) == str(pipehat.deidentify(msg, key=KEY))
    bad = tmp_path / "bad.yaml"
    bad.write_text("fields:\n  PID-5: blur\n", encoding="utf-8")
    with pytest.raises(pipehat.DeidError) as e:
        pipehat.Deidentifier(KEY, bad)
    assert (e.value.code, e.value.pointer) == ("deid_invalid_policy", "/fields/PID-5")
    assert "blur" not in str(e.value)
    with pytest.raises(TypeError):
        pipehat.Deidentifier(42)


def test_crosswalk_only_on_request_and_threads_share_one_deidentifier():
    msg = b"MSH|^~\\&|A|B|||2024||ADT^A01|1|P|2.5.1\rPID|1||12345^^^H^MR\r"
    assert pipehat.Deidentifier(KEY).crosswalk is None
    d = pipehat.Deidentifier(KEY, crosswalk=True)
    results = []

    def work():
        for _ in range(50):
            results.append(d.deidentify(msg).get("PID-3.1"))

    threads = [threading.Thread(target=work) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    assert len(set(results)) == 1 and len(results) == 200
    assert d.crosswalk == {results[0]: "12345"}
    assert d.report["messages"] == 200


def test_cli_deid(tmp_path):
    key = tmp_path / "key"
    key.write_bytes(KEY + b"\n")
    source = tmp_path / "in.hl7"
    data = b"\x0b" + CASES[0]["message"].encode() + b"\x1c\r"
    source.write_bytes(data)
    run = subprocess.run([sys.executable, "-m", "pipehat", "deid", "--key-file", str(key), "--report",
                          "--crosswalk", str(tmp_path / "cw.jsonl"), str(source)], capture_output=True)
    assert run.returncode == 0, run.stderr
    expected = pipehat.Deidentifier(KEY).deidentify(CASES[0]["message"]).__bytes__()
    assert run.stdout == b"\x0b" + expected + b"\x1c\r"
    report = json.loads(run.stderr)
    assert report["messages"] == 1 and {"path": "PID-5", "action": "remove", "count": 1} in report["changes"]
    crosswalk = [json.loads(line) for line in (tmp_path / "cw.jsonl").read_text().splitlines()]
    assert {"token": pipehat.parse(expected).get("PID-3.1"), "original": "12345"} in crosswalk
    # A short key, an unknown policy: exit 2, no content in the message.
    (tmp_path / "short").write_bytes(b"abc")
    run = subprocess.run([sys.executable, "-m", "pipehat", "deid", "--key-file", str(tmp_path / "short"), str(source)],
                         capture_output=True)
    assert run.returncode == 2 and b"deid_key_too_short" in run.stderr and run.stdout == b""
    run = subprocess.run([sys.executable, "-m", "pipehat", "deid", "--key-file", str(key), "--policy", "hipaa",
                          str(source)], capture_output=True)
    assert run.returncode == 2 and b"deid_invalid_policy" in run.stderr
    run = subprocess.run([sys.executable, "-m", "pipehat", "deid", "--key-file", str(key), "-o",
                          str(tmp_path / "out.hl7"), str(source)], capture_output=True)
    assert run.returncode == 0 and (tmp_path / "out.hl7").read_bytes() == b"\x0b" + expected + b"\x1c\r"
