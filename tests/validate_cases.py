#!/usr/bin/env python3
"""Writes tests/validate_cases.jsonl: dictionary and validation cases run by
the Rust, JavaScript and Python suites alike. Edit here, then run:
python3 tests/validate_cases.py

kind "explain":  path, version, then expect {name, datatype, optionality,
                 repeatable, table} (null when not defined) or error (code).
kind "validate": input, version (optional), profile (optional object), then
                 issues: [[code, severity, path]] exactly, in order; valid;
                 ack (optional): the ACK text of message.ack() with the
                 report's ack errors as errors, diagnostics "none", control
                 id "ACK1" and timestamp "20240101000000".
kind "profile_error": profile (object) or profile_text, code, pointer.
kind "named_json": input, expect (the named JSON form, MSH-12's version).
"""
import json, os

cases = []
def case(name, **kw):
    kw["name"] = name
    cases.append(kw)

def ex(name, path, version, expect=None, error=None):
    kw = dict(kind="explain", path=path, version=version)
    if error:
        kw["error"] = error
    else:
        kw["expect"] = expect
    case(name, **kw)

ex("pid5_in_2_5_1", "PID-5", "2.5.1", {"name": "Patient Name", "datatype": "XPN", "optionality": "R", "repeatable": True, "table": None})
ex("pid18_in_2_5", "PID-18", "2.5", {"name": "Patient Account Number", "datatype": "CX", "optionality": "O", "repeatable": False, "table": None})
ex("pid8_has_a_table", "PID-8", "2.5", {"name": "Administrative Sex", "datatype": "IS", "optionality": "O", "repeatable": False, "table": 1})
ex("msh1_is_the_field_separator", "MSH-1", "2.5", {"name": "Field Separator", "datatype": "ST", "optionality": "R", "repeatable": False, "table": None})
ex("msh9_2_component", "MSH-9.2", "2.5", {"name": "Trigger Event", "datatype": "ID", "optionality": "O", "repeatable": False, "table": 3})
ex("pid5_1_1_subcomponent", "PID-5.1.1", "2.5", {"name": "Surname", "datatype": "ST", "optionality": "O", "repeatable": False, "table": None})
ex("obx5_varies", "OBX-5", "2.5", {"name": "Observation Value", "datatype": "varies", "optionality": "O", "repeatable": True, "table": None})
ex("version_2_1", "PID-5", "2.1", {"name": "Patient Name", "datatype": "PN", "optionality": "R", "repeatable": False, "table": None})
ex("version_2_8_2", "PID-3", "2.8.2", {"name": "Patient Identifier List", "datatype": "CX", "optionality": "R", "repeatable": True, "table": None})
ex("version_2_7_1_reads_2_7", "PV1-2", "2.7.1", {"name": "Patient Class", "datatype": "CWE", "optionality": "R", "repeatable": False, "table": 4})
ex("beyond_the_segment", "PID-99", "2.5", None)
ex("unknown_segment", "ZZZ-1", "2.5", None)
ex("unknown_version", "PID-5", "3.0", error="unknown_version")
ex("bad_path", "PID-0", "2.5", error="index_out_of_range")

MSH = "MSH|^~\\&|APP|FAC|RAPP|RFAC|20240115083000||ADT^A01^ADT_A01|MSG1|P|2.5.1"
GOOD = (MSH + "\rEVN|A01|20240115083000\rPID|1||123^^^HOSP^MR||DOE^JOHN||19800101|M\rPV1|1|I\r")

def v(name, input, issues, valid=None, **kw):
    if valid is None:
        valid = not any(sev == "error" for _, sev, _ in issues)
    case(name, kind="validate", input=input, issues=issues, valid=valid, **kw)

v("valid_adt_a01", GOOD, [])
v("missing_required_field", GOOD.replace("PID|1||123^^^HOSP^MR||", "PID|1||||"), [["required_field_missing", "error", "PID-3"]],
  ack='MSH|^~\\&|RAPP|RFAC|APP|FAC|20240101000000||ACK^A01^ACK|ACK1|P|2.5.1\r' +
      'MSA|AE|MSG1\r' +
      'ERR||PID^1^3|101^Required field missing^HL70357|E|||required_field_missing|a required field is empty (required_field_missing, PID-3, byte 102)\r')
v("bad_datetime_in_a_ts", GOOD.replace("|19800101|", "|1980013x|"), [["invalid_datetime", "error", "PID-7.1"]])
v("bad_month", GOOD.replace("|19800101|", "|19801301|"), [["invalid_datetime", "error", "PID-7.1"]])
v("bad_set_id", GOOD.replace("PV1|1|I", "PV1|one|I"), [["invalid_sequence_id", "error", "PV1-1"]])
v("non_repeating_field_repeats", GOOD.replace("|19800101|M", "|19800101|M~F"), [["field_repeated", "error", "PID-8"]])
v("repeating_field_may_repeat", GOOD.replace("123^^^HOSP^MR", "123^^^HOSP^MR~456^^^SSA^SS"), [])
v("unknown_hl7_table_code", GOOD.replace("|P|2.5.1", "|P|2.5.1|||XX"), [["unknown_code", "warning", "MSH-15"]],
  ack='MSH|^~\\&|RAPP|RFAC|APP|FAC|20240101000000||ACK^A01^ACK|ACK1|P|2.5.1\r' +
      'MSA|CA|MSG1\r' +
      'ERR||MSH^1^15|103^Table value not found^HL70357|W|||unknown_code|the code is not in its HL7 table (unknown_code, MSH-15, byte 74)\r')
v("code_with_spaces", GOOD.replace("|P|2.5.1", "|P|2.5.1||| AL"), [["invalid_code", "warning", "MSH-15"]])
# An issue that names only a segment: ERR-2 holds the segment and its sequence.
v("missing_segment", GOOD.replace("PV1|1|I\r", ""), [["missing_segment", "error", "PV1"]], ack='MSH|^~\\&|RAPP|RFAC|APP|FAC|20240101000000||ACK^A01^ACK|ACK1|P|2.5.1\r' +
      'MSA|AE|MSG1\r' +
      'ERR||PV1^1|100^Segment sequence error^HL70357|E|||missing_segment|a required segment is missing (missing_segment, PV1, byte 138)\r')
# A segment whose name is not a segment name (a lowercase letter, a byte
# beyond ASCII, a broken line's text): the issue calls it ??? (such a "name"
# is often message content, which issues never quote), and its ERR segment
# leaves ERR-2 out rather than failing to build the ACK.
for name, segment in (("lowercase", "PiD"), ("non_ascii", "X\u00c91"), ("long", "SMITH JOHN")):
    v(f"unknown_segment_named_{name}", GOOD + segment + "|x\r", [["unknown_segment", "error", "???"]],
      ack='MSH|^~\\&|RAPP|RFAC|APP|FAC|20240101000000||ACK^A01^ACK|ACK1|P|2.5.1\r' +
          'MSA|AE|MSG1\r' +
          'ERR|||100^Segment sequence error^HL70357|E|||unknown_segment|the segment is not defined in this version (unknown_segment, ???, byte 146)\r')
v("out_of_order_segment", GOOD.replace("EVN|A01|20240115083000\r", "") + "EVN|A01|20240115083000\r",
  [["missing_segment", "error", "EVN"], ["unexpected_segment", "error", "EVN"]])
v("z_segments_anywhere", GOOD.replace("PV1|1|I", "ZPD|x\rPV1|1|I\rZPV|y"), [])
v("unknown_segment", GOOD + "QQQ|1\r", [["unknown_segment", "error", "QQQ"]])
v("segment_from_another_structure", GOOD + "ORC|NW\r", [["unexpected_segment", "error", "ORC"]])
v("too_many_occurrences", GOOD + "PV1|2|O\r", [["unexpected_segment", "error", "PV1[2]"]], ack='MSH|^~\\&|RAPP|RFAC|APP|FAC|20240101000000||ACK^A01^ACK|ACK1|P|2.5.1\r' +
      'MSA|AE|MSG1\r' +
      'ERR||PV1^2|100^Segment sequence error^HL70357|E|||unexpected_segment|a segment is not allowed here (unexpected_segment, PV1[2], byte 146)\r')
v("field_beyond_definition", GOOD.replace("PV1|1|I", "PV1|1|I" + "|" * 60 + "X"), [["unexpected_field", "warning", "PV1-62"]])
v("hl7_null_is_valid", GOOD.replace("|19800101|", '|""|'), [])
v("unknown_version", GOOD.replace("|P|2.5.1", "|P|9.9"), [["unknown_version", "error", "MSH-12"]])
v("version_given_overrides_msh12", GOOD.replace("|P|2.5.1", "|P|9.9"), [["unknown_code", "warning", "MSH-12.1"]], version="2.5.1")
v("unknown_structure_checks_fields", GOOD.replace("ADT^A01^ADT_A01", "ZZZ^Z01").replace("PID|1||123^^^HOSP^MR", "PID|1||"),
  [["unknown_structure", "warning", "MSH-9"], ["unknown_code", "warning", "MSH-9.1"], ["unknown_code", "warning", "MSH-9.2"],
   ["required_field_missing", "error", "PID-3"]])
v("trigger_without_structure_field", GOOD.replace("ADT^A01^ADT_A01", "ADT^A01"), [])
v("older_version_fields", GOOD.replace("|P|2.5.1", "|P|2.3"), [])
# Table 0396 names families of codes: HL7nnnn (any HL7 table), 99zzz (local, from 2.7).
v("coding_system_family_member", GOOD.replace("|19800101|M", "|19800101|M||2106-3^White^HL70005"), [])
v("coding_system_not_in_the_family", GOOD.replace("|19800101|M", "|19800101|M||2106-3^White^HL7005"),
  [["unknown_code", "warning", "PID-10.3"]])
v("local_coding_system_from_2_7", GOOD.replace("|P|2.5.1", "|P|2.7").replace("|19800101|M", "|19800101|M||W^White^99LOC"), [])
v("local_coding_system_before_2_7", GOOD.replace("|19800101|M", "|19800101|M||W^White^99LOC"),
  [["unknown_code", "warning", "PID-10.3"]])
v("group_cardinality_oru", "MSH|^~\\&|LAB|F|||20240101||ORU^R01^ORU_R01|1|P|2.5.1\rPID|1||9^^^H^MR||ROE^ANN\rOBR|1|||24323-8^Panel^LN\rOBX|1|NM|2345-7^Glucose^LN||182|mg/dL|||||F\rOBX|2|NM|x||abc||||||F\r",
  [["invalid_number", "error", "OBX[2]-5"]], ack='MSH|^~\\&|||LAB|F|20240101000000||ACK^R01^ACK|ACK1|P|2.5.1\r' +
      'MSA|AE|1\r' +
      'ERR||OBX^2^5|102^Data type error^HL70357|E|||invalid_number|not a valid number (invalid_number, OBX[2]-5, byte 159)\r')

PROFILE = {"version": "2.5.1", "segments": {
    "PID": {"fields": {"8": {"values": ["F", "M", "U"]}, "19": {"usage": "X"}, "3": {"max": 1}, "13": {"usage": "R"}}},
    "ZPD": {"min": 1, "max": 1, "fields": {"1": {"usage": "R"}, "2": {"datatype": "DTM"}}}}}
v("profile_passes", GOOD.replace("|19800101|M", "|19800101|M|||||555-1234") + "ZPD|x|20240101\r", [], profile=PROFILE)
v("profile_rules", GOOD.replace("|19800101|M", "|19800101|X|||||||||||123-45-6789").replace("123^^^HOSP^MR", "1~2") + "ZPD||2024x\rZPD|y\r",
  [["field_repeated", "error", "PID-3"], ["value_not_allowed", "error", "PID-8"], ["required_field_missing", "error", "PID-13"],
   ["forbidden_field", "error", "PID-19"], ["required_field_missing", "error", "ZPD-1"], ["invalid_datetime", "error", "ZPD-2"],
   ["unexpected_segment", "error", "ZPD[2]"]], profile=PROFILE)
# The same rules written in YAML (field numbers as plain numbers, codes unquoted).
# Rust and Python read profile_yaml; JavaScript, which has no YAML reader in the
# package, gets `profile`, the object a YAML library would give it.
PROFILE_YAML = """version: "2.5.1"
segments:
  PID:
    fields:
      8: {values: [F, M, U]}
      19: {usage: X}
      3: {max: 1}
      13: {usage: R}
  ZPD:
    min: 1
    max: 1
    fields:
      1: {usage: R}
      2: {datatype: DTM}
"""
v("profile_yaml_rules", GOOD.replace("|19800101|M", "|19800101|X|||||||||||123-45-6789").replace("123^^^HOSP^MR", "1~2") + "ZPD||2024x\rZPD|y\r",
  [["field_repeated", "error", "PID-3"], ["value_not_allowed", "error", "PID-8"], ["required_field_missing", "error", "PID-13"],
   ["forbidden_field", "error", "PID-19"], ["required_field_missing", "error", "ZPD-1"], ["invalid_datetime", "error", "ZPD-2"],
   ["unexpected_segment", "error", "ZPD[2]"]], profile=PROFILE, profile_yaml=PROFILE_YAML)
v("profile_missing_z_segment", GOOD.replace("|19800101|M", "|19800101|M|||||555-1234"), [["missing_segment", "error", "ZPD"]], profile=PROFILE)
v("profile_version_used_when_msh12_is_empty", GOOD.replace("|P|2.5.1", "|P|"), [["required_field_missing", "error", "MSH-12"]],
  profile={"version": "2.5"})
v("profile_repetition_limit", GOOD.replace("123^^^HOSP^MR", "1~2~3"), [["too_many_repetitions", "error", "PID-3"]],
  profile={"segments": {"PID": {"fields": {"3": {"max": 2}}}}})

case("named_json_form", kind="named_json", input=MSH.replace("|P|2.5.1", "|P|2.5") + "\rPID|1||123^^^H&1.2&ISO||DOE^JO~ROE\rZPD|x\r",
     expect={"MSH": [{"Field Separator": "|", "Encoding Characters": "^~\\&",
                      # A value without components is written as text, as in the friendly form.
                      "Sending Application": "APP", "Sending Facility": "FAC",
                      "Receiving Application": "RAPP", "Receiving Facility": "RFAC",
                      "Date Time Of Message": "20240115083000",
                      "Message Type": {"Message Code": "ADT", "Trigger Event": "A01", "Message Structure": "ADT_A01"},
                      "Message Control ID": "MSG1", "Processing ID": "P", "Version ID": "2.5"}],
             "PID": [{"Set ID PID": "1",
                      "Patient Identifier List": {"ID Number": "123",
                                                  "Assigning Authority": {"Namespace ID": "H", "Universal ID": "1.2", "Universal ID Type": "ISO"}},
                      "Patient Name": [{"Family Name": "DOE", "Given Name": "JO"}, "ROE"]}],
             "ZPD": [{"1": "x"}]})

def pe(name, code, pointer, profile=None, profile_text=None, profile_yaml=None):
    kw = dict(kind="profile_error", code=code, pointer=pointer)
    if profile_text is not None:
        kw["profile_text"] = profile_text
    else:
        kw["profile"] = profile
    if profile_yaml is not None:
        kw["profile_yaml"] = profile_yaml
    case(name, **kw)

pe("not_json", "invalid_json", "", profile_text="{")
pe("unknown_top_key", "unknown_key", "/segment", profile={"segment": {}})
pe("bad_usage", "invalid_profile", "/segments/PID/fields/3/usage", profile={"segments": {"PID": {"fields": {"3": {"usage": "MAYBE"}}}}})
pe("bad_field_number", "invalid_profile", "/segments/PID/fields/x", profile={"segments": {"PID": {"fields": {"x": {}}}}})
pe("unknown_field_key", "unknown_key", "/segments/PID/fields/3/requird", profile={"segments": {"PID": {"fields": {"3": {"requird": True}}}}})
pe("bad_segment_name", "invalid_profile", "/segments/PATIENT", profile={"segments": {"PATIENT": {}}})

here = os.path.dirname(os.path.abspath(__file__))
pe("yaml_unknown_key", "unknown_key", "/segments/PID/fields/8/colour",
   profile={"segments": {"PID": {"fields": {"8": {"values": ["F", "M"], "colour": "red"}}}}},
   profile_yaml="segments:\n  PID:\n    fields:\n      8: {values: [F, M], colour: red}\n")

with open(os.path.join(here, "validate_cases.jsonl"), "w") as f:
    for c in cases:
        f.write(json.dumps(c, ensure_ascii=False) + "\n")
print(f"{len(cases)} cases")
