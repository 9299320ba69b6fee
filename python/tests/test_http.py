"""pipehat.http: the ASGI app (driven as an ASGI server drives it) and the
AWS Lambda handler (the same behaviours as npm/test/http.test.mjs)."""

import asyncio
import base64

import pipehat
import pipehat.http as hl7http

MSG = "MSH|^~\\&|LAB|HOSP|EHR|CLINIC|20240115083000||ORU^R01|H1|P|2.5.1\rPID|1||7\r"


def call(app, body=b"", method="POST", headers=None, chunk=None):
    """Runs one request through an ASGI app: (status, headers, body)."""
    headers = {"content-type": "application/hl7-v2", **(headers or {})}
    if isinstance(body, str):
        body = body.encode()
    pieces = [body[i : i + chunk] for i in range(0, len(body), chunk)] if chunk else [body]
    received = []
    sent = []

    async def receive():
        if pieces:
            piece = pieces.pop(0)
            received.append(piece)
            return {"type": "http.request", "body": piece, "more_body": bool(pieces)}
        return {"type": "http.disconnect"}

    async def send(event):
        sent.append(event)

    scope = {
        "type": "http",
        "method": method,
        "path": "/",
        "headers": [(k.encode(), v.encode()) for k, v in headers.items() if v is not None],
    }
    asyncio.run(app(scope, receive, send))
    start, body_event = sent
    out_headers = {k.decode(): v.decode() for k, v in start["headers"]}
    return start["status"], out_headers, body_event["body"], len(received)


def test_an_accepted_message_gets_200_with_its_aa_in_the_request_media_type():
    seen = []
    app = hl7http.asgi(lambda m: seen.append(m.get("MSH-10")))
    status, headers, body, _ = call(app, MSG, headers={"content-type": "x-application/hl7-v2+er7; charset=ISO-8859-1"})
    assert status == 200
    assert headers["content-type"] == "x-application/hl7-v2+er7; charset=ISO-8859-1"
    ack = pipehat.parse(body)
    assert (ack.get("MSA-1"), ack.get("MSA-2"), seen) == ("AA", "H1", ["H1"])


def test_failures_500_unparsable_400():
    def boom(m):
        raise RuntimeError("no")

    app = hl7http.asgi(boom, strict=True)
    status, _, body, _ = call(app, MSG)
    assert status == 500 and pipehat.parse(body).get("ERR-7") == "handler_failed"
    status, _, body, _ = call(app, MSG + "NTE|1||\\Q\\\r")
    assert status == 400 and pipehat.parse(body).get("MSA-1") == "AR"
    status, _, body, _ = call(app, "hello")
    assert status == 400 and b"(unreadable_frame)" in body


def test_a_coroutine_handler_that_hangs_times_out():
    async def slow(m):
        await asyncio.sleep(5)

    status, _, body, _ = call(hl7http.asgi(slow, handler_timeout=0.05), MSG)
    assert status == 500 and pipehat.parse(body).get("ERR-7") == "handler_timeout"


def test_refusals_and_their_texts():
    app = hl7http.asgi(lambda m: None, max_body_size=100, credentials=("hl7", "s3cret"))
    auth = {"authorization": "Basic " + base64.b64encode(b"hl7:s3cret").decode()}
    cases = [
        ({}, MSG, "POST", 401, "unauthorized"),
        ({"authorization": "Basic " + base64.b64encode(b"hl7:wrong").decode()}, MSG, "POST", 401, "unauthorized"),
        (auth, b"", "GET", 405, "method_not_allowed"),
        ({**auth, "content-type": "application/json"}, MSG, "POST", 415, "unsupported_media_type"),
        (auth, MSG + "x" * 100, "POST", 413, "body_too_large"),
        (auth, b"", "POST", 400, "empty_body"),
    ]
    for headers, body, method, status, code in cases:
        got, out, text, _ = call(app, body, method=method, headers=headers)
        assert got == status, code
        assert f"({code}".encode() in text and b"MSH" not in text
        if status == 401:
            assert out["www-authenticate"].startswith("Basic realm=")
    assert call(app, MSG[:90], headers=auth)[0] == 200


def test_a_chunked_body_over_the_limit_is_cut_off():
    app = hl7http.asgi(lambda m: None, max_body_size=1000)
    status, _, _, chunks_read = call(app, b"x" * 100_000, headers={"content-type": "text/plain"}, chunk=100)
    assert status == 413 and chunks_read < 20


def test_a_declared_length_over_the_limit_is_refused_before_reading():
    app = hl7http.asgi(lambda m: None, max_body_size=1000)
    status, _, _, chunks_read = call(app, b"x" * 5000, headers={"content-length": "5000"})
    assert (status, chunks_read) == (413, 0)


def test_duplicate_suppression_replays_the_first_ack():
    calls = []
    app = hl7http.asgi(lambda m: calls.append(1), replay=10)
    assert call(app, MSG)[2] == call(app, MSG)[2] and len(calls) == 1


def test_lambda_api_gateway_v2_events():
    handler = hl7http.lambda_handler(lambda m: None)

    def event(body, b64, method="POST"):
        return {
            "requestContext": {"http": {"method": method}},
            "headers": {"Content-Type": "application/hl7-v2"},
            "body": base64.b64encode(body.encode("latin-1")).decode() if b64 else body,
            "isBase64Encoded": b64,
        }

    for b64 in (False, True):
        out = handler(event(MSG, b64), None)
        assert out["statusCode"] == 200 and out["headers"]["content-type"] == "application/hl7-v2"
        assert pipehat.parse(out["body"]).get("MSA-2") == "H1"
    assert handler(event(MSG, False, "GET"), None)["statusCode"] == 405
