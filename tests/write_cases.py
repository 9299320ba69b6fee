#!/usr/bin/env python3
"""Writes tests/write_cases.jsonl: cases for writing HL7 (edits, builders,
acknowledgements, MLLP framing), run by the Rust, JavaScript and Python suites
alike. Edit here, then run: python3 tests/write_cases.py

kind "edit":  input, ops (applied in order), then
              expect   the exact text after the ops, or
              error    {"op": index of the op that fails, "code": ...}: earlier
                       ops apply, the failing one changes nothing (expect, when
                       given, is the text after all ops but the failing one)
              get      {path: decoded value or null} read after the ops
  ops: ["set", path, value] ["set_raw", path, text] ["insert", path, value]
       ["insert_raw", path, text] ["remove", path] ["append_repetition", path, value]
       ["insert_segment", index, text] ["append_segment", text] ["remove_segment", index]
kind "build": header (message_type, control_id, timestamp, sending_application,
              sending_facility, receiving_application, receiving_facility,
              processing_id, version, charset, delimiters, segment_terminator),
              then ops, expect or error {"code"} (an edit error, or a
              parse error for delimiters that cannot be declared).
kind "ack":   input (or input_hex), parse_options ({max_field_length, strict}),
              ack (code, text, errors [{code, severity, path, text}],
              diagnostics "none"|"errors"|"warnings", control_id, timestamp);
              expect the exact ACK text, or error {"code"}.
kind "datatype": input, then
              datetime    {path: {precision, iso, offset_minutes, is_null} | {"error": code, "offset": n} | null}
              number      {path: value | {"error": code} | null}
              sequence_id {path: value | {"error": code} | null}
              typed       [[path, datatype, {name: text | null | {nested}}] | [path, datatype, null]]
              typed_all   [[path, datatype, [ {...}, ... ]]]
kind "mllp":  input_hex, max_frame_size; frames (text, in order), issues
              [[code, offset, length]] after finish(), errors [[code, offset]]
              (frames too large). Every chunking must give the same result.
"""
import json, os

STD = "MSH|^~\\&|APP|FAC|RAPP|RFAC|20240115||ADT^A08^ADT_A01|MSG1|P|2.5.1"
ADT = STD + "\rPID|1||123^^^H~456||DOE^JOHN&X^Q\rNTE|1||a\\T\\b\r"
cases = []
def case(name, **kw):
    kw["name"] = name
    cases.append(kw)

# --- edits ----------------------------------------------------------------------------
case("set_escapes_delimiters", kind="edit", input=ADT, ops=[["set", "PID-5.2", "JANE|A^B&C~D\\E"]],
     expect=STD + "\rPID|1||123^^^H~456||DOE^JANE\\F\\A\\S\\B\\T\\C\\R\\D\\E\\E^Q\rNTE|1||a\\T\\b\r",
     get={"PID-5.2": "JANE|A^B&C~D\\E", "PID-5.3": "Q"})
case("set_line_breaks_become_br", kind="edit", input=ADT, ops=[["set", "NTE-3", "line 1\r\nline 2\nline 3"]],
     expect=STD + "\rPID|1||123^^^H~456||DOE^JOHN&X^Q\rNTE|1||line 1\\.br\\line 2\\.br\\line 3\r",
     get={"NTE-3": "line 1\nline 2\nline 3"})
case("set_pads_missing_fields_repetitions_components", kind="edit", input=ADT,
     ops=[["set", "PID-3(4).2", "Z"], ["set", "PID-8", "M"], ["set", "PID-5.3.3", "S"]],
     expect=STD + "\rPID|1||123^^^H~456~~^Z||DOE^JOHN&X^Q&&S|||M\rNTE|1||a\\T\\b\r")
case("set_whole_field_replaces_every_repetition", kind="edit", input=ADT, ops=[["set", "PID-3", "X~Y"]],
     expect=STD + "\rPID|1||X\\R\\Y||DOE^JOHN&X^Q\rNTE|1||a\\T\\b\r", get={"PID-3": "X~Y", "PID-3(2)": None})
case("writing_a_decoded_value_back_does_not_double_escape", kind="edit", input=ADT,
     ops=[["set", "NTE-3", "a&b"]], expect=ADT, get={"NTE-3": "a&b"})
case("set_raw_writes_encoded_text", kind="edit", input=ADT, ops=[["set_raw", "PID-5", "ROE^ANN"], ["set_raw", "PID-3(2)", "9^^^SSA"]],
     expect=STD + "\rPID|1||123^^^H~9^^^SSA||ROE^ANN\rNTE|1||a\\T\\b\r", get={"PID-5.2": "ANN", "PID-3(2).4": "SSA"})
case("set_raw_refuses_separators_of_its_level", kind="edit", input=ADT, ops=[["set_raw", "PID-5.1", "A^B"]],
     error={"op": 0, "code": "invalid_value", "offset": 1}, expect=ADT)
case("set_refuses_msh1_and_msh2", kind="edit", input=ADT, ops=[["set", "MSH-2", "x"]], error={"op": 0, "code": "read_only"}, expect=ADT)
case("set_bad_path_is_a_path_error", kind="edit", input=ADT, ops=[["set", "PID-0", "x"]], error={"op": 0, "code": "index_out_of_range"}, expect=ADT)
case("set_appends_the_next_occurrence_of_a_segment", kind="edit", input=ADT,
     ops=[["set", "OBX-5", "7"], ["set", "OBX[2]-5", "8"], ["set", "OBX[4]-5", "9"]],
     error={"op": 2, "code": "segment_not_found"},
     expect=ADT + "OBX|||||7\rOBX|||||8\r", get={"OBX[2]-5": "8"})
case("insert_and_remove_repetitions", kind="edit", input=ADT,
     ops=[["insert", "PID-3(1)", "000"], ["remove", "PID-3(2)"], ["append_repetition", "PID-3", "789"]],
     expect=STD + "\rPID|1||000~456~789||DOE^JOHN&X^Q\rNTE|1||a\\T\\b\r", get={"PID-3(3)": "789"})
case("insert_and_remove_components_and_subcomponents", kind="edit", input=ADT,
     ops=[["remove", "PID-5.2.1"], ["insert", "PID-5.2", "MID"], ["remove", "PID-5.1"], ["insert_raw", "PID-5.1.2", "K"]],
     expect=STD + "\rPID|1||123^^^H~456||MID&K^X^Q\rNTE|1||a\\T\\b\r")
case("remove_field_path_clears_the_field", kind="edit", input=ADT, ops=[["remove", "PID-3"], ["remove", "PID-30(2)"]],
     expect=STD + "\rPID|1||||DOE^JOHN&X^Q\rNTE|1||a\\T\\b\r")
case("insert_needs_a_repetition_or_component_path", kind="edit", input=ADT, ops=[["insert", "PID-3", "x"]],
     error={"op": 0, "code": "invalid_path"}, expect=ADT)
case("segments_inserted_appended_removed", kind="edit", input=ADT,
     ops=[["insert_segment", 1, "EVN|A08|20240115"], ["append_segment", "ZPI|1|custom"], ["remove_segment", 3]],
     expect=STD + "\rEVN|A08|20240115\rPID|1||123^^^H~456||DOE^JOHN&X^Q\rZPI|1|custom\r")
case("header_segment_cannot_be_removed", kind="edit", input=ADT, ops=[["remove_segment", 0]], error={"op": 0, "code": "read_only"}, expect=ADT)
case("new_segment_needs_a_valid_name", kind="edit", input=ADT, ops=[["append_segment", "pid|1"]], error={"op": 0, "code": "invalid_segment"}, expect=ADT)
case("edits_keep_lf_terminators_and_a_missing_final_terminator", kind="edit",
     input="MSH|^~\\&|A\nPID|1||7", ops=[["set", "PID-3", "8"], ["append_segment", "PV1|1|I"]],
     expect="MSH|^~\\&|A\nPID|1||8\nPV1|1|I")
case("edits_keep_unusual_delimiters", kind="edit", input="MSH*!@$%*A\rPID*1**X!Y\r",
     ops=[["set", "PID-3.2", "a*b!c"]], expect="MSH*!@$%*A\rPID*1**X!a$F$b$S$c\r", get={"PID-3.2": "a*b!c"})
case("edits_write_the_declared_single_byte_charset", kind="edit",
     input="MSH|^~\\&|A|||||||||||||||8859/1\rPID|1||||DOE\r", ops=[["set", "PID-5.2", "Jos\u00e9"], ["set", "PID-6", "\u4e2d"]],
     error={"op": 1, "code": "unencodable_character"}, get={"PID-5.2": "Jos\u00e9"})

# --- building -------------------------------------------------------------------------
case("build_a_message_from_scratch", kind="build",
     header={"message_type": "ADT^A01^ADT_A01", "control_id": "MSG0001", "timestamp": "20240115103000",
             "sending_application": "PIPEHAT", "receiving_application": "EHR", "version": "2.5.1"},
     ops=[["set", "EVN-1", "A01"], ["set", "PID-3.1", "123"], ["set", "PID-5", "DOE"], ["set", "PID-5.2", "JANE"]],
     expect="MSH|^~\\&|PIPEHAT||EHR||20240115103000||ADT^A01^ADT_A01|MSG0001|P|2.5.1\rEVN|A01\rPID|||123||DOE^JANE\r")
case("build_with_charset_delimiters_and_terminator", kind="build",
     header={"message_type": "ORU!R01", "control_id": "1", "timestamp": "20240115", "charset": "UNICODE UTF-8",
             "delimiters": "*!@$%", "segment_terminator": "\n", "processing_id": "T", "version": "2.3"},
     ops=[["set", "OBX-5", "a*b"]],
     expect="MSH*!@$%*****20240115**ORU!R01*1*T*2.3******UNICODE UTF-8\nOBX*****a$F$b\n")
case("build_refuses_a_separator_in_a_header_value", kind="build",
     header={"message_type": "ADT^A01", "control_id": "A|B", "timestamp": "20240115"}, ops=[], error={"code": "invalid_value"})
case("build_defaults_come_from_the_core", kind="build",
     header={"message_type": "ADT^A01", "control_id": "1", "timestamp": "20240115"}, ops=[],
     expect="MSH|^~\\&|||||20240115||ADT^A01|1|P|2.5.1\r")
case("build_with_a_truncation_character_and_a_named_terminator", kind="build",
     header={"message_type": "ADT^A01", "control_id": "1", "timestamp": "20240115", "delimiters": "|^~\\&#",
             "segment_terminator": "crlf", "version": "2.7"}, ops=[["set", "PID-5", "DOE"]],
     expect="MSH|^~\\&#|||||20240115||ADT^A01|1|P|2.7\r\nPID|||||DOE\r\n")
case("build_refuses_four_delimiters", kind="build",
     header={"message_type": "ADT^A01", "delimiters": "|^~\\"}, ops=[], error={"code": "missing_encoding_characters"})
case("build_refuses_seven_delimiters", kind="build",
     header={"message_type": "ADT^A01", "delimiters": "|^~\\&#$"}, ops=[], error={"code": "too_many_encoding_characters"})
case("build_refuses_a_repeated_delimiter", kind="build",
     header={"message_type": "ADT^A01", "delimiters": "|^^\\&"}, ops=[], error={"code": "duplicate_delimiter"})

# --- acknowledgements -----------------------------------------------------------------
ORU = "MSH|^~\\&|LAB|HOSP|EHR|CLINIC|20240115||ORU^R01^ORU_R01|MSG42|P|2.5.1\rPID|1||7\rOBX|1|TX|||a\\Q\\b\r"
ACKH = "MSH|^~\\&|EHR|CLINIC|LAB|HOSP|20240115103000||ACK^R01^ACK|ACK1|P|2.5.1\r"
STAMP = {"control_id": "ACK1", "timestamp": "20240115103000"}
case("ack_original_mode_accept", kind="ack", input=ORU.replace("a\\Q\\b", "ok"), ack=STAMP, expect=ACKH + "MSA|AA|MSG42\r")
case("ack_diagnostic_warnings_become_err_segments", kind="ack", input=ORU, ack=STAMP,
     expect=ACKH + "MSA|AA|MSG42\rERR||OBX^1^5|102^Data type error^HL70357|W|||malformed_escape: an escape sequence is malformed and was kept as written\r")
case("ack_caller_errors_code_and_text", kind="ack", input=ORU,
     ack=dict(STAMP, code="AR", text="Bad & wrong", diagnostics="errors",
              errors=[{"code": 203, "severity": "E", "path": "MSH-12", "text": "version 9|9"}]),
     expect=ACKH + "MSA|AR|MSG42|Bad \\T\\ wrong\rERR||MSH^1^12|203^Unsupported version id^HL70357|E||||version 9\\F\\9\r")
case("ack_error_defaults_to_ae", kind="ack", input=ORU,
     ack=dict(STAMP, diagnostics="none", errors=[{"code": 101, "path": "PID-3(1).1"}]),
     expect=ACKH + "MSA|AE|MSG42\rERR||PID^1^3^1^1|101^Required field missing^HL70357|E\r")
case("ack_enhanced_mode_uses_commit_codes", kind="ack",
     input="MSH|^~\\&|A|B|C|D|1||ADT^A01|X|P|2.5|||AL|NE\rPID|1\r", ack=dict(STAMP, errors=[{"code": 207}]),
     expect="MSH|^~\\&|C|D|A|B|20240115103000||ACK^A01^ACK|ACK1|P|2.5\rMSA|CE|X\rERR|||207^Application internal error^HL70357|E\r")
case("ack_before_v25_uses_err_1", kind="ack", input="MSH|^~\\&|A|B|C|D|1||ADT^A01|X|P|2.3\r",
     ack=dict(STAMP, errors=[{"code": 101, "path": "PID-3"}]),
     expect="MSH|^~\\&|C|D|A|B|20240115103000||ACK^A01^ACK|ACK1|P|2.3\rMSA|AE|X\rERR|PID^1^3^101&Required field missing&HL70357\r")
case("ack_keeps_delimiters_and_charset", kind="ack", input="MSH*!@$%*A*B*C*D*1**ADT!A04*X*P*2.5******UNICODE UTF-8\r", ack=STAMP,
     expect="MSH*!@$%*C*D*A*B*20240115103000**ACK!A04!ACK*ACK1*P*2.5******UNICODE UTF-8\rMSA*AA*X\r")
case("ack_of_a_message_that_failed_to_parse", kind="ack",
     input="MSH|^~\\&|A|B|C|D|1||ADT^A01|X|P|2.5\rPID|1\rZZZ|0123456789\r", parse_options={"max_field_length": 8}, ack=STAMP,
     expect="MSH|^~\\&|C|D|A|B|20240115103000||ACK^A01^ACK|ACK1|P|2.5\rMSA|AE|X\rERR||ZZZ^1^1|102^Data type error^HL70357|E|||field_too_long: a field exceeds the field length limit\r")
case("ack_of_a_message_strict_mode_rejected", kind="ack", input=ORU, parse_options={"strict": True}, ack=STAMP,
     expect=ACKH + "MSA|AE|MSG42\rERR||OBX^1^5|102^Data type error^HL70357|E|||malformed_escape: an escape sequence is malformed and was kept as written\r")
case("ack_needs_a_readable_msh", kind="ack", input="PID|1||7\r", ack=STAMP, error={"code": "missing_header"})
case("ack_text_the_charset_cannot_hold_is_an_error", kind="ack", input="MSH|^~\\&|A|B|C|D|1||ADT^A01|X|P|2.5||||||ASCII\r",
     ack=dict(STAMP, text="\u4e2d"), error={"code": "unencodable_character"})

# --- typed values -------------------------------------------------------------------
TYPED = ("MSH|^~\\&|A|B|C|D|20240115103000.25-0500||ADT^A01|1|P|2.3\r"
         "PID|0003||123^4^M10^HOSP&1.2.3&ISO^MR~9^^^SSA^SS||DOE&VAN&DOE^JANE^Q^JR^DR^^L|\"\"|198001^D||||"
         "1 Main St&Main St&1^Apt 2^Springfield^IL^62701^USA^H||(555)123-4567^PRN^PH^^1^555^1234567~^NET^Internet^jane@example.org|||||||||||||||||||||\r"
         "OBX|1|NM|2345-7^Glucose^LN^GLU^Glucose^L|1|-12.50|mg/dL|x|\r"
         "OBX|2|ST|||1e3||||||F|||2024013|\r")
def with_parts(out, kw):
    """`out` (every component name) with the given values; nested ones merged."""
    for k, v in kw.items():
        if isinstance(v, dict):
            out[k].update(v)
        else:
            out[k] = v
    return out
def xpn(**kw):
    names = ["family_name", "given_name", "second_names", "suffix", "prefix", "degree", "name_type_code",
             "name_representation_code", "name_context", "name_validity_range", "name_assembly_order",
             "effective_date", "expiration_date", "professional_suffix"]
    out = {n: None for n in names}
    out["family_name"] = {"surname": None, "own_surname_prefix": None, "own_surname": None,
                          "surname_prefix_from_partner": None, "surname_from_partner": None}
    out["name_context"] = {n: None for n in ["identifier", "text", "name_of_coding_system", "alternate_identifier",
                                              "alternate_text", "name_of_alternate_coding_system"]}
    return with_parts(out, kw)
HD_NAMES = ["namespace_id", "universal_id", "universal_id_type"]
CWE_NAMES = ["identifier", "text", "name_of_coding_system", "alternate_identifier", "alternate_text",
             "name_of_alternate_coding_system", "coding_system_version_id", "alternate_coding_system_version_id", "original_text"]
def cx(**kw):
    out = {"id_number": None, "check_digit": None, "check_digit_scheme": None,
           "assigning_authority": dict.fromkeys(HD_NAMES), "identifier_type_code": None,
           "assigning_facility": dict.fromkeys(HD_NAMES), "effective_date": None, "expiration_date": None,
           "assigning_jurisdiction": dict.fromkeys(CWE_NAMES), "assigning_agency": dict.fromkeys(CWE_NAMES)}
    return with_parts(out, kw)
case("typed_values", kind="datatype", input=TYPED,
     datetime={"MSH-7": {"precision": "fraction", "iso": "2024-01-15T10:30:00.25-05:00", "offset_minutes": -300, "is_null": False},
               "PID-7": {"precision": "month", "iso": "1980-01", "offset_minutes": None, "is_null": False},
               "PID-6": {"precision": None, "iso": None, "offset_minutes": None, "is_null": True},
               "OBX[2]-14": {"error": "invalid_datetime", "offset": 6},
               "PID-8": None},
     number={"OBX-5": -12.5, "OBX-4": 1, "OBX[2]-5": {"error": "invalid_number"}, "OBX-9": None},
     sequence_id={"PID-1": 3, "OBX[2]-1": 2, "OBX-5": {"error": "invalid_sequence_id"}},
     typed=[["PID-5", "XPN", xpn(family_name={"surname": "DOE", "own_surname_prefix": "VAN", "own_surname": "DOE"},
                                 given_name="JANE", second_names="Q", suffix="JR", prefix="DR", name_type_code="L")],
            ["PID-3", "CX", cx(id_number="123", check_digit="4", check_digit_scheme="M10",
                               assigning_authority={"namespace_id": "HOSP", "universal_id": "1.2.3", "universal_id_type": "ISO"},
                               identifier_type_code="MR")],
            ["PID-3.4", "HD", {"namespace_id": "HOSP", "universal_id": "1.2.3", "universal_id_type": "ISO"}],
            ["OBX-3", "CE", {"identifier": "2345-7", "text": "Glucose", "name_of_coding_system": "LN",
                             "alternate_identifier": "GLU", "alternate_text": "Glucose", "name_of_alternate_coding_system": "L"}],
            ["PID-11", "XAD", {"street_address": {"street_or_mailing_address": "1 Main St", "street_name": "Main St", "dwelling_number": "1"},
                               "other_designation": "Apt 2", "city": "Springfield", "state_or_province": "IL",
                               "zip_or_postal_code": "62701", "country": "USA", "address_type": "H",
                               "other_geographic_designation": None, "county_parish_code": None, "census_tract": None,
                               "address_representation_code": None, "address_validity_range": None,
                               "effective_date": None, "expiration_date": None}],
            ["PID-13(2)", "XTN", {"telephone_number": None, "telecommunication_use_code": "NET",
                                  "telecommunication_equipment_type": "Internet", "email_address": "jane@example.org",
                                  "country_code": None, "area_city_code": None, "local_number": None, "extension": None,
                                  "any_text": None, "extension_prefix": None, "speed_dial_code": None,
                                  "unformatted_telephone_number": None}],
            ["PID-9", "XPN", None]],
     typed_all=[["PID-3", "HD", [{"namespace_id": "123", "universal_id": "4", "universal_id_type": "M10"},
                                 {"namespace_id": "9", "universal_id": None, "universal_id_type": None}]]])

# --- MLLP -----------------------------------------------------------------------------
def frame(s): return "0b" + s.encode().hex() + "1c0d"
case("mllp_frames_with_whitespace_between", kind="mllp", max_frame_size=100,
     input_hex=frame("MSH|A\r") + "0d0a" + frame("MSH|B\rPID|1\r") + frame(""),
     frames=["MSH|A\r", "MSH|B\rPID|1\r", ""], issues=[], errors=[])
case("mllp_odd_framing_gives_issues", kind="mllp", max_frame_size=100,
     input_hex=b"xx\x0bA\x1cB\x0bC\x0bD\x1c\rzz\x0bE".hex(), frames=["A", "D"],
     issues=[["mllp_garbage", 0, 2], ["mllp_missing_carriage_return", 5, 0], ["mllp_garbage", 5, 1],
             ["mllp_unterminated_frame", 6, 2], ["mllp_garbage", 12, 2], ["mllp_truncated_frame", 14, 2]], errors=[])
case("mllp_oversized_frame_is_an_error_and_skipped", kind="mllp", max_frame_size=5,
     input_hex=frame("ok") + frame("0123456789") + frame("next"), frames=["ok", "next"], issues=[],
     errors=[["mllp_frame_too_large", 5]])

here = os.path.dirname(os.path.abspath(__file__))
with open(os.path.join(here, "write_cases.jsonl"), "w") as f:
    for c in cases:
        f.write(json.dumps(c, ensure_ascii=False) + "\n")
print(f"{len(cases)} cases")
