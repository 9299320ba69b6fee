#!/usr/bin/env python3
"""Writes tests/cases.jsonl: pipehat's own behaviour cases, run by the Rust,
JavaScript and Python suites alike. Edit here, then run: python3 tests/cases.py

Each case has a name and an input ("input": text, "input_hex": bytes, or
"file": a corpus path), optional "options", and checks:
  get / get_raw      {path: expected text, or null for absent}
  locate             {path: [byte offset, length] of the value in the message, or null for absent}
  error              {code, offset, segment, field}: parsing must fail so
  diagnostics        codes that must be reported
  severities         {code: "info" | "warning" | "error"}: a diagnostic's severity as text
  no_diagnostics     true: nothing of warning or error severity
  terminator         "cr" | "lf" | "crlf"
  segments           the segment names in order
  segments_named     {name: [0-based indices of the segments so named]}
  charset            the MSH-18 name pipehat recognised, or null
  path_errors        {path: [code, offset]}
  split              the chunk kinds stream splitting yields, in order
"""
import json, os

STD = "MSH|^~\\&|SEND|FAC|RECV|RFAC|20240115120000||ADT^A01^ADT_A01|MSG1|P|2.5.1"
cases = []
def case(name, **kw):
    kw["name"] = name
    cases.append(kw)

# --- header numbering and delimiters -------------------------------------------------
case("msh1_is_the_field_separator_and_msh2_the_encoding_characters",
     input=STD + "\rPID|1||42\r",
     get={"MSH-1": "|", "MSH-2": "^~\\&", "MSH-3": "SEND", "MSH-9": "ADT^A01^ADT_A01", "MSH-9.2": "A01", "MSH-10": "MSG1", "MSH-12": "2.5.1"},
     get_raw={"MSH-2": "^~\\&", "MSH-1": "|"}, no_diagnostics=True, terminator="cr", segments=["MSH", "PID"])
LOCATE = STD + "\rPID|1||A1~B2^^^H&X||DOE^JO|\r"
PID = LOCATE.index("PID|")
case("locate_gives_byte_offset_and_length", input=LOCATE,
     locate={"MSH-1": [3, 1], "MSH-2": [4, 4], "MSH-9.2": [LOCATE.index("A01"), 3],
             "PID-3": [PID + 7, len("A1~B2^^^H&X")], "PID-3(2)": [PID + 10, len("B2^^^H&X")],
             "PID-3(2).4.2": [LOCATE.index("&X") + 1, 1], "PID-4": [LOCATE.index("||DOE") + 1, 0],
             "PID-5.2": [LOCATE.index("JO"), 2], "PID-9": None, "OBX-1": None})
case("star_bang_delimiters", input="MSH*!@$%*SEND*FAC*****ADT!A01*1*P*2.5\rPID*1**A!B%C@D!E\r",
     get={"MSH-1": "*", "MSH-2": "!@$%", "MSH-9.2": "A01", "PID-3(1).2.2": "C", "PID-3(2).2": "E", "PID-3(2)": "D!E"})
case("dollar_field_separator", input="MSH$%~\\&$GHH LAB\rPID$$$555-44-4444$$EVERYWOMAN%EVE%E%%%L\r",
     get={"MSH-2": "%~\\&", "MSH-3": "GHH LAB", "PID-5.1": "EVERYWOMAN", "PID-5.6": "L", "PID-5.4": None})
case("truncation_character_v27", input="MSH|^~\\&#|A||||||ADT^A01|1|P|2.7\rPID|1||X\\P\\Y\r",
     get={"MSH-2": "^~\\&#", "PID-3": "X#Y", "MSH-9.1": "ADT"})
case("space_field_separator", input="MSH ^~\\& APP FAC     ADT^A01 7 P 2.5\r",
     get={"MSH-1": " ", "MSH-3": "APP", "MSH-9.1": "ADT", "MSH-10": "7"})
case("doubled_escape_in_msh2_is_read_as_single", input="MSH|^~\\\\&|APP|FAC\rPID|1||A^B&C\r",
     get={"MSH-2": "^~\\\\&", "PID-3.2.2": "C"}, diagnostics=["doubled_escape_character"],
     severities={"doubled_escape_character": "warning"})

# --- header errors ---------------------------------------------------------------------
case("empty_input", input="", error={"code": "empty_input", "offset": 0, "segment": None, "field": None})
case("whitespace_only", input=" \r\n\r\n", error={"code": "empty_input", "offset": 5, "segment": None, "field": None})
case("no_msh", input="PID|1||42\r", error={"code": "missing_header", "offset": 0, "segment": None, "field": None})
case("truncated_header", input="MSH", error={"code": "header_too_short", "offset": 3, "segment": 0, "field": 1})
case("header_without_encoding_characters", input="MSH|", error={"code": "header_too_short", "offset": 4, "segment": 0, "field": 2})
case("three_encoding_characters_mean_no_subcomponents", input="MSH|^~}|A\rPID|1||X&Y^Z}F}W\r",
     get={"PID-3.1": "X&Y", "PID-3.1.1": "X&Y", "PID-3.2": "Z|W"}, diagnostics=["missing_subcomponent_separator"])
case("two_encoding_characters", input="MSH|^~|A\r", error={"code": "missing_encoding_characters", "offset": 6, "segment": 0, "field": 2})
case("six_encoding_characters", input="MSH|^~\\&#$|A\r", error={"code": "too_many_encoding_characters", "offset": 9, "segment": 0, "field": 2})
case("duplicate_encoding_characters", input="MSH|^&&^|A\r", error={"code": "duplicate_delimiter", "offset": 6, "segment": 0, "field": 2})
case("alphanumeric_field_separator", input="MSHX^~\\&X\r", error={"code": "invalid_field_separator", "offset": 3, "segment": 0, "field": 1})

case("segments_by_name", input=STD + "\rPID|1\rOBX|1\rNTE|1\rOBX|2\rZPD|x\r",
     segments_named={"OBX": [2, 4], "PID": [1], "MSH": [0], "ZPD": [5], "NTE": [3], "PV1": [], "obx": [], "OB": []})

# --- segment terminators -------------------------------------------------------------
case("lf_terminators", input=STD + "\nPID|1||42\nPV1|1|I\n", terminator="lf",
     segments=["MSH", "PID", "PV1"], get={"PV1-2": "I"}, diagnostics=["non_standard_segment_terminator"],
     severities={"non_standard_segment_terminator": "info"})
case("crlf_terminators", input=STD + "\r\nPID|1||42\r\nPV1|1|I\r\n", terminator="crlf",
     segments=["MSH", "PID", "PV1"], get={"PID-3": "42", "PV1-2": "I"})
# A terminator given as an option: the final \r\n ends the last segment too
# (the \r was read as part of the last value).
case("crlf_terminators_given_as_an_option", input=STD + "\r\nPID|1||42\r\nPV1|1|I\r\n", options={"segment_terminator": "crlf"},
     terminator="crlf", segments=["MSH", "PID", "PV1"], get={"PID-3": "42", "PV1-2": "I"}, get_raw={"PV1-2": "I"})
case("line_feed_inside_a_note_is_text", input=STD + "\rNTE|1||first line\nsecond line\rPV1|1|I\r",
     terminator="cr", segments=["MSH", "NTE", "PV1"], get={"NTE-3": "first line\nsecond line"})
case("mixed_cr_then_lf", input=STD + "\rPID|1||42\nPV1|1|I\n", terminator="cr",
     segments=["MSH", "PID", "PV1"], diagnostics=["mixed_segment_terminators"])
case("forced_lf_terminator", input=STD + "\nPID|1||42\n", options={"segment_terminator": "lf"},
     terminator="lf", segments=["MSH", "PID"])
case("forced_cr_keeps_line_feeds_as_text", input=STD + "\nPID|1||42\n", options={"segment_terminator": "cr"},
     terminator="cr", segments=["MSH"], get={"MSH-12": "2.5.1\nPID"})
case("no_trailing_terminator", input=STD + "\rPID|1||42", segments=["MSH", "PID"], get={"PID-3": "42"})
case("blank_lines_between_segments", input=STD + "\r\rPID|1\r", segments=["MSH", "PID"], diagnostics=["empty_segment"])
case("mllp_frame_is_skipped", input="\u000b" + STD + "\rPID|1||42\r\u001c\r", segments=["MSH", "PID"],
     get={"PID-3": "42"}, diagnostics=["mllp_framing"])
case("byte_order_mark_is_skipped", input="\ufeff" + STD + "\r", segments=["MSH"], diagnostics=["byte_order_mark"],
     get={"MSH-3": "SEND"})

# --- structure: repetitions, components, empty and null ---------------------------------
case("repetitions_components_subcomponents",
     input=STD + "\rPID|1||123^^^HOSP&1.2.3&ISO^MR~456^^^SSA^SS||DOE^JOHN^Q^JR\r",
     get={"PID-3": "123^^^HOSP&1.2.3&ISO^MR~456^^^SSA^SS", "PID-3(1)": "123^^^HOSP&1.2.3&ISO^MR",
          "PID-3(2).1": "456", "PID-3.4": "HOSP&1.2.3&ISO", "PID-3.4.2": "1.2.3", "PID-3.4.3": "ISO",
          "PID-3(3)": None, "PID-3.9": None, "PID-5.4": "JR", "PID-5.5": None, "PID-4": None, "PID-99": None,
          "PID.5.1": "DOE", "ZZZ-1": None, "PID[2]-1": None})
case("empty_is_distinct_from_null", input=STD + "\rPID|1|\"\"||\r",
     get={"PID-2": "\"\"", "PID-3": None, "PID-4": None}, get_raw={"PID-2": "\"\""})
case("segment_occurrences", input=STD + "\rOBX|1|NM|A\rOBX|2|NM|B\rOBX|3|ST|C\r",
     get={"OBX-3": "A", "OBX[1]-3": "A", "OBX[2]-3": "B", "OBX[3]-1": "3", "OBX[4]-1": None})
case("z_segments", input=STD + "\rZPD|1|custom^value\r", get={"ZPD-2.2": "value"}, segments=["MSH", "ZPD"])
case("segment_with_an_empty_name", input=STD + "\r|x|y\rPID|1\r", segments=["MSH", "", "PID"],
     diagnostics=["invalid_segment_name"])
# A name is an uppercase letter, then two uppercase letters or digits.
case("segment_name_with_a_lowercase_letter", input=STD + "\rPiD|1\rPID|1||42\r", segments=["MSH", "PiD", "PID"],
     get={"PID-3": "42"}, diagnostics=["invalid_segment_name"])
case("segment_name_with_a_sign", input=STD + "\rZZ-|1\rPID|1||42\r", segments=["MSH", "ZZ-", "PID"],
     get={"PID-3": "42"}, diagnostics=["invalid_segment_name"])
case("segment_names_of_letters_and_digits", input=STD + "\rZ01|1\rFT1|2\rBLG|3\rPID|1||42\r",
     segments=["MSH", "Z01", "FT1", "BLG", "PID"], get={"FT1-1": "2", "BLG-1": "3", "PID-3": "42"}, no_diagnostics=True)

# --- escapes ---------------------------------------------------------------------------
case("delimiter_escapes", input=STD + "\rNTE|1||a\\F\\b\\S\\c\\T\\d\\R\\e\\E\\f\r",
     get={"NTE-3": "a|b^c&d~e\\f"}, get_raw={"NTE-3": "a\\F\\b\\S\\c\\T\\d\\R\\e\\E\\f"}, no_diagnostics=True)
case("escaped_escape_is_decoded_once", input=STD + "\rNTE|1||\\E\\T\\E\\\r", get={"NTE-3": "\\T\\"})
case("formatting_and_hex", input=STD + "\rNTE|1||line1\\.br\\line2\\X41\\\\H\\bold\\N\\\r",
     get={"NTE-3": "line1\nline2Abold"})
case("charset_escapes_are_kept", input=STD + "\rNTE|1||\\C2842\\x\\Zlocal\\\r", get={"NTE-3": "\\C2842\\x\\Zlocal\\"},
     no_diagnostics=True)
case("malformed_escape_is_kept_with_a_diagnostic", input=STD + "\rNTE|1||bad \\Q\\ and \\F\r",
     get={"NTE-3": "bad \\Q\\ and \\F"}, diagnostics=["malformed_escape"])
case("composite_values_read_as_encoded", input=STD + "\rAL1|1|DA|1605^Penicillin\\T\\G|SV|Hives\\T\\Rash\r",
     get={"AL1-3": "1605^Penicillin\\T\\G", "AL1-3.2": "Penicillin&G", "AL1-5": "Hives&Rash"})
case("nonstandard_escape_character", input="MSH:-+?*:field2:x?R?y?F?z\r",
     get={"MSH-3": "field2", "MSH-4": "x+y:z"})

# --- character sets ----------------------------------------------------------------------
case("declared_8859_1_with_utf8_bytes", input=STD + "||||||8859/1\rPID|1||||MÜLLER^HANS\r",
     get={"PID-5.1": "MÜLLER"}, charset="8859/1", diagnostics=["charset_mismatch"])
case("declared_8859_1_with_latin1_bytes", input_hex=(STD + "||||||8859/1\rPID|1||||M").encode().hex() + "dc" + "LLER\r".encode().hex(),
     get={"PID-5": "MÜLLER"}, charset="8859/1", no_diagnostics=True)
case("undeclared_windows_1252", input_hex=(STD + "\rPID|1||||O").encode().hex() + "92" + "BRIEN\r".encode().hex(),
     get={"PID-5": "O’BRIEN"}, charset=None, diagnostics=["charset_fallback"])
case("declared_utf8_with_windows_1252_bytes", input_hex=(STD + "||||||UNICODE UTF-8\rNTE|1||caf").encode().hex() + "e9" + "\r".encode().hex(),
     get={"NTE-3": "café"}, charset="UNICODE UTF-8", diagnostics=["charset_fallback"])
case("byte_order_mark_inside_a_value_is_kept", input=STD + "\rORC|1|x^\ufeffmarand\rNTE|1||\ufeff\r",
     get={"ORC-2.2": "\ufeffmarand", "NTE-3": "\ufeff"}, get_raw={"ORC-2.2": "\ufeffmarand"})
case("segment_name_with_a_non_utf8_byte_reads_in_the_charset",
     input_hex=(STD + "\rZZ").encode().hex() + "e9" + "|1\rPID|1||42\r".encode().hex(),
     segments=["MSH", "ZZ\u00e9", "PID"], get={"PID-3": "42"}, diagnostics=["invalid_segment_name"])
case("declared_8859_7_greek", input_hex=(STD + "||||||8859/7\rPID|1||||").encode().hex() + "e1e2e3" + "\r".encode().hex(),
     get={"PID-5": "αβγ"}, charset="8859/7")

# --- batches and files -----------------------------------------------------------------
BATCH = ("FHS|^~\\&|APP\rBHS|^~\\&|APP\r" + STD + "\rPID|1||A\r" + STD.replace("MSG1", "MSG2") +
         "\rPID|1||B\rBTS|2\rFTS|1\r")
case("batch_file", input=BATCH, get={"FHS-3": "APP", "MSH[2]-10": "MSG2", "PID[2]-3": "B", "BTS-1": "2"},
     no_diagnostics=True, split=["file_header", "batch_header", "message", "message", "batch_trailer", "file_trailer"])
case("batch_trailer_count_mismatch", input=BATCH.replace("BTS|2", "BTS|3"), diagnostics=["trailer_count_mismatch"])
case("segment_before_message_header", input="BHS|^~\\&|APP\rPID|1\r" + STD + "\rBTS|1\r",
     diagnostics=["segment_outside_message"])
case("second_batch_header", input="BHS|^~\\&\rBHS|^~\\&\r" + STD + "\rBTS|1\r", diagnostics=["unexpected_batch_header"])
case("missing_trailer", input="BHS|^~\\&\r" + STD + "\r", diagnostics=["missing_trailer"])
case("mllp_capture_splits", input="\u000b" + STD + "\rPID|1\r\u001c\r\u000b" + STD + "\rPID|2\r\u001c\r",
     split=["message", "message"])
case("files_concatenated_with_their_byte_order_marks",
     input_hex=("\ufeff" + STD + "\r\nPID|1\r\n" + "\ufeff" + STD + "\r\nPID|2\r\n\ufeff" + STD + "\rPID|3\r").encode("utf-8").hex(),
     split=["message", "message", "message"])
case("messages_separated_by_blank_lines", input=STD + "\rPID|1\r\n\n" + STD + "\rPID|2\r\n", split=["message", "message"])

# --- strict mode and limits ------------------------------------------------------------------
case("strict_rejects_malformed_escape", input=STD + "\rNTE|1||bad \\Q\\\r", options={"strict": True},
     error={"code": "malformed_escape", "offset": 84, "segment": 1, "field": 3})
case("strict_accepts_lf", input=STD + "\nPID|1\n", options={"strict": True}, segments=["MSH", "PID"])
case("message_size_limit", input=STD + "\r", options={"max_message_size": 10},
     error={"code": "message_too_large", "offset": 10, "segment": None, "field": None})
case("segment_limit", input=STD + "\rPID|1\rPV1|1\r", options={"max_segments": 2},
     error={"code": "too_many_segments", "offset": 79, "segment": 2, "field": None})
case("field_length_limit", input=STD + "\rOBX|1|ED|" + "A" * 100 + "\r", options={"max_field_length": 50},
     error={"code": "field_too_long", "offset": 82, "segment": 1, "field": 3})

# --- paths ---------------------------------------------------------------------------------
case("path_errors", input=STD + "\r", path_errors={
    "PID-0": ["index_out_of_range", 4], "pid-5": ["invalid_segment_name", 0], "PID": ["expected_number", 3],
    "PID-5.1.1.1": ["path_too_deep", 9], "PID-3(2": ["unclosed_bracket", 7], "": ["empty_path", 0],
    "PID-5x": ["trailing_characters", 5]})

# --- the same behaviours on real corpus files --------------------------------------------
case("corpus_mllp_frame", file="messages/pyhl7__frag__mllp.hl7", segments=["MSH"],
     get={"MSH-3": "GHH LAB", "MSH-4": "ELAB"}, diagnostics=["mllp_framing"])
case("corpus_mixed_cr_then_lf", file="messages/lfh__vxu_v04__mixed_cr_lf.hl7",
     segments=["MSH", "PID", "PD1", "PV1", "PV2", "IN1", "IN2"], terminator="cr",
     diagnostics=["mixed_segment_terminators"], get={"PID-5.2": "JANE", "MSH-9.3": "VXU_V04"})
case("corpus_bom_and_lf", file="messages/msfhirconv__lab_oru_1.hl7", terminator="lf",
     diagnostics=["byte_order_mark", "non_standard_segment_terminator"], get={"MSH-3": "SomeSystem", "PID-5.2": "DONALD", "OBX[2]-1": "2"})
case("corpus_back_to_back_lf_messages", file="messages/mirth__batch01.hl7",
     split=["message", "message", "message"], get={"MSH[2]-9.2": "S14", "MSH[3]-10": "24916597"})
case("corpus_batch_file", file="messages/pyhl7__adt_a04__file2.hl7", no_diagnostics=True,
     split=["file_header", "batch_header", "message", "message", "batch_trailer", "batch_header", "message",
            "batch_trailer", "file_trailer"], get={"FHS-4": "ABCHS", "BTS[2]-1": "1", "MSH[3]-10": "12334456778890"})
case("corpus_truncation_character", file="messages/hl7apy__rsp_k22__v27trunc.hl7", get={"MSH-2": "^~\\&#", "MSH-12": "2.7"})
case("corpus_nonstandard_delimiters", file="messages/nhl7c__frag__nonstd_delims.hl7",
     get={"MSH-1": ":", "MSH-2": "-+?*", "MSH-5(2)": "field4repeat2", "MSH-6.1.2": "field5subcomponent2", "MSH-7": "field6+"})
case("corpus_windows_1252", file="messages/pyhl7__frag__cp1252.hl7", get={"MSH-4": "ELAB–3"}, diagnostics=["charset_fallback"])
case("corpus_three_encoding_characters", file="messages/hapi__bar__messages_txt_04.hl7",
     get={"MSH-2": "^~}", "MSH-9.2": "P01"}, diagnostics=["missing_subcomponent_separator"])

here = os.path.dirname(os.path.abspath(__file__))
with open(os.path.join(here, "cases.jsonl"), "w") as f:
    for c in cases:
        f.write(json.dumps(c, ensure_ascii=False) + "\n")
print(f"{len(cases)} cases")
