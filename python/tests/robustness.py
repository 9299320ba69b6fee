"""The checks every broken input goes through (tests/mutations.jsonl in
test_robustness.py, random ones in fuzz_mutations.py): the same as
core/tests/robustness.rs and npm/test/robustness.mjs make."""

import io
import json
import re

import pipehat

#: The marker each mutation case inserts: no error or diagnostic text may hold it.
CANARY = "QZXJV"
CODE = re.compile(r"[a-z_0-9]+")
NAME = re.compile(r"[A-Z][A-Z0-9]{2}")
#: The header properties and the paths they read.
HEADER = [("message_type", "MSH-9.1"), ("trigger_event", "MSH-9.2"), ("control_id", "MSH-10.1"), ("version", "MSH-12.1")]
BULK_PATHS = ["MSH-9", "MSH-10", "PID-3.1", "PID-5(1).2", "OBX-5", "ZZ1-1"]


def apply_edits(data, edits):
    """`data` with `edits` ([offset, bytes to delete, hex to insert]) applied in order."""
    out = bytes(data)
    for offset, remove, insert in edits:
        at = min(offset, len(out))
        out = out[:at] + bytes.fromhex(insert) + out[at + remove:]
    return out


def check_text(text, where):
    assert isinstance(text, str), where
    assert CANARY not in text, f"{where}: message content in the text"


def check_parse_error(e, data, where):
    """An error raised by parse(): the library's, with a position inside the input."""
    assert isinstance(e, pipehat.ParseError), (where, e)
    assert isinstance(e, ValueError), where
    assert CODE.fullmatch(e.code), where
    assert isinstance(e.offset, int) and 0 <= e.offset <= len(data), (where, e.offset)
    assert isinstance(e.line, int) and e.line >= 1, where
    assert isinstance(e.column, int) and e.column >= 1, where
    check_text(str(e), where)


def outcome(data, **options):
    try:
        return pipehat.parse(data, **options), None
    except Exception as e:  # checked by the caller: anything else fails there
        return None, e


def check_strict(data, msg, where):
    """Strict mode rejects more, never less, and reads the same."""
    strict, error = outcome(data, strict=True)
    if error is not None:
        check_parse_error(error, data, f"{where} (strict)")
        return
    assert msg is not None, f"{where}: strict mode read what parse() rejects"
    assert strict.get("MSH-10") == msg.get("MSH-10"), f"{where} (strict)"


def paths_from_walk(msg):
    """Paths naming fields and components of the first segment of each name,
    with what the segment walk reads there (get() gives None for empty), and
    for fields the value of each repetition (what get_all() reads)."""
    seen = set()
    out = []
    for segment in msg.segments:
        if not NAME.fullmatch(segment.name) or segment.name in seen:
            continue
        seen.add(segment.name)
        for n in range(1, min(len(segment.fields), 9) + 1):
            field = segment.field(n)
            out.append((f"{segment.name}-{n}", field.value, field.raw, [r.value for r in field.repetitions]))
            for r, repetition in enumerate(field.repetitions[:2]):
                for c, component in enumerate(repetition.components[:3]):
                    out.append((f"{segment.name}-{n}({r + 1}).{c + 1}", component.value, component.raw, None))
    return out


def check_input(data, where):
    """Everything one broken input must satisfy."""
    msg, error = outcome(data)
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        text = None
    if text is not None:
        # Text and its UTF-8 bytes read the same, errors included.
        from_text, text_error = outcome(text)
        assert getattr(text_error, "code", None) == getattr(error, "code", None), where
        assert getattr(text_error, "offset", None) == getattr(error, "offset", None), where
        if from_text is not None:
            assert bytes(from_text) == data, where
            assert from_text.get("MSH-10") == msg.get("MSH-10"), where
    check_strict(data, msg, where)
    if error is not None:
        check_parse_error(error, data, where)
    else:
        check_message(msg, data, where)
    check_bulk(data, where)
    check_mllp(data, where)


def check_mllp(data, where):
    """Framed by mllp_encode and fed in 7-byte chunks, the input comes back as one frame."""
    if b"\x0b" in data or b"\x1c" in data:
        return  # its own framing bytes
    wire = pipehat.mllp_encode(data)
    decoder = pipehat.MllpDecoder()
    frames = []
    for at in range(0, len(wire), 7):
        frames += decoder.push(wire[at:at + 7])
    decoder.finish()
    assert frames == [data], f"{where}: MLLP"
    assert decoder.issues == [], f"{where}: MLLP issues"


# De-identification of any message: never a panic, and the output is a
# message with the same delimiters and no more segments.
DEID = pipehat.Deidentifier(b"pipehat robustness key")


def msh_head(msg, data):
    """The bytes "MSH", MSH-1 and MSH-2 of a message, as written."""
    start = msg.locate("MSH-1")[0]
    end = sum(msg.locate("MSH-2") or (start, 1))
    return data[start - 3 : end]


def check_message(msg, data, where):
    assert bytes(msg) == data, f"{where}: bytes back"
    out = DEID.deidentify(msg)
    assert len(out.segments) <= len(msg.segments), f"{where}: deidentify"
    # MSH-1 and MSH-2 are never touched: the output holds the same "MSH|^~\\&" bytes.
    # (Compared as bytes: read again, a last kept segment that ends in the MLLP end
    # byte, as a broken MSH-2 can, loses that byte to the framing.)
    if msg.locate("MSH-1") is None:  # no MSH (a batch header read as the message)
        assert [out.get(p) for p in ("MSH-1", "MSH-2")] == [None, None], f"{where}: deidentify"
    else:
        head = msh_head(msg, data)
        start = out.locate("MSH-1")[0] - 3
        assert bytes(out)[start : start + len(head)] == head, f"{where}: deidentify"
    for d in msg.diagnostics:
        assert CODE.fullmatch(d.code), where
        assert 0 <= d.offset <= len(data), (where, d.offset)
        check_text(d.message, where)
    for path, value, raw, repetitions in paths_from_walk(msg):
        assert (msg.get(path) or "") == value, f"{where}: get({path})"
        assert (msg.get_raw(path) or "") == raw, f"{where}: get_raw({path})"
        at = msg.locate(path)
        assert at is not None and at[0] >= 0 and at[0] + at[1] <= len(data), f"{where}: locate({path})"
        if raw.isascii():
            assert data[at[0] : at[0] + at[1]].decode("latin-1") == raw, f"{where}: locate({path})"
        if repetitions is not None:
            assert msg.get_all(path) == repetitions, f"{where}: get_all({path})"
    check_offsets(msg, data, where)
    for name, path in HEADER:
        assert getattr(msg, name) == msg.get(path), f"{where}: {name}"
    # The JSON tree has the segments and fields the walk has; dicts and JSON text agree.
    tree = msg.to_dict()
    assert [(s["name"], len(s["fields"])) for s in tree["segments"]] == [
        (s.name, len(s.fields)) for s in msg.segments
    ], f"{where}: to_dict"
    for form in ("tree", "friendly", "lossless"):
        assert json.loads(msg.to_json(form=form)) == msg.to_dict(form=form), f"{where}: {form}"
    assert bytes(pipehat.from_json(msg.to_dict(form="lossless"))) == data, f"{where}: lossless JSON"
    assert bytes(msg.edit()) == data, f"{where}: edit"
    # Validation reads any message; its issues hold codes, offsets inside the
    # input and sentences without content.
    report = pipehat.validate(msg)
    for i in report.issues:
        assert CODE.fullmatch(i.code), (where, i.code)
        assert 0 <= i.offset <= len(data), (where, i.offset)
        check_text(i.message, where)
    if msg.segment("MSH") is not None:

        def ack(errors):
            try:
                msg.ack("AE", control_id="A1", timestamp="20240101", errors=errors)
                return "made"
            except pipehat.HL7Error as e:
                # An ACK can fail only for a reason of its own, never by panicking.
                assert CODE.fullmatch(e.code), (where, e)
                check_text(str(e), where)
                return e.code

        # The report's issues as ERR segments never make the ACK fail.
        assert ack(report.ack_errors()) == ack(None), f"{where}: ack with the report's errors"


def check_offsets(msg, data, where):
    """Segments, fields and first components sit at their offsets (ASCII text compared byte for byte)."""

    def at(offset, text):
        if not text.isascii():
            return
        assert 0 <= offset <= offset + len(text) <= len(data), (where, offset)
        assert data[offset:offset + len(text)] == text.encode(), f"{where}: at {offset}"

    for segment in msg.segments:
        at(segment.offset, segment.name)
        for n in range(1, min(len(segment.fields), 9) + 1):
            field = segment.field(n)
            at(field.offset, field.raw)
            if field.repetitions and field.repetitions[0].components:
                component = field.repetitions[0].components[0]
                at(component.offset, component.raw)


def message_rows(data, **options):
    """Each message iter_messages() reads from `data`: (Message, None) or (None, ParseError)."""
    rows = []
    messages = pipehat.iter_messages(data, **options)
    while True:
        try:
            rows.append((next(messages), None))
        except StopIteration:
            return rows
        except pipehat.ParseError as e:
            rows.append((None, e))


def chunk_fields(chunk):
    return (chunk.kind, chunk.offset, bytes(chunk), chunk.declared_count, chunk.counted_count)


def check_split(data):
    """split()'s chunks lie in the input, in order; a Splitter fed 7 bytes at a
    time gives the same. Returns the offsets of the messages."""
    chunks = [chunk_fields(c) for c in pipehat.split(data)]
    end = 0
    for kind, offset, raw, _, _ in chunks:
        assert offset >= end and data[offset : offset + len(raw)] == raw, f"chunk at {offset}"
        end = offset + len(raw)
    splitter = pipehat.Splitter()
    pushed = []
    for at in range(0, len(data), 7):
        pushed.extend(chunk_fields(c) for c in splitter.push(data[at : at + 7]))
    pushed.extend(chunk_fields(c) for c in splitter.finish())
    assert pushed == chunks, "Splitter"
    return [offset for kind, offset, *_ in chunks if kind == "message"]


def check_bulk(data, where):
    """split(), iter_messages() and extract() agree with each other and with parse()."""
    rows = message_rows(data)
    out = pipehat.extract(data, BULK_PATHS, details=True)
    assert out["offsets"] == check_split(data), f"{where}: split and extract offsets"
    assert len(out["offsets"]) == len(rows), f"{where}: extract rows"
    failed = dict(out["errors"])
    # extract() applies parse()'s options to each message: strict mode fails the same rows.
    strict = {row: e.code for row, e in pipehat.extract(data, ["MSH-10"], details=True, strict=True)["errors"]}
    strict_rows = message_rows(data, strict=True)
    assert len(strict_rows) == len(rows), f"{where}: strict rows"
    for row, (_, error) in enumerate(strict_rows):
        assert strict.get(row) == getattr(error, "code", None), f"{where}: strict extract row {row}"
    for row, (msg, error) in enumerate(rows):
        if error is not None:
            check_parse_error(error, data, where)
            assert failed[row].code == error.code, f"{where}: extract row {row}"
            assert all(out["columns"][p][row] is None for p in BULK_PATHS), where
            continue
        assert row not in failed, f"{where}: extract row {row} failed"
        again, _ = outcome(bytes(msg))
        for path in BULK_PATHS:
            assert out["columns"][path][row] == msg.get(path), f"{where}: extract {path} row {row}"
            assert again.get(path) == msg.get(path), where
    # Arrow batches of a few bytes, read from a file object, give the same rows.
    table = pipehat.extract_arrow(io.BytesIO(data), BULK_PATHS, meta=True, batch_bytes=64)
    assert table["_offset"].to_pylist() == out["offsets"], f"{where}: Arrow offsets"
    codes = [failed[r].code if r in failed else None for r in range(len(rows))]
    assert table["_error"].to_pylist() == codes, f"{where}: Arrow errors"
    for path in BULK_PATHS:
        assert table[path].to_pylist() == out["columns"][path], f"{where}: Arrow {path}"
    # Filtering a file object finds what filtering the bytes finds.
    f = pipehat.Filter('MSH-9.1 = "ADT" or PID-8 = "F"')
    whole, streamed = f.scan(data), f.scan(io.BytesIO(data))
    assert (streamed.matched, streamed.total, streamed.unreadable) == (whole.matched, whole.total, whole.unreadable), where
