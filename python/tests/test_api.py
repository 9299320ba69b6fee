import io
import json
import pickle
import subprocess
import sys

import pytest

import pipehat
from conftest import CORPUS, TESTS

ADT = (
    b"MSH|^~\\&|EPIC|HOSP|LAB|HOSP|20240115120000||ADT^A01^ADT_A01|MSG1|P|2.5.1\r"
    b"PID|1||123^^^HOSP&1.2.3&ISO^MR~99^^^SSA^SS||DOE^JOHN^Q||19800101|M\r"
    b"AL1|1|DA|1605^Penicillin|SV|Hives\\T\\Rash\r"
)


def test_get_family():
    m = pipehat.parse(ADT)
    assert m.get("PID-5.1") == "DOE"
    assert m["PID-3(2).1"] == "99"
    assert m.get("PID-3.4.2") == "1.2.3"
    assert m.get("PID-9") is None
    assert m.get("AL1-5") == "Hives&Rash"
    assert m.get_raw("AL1-5") == "Hives\\T\\Rash"
    assert m.get_all("PID-3.1") == ["123", "99"]
    assert m.get("MSH-1") == "|" and m.get("MSH-2") == "^~\\&"


def test_str_input_and_header_properties():
    m = pipehat.parse(ADT.decode())
    assert (m.message_type, m.trigger_event, m.message_structure) == ("ADT", "A01", "ADT_A01")
    assert (m.control_id, m.processing_id, m.version) == ("MSG1", "P", "2.5.1")
    assert (m.sending_application, m.sending_facility, m.receiving_application) == ("EPIC", "HOSP", "LAB")
    assert m.timestamp == "20240115120000"
    assert m.charset is None and m.segment_terminator == "\r"
    assert m.delimiters["truncation"] is None and m.delimiters["field"] == "|"


def test_bytes_str_repr_pickle_and_iteration():
    m = pipehat.parse(ADT)
    assert bytes(m) == ADT
    assert str(m) == ADT.decode()
    r = repr(m)
    assert r == f"<pipehat.Message ADT^A01 v2.5.1, 3 segments, {len(ADT)} bytes>"
    assert "DOE" not in r and "123" not in r
    again = pickle.loads(pickle.dumps(m))
    assert bytes(again) == ADT and again.get("PID-5.2") == "JOHN"
    assert [s.name for s in m] == ["MSH", "PID", "AL1"] and len(m) == 3


def test_segments_and_elements():
    m = pipehat.parse(ADT)
    pid = m.segment("PID")
    assert pid.name == "PID" and pid.index == 1 and pid[5] == "DOE^JOHN^Q" and pid[30] is None
    field = pid.field(3)
    assert field.kind == "field" and len(field.repetitions) == 2
    rep = field.repetitions[0]
    comp = rep.components[3]
    assert comp.kind == "component" and comp.raw == "HOSP&1.2.3&ISO"
    assert [s.value for s in comp.subcomponents] == ["HOSP", "1.2.3", "ISO"]
    assert pid.field(3).components[0].value == "123"
    assert m.segments_named("AL1")[0].offset == ADT.index(b"AL1")
    with pytest.raises(TypeError):
        comp.repetitions
    assert pipehat.parse(b"MSH|^~\\&|A\rPID|1|\"\"\r").segment("PID").field(2).is_null


def test_parse_error_attributes():
    with pytest.raises(pipehat.ParseError) as info:
        pipehat.parse(b"\r\nMSH|^&&^|SECRET\r")
    e = info.value
    assert isinstance(e, ValueError) and isinstance(e, pipehat.HL7Error)
    assert (e.code, e.offset, e.line, e.column, e.segment, e.field) == ("duplicate_delimiter", 8, 2, 7, 0, 2)
    assert "SECRET" not in str(e)


def test_path_error_attributes():
    m = pipehat.parse(ADT)
    with pytest.raises(pipehat.PathError) as info:
        m.get("PID-3(2")
    e = info.value
    assert isinstance(e, KeyError) and (e.code, e.offset) == ("unclosed_bracket", 7)
    assert str(e).startswith("invalid path")


def test_options():
    lf = ADT.replace(b"\r", b"\n")
    assert pipehat.parse(lf).segment_terminator == "\n"
    assert len(pipehat.parse(lf, segment_terminator="\r")) == 1
    with pytest.raises(pipehat.ParseError) as info:
        pipehat.parse(ADT, max_segments=2)
    assert info.value.code == "too_many_segments"
    with pytest.raises(pipehat.ParseError) as info:
        pipehat.parse(b"MSH|^~\\&|A\rNTE|1||\\Q\\\r", strict=True)
    assert info.value.code == "malformed_escape"
    with pytest.raises(ValueError):
        pipehat.parse(ADT, segment_terminator="x")
    with pytest.raises(TypeError):
        pipehat.parse(12)


def test_diagnostics_objects():
    m = pipehat.parse(b"MSH|^~\\&|A\nNTE|1||bad \\Q\\\n")
    d = {x.code: x for x in m.diagnostics}
    assert d["non_standard_segment_terminator"].severity == "info"
    bad = d["malformed_escape"]
    assert (bad.severity, bad.offset, bad.line, bad.column, bad.segment, bad.field) == ("warning", 22, 2, 12, 1, 3)
    assert "bad" not in bad.message


def test_to_dict_and_json():
    m = pipehat.parse(ADT)
    d = m.to_dict()
    assert d == json.loads(m.to_json())
    pid = d["segments"][1]
    assert pid["name"] == "PID"
    assert pid["fields"][2] == {"repetitions": [["123", "", "", ["HOSP", "1.2.3", "ISO"], "MR"], ["99", "", "", "SSA", "SS"]]}
    assert d["segments"][2]["fields"][4] == "Hives&Rash"


def test_to_dict_shares_repeated_short_strings():
    # Values of 16 bytes or fewer seen lately are one object, not one per
    # result; longer ones are made each time. Equal either way.
    a, b = (pipehat.parse(ADT).to_dict()["segments"] for _ in range(2))
    assert a == b
    assert a[1]["name"] is b[1]["name"]
    assert a[0]["fields"][2] is b[0]["fields"][2]
    long = "X" * 17
    c, d = (pipehat.parse(ADT.replace(b"|EPIC|", f"|{long}|".encode(), 1)).to_dict()["segments"] for _ in range(2))
    assert c[0]["fields"][2] == long and c[0]["fields"][2] is not d[0]["fields"][2]
    # Values of every cached length, and the same with one byte changed at
    # each position, read back as written (none taken for another).
    values = []
    for n in range(1, 17):
        base = "".join(chr(ord("A") + i) for i in range(n))
        values += [base] + [base[:i] + "z" + base[i + 1 :] for i in range(n)]
    nte = "\r".join(f"NTE|{i}||{v}" for i, v in enumerate(values))
    for _ in range(2):
        segments = pipehat.parse(ADT + nte.encode() + b"\r").to_dict()["segments"]
        assert [s["fields"][2] for s in segments if s["name"] == "NTE"] == values


def test_iter_messages_sources(tmp_path):
    data = (CORPUS / "messages/pyhl7__adt_a04__file2.hl7").read_bytes()
    ids = ["12334456778890", "12334456778891", "12334456778890"]
    assert [m.control_id for m in pipehat.iter_messages(data)] == ids
    path = tmp_path / "f.hl7"
    path.write_bytes(data)
    assert [m.control_id for m in pipehat.iter_messages(str(path))] == ids
    assert [m.control_id for m in pipehat.iter_messages(path)] == ids
    assert [m.control_id for m in pipehat.iter_messages(io.BytesIO(data))] == ids
    mllp = b"\x0b" + ADT + b"\x1c\r" + b"\x0b" + ADT.replace(b"MSG1", b"MSG2") + b"\x1c\r"
    assert [m.control_id for m in pipehat.iter_messages(mllp)] == ["MSG1", "MSG2"]
    with pytest.raises(OSError):
        pipehat.iter_messages(str(tmp_path / "missing.hl7"))


def test_iter_messages_reports_bad_messages_and_continues():
    it = pipehat.iter_messages(ADT + b"MSH|^~|x\r" + ADT)
    assert next(it).control_id == "MSG1"
    with pytest.raises(pipehat.ParseError):
        next(it)
    assert next(it).control_id == "MSG1"
    with pytest.raises(StopIteration):
        next(it)


def test_iter_messages_takes_parse_options():
    # Each message is parsed as parse() would with the same options.
    data = ADT + b"MSH|^~\\&|A||||||ADT^A01|2|P|2.5\rNTE|1||\\Q\\\r" + ADT
    assert [m.control_id for m in pipehat.iter_messages(data)] == ["MSG1", "2", "MSG1"]
    it = pipehat.iter_messages(data, strict=True)
    assert next(it).control_id == "MSG1"
    with pytest.raises(pipehat.ParseError) as raised:
        next(it)
    assert raised.value.code == "malformed_escape"
    assert next(it).control_id == "MSG1"
    with pytest.raises(pipehat.ParseError) as limit:
        pipehat.parse(ADT, max_field_length=20)
    with pytest.raises(pipehat.ParseError) as raised:
        next(pipehat.iter_messages(io.BytesIO(data), max_field_length=20))
    assert raised.value.code == limit.value.code
    lazy = [m.get("PID-5.1") for m in pipehat.iter_messages(data, lazy=True, max_segments=3)]
    assert lazy == ["DOE", None, "DOE"]
    with pytest.raises(ValueError):
        pipehat.iter_messages(data, segment_terminator="x")


def test_extract_and_tables(tmp_path):
    data = b"\n".join(ADT.replace(b"MSG1", b"MSG%d" % i) for i in range(300)) + b"MSH|^~|bad\r"
    path = tmp_path / "f.hl7"
    path.write_bytes(data)
    cols = pipehat.extract(str(path), ["MSH-10", "AL1-5", "PID-9"], threads=3)
    assert cols["MSH-10"][:2] == ["MSG0", "MSG1"] and cols["MSH-10"][-1] is None
    assert len(cols["MSH-10"]) == 301 and cols["AL1-5"][0] == "Hives&Rash" and cols["PID-9"][0] is None
    assert pipehat.extract(data, ["AL1-5"], raw=True)["AL1-5"][0] == "Hives\\T\\Rash"
    assert pipehat.extract(io.BytesIO(data), ["MSH-10"], threads=1) == {"MSH-10": cols["MSH-10"]}
    with pytest.raises(pipehat.PathError):
        pipehat.extract(data, ["nope"])
    table = pipehat.to_arrow(cols)
    assert table.num_rows == 301 and table.column("MSH-10")[0].as_py() == "MSG0"
    df = pipehat.to_polars(cols)
    assert df.shape == (301, 3) and df["MSH-10"][299] == "MSG299"
    pdf = pipehat.to_pandas(cols)
    assert pdf["MSH-10"].iloc[1] == "MSG1" and pdf["PID-9"].iloc[0] is None


def test_extract_details_keep_offsets_and_parse_errors():
    # extract(details=True) loses nothing: each message's offset, and for each
    # message that cannot be parsed the error parsing it alone raises.
    chunks = [
        ADT,
        b"MSH|^~|bad\r",
        ADT.replace(b"MSG1", b"MSG2"),
        b"MSH|^^^^|dup\rPID|1\r",
        b"MSH|^~\\&|A||||||ADT^A01|9|P|2.5\rPID|1||42\r",
    ]
    data = b"".join(chunks)
    report = pipehat.extract(data, ["MSH-10", "PID-3"], details=True, threads=2)
    assert report["columns"] == pipehat.extract(data, ["MSH-10", "PID-3"])
    assert report["columns"]["MSH-10"] == ["MSG1", None, "MSG2", None, "9"]
    offsets = [sum(len(c) for c in chunks[:i]) for i in range(len(chunks))]
    assert report["offsets"] == offsets
    expected = []
    for row, chunk in enumerate(chunks):
        try:
            pipehat.parse(chunk)
        except pipehat.ParseError as e:
            expected.append((row, e))
    assert [row for row, _ in report["errors"]] == [row for row, _ in expected] == [1, 3]
    for (_, got), (_, want) in zip(report["errors"], expected):
        assert isinstance(got, pipehat.ParseError)
        assert str(got) == str(want)
        for key in ("code", "offset", "line", "column", "segment", "field"):
            assert getattr(got, key) == getattr(want, key), key


def test_extract_takes_parse_options():
    # Each message is parsed with parse()'s options: strict turns a warning
    # into that row's error; a limit rejects the row that passes it.
    data = ADT + b"MSH|^~\\&|A||||||ADT^A01|2|P|2.5\rNTE|1||\\Q\\\r" + ADT.replace(b"MSG1", b"MSG3")
    assert pipehat.extract(data, ["MSH-10"])["MSH-10"] == ["MSG1", "2", "MSG3"]
    report = pipehat.extract(data, ["MSH-10"], details=True, strict=True)
    assert report["columns"]["MSH-10"] == ["MSG1", None, "MSG3"]
    assert [(row, e.code) for row, e in report["errors"]] == [(1, "malformed_escape")]
    limited = pipehat.extract(data, ["MSH-10"], details=True, max_field_length=20)
    with pytest.raises(pipehat.ParseError) as raised:
        pipehat.parse(ADT, max_field_length=20)
    assert [(row, e.code) for row, e in limited["errors"]] == [(0, raised.value.code), (2, raised.value.code)]
    with pytest.raises(ValueError):
        pipehat.extract(data, ["MSH-10"], segment_terminator="x")


def run_cli(*args, stdin=None):
    return subprocess.run([sys.executable, "-m", "pipehat", *args], input=stdin, capture_output=True, check=False)


def test_cli(tmp_path):
    batch = str(CORPUS / "messages/pyhl7__adt_a04__file2.hl7")
    r = run_cli("get", batch, "MSH-10", "PID-3.1")
    assert r.returncode == 0
    assert r.stdout.decode().splitlines() == ["MSH-10\tPID-3.1"] + ["12334456778890\t0000112234", "12334456778891\t0000112234", "12334456778890\t0000112234"]
    r = run_cli("stats", batch)
    assert b"messages: 3" in r.stdout and b"ADT^A04" in r.stdout
    r = run_cli("json", "-", stdin=ADT)
    assert json.loads(r.stdout.decode().splitlines()[0])["segments"][0]["name"] == "MSH"
    r = run_cli("show", batch)
    assert b"PID-3.1" in r.stdout and r.returncode == 0
    r = run_cli("split", batch, str(tmp_path / "out"))
    assert sorted(p.name for p in (tmp_path / "out").iterdir()) == ["000001.hl7", "000002.hl7", "000003.hl7"]
    r = run_cli("get", batch, "PID-0")
    assert r.returncode == 2 and b"index_out_of_range" in r.stderr
    r = run_cli("stats", str(tmp_path / "missing.hl7"))
    assert r.returncode == 1
    r = run_cli("ack", batch, "--code", "AE", "--text", "retry")
    lines = r.stdout.decode().splitlines()
    assert r.returncode == 0 and [l for l in lines if l.startswith("MSA")] == [
        "MSA|AE|12334456778890|retry",
        "MSA|AE|12334456778891|retry",
        "MSA|AE|12334456778890|retry",
    ]
    r = run_cli("json", "--form", "lossless", batch)
    docs = [json.loads(l) for l in r.stdout.decode().splitlines()]
    assert len(docs) == 3 and all(bytes(pipehat.from_json(d)).startswith(b"MSH|") for d in docs)


def test_cli_errors_name_the_file_before_any_output(tmp_path):
    sample = str(CORPUS / "messages/nhl7c__adt_a08__1.hl7")
    noise = tmp_path / "noise.bin"
    noise.write_bytes(bytes(range(256)) * 4)  # no HL7 in it
    missing = str(tmp_path / "missing.hl7")
    cases = [
        (["get", missing, "PID-3"], 1, f"pipehat: {missing}: no such file or directory"),
        (["get", str(tmp_path), "PID-3"], 1, f"pipehat: {tmp_path}: is a directory"),
        (["get", str(noise), "PID-3"], 1, f"pipehat: {noise}: no HL7 message in it"),
        (["show", str(noise)], 1, f"pipehat: {noise}: no HL7 message in it"),
        (["filter", 'MSH-9.1 = "ADT"', str(noise)], 1, f"pipehat: {noise}: no HL7 message in it"),
        (["split", str(noise), str(tmp_path / "out")], 1, f"pipehat: {noise}: no HL7 message in it"),
        (["diff", str(noise), sample], 2,
         f"pipehat: {noise}: the input does not start with an MSH, BHS or FHS segment (missing_header, byte 0)"),
        (["map", missing, sample], 1, f"pipehat: {missing}: no such file or directory"),
        (["validate", sample, "--profile", str(tmp_path)], 1, f"pipehat: {tmp_path}: is a directory"),
        (["json", "--form", "xml", sample], 2, "pipehat: form must be one of tree, lossless, friendly, named"),
        (["ack", "--code", "ZZ", sample], 2, "pipehat: code must be one of AA, AE, AR, CA, CE, CR"),
    ]
    for args, status, message in cases:
        r = run_cli(*args)
        assert (r.returncode, r.stderr.decode().splitlines(), r.stdout) == (status, [message], b""), args
    assert not (tmp_path / "out").exists()
    # stats goes on over the other files, says which held nothing, and fails.
    r = run_cli("stats", str(noise), sample)
    assert r.returncode == 1 and r.stderr.decode().splitlines() == [f"pipehat: {noise}: no HL7 message in it"]
    assert b"messages: 1" in r.stdout
    # A message that does not parse is skipped, with its file's name.
    broken = tmp_path / "broken.hl7"
    broken.write_bytes(open(sample, "rb").read() + b"\rMSH|^^\\&|A\r")
    r = run_cli("get", str(broken), "MSH-10")
    assert r.returncode == 0 and r.stdout.decode().splitlines() == ["MSH-10", "CLV1-1649"]
    assert r.stderr.decode().splitlines() == [
        f"pipehat: {broken}: skipped a message: two delimiters are the same character (duplicate_delimiter, segment 1, field 2, byte 5)"
    ]


def test_cases_file_exists():
    assert (TESTS / "cases.jsonl").stat().st_size > 1000


def test_files_that_cannot_be_read_raise_the_oserror_python_raises(tmp_path):
    missing = tmp_path / "missing.hl7"
    readers = [
        lambda p: list(pipehat.iter_messages(p)),
        lambda p: list(pipehat.split(p)),
        lambda p: pipehat.extract(p, ["MSH-10"]),
        lambda p: pipehat.Mapping(p),
        lambda p: pipehat.Profile(p),
    ]
    for read in readers:
        for path, error in ((missing, FileNotFoundError), (tmp_path, IsADirectoryError)):
            with pytest.raises(error) as raised:
                read(path)
            assert raised.value.filename == str(path)
            assert str(path) in str(raised.value)
