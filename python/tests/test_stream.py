"""Splitting streams: split() over bytes, paths and file objects, and the push
Splitter, the same cases as npm/test/stream.test.mjs."""

import io
import pickle

import pytest

import pipehat
from conftest import CORPUS

BATCH = CORPUS / "messages" / "pyhl7__adt_a04__file2.hl7"


def fields(chunk):
    return (chunk.kind, chunk.offset, bytes(chunk), chunk.declared_count, chunk.counted_count)


def test_split_gives_every_chunk_with_trailer_counts():
    data = BATCH.read_bytes()
    chunks = list(pipehat.split(data))
    assert [c.kind for c in chunks] == [
        "file_header", "batch_header", "message", "message", "batch_trailer",
        "batch_header", "message", "batch_trailer", "file_trailer",
    ]
    assert (chunks[4].declared_count, chunks[4].counted_count) == (2, 2)
    assert (chunks[2].declared_count, chunks[2].counted_count) == (None, None)
    assert all(data[c.offset : c.offset + len(c)] == c.bytes for c in chunks)
    # A path, a PathLike and a file object give the same chunks.
    whole = [fields(c) for c in chunks]
    assert [fields(c) for c in pipehat.split(str(BATCH))] == whole
    assert [fields(c) for c in pipehat.split(BATCH)] == whole
    assert [fields(c) for c in pipehat.split(io.BytesIO(data))] == whole
    # A chunk's text in repr: never; its kind, offset and length.
    assert repr(chunks[2]) == f"<Chunk message at {chunks[2].offset}, {len(chunks[2])} bytes>"


def test_a_splitter_fed_in_pieces_of_any_size_gives_the_chunks_of_split():
    data = BATCH.read_bytes()
    whole = [fields(c) for c in pipehat.split(data)]
    for size in (1, 2, 5, 64, len(data)):
        splitter = pipehat.Splitter()
        got = []
        for at in range(0, len(data), size):
            got.extend(fields(c) for c in splitter.push(data[at : at + size]))
            assert splitter.position + splitter.buffered == min(at + size, len(data))
        got.extend(fields(c) for c in splitter.finish())
        assert got == whole, size
        assert (splitter.buffered, splitter.position) == (0, len(data))


def test_a_splitter_takes_str_as_utf8_and_counts_bytes():
    splitter = pipehat.Splitter()
    for piece in ["MSH|^~\\&|A\rPID|1||Z", "oë\r", "\nMSH|^~\\&|B\rPID|2\r\n"]:
        splitter.push(piece)
    chunks = list(splitter.finish())
    assert [c.offset for c in chunks] == [0, 24]  # 23 characters, 24 bytes
    assert pipehat.parse(chunks[0].bytes)["PID-3"] == "Zoë"
    splitter.push(bytearray(b"MSH|^~\\&|C\r")).push(memoryview(b"MSH|^~\\&|D\r"))
    assert [c.offset for c in splitter.finish()] == [42, 53]


def test_a_chunk_over_the_limit_raises_stream_error_and_splitting_goes_on():
    big = b"MSH|^~\\&|A\rPID|1\rMSH|^~\\&|SECRET\rOBX|1||" + b"x" * 1000 + b"\rMSH|^~\\&|C\rPID|3\r"
    for size in (1, 7, 100, len(big)):
        splitter = pipehat.Splitter(max_chunk_size=100)
        got = []
        for at in range(0, len(big), size):
            splitter.push(big[at : at + size])
            while True:
                try:
                    chunk = splitter.read()
                except pipehat.StreamError as e:
                    assert isinstance(e, pipehat.ParseError) and isinstance(e, ValueError)
                    assert (e.code, e.offset, e.line) == ("message_too_large", 17, None)
                    assert "SECRET" not in str(e)
                    got.append(e.code)
                    continue
                if chunk is None:
                    break
                got.append(chunk.bytes)
        got.extend(c.bytes for c in splitter.finish())
        assert got == [b"MSH|^~\\&|A\rPID|1\r", "message_too_large", b"MSH|^~\\&|C\rPID|3\r"], size
    # split() over bytes has no limit unless given one; then the same.
    assert len(list(pipehat.split(big))) == 3
    it = pipehat.split(big, max_chunk_size=100)
    assert next(it).offset == 0
    with pytest.raises(pipehat.StreamError) as info:
        next(it)
    assert info.value.offset == 17
    assert next(it).bytes == b"MSH|^~\\&|C\rPID|3\r"


def test_iter_messages_raises_stream_error_for_a_message_over_the_limit(tmp_path):
    path = tmp_path / "feed.hl7"
    path.write_bytes(b"MSH|^~\\&|A\rOBX|1||" + b"x" * 500 + b"\rMSH|^~\\&|B|||||||2\r")
    it = pipehat.iter_messages(path, max_message_size=100)
    with pytest.raises(pipehat.StreamError) as info:
        next(it)
    assert (info.value.code, info.value.offset) == ("message_too_large", 0)
    assert next(it).control_id == "2"


def test_finish_then_feed_goes_on_with_the_same_stream():
    splitter = pipehat.Splitter()
    assert [c.kind for c in splitter.push(b"BHS|^~\\&\rMSH|^~\\&|A\r").finish()] == ["batch_header", "message"]
    rest = list(splitter.push(b"MSH|^~\\&|B\rBTS|2\r").finish())
    assert [(c.kind, c.offset) for c in rest] == [("message", 20), ("batch_trailer", 31)]
    assert (rest[1].declared_count, rest[1].counted_count) == (2, 2)


def test_splitter_refuses_what_it_cannot_take():
    with pytest.raises(TypeError):
        pipehat.Splitter(max_chunk_size="10")
    with pytest.raises(OverflowError):
        pipehat.Splitter(max_chunk_size=-1)
    splitter = pipehat.Splitter()
    with pytest.raises(TypeError):
        splitter.push(42)
    assert splitter.read() is None
    with pytest.raises(TypeError):
        pipehat.split(42)
    with pytest.raises(OSError):
        pipehat.split(str(BATCH) + ".missing")


def test_chunks_pickle_for_worker_processes():
    chunks = list(pipehat.split(BATCH))
    assert [fields(c) for c in pickle.loads(pickle.dumps(chunks))] == [fields(c) for c in chunks]
    with pytest.raises(ValueError):
        pipehat.Chunk("BTS", 0, b"BTS|1\r")


def test_feed_is_the_old_name_of_push():
    # Splitter.feed and MllpDecoder.feed: kept for one release, with a warning.
    data = b"MSH|^~\\&|A\rPID|1\r"
    with pytest.warns(DeprecationWarning, match="use Splitter.push"):
        chunks = list(pipehat.Splitter().feed(data).finish())
    assert [bytes(c) for c in chunks] == [data]
    with pytest.warns(DeprecationWarning, match="use MllpDecoder.push"):
        assert pipehat.MllpDecoder().feed(b"\x0b" + data + b"\x1c\r") == [data]
    for name, call in [("explain", lambda: pipehat.explain("PID-5", "2.5")),
                       ("field_name", lambda: pipehat.field_name("PID", 5, "2.5")),
                       ("validate", lambda: pipehat.validate(data, "2.5"))]:
        with pytest.warns(DeprecationWarning, match=name):
            call()
