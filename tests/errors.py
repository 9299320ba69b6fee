#!/usr/bin/env python3
"""Writes tests/errors.jsonl: one row per way pipehat refuses something, run
by the Rust, JavaScript (Node and Chromium) and Python suites alike. Each row
says what is done and the error every language must give: its class, code,
offset and exact text (which never quotes the input). Edit here, then run:
python3 tests/errors.py (or make generate).

Each row: name, op and the op's arguments, then
  class    ParseError, PathError, StreamError, EditError, MllpError, JsonError,
           DatatypeError, FilterError, MappingError, ProfileError or
           DictionaryError, FhirError or DeidError (JavaScript prefixes HL7:
           HL7ParseError)
  code     the stable code
  offset   the offset the error carries (null where it has none)
  message  the exact text
  attrs    other values the error carries, by their snake_case names

ops:
  parse      input, options ({strict, max_message_size, max_segments,
             max_field_length})
  get        input, path
  explain    path, version
  filter     expression
  mapping    spec (an object)
  profile    spec (an object, or text)
  from_json  text
  build      header ({message_type, delimiters, control_id})
  edit       input, set [path, value] (raw: true for encoded text, set_raw)
  datatype   input, read ("datetime", "number" or "sequence_id"), path
  mllp       input_hex, max_frame_size
  split      input, max_chunk_size (pushed whole to a splitter)
  transport_reject  input: the acknowledgement for a frame that does not parse
  http_check  request {method, content_type, authorization, body_length}
  transport_error   code: the error a transport raises for that code
  fhir       input, options ({bundle_type, namespace, timezone}): to_fhir
  deid       key (text), policy (an object, or null for the built-in): a Deidentifier
"""
import json, os

MSH = "MSH|^~\\&|APP|FAC|RAPP|RFAC|20240115083000||ADT^A01^ADT_A01|MSG1|P|2.5.1"
ADT = MSH + "\rPID|1||123^^^HOSP^MR||DOE^JOHN||19800101|M\r"

rows = []


def row(name, op, cls, code, offset, message, attrs=None, **args):
    r = dict(name=name, op=op, **args, **{"class": cls, "code": code, "offset": offset, "message": message})
    if attrs:
        r["attrs"] = attrs
    rows.append(r)


# --- reading a message -------------------------------------------------------------
row("empty_input", "parse", "ParseError", "empty_input", 3,
    "the input is empty (empty_input, byte 3)", input=" \r\n")
row("no_header", "parse", "ParseError", "missing_header", 0,
    "the input does not start with an MSH, BHS or FHS segment (missing_header, byte 0)", input="PID|1||42\r")
row("duplicate_delimiter", "parse", "ParseError", "duplicate_delimiter", 6,
    "two delimiters are the same character (duplicate_delimiter, segment 1, field 2, byte 6)",
    attrs={"segment": 0, "field": 2, "line": 1, "column": 7}, input="MSH|^&&^|A\r")
row("six_encoding_characters", "parse", "ParseError", "too_many_encoding_characters", 9,
    "more than five encoding characters (too_many_encoding_characters, segment 1, field 2, byte 9)",
    input="MSH|^~\\&#$|A\r")
row("strict_rejects_a_diagnostic", "parse", "ParseError", "malformed_escape", 83,
    "an escape sequence is malformed and was kept as written (malformed_escape, segment 2, field 3, byte 83)",
    attrs={"segment": 1, "field": 3, "line": 2, "column": 12}, input=MSH + "\rNTE|1||bad \\Q\\\r", options={"strict": True})
row("message_too_large", "parse", "ParseError", "message_too_large", 64,
    "the message exceeds the size limit (message_too_large, byte 64)", input=ADT, options={"max_message_size": 64})
# MSH-7 (14 characters) is the first field over 8.
row("field_too_long", "parse", "ParseError", "field_too_long", 27,
    "a field exceeds the field length limit (field_too_long, segment 1, field 7, byte 27)",
    attrs={"segment": 0, "field": 7, "line": 1, "column": 28},
    input=ADT, options={"max_field_length": 8})

# --- paths ---------------------------------------------------------------------------
row("path_index_zero", "get", "PathError", "index_out_of_range", 4,
    "invalid path: indexes start at 1 (index_out_of_range, character 4)", input=ADT, path="PID-0")
row("path_bad_segment_name", "get", "PathError", "invalid_segment_name", 3,
    "invalid path: a segment name is three letters or digits (invalid_segment_name, character 3)", input=ADT, path="PATIENT-5")
row("path_unclosed_bracket", "get", "PathError", "unclosed_bracket", 7,
    "invalid path: a bracket is not closed (unclosed_bracket, character 7)", input=ADT, path="PID-3(2.1")

# --- the dictionary ------------------------------------------------------------------
row("unknown_version", "explain", "DictionaryError", "unknown_version", None,
    "unknown HL7 version; known: 2.1 to 2.8.2 (unknown_version)", path="PID-5", version="3.0")

# --- FHIR ------------------------------------------------------------------------------
row("fhir_no_map", "fhir", "FhirError", "fhir_no_map", None,
    "the message's structure has no v2-to-FHIR map (fhir_no_map)",
    input="MSH|^~\\&|A|B|C|D|20240115||MFN^M01^MFN_M01|1|P|2.5.1\r", options={})
row("fhir_bad_timezone", "fhir", "FhirError", "fhir_invalid_option", None,
    "an option has a value it does not allow (fhir_invalid_option, at 'timezone')",
    attrs={"option": "timezone"}, input=ADT, options={"timezone": "EST"})

# --- de-identification -----------------------------------------------------------------
row("deid_short_key", "deid", "DeidError", "deid_key_too_short", None,
    "the key has fewer than 16 bytes (deid_key_too_short)", attrs={"pointer": None},
    key="fifteen bytes!!", policy=None)
row("deid_bad_action", "deid", "DeidError", "deid_invalid_policy", None,
    "the de-identification policy is not valid (deid_invalid_policy, at '/fields/PID-5')",
    attrs={"pointer": "/fields/PID-5"}, key="a key of sixteen bytes", policy={"fields": {"PID-5": "blur"}})

# --- filters, mappings, profiles -------------------------------------------------------
row("filter_unterminated_string", "filter", "FilterError", "unterminated_string", 10,
    "invalid filter: a string is not closed (unterminated_string, character 10)", expression='MSH-9.1 = "ADT')
row("filter_token_out_of_place", "filter", "FilterError", "unexpected_token", 8,
    "invalid filter: a token out of place (unexpected_token, character 8)", expression="MSH-9.1 ADT")
row("mapping_unknown_transform", "mapping", "MappingError", "unknown_transform", None,
    "invalid mapping: an unknown transform (unknown_transform, at '/fields/born/transform')",
    attrs={"pointer": "/fields/born/transform"}, spec={"fields": {"born": {"path": "PID-7", "transform": "shout"}}})
row("profile_unknown_key", "profile", "ProfileError", "unknown_key", None,
    "invalid profile: an unknown key (unknown_key, at '/segments/PID/fields/3/requird')",
    attrs={"pointer": "/segments/PID/fields/3/requird"}, spec={"segments": {"PID": {"fields": {"3": {"requird": True}}}}})
row("profile_not_json", "profile", "ProfileError", "invalid_json", None,
    "invalid profile: the text is not JSON (invalid_json, at '')", attrs={"pointer": ""}, spec="{segments")

# --- lossless JSON -------------------------------------------------------------------
row("json_not_json", "from_json", "JsonError", "invalid_json", 0,
    "the text is not valid JSON (invalid_json, byte 0)", text="{")
row("json_not_lossless", "from_json", "JsonError", "unsupported_format", 0,
    "not pipehat-lossless JSON version 1 (unsupported_format, byte 0)", text='{"segments": []}')

# --- writing -------------------------------------------------------------------------
row("build_four_delimiters", "build", "ParseError", "missing_encoding_characters", 4,
    "too few encoding characters (missing_encoding_characters, byte 4)",
    header={"message_type": "ADT^A01", "delimiters": "|^~\\"})
row("build_separator_in_a_header_value", "build", "EditError", "invalid_value", 1,
    "the value holds a terminator or separator it may not hold (invalid_value, segment 1, byte 1)",
    attrs={"segment": 0}, header={"message_type": "ADT^A01", "control_id": "A|B"})
row("edit_read_only_header", "edit", "EditError", "read_only", 0,
    "MSH-1, MSH-2 and the header segment cannot be edited (read_only, segment 1)",
    attrs={"segment": 0}, input=ADT, set=["MSH-2", "x"])
row("edit_raw_separator", "edit", "EditError", "invalid_value", 1,
    "the value holds a terminator or separator it may not hold (invalid_value, segment 2, byte 1)",
    attrs={"segment": 1}, input=ADT, set=["PID-5", "A|B"], raw=True)
row("edit_bad_path", "edit", "EditError", "index_out_of_range", 4,
    "invalid path (index_out_of_range, character 4)", attrs={"segment": None}, input=ADT, set=["PID-0", "x"])

# --- typed values --------------------------------------------------------------------
row("datetime_bad_month", "datatype", "DatatypeError", "invalid_datetime", 4,
    "the value is not an HL7 date-time (YYYY[MM[DD[HH[MM[SS[.S…]]]]]][+/-ZZZZ]) (invalid_datetime, byte 4)",
    input=ADT.replace("19800101", "19801301"), read="datetime", path="PID-7")
row("number_with_letters", "datatype", "DatatypeError", "invalid_number", 2,
    "the value is not an HL7 number ([+|-]digits[.digits]) (invalid_number, byte 2)",
    input=MSH + "\rOBX|1|NM|x||12a4\r", read="number", path="OBX-5")
row("sequence_id_negative", "datatype", "DatatypeError", "invalid_sequence_id", 0,
    "the value is not an HL7 sequence id (digits) (invalid_sequence_id, byte 0)",
    input=MSH + "\rOBX|-1\r", read="sequence_id", path="OBX-1")

# --- streams -------------------------------------------------------------------------
frame = "0b" + ("41" * 40) + "1c0d"
row("mllp_frame_too_large", "mllp", "MllpError", "mllp_frame_too_large", 0,
    "an MLLP frame exceeds the size limit and was skipped (mllp_frame_too_large, byte 0, 16 bytes)",
    attrs={"length": 16}, input_hex=frame, max_frame_size=16)
row("chunk_too_large", "split", "StreamError", "message_too_large", 0,
    "a chunk exceeds the size limit and was skipped (message_too_large, byte 0)", input=ADT, max_chunk_size=32)

# --- transport ----------------------------------------------------------------------
row("transport_unreadable_frame", "transport_reject", "TransportError", "unreadable_frame", None,
    "a frame has no readable MSH segment to acknowledge (unreadable_frame)", attrs={"status": 400},
    input="PID|1||42\r")
row("http_media_type", "http_check", "TransportError", "unsupported_media_type", None,
    "the request's content type is not an HL7 v2 media type (unsupported_media_type)", attrs={"status": 415},
    request={"method": "POST", "content_type": "application/json", "authorization": None, "body_length": 10})
row("ack_timeout", "transport_error", "TransportTimeoutError", "ack_timeout", None,
    "no acknowledgement answered the message in time (ack_timeout)", attrs={"status": 500}, error_code="ack_timeout")
row("connection_closed", "transport_error", "TransportConnectionError", "connection_closed", None,
    "the connection closed before the acknowledgement arrived (connection_closed)", attrs={"status": 500},
    error_code="connection_closed")

here = os.path.dirname(os.path.abspath(__file__))
with open(os.path.join(here, "errors.jsonl"), "w") as f:
    for r in rows:
        f.write(json.dumps(r, ensure_ascii=False) + "\n")
print(f"{len(rows)} rows")
