#!/usr/bin/env python3
"""Writes tests/transport_cases.jsonl: the protocol questions every
language's MLLP and HTTP transport asks the core, with the answers the
Rust, JavaScript and Python suites all assert. Edit here, then run
python3 tests/transport_cases.py (or make generate).

Each row has an op:
  framing   input_hex: an MLLP stream. frames_hex: the frames it holds;
            issues: [code, offset] of what the decoder skipped. Runners feed
            it whole, one byte at a time, and in pieces whose sizes come from
            pieces(len) below; every way gives the same frames and issues.
  reply     frame: a reply's content (text; "\\x06" and "\\x15" are the MLLP
            release 2 commit blocks). expect: {kind, code, answers,
            control_id} or {error: code}. answers: [[control_id, bool], ...].
  key       message -> [MSH-3, MSH-4, MSH-10], or null when there is none.
  accept    message and outcome ("accepted", "handler_failed",
            "handler_timeout") -> ack: the acknowledgement (control id ACK1,
            timestamp 20240115103000), status: its HTTP status.
  server_reply  message and outcome -> the ACK code sent, or null when MSH-15/16 want none for it.
  reject    frame (and options: {strict}) -> ack as above, or error.
  http      request {method, content_type, authorization, body_length} and
            options {max_body_size, credentials: [user, password]} ->
            {media_type, charset} or {error, status}.
  loopback  host -> whether a server may listen there without being told to.
  expects_ack  message -> whether its sender should wait for a reply when all goes well.
"""
import json, os

rows = []


def row(name, op, **kw):
    rows.append(dict(name=name, op=op, **kw))


def pieces(n, seed=7):
    """Chunk sizes (1..17) covering n bytes; runners reimplement this LCG."""
    sizes, x = [], seed
    while n > 0:
        x = (x * 1103515245 + 12345) % 2**31
        size = min(n, 1 + x % 17)
        sizes.append(size)
        n -= size
    return sizes


VT, FS, CR = b"\x0b", b"\x1c", b"\x0d"


def frame(m):
    return VT + m + FS + CR


A = b"MSH|^~\\&|LAB|HOSP|EHR|CLINIC|20240115083000||ADT^A01|A1|P|2.5.1\rPID|1||123^^^HOSP^MR\r"
B = b"MSH|^~\\&|LAB|HOSP|EHR|CLINIC|20240115083001||ADT^A08|B2|P|2.5.1\rPID|1||456^^^HOSP^MR\r"
BIG = (b"MSH|^~\\&|LAB|HOSP|EHR|CLINIC|20240115083002||ORU^R01|C3|P|2.5.1\rOBX|1|ED|PDF||^AP^PDF^Base64^"
       + b"JVBERi0xLjQK" * 2000 + b"\r")


def framing(name, stream, frames, issues):
    row(name, "framing", input_hex=stream.hex(), frames_hex=[f.hex() for f in frames], issues=issues)


framing("two_frames_in_one_read", frame(A) + frame(B), [A, B], [])
framing("newline_between_frames_is_not_garbage", frame(A) + b"\r\n" + frame(B), [A, B], [])
s = frame(A) + b"noise" + frame(B)
framing("garbage_between_frames", s, [A, B], [["mllp_garbage", len(frame(A))]])
s = VT + A + FS + frame(B)
framing("end_block_without_carriage_return", s, [A, B], [["mllp_missing_carriage_return", 2 + len(A)]])  # where the CR belongs
s = VT + A[:30] + frame(B)
framing("frame_cut_by_a_new_start_block", s, [B], [["mllp_unterminated_frame", 0]])
s = frame(A) + VT + B[:40]
framing("stream_ends_inside_a_frame", s, [A], [["mllp_truncated_frame", len(frame(A))]])
framing("a_24_kb_frame", frame(BIG) + frame(A), [BIG, A], [])
framing("commit_blocks", frame(b"\x06") + frame(b"\x15"), [b"\x06", b"\x15"], [])

ACK = "MSH|^~\\&|EHR|CLINIC|LAB|HOSP|20240115103000||ACK^A01^ACK|ACK1|P|2.5.1\rMSA|AA|A1\r"
row("reply_accept", "reply", frame=ACK,
    expect={"kind": "ack", "code": "AA", "answers": "A1", "control_id": "ACK1"},
    answers=[["A1", True], ["A2", False], [" A1 ", True], ["A1\t", True], ["", False]])
row("reply_error_with_text", "reply",
    frame="MSH|^~\\&|EHR|CLINIC|LAB|HOSP|20240115103000||ACK|ACK9|P|2.3\rMSA|AE|B2|record locked\r",
    expect={"kind": "ack", "code": "AE", "answers": "B2", "control_id": "ACK9"}, answers=[["B2", True], ["A1", False]])
row("reply_lowercase_code_and_spaces", "reply",
    frame="MSH|^~\\&|X|Y|||||ACK|K1|P|2.4\nMSA| aa |A1 \n",
    expect={"kind": "ack", "code": "AA", "answers": "A1", "control_id": "K1"}, answers=[["A1", True]])
row("reply_other_delimiters", "reply",
    frame="MSH#*~\\&#X#Y#####ACK#K2#P#2.5\rMSA#CA#A1\r",
    expect={"kind": "ack", "code": "CA", "answers": "A1", "control_id": "K2"}, answers=[["A1", True]])
row("reply_commit", "reply", frame="\x06", expect={"kind": "commit"}, answers=[["A1", True]])
row("reply_negative_commit", "reply", frame="\x15", expect={"kind": "negative_commit"}, answers=[["A1", True]])
row("reply_without_msa", "reply", frame="MSH|^~\\&|X|Y|||||ADT^A01|K3|P|2.5\rPID|1\r",
    expect={"error": "not_an_ack"})
row("reply_unknown_code", "reply", frame="MSH|^~\\&|X|Y|||||ACK|K4|P|2.5\rMSA|OK|A1\r",
    expect={"error": "not_an_ack"})
row("reply_not_hl7", "reply", frame="HTTP/1.1 400 Bad Request\r\n", expect={"error": "not_an_ack"})

row("key_of_a_message", "key", message=A.decode(), expect=["LAB", "HOSP", "A1"])
row("key_keeps_components", "key",
    message="MSH|^~\\&|LAB^1.2.3^ISO|HOSP|||||ADT^A01| X9 |P|2.5\r", expect=["LAB^1.2.3^ISO", "HOSP", "X9"])
row("key_needs_msh_10", "key", message="MSH|^~\\&|LAB|HOSP|||||ADT^A01||P|2.5\r", expect=None)
row("key_needs_an_msh", "key", message="PID|1||42\r", expect=None)

ORU = "MSH|^~\\&|LAB|HOSP|EHR|CLINIC|20240115083000||ORU^R01^ORU_R01|MSG42|P|2.5.1\rPID|1||123^^^HOSP^MR\rNTE|1||bad \\Q\\\r"
ACK_HEAD = "MSH|^~\\&|EHR|CLINIC|LAB|HOSP|20240115103000||ACK^R01^ACK|ACK1|P|2.5.1\r"
row("accept_accepted", "accept", message=ORU, outcome="accepted", ack=ACK_HEAD + "MSA|AA|MSG42\r", status=200)
row("accept_handler_failed", "accept", message=ORU, outcome="handler_failed",
    ack=ACK_HEAD + "MSA|AE|MSG42\rERR|||207^Application internal error^HL70357|E|||handler_failed|the handler raised an error\r",
    status=500)
row("accept_handler_timeout", "accept", message=ORU, outcome="handler_timeout",
    ack=ACK_HEAD + "MSA|AE|MSG42\rERR|||207^Application internal error^HL70357|E|||handler_timeout|the handler did not return in time\r",
    status=500)
ENH = "MSH|^~\\&|LAB|HOSP|EHR|CLINIC|20240115083000||ADT^A08|E7|P|2.5.1|||AL|NE\rPID|1\r"
row("accept_enhanced_mode", "accept", message=ENH, outcome="accepted",
    ack="MSH|^~\\&|EHR|CLINIC|LAB|HOSP|20240115103000||ACK^A08^ACK|ACK1|P|2.5.1\rMSA|CA|E7\r", status=200)
row("accept_enhanced_mode_failed", "accept", message=ENH, outcome="handler_failed",
    ack="MSH|^~\\&|EHR|CLINIC|LAB|HOSP|20240115103000||ACK^A08^ACK|ACK1|P|2.5.1\rMSA|CE|E7\rERR|||207^Application internal error^HL70357|E|||handler_failed|the handler raised an error\r",
    status=500)
row("accept_version_2_3_error_layout", "accept",
    message="MSH|^~\\&|LAB|HOSP|EHR|CLINIC|20240115083000||ADT^A01|V23|P|2.3\rPID|1\r", outcome="handler_failed",
    ack="MSH|^~\\&|EHR|CLINIC|LAB|HOSP|20240115103000||ACK^A01^ACK|ACK1|P|2.3\rMSA|AE|V23\rERR|^^^207&Application internal error&HL70357\r",
    status=500)

for name, fields, outcome, code in [("original", "", "accepted", "AA"), ("enhanced_always", "|||AL|NE", "accepted", "CA"),
                                    ("never", "|||NE|NE", "accepted", None), ("never_failed", "|||NE|NE", "handler_failed", None),
                                    ("errors_only_accepted", "|||ER|NE", "accepted", None),
                                    ("errors_only_failed", "|||ER|NE", "handler_failed", "CE"),
                                    ("success_only_failed", "|||SU|NE", "handler_timeout", None)]:
    message = f"MSH|^~\\&|LAB|HOSP|EHR|CLINIC|20240115083000||ADT^A08|R1|P|2.5.1{fields}\rPID|1\r"
    row("server_reply_" + name, "server_reply", message=message, outcome=outcome, code=code)

row("reject_strict_parse_error", "reject", frame=ORU, options={"strict": True},
    ack=ACK_HEAD + "MSA|AR|MSG42\rERR||NTE^1^3|102^Data type error^HL70357|E|||malformed_escape: an escape sequence is malformed and was kept as written\r",
    status=400)
row("reject_without_msh", "reject", frame="PID|1||42\rOBX|1\r", options={}, error="unreadable_frame")
row("reject_enhanced_mode", "reject", frame=ENH + "NTE|1||\\Q\\\r", options={"strict": True},
    ack="MSH|^~\\&|EHR|CLINIC|LAB|HOSP|20240115103000||ACK^A08^ACK|ACK1|P|2.5.1\rMSA|CR|E7\rERR||NTE^1^3|102^Data type error^HL70357|E|||malformed_escape: an escape sequence is malformed and was kept as written\r",
    status=400)


def http(name, request, expect, options=None):
    req = dict(method="POST", content_type="application/hl7-v2", authorization=None, body_length=100)
    req.update(request)
    row(name, "http", request=req, options=options or {}, expect=expect)


http("media_type_plain", {}, {"media_type": "application/hl7-v2", "charset": None})
http("media_type_er7_with_charset", {"content_type": "application/HL7-v2+er7; charset=\"ISO-8859-1\""},
     {"media_type": "application/hl7-v2+er7", "charset": "ISO-8859-1"})
http("media_type_legacy", {"content_type": "x-application/hl7-v2+er7;charset=UTF-8"},
     {"media_type": "x-application/hl7-v2+er7", "charset": "UTF-8"})
http("media_type_text", {"content_type": "text/plain"}, {"media_type": "text/plain", "charset": None})
http("media_type_json_refused", {"content_type": "application/json"}, {"error": "unsupported_media_type", "status": 415})
http("media_type_missing", {"content_type": None}, {"error": "unsupported_media_type", "status": 415})
http("method_get_refused", {"method": "GET"}, {"error": "method_not_allowed", "status": 405})
http("body_over_limit", {"body_length": 1001}, {"error": "body_too_large", "status": 413}, {"max_body_size": 1000})
http("body_at_limit", {"body_length": 1000}, {"media_type": "application/hl7-v2", "charset": None}, {"max_body_size": 1000})
http("body_empty", {"body_length": 0}, {"error": "empty_body", "status": 400})
CRED = {"credentials": ["hl7", "s3cret"]}
http("basic_auth_right", {"authorization": "Basic aGw3OnMzY3JldA=="}, {"media_type": "application/hl7-v2", "charset": None}, CRED)
http("basic_auth_wrong_password", {"authorization": "Basic aGw3OnMzY3JldHg="}, {"error": "unauthorized", "status": 401}, CRED)
http("basic_auth_missing", {}, {"error": "unauthorized", "status": 401}, CRED)
http("basic_auth_not_base64", {"authorization": "Basic ***"}, {"error": "unauthorized", "status": 401}, CRED)
http("basic_auth_other_scheme", {"authorization": "Bearer aGw3OnMzY3JldA=="}, {"error": "unauthorized", "status": 401}, CRED)
http("auth_checked_before_method", {"method": "GET"}, {"error": "unauthorized", "status": 401}, CRED)

for i, (host, ok) in enumerate([("127.0.0.1", True), ("127.8.9.10", True), ("localhost", True), ("::1", True), ("[::1]", True),
                 ("::ffff:127.0.0.1", True), ("0.0.0.0", False), ("::", False), ("", False), ("10.0.0.1", False),
                 ("127.0.0.256", False), ("127.0.0", False), ("example.org", False)]):
    row(f"loopback_{i:02}", "loopback", host=host, expect=ok)

for name, fields, want in [("original_mode", "", True), ("enhanced_always", "|||AL|NE", True),
                           ("enhanced_application_only", "|||NE|AL", True), ("never", "|||NE|NE", False),
                           ("errors_only", "|||ER|ER", False), ("success_only", "|||SU|NE", True),
                           ("empty_accept_means_always", "||||NE", True)]:
    row("expects_ack_" + name, "expects_ack",
        message=f"MSH|^~\\&|LAB|HOSP|EHR|CLINIC|20240115||ADT^A01|X1|P|2.5.1{fields}\rPID|1\r", expect=want)
row("expects_ack_without_msh", "expects_ack", message="PID|1\r", expect=True)

here = os.path.dirname(os.path.abspath(__file__))
with open(os.path.join(here, "transport_cases.jsonl"), "w") as f:
    for r in rows:
        f.write(json.dumps(r, ensure_ascii=False) + "\n")
print(f"{len(rows)} rows")
