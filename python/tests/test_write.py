"""Writing HL7 from Python: the shared write cases (tests/write_cases.jsonl,
also run by the Rust and JavaScript suites), every corpus message
acknowledged, and messages and ACKs read back by python-hl7."""

import json

import pytest

import pipehat
from conftest import CORPUS, TESTS, corpus_messages

CASES = [json.loads(line) for line in (TESTS / "write_cases.jsonl").read_text(encoding="utf-8").splitlines()]


def by_kind(kind):
    return [pytest.param(c, id=c["name"]) for c in CASES if c["kind"] == kind]


def apply(buf, op):
    name, *args = op
    method = {
        "set": buf.set,
        "set_raw": buf.set_raw,
        "insert": buf.insert,
        "insert_raw": buf.insert_raw,
        "remove": buf.remove,
        "append_repetition": buf.append_repetition,
        "insert_segment": buf.insert_segment,
        "append_segment": buf.append_segment,
        "remove_segment": buf.remove_segment,
    }[name]
    method(*args)


def run_ops(case, buf):
    error = case.get("error")
    for i, op in enumerate(case["ops"]):
        before = bytes(buf)
        try:
            apply(buf, op)
        except pipehat.EditError as e:
            assert error is not None, f"op {i} failed: {e}"
            assert (i, e.code) == (error["op"], error["code"])
            if "offset" in error:
                assert e.offset == error["offset"]
            assert bytes(buf) == before, "a failed edit changed the message"
            assert isinstance(e, ValueError)
        except pipehat.PathError as e:
            assert error is not None and (i, e.code) == (error["op"], error["code"]), str(e)
            assert bytes(buf) == before
    check(case, buf)


def check(case, msg):
    if "expect" in case:
        assert bytes(msg) == case["expect"].encode()
    for path, want in case.get("get", {}).items():
        assert msg.get(path) == want, path


@pytest.mark.parametrize("case", by_kind("edit"))
def test_edit_cases(case):
    buf = pipehat.parse(case["input"]).edit()
    run_ops(case, buf)
    # The editable message also parses directly, and snapshots read the same.
    assert bytes(pipehat.EditableMessage(case["input"])) == case["input"].encode()
    assert bytes(buf.to_message()) == bytes(buf)


@pytest.mark.parametrize("case", by_kind("build"))
def test_build_cases(case):
    header = dict(case["header"])
    message_type = header.pop("message_type")
    try:
        buf = pipehat.build(message_type, **header)
    except (pipehat.EditError, pipehat.ParseError) as e:
        assert "error" in case, str(e)
        assert e.code == case["error"]["code"]
        return
    assert "error" not in case
    run_ops(case, buf)


@pytest.mark.parametrize("case", by_kind("ack"))
def test_ack_cases(case):
    kwargs = dict(case["ack"])
    kwargs.update(case.get("parse_options", {}))
    try:
        ack = pipehat.ack(case["input"], **kwargs)
    except (pipehat.ParseError, pipehat.EditError) as e:
        assert "error" in case, str(e)
        assert e.code == case["error"]["code"]
        return
    assert "error" not in case
    check(case, ack)
    assert isinstance(ack, pipehat.Message)


@pytest.mark.parametrize("case", by_kind("mllp"))
def test_mllp_cases(case):
    wire = bytes.fromhex(case["input_hex"])
    for chunk in sorted({1, 2, 3, 7, len(wire)}):
        decoder = pipehat.MllpDecoder(max_frame_size=case["max_frame_size"])
        frames, errors = [], []

        def drain(data):
            try:
                frames.extend(decoder.push(data))
            except pipehat.MllpError as e:
                errors.append([e.code, e.offset])
                drain(b"")

        for i in range(0, len(wire), chunk):
            drain(wire[i : i + chunk])
        drain(b"")
        decoder.finish()
        assert [f.decode() for f in frames] == case["frames"], chunk
        assert [[i.code, i.offset, i.length] for i in decoder.issues] == case["issues"], chunk
        assert errors == case["errors"], chunk


def test_message_ack_contract_and_defaults():
    msg = pipehat.parse(b"MSH|^~\\&|LAB|HOSP|EHR|CLINIC|20240115||ORU^R01^ORU_R01|MSG42|P|2.5.1\rPID|1||7\r")
    ack = msg.ack(code="AA", text=None)
    assert isinstance(ack, pipehat.Message)
    assert (ack.get("MSA-1"), ack.get("MSA-2"), ack.message_type, ack.trigger_event) == ("AA", "MSG42", "ACK", "R01")
    assert (ack.sending_application, ack.receiving_application) == ("EHR", "LAB")
    assert ack.control_id and len(ack.control_id) == 20 and ack.control_id != msg.control_id
    assert ack.timestamp and len(ack.timestamp) == 19 and ack.timestamp.endswith("+0000")
    assert msg.ack().control_id != ack.control_id
    assert msg.ack("AE", "bad").get("MSA-3") == "bad"
    assert msg.ack_mode == "original" and msg.wants_ack("AA") and not msg.wants_ack("CA")
    with pytest.raises(ValueError):
        msg.ack(code="XX")
    with pytest.raises(ValueError):
        msg.ack(errors=[{"severity": "E"}])
    with pytest.raises(pipehat.PathError):
        msg.ack(errors=[{"code": 101, "path": "PID-0"}])


def test_edit_error_text_names_no_content():
    buf = pipehat.parse(b"MSH|^~\\&|A\rPID|1||SECRET\r").edit()
    with pytest.raises(pipehat.EditError) as e:
        buf.set_raw("PID-3.1", "SECRET^NAME")
    assert "SECRET" not in str(e.value) and e.value.code == "invalid_value" and e.value.offset == 6


def test_mllp_encode_round_trip():
    wire = pipehat.mllp_encode(b"MSH|^~\\&|A\r") + pipehat.mllp_encode("MSH|^~\\&|B\r")
    assert wire.startswith(b"\x0bMSH") and wire.endswith(b"\x1c\r")
    decoder = pipehat.MllpDecoder()
    assert [pipehat.parse(f).get("MSH-3") for f in decoder.push(wire)] == ["A", "B"]
    decoder.push(b"\x0bpartial")
    assert decoder.buffered == 7
    decoder.finish()
    assert [i.code for i in decoder.issues] == ["mllp_truncated_frame"]


def test_every_corpus_message_reserializes_and_acknowledges():
    count = 0
    for name, data, msg in corpus_messages():
        assert bytes(msg.edit()) == data, name
        if msg.segment("MSH") is None:
            continue
        ack = msg.ack(control_id="ACK1", timestamp="20240101")
        assert ack.get_raw("MSA-2") == msg.get_raw("MSH-10"), name
        assert ack.get_raw("MSH-3") == msg.get_raw("MSH-5"), name
        assert ack.delimiters == msg.delimiters, name
        count += 1
    assert count > 150


def test_python_hl7_reads_what_pipehat_writes():
    import hl7  # python-hl7, installed by make setup-python
    buf = pipehat.build("ADT^A01^ADT_A01", control_id="MSG0001", timestamp="20240115103000", sending_application="PIPEHAT")
    buf.set("PID-3(1).1", "123")
    buf.set("PID-3(1).4", "HOSP")
    buf.append_repetition("PID-3", "999")
    buf.set("PID-5.1", "O'BRIEN & SONS")
    buf.set("PID-5.2", "ANN")
    peer = hl7.parse(str(buf))
    assert str(peer.segment("MSH")[10]) == "MSG0001"
    assert str(peer.segment("PID")[3][0][0]) == "123"
    assert str(peer.segment("PID")[3][1]) == "999"
    assert peer.unescape(str(peer.segment("PID")[5][0][0])) == "O'BRIEN & SONS"
    ack = pipehat.parse(bytes(buf)).ack(code="AE", text="missing field", errors=[{"code": 101, "path": "PID-7"}])
    peer_ack = hl7.parse(str(ack))
    assert str(peer_ack.segment("MSA")[1]) == "AE"
    assert str(peer_ack.segment("MSA")[2]) == "MSG0001"
    assert str(peer_ack.segment("ERR")[2]) == "PID^1^7"
    assert str(peer_ack.segment("ERR")[3][0][0]) == "101"
    assert str(peer_ack.segment("MSH")[5]) == "PIPEHAT"


GOLDEN = TESTS / "golden"


def test_lossless_golden_files_and_round_trip():
    goldens = sorted(GOLDEN.glob("*.lossless.json"))
    assert len(goldens) == 7
    for path in goldens:
        name = path.name.replace(".lossless.json", ".hl7")
        data = (CORPUS / "messages" / name).read_bytes()
        msg = pipehat.parse(data)
        want = json.loads(path.read_text(encoding="utf-8"))
        assert msg.to_dict(form="lossless") == want, name
        assert json.loads(msg.to_json(form="lossless")) == want, name
        friendly = json.loads((GOLDEN / name.replace(".hl7", ".friendly.json")).read_text(encoding="utf-8"))
        assert msg.to_dict(form="friendly") == friendly, name
        assert bytes(pipehat.from_json(want)) == data, name
        assert bytes(pipehat.from_json(path.read_text(encoding="utf-8"))) == data, name


def test_every_corpus_message_round_trips_through_lossless_json():
    count = 0
    for name, data, msg in corpus_messages():
        assert bytes(pipehat.from_json(msg.to_json(form="lossless"))) == data, name
        count += 1
    assert count > 150


def test_lossless_json_matches_its_schema():
    import jsonschema  # installed by make setup-python

    schema = json.loads((TESTS.parent / "core" / "schema" / "pipehat-lossless-v1.schema.json").read_text())
    jsonschema.Draft202012Validator.check_schema(schema)
    validator = jsonschema.Draft202012Validator(schema)
    for name, _, msg in corpus_messages():
        errors = list(validator.iter_errors(msg.to_dict(form="lossless")))
        assert not errors, f"{name}: {errors[0].message}"
    assert list(validator.iter_errors({"format": "pipehat-lossless", "version": 2}))


def test_from_json_errors():
    with pytest.raises(pipehat.JsonError) as e:
        pipehat.from_json("{")
    assert e.value.code == "invalid_json" and isinstance(e.value, ValueError)
    with pytest.raises(pipehat.JsonError) as e:
        pipehat.from_json({"format": "other", "version": 1})
    assert e.value.code == "unsupported_format"
    base = {"format": "pipehat-lossless", "version": 1, "encoding": "utf-8", "delimiters": "|^~\\&", "terminator": "\r"}
    with pytest.raises(pipehat.JsonError) as e:
        pipehat.from_json(dict(base, segments=[{"name": "MSH", "fields": [[]]}]))
    assert e.value.code == "invalid_shape"
    with pytest.raises(pipehat.ParseError) as e2:
        pipehat.from_json(dict(base, segments=[{"name": "PID", "fields": ["1"]}]))
    assert e2.value.code == "missing_header"
    with pytest.raises(ValueError):
        pipehat.parse("MSH|^~\\&|A\r").to_json(form="yaml")
    with pytest.raises(TypeError):
        pipehat.from_json(b"{}")


@pytest.mark.parametrize("case", by_kind("datatype"))
def test_datatype_cases(case):
    msg = pipehat.parse(case["input"])
    for path, want in case["datetime"].items():
        try:
            v = msg.get_datetime(path)
        except pipehat.DatatypeError as e:
            assert want == {"error": e.code, "offset": e.offset}, path
            continue
        got = None if v is None else {"precision": v.precision, "iso": v.iso, "offset_minutes": v.offset_minutes, "is_null": v.is_null}
        assert got == want, path
    for kind, getter in (("number", msg.get_number), ("sequence_id", msg.get_sequence_id)):
        for path, want in case[kind].items():
            try:
                assert getter(path) == want, path
            except pipehat.DatatypeError as e:
                assert want == {"error": e.code}, path
    for path, datatype, want in case["typed"]:
        assert msg.get_typed(path, datatype) == want, path
    for path, datatype, want in case["typed_all"]:
        assert msg.get_typed_all(path, datatype) == want, path


def test_datetime_values_are_python_datetimes():
    import datetime as dt

    msg = pipehat.parse("MSH|^~\\&|A||||20240115103000.25-0500\rPID|1||||||1980\r")
    v = msg.get_datetime("MSH-7")
    assert v.datetime == dt.datetime(2024, 1, 15, 10, 30, 0, 250000, tzinfo=dt.timezone(dt.timedelta(hours=-5)))
    assert v.datetime.utcoffset() == dt.timedelta(hours=-5)
    born = msg.get_datetime("PID-7")
    assert (born.precision, born.iso, born.datetime, born.datetime.tzinfo) == ("year", "1980", dt.datetime(1980, 1, 1), None)
    with pytest.raises(ValueError):
        msg.get_typed("PID-5", "ABC")
    with pytest.raises(pipehat.DatatypeError) as e:
        pipehat.parse("MSH|^~\\&|A\rPID|1||||||19801301\r").get_datetime("PID-7")
    assert "1980" not in str(e.value) and e.value.offset == 4
