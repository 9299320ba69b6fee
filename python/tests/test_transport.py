"""tests/transport_cases.jsonl (shared with Rust and JavaScript): the core's
transport answers as pipehat.transport gives them."""

import pytest

import pipehat
from pipehat import transport

from conftest import TESTS, read_jsonl

CASES = read_jsonl(TESTS / "transport_cases.jsonl")
STAMP = {"control_id": "ACK1", "timestamp": "20240115103000"}


def cases(op):
    some = [c for c in CASES if c["op"] == op]
    assert some, op
    return some


def pieces(n, seed=7):
    """The chunk sizes of tests/transport_cases.py's pieces()."""
    sizes, x = [], seed
    while n > 0:
        x = (x * 1103515245 + 12345) % 2**31
        size = min(n, 1 + x % 17)
        sizes.append(size)
        n -= size
    return sizes


def latin1(text):
    return text.encode("latin-1")


@pytest.mark.parametrize("case", cases("framing"), ids=lambda c: c["name"])
def test_framing_is_the_same_however_the_stream_is_cut(case):
    stream = bytes.fromhex(case["input_hex"])
    for sizes in ([len(stream)], [1] * len(stream), pieces(len(stream))):
        d = pipehat.MllpDecoder()
        frames, at = [], 0
        for size in sizes:
            frames += d.push(stream[at : at + size])
            at += size
        d.finish()
        assert [f.hex() for f in frames] == case["frames_hex"], len(sizes)
        assert [[i.code, i.offset] for i in d.issues] == case["issues"]


@pytest.mark.parametrize("case", cases("reply"), ids=lambda c: c["name"])
def test_replies_read_and_match(case):
    frame = latin1(case["frame"])
    want = case["expect"]
    if "error" in want:
        with pytest.raises(pipehat.TransportError) as e:
            transport.read_reply(frame)
        assert e.value.code == want["error"]
        return
    r = transport.read_reply(frame)
    assert r["kind"] == want["kind"]
    if r["kind"] == "ack":
        assert (r["code"], r["answers"], r["control_id"]) == (want["code"], want["answers"], want["control_id"])
    for control_id, expected in case["answers"]:
        assert transport.answers(frame, control_id) is expected, control_id


@pytest.mark.parametrize("case", cases("key"), ids=lambda c: c["name"])
def test_message_keys(case):
    key = transport.message_key(case["message"])
    assert (list(key) if key else None) == case["expect"]
    assert transport.control_id(case["message"]) == (case["expect"] or [None] * 3)[2]


@pytest.mark.parametrize("case", cases("accept"), ids=lambda c: c["name"])
def test_server_acknowledgements(case):
    failure = None if case["outcome"] == "accepted" else case["outcome"]
    ack = transport.accept(pipehat.parse(case["message"]), failure, **STAMP)
    assert bytes(ack).decode() == case["ack"]
    assert transport.http_status(ack) == case["status"]


@pytest.mark.parametrize("case", cases("reject"), ids=lambda c: c["name"])
def test_server_rejections(case):
    if "error" in case:
        with pytest.raises(pipehat.TransportError) as e:
            transport.reject(case["frame"], **case["options"], **STAMP)
        assert e.value.code == case["error"]
        return
    nak = transport.reject(case["frame"], **case["options"], **STAMP)
    assert bytes(nak).decode() == case["ack"]
    assert transport.http_status(nak) == case["status"]


@pytest.mark.parametrize("case", cases("http"), ids=lambda c: c["name"])
def test_http_requests(case):
    r, o, want = case["request"], case["options"], case["expect"]
    args = (r["method"], r["content_type"], r["authorization"], r["body_length"])
    kwargs = {"max_body_size": o.get("max_body_size"), "credentials": tuple(o["credentials"]) if "credentials" in o else None}
    if "error" in want:
        with pytest.raises(pipehat.TransportError) as e:
            transport.http_check(*args, **kwargs)
        assert (e.value.code, e.value.status) == (want["error"], want["status"])
        return
    got = transport.http_check(*args, **kwargs)
    assert (got["media_type"], got["charset"]) == (want["media_type"], want["charset"])


@pytest.mark.parametrize("case", cases("loopback"), ids=lambda c: c["name"])
def test_loopback_addresses(case):
    assert transport.is_loopback(case["host"]) is case["expect"]


def test_limits_errors_and_backoff_come_from_the_core():
    assert transport.LIMITS["max_frame_size"] == 16 * 1024 * 1024
    assert transport.LIMITS["ack_timeout"] == 30.0
    assert "ack_timeout" in transport.ERROR_CODES
    e = transport.error("frame_too_large", 1024)
    assert isinstance(e, pipehat.TransportError) and isinstance(e, pipehat.HL7Error)
    assert str(e) == "an MLLP frame exceeds the size limit (frame_too_large, 1024 bytes)"
    assert e.length == 1024
    assert isinstance(transport.error("ack_timeout"), TimeoutError)
    assert isinstance(transport.error("connection_closed"), ConnectionError)
    with pytest.raises(ValueError):
        transport.error("no_such_code")
    assert [transport.backoff(a, 100, 5000, 0.0) for a in (0, 1, 2, 3, 10)] == [50, 100, 200, 400, 2500]


def test_replay_cache():
    cache = transport.ReplayCache(1)
    m1 = "MSH|^~\\&|A|B|||||ADT^A01|1|P|2.5\r"
    m2 = "MSH|^~\\&|A|B|||||ADT^A01|2|P|2.5\r"
    cache.set(m1, b"ack1")
    assert cache.get(m1) == b"ack1"
    cache.set(m2, b"ack2")
    assert (cache.get(m1), cache.get(m2), len(cache)) == (None, b"ack2", 1)


@pytest.mark.parametrize("case", cases("expects_ack"), ids=lambda c: c["name"])
def test_whether_a_sender_waits_for_an_ack(case):
    assert transport.expects_ack(case["message"]) is case["expect"]


@pytest.mark.parametrize("case", cases("server_reply"), ids=lambda c: c["name"])
def test_what_a_server_sends_follows_msh_15_and_16(case):
    failure = None if case["outcome"] == "accepted" else case["outcome"]
    sent = transport.reply(pipehat.parse(case["message"]), failure, **STAMP)
    assert (None if sent is None else sent["MSA-1"]) == case["code"]
