#!/usr/bin/env python3
"""Writes tests/route_cases.jsonl: cases for filters, routes, change detection
and mappings, run by the Rust, JavaScript and Python suites alike. Edit here,
then run: python3 tests/route_cases.py

kind "filter":       input, expr, expect (true/false); header_only (whether
                     the filter reads only MSH) when given.
kind "filter_error": expr, code, offset.
kind "route":        input, routes [[destination, expr]], expect [destinations].
kind "diff":         a, b, ignore (paths, optional), expect [paths],
                     kinds [kind per path] when given; unchanged and the
                     fingerprints' equality follow from expect being empty.
kind "map":          spec (a JSON object, or spec_file under core/mappings),
                     input, expect (the JSON value apply gives).
kind "map_error":    spec (object) or spec_text, code, pointer.
"""
import json, os

MSH = "MSH|^~\\&|EPIC|HOSP|LAB|HOSP|20240115083000||ADT^A08^ADT_A01|MSG1|P|2.5.1"
ADT = (MSH + "\rEVN|A08|20240115083000\r"
       "PID|1||123^^^HOSP^MR~456^^^SSA^SS||DOE^JOHN^Q||19480212|M|||1 MAIN ST^^TOWN^CA^90210\r"
       "PV1|1|I|W^2^1||||77^ATTEND^ANN|||SUR\r")
ORU = ("MSH|^~\\&|LAB|LABFAC|EHR|EHRFAC|20240116103000||ORU^R01^ORU_R01|LAB1|P|2.5.1\r"
       "PID|1||900^^^HOSP^MR||ROE^ANN||19701115|F\r"
       "OBR|1|ORD1|FIL1|24323-8^Metabolic panel^LN\r"
       "OBX|1|NM|2345-7^Glucose^LN||182|mg/dL|70-99|H|||F\r"
       "OBX|2|NM|2160-0^Creatinine^LN||0.9|mg/dL|0.6-1.2|N|||F\r"
       "OBX|3|ST|8251-1^Comment^LN||Positive \\T\\ confirmed~second line||||||P\r")
LF = ADT.replace("\r", "\n")

cases = []
def case(name, **kw):
    kw["name"] = name
    cases.append(kw)

def flt(name, expr, expect, input=ADT, **kw):
    case(name, kind="filter", input=input, expr=expr, expect=expect, **kw)

# --- filters: values and comparisons ---------------------------------------------------
flt("type_and_trigger_in_list", 'MSH-9.1 = "ADT" and MSH-9.2 in ("A01", "A04", "A08")', True, header_only=True)
flt("trigger_not_in_list", 'MSH-9.1 = "ADT" and MSH-9.2 in ("A01", "A04")', False, header_only=True)
flt("whole_composite_compares_encoded", 'MSH-9 = "ADT^A08^ADT_A01"', True, header_only=True)
flt("msh1_is_the_field_separator", 'MSH-1 = "|" and MSH-2 = "^~\\\\&"', True, header_only=True)
flt("not_equal", 'PV1-2 != "O"', True, header_only=False)
flt("absent_segment_reads_empty", 'ZZZ-1 != "O" and ZZZ-1 = ""', True)
flt("exists_present", "exists(PID-8)", True)
flt("exists_absent_field", "exists(PID-29)", False)
flt("exists_absent_segment", "exists(PV2-3)", False)
flt("first_repetition_by_default", 'PID-3.1 = "123"', True)
flt("second_repetition_when_named", 'PID-3(2).1 = "456" and PID-3(2).5 = "SS"', True)
flt("date_before", "PID-7 < 19500101", True)
flt("date_after", "PID-7 > 19500101", False)
flt("date_at_coarser_precision_is_equal", "MSH-7 >= 20240115 and MSH-7 <= 20240115", True)
flt("date_compares_minutes", "MSH-7 < 202401150831", True)
flt("non_date_value_fails_date_comparison", "PID-8 < 19500101", False)
flt("number_equality_reads_numbers", "OBX-5 = 182.0", True, input=ORU)
flt("number_greater", "OBX-5 > 100", True, input=ORU)
flt("number_against_text_is_false", "OBX[3]-5 > 1", False, input=ORU)
flt("number_against_text_not_equal_holds", "OBX[3]-5 != 1", True, input=ORU)
flt("quoted_compares_text", 'OBX-5 > "100"', True, input=ORU)
flt("quoted_text_order", 'PID-5.1 < "E"', True)
flt("literal_on_the_left", '19500101 > PID-7', True)
flt("path_against_path_dates", "EVN-2 = MSH-7 and PID-7 < MSH-7", True)
flt("path_against_path_text", "PID-3.4 = MSH-4", True)
flt("regex_match", "OBX[3]-5 ~ /^positive & conf/i", True, input=ORU)
flt("regex_reads_decoded_value", "OBX[3]-5 ~ /&/", True, input=ORU)
flt("regex_case_sensitive_by_default", "OBX[3]-5 ~ /^positive/", False, input=ORU)
flt("regex_not_match", 'MSH-9 !~ /^ORU/', True, header_only=True)
flt("regex_slash_escaped", 'PID-11.1 ~ /^1 MAIN\\/?/', True)
flt("regex_ascii_classes", "PID-7 ~ /^\\d{8}$/", True)
flt("and_binds_tighter_than_or", 'MSH-9.1 = "ORU" and PID-8 = "F" or PID-8 = "M"', True)
flt("parentheses_group", 'MSH-9.1 = "ORU" and (PID-8 = "F" or PID-8 = "M")', False)
flt("not_applies_to_what_follows", 'not MSH-9.1 = "ORU" and not exists(PID-29)', True)
flt("keywords_ignore_case", 'MSH-9.1 = "ADT" AND NOT PV1-2 IN ("O", "E")', True)
flt("single_quotes_and_escapes", "PID-5.1 = 'DOE' and PID-5.1 != 'D\\'OE'", True)
flt("dot_path_form", 'PID.5.1 = "DOE"', True)
flt("line_feed_terminated_message", 'PID-5.1 = "DOE" and PV1-2 = "I"', True, input=LF)
flt("escaped_value_is_decoded", 'OBX[3]-5 = "Positive & confirmed"', True, input=ORU)

# --- filters: quantifiers --------------------------------------------------------------
flt("any_occurrence", 'any(OBX-3.1 = "2160-0")', True, input=ORU)
flt("first_occurrence_without_any", 'OBX-3.1 = "2160-0"', False, input=ORU)
flt("any_binds_one_occurrence_for_all_paths", 'any(OBX-3.1 = "2345-7" and OBX-8 = "H")', True, input=ORU)
flt("any_does_not_mix_occurrences", 'any(OBX-3.1 = "2160-0" and OBX-8 = "H")', False, input=ORU)
flt("any_repetition", 'any(PID-3.1 = "456")', True)
flt("any_repetition_of_later_occurrence", 'any(OBX-5 = "second line")', True, input=ORU)
flt("all_occurrences", 'all(OBX-11 = "F")', False, input=ORU)
flt("all_occurrences_hold", 'all(OBX-11 in ("F", "P"))', True, input=ORU)
flt("all_repetitions", 'all(PID-3.4 = "HOSP")', False)
flt("any_with_explicit_occurrence_outside", 'any(OBX-8 = "H" and OBX[2]-8 = "N")', True, input=ORU)
flt("not_any", 'not any(OBX-8 = "LL")', True, input=ORU)
flt("any_over_absent_segment", 'any(ZZZ-1 = "")', True, input=ORU)
flt("all_over_absent_segment", 'all(exists(ZZZ-1))', False, input=ORU)

def bad(name, expr, code, offset):
    case(name, kind="filter_error", expr=expr, code=code, offset=offset)

bad("empty", "   ", "empty_expression", 0)
bad("missing_value", "PID-5 = ", "expected_value", 8)
bad("missing_operator", "PID-5 PID-6", "expected_operator", 6)
bad("unclosed_string", 'PID-5 = "DOE', "unterminated_string", 8)
bad("unclosed_regex", "PID-5 ~ /DOE", "unterminated_regex", 8)
bad("bad_regex", "PID-5 ~ /(DOE/", "invalid_regex", 8)
bad("bad_regex_flag", "PID-5 ~ /DOE/x", "invalid_regex", 13)
bad("bad_path", 'PID-0 = "1"', "invalid_path", 4)
bad("unknown_word", 'PID-5 = "A" xor PID-6 = "B"', "unexpected_token", 12)
bad("unexpected_character", 'PID-5 = "A" & PID-6', "unexpected_character", 12)
bad("unclosed_parenthesis", '(PID-5 = "A"', "unexpected_end", 12)
bad("trailing_token", 'PID-5 = "A")', "unexpected_token", 11)
bad("exists_needs_a_path", 'exists("A")', "expected_path", 7)
bad("in_needs_literals", 'PID-5 in (PID-6)', "expected_value", 10)
bad("too_deep", "(" * 80 + 'PID-5 = "A"' + ")" * 80, "too_deep", 64)
bad("and_without_right_side", 'PID-5 = "A" and', "unexpected_end", 15)

# --- routes ----------------------------------------------------------------------------
ROUTES = [["adt", 'MSH-9.1 = "ADT"'], ["updates", 'MSH-9.1 = "ADT" and MSH-9.2 = "A08"'],
          ["labs", 'MSH-9.1 = "ORU"'], ["critical", 'any(OBX-8 in ("H", "HH", "LL"))'], ["adt", "exists(PV1-2)"]]
case("route_adt_update", kind="route", input=ADT, routes=ROUTES, expect=["adt", "updates"])
case("route_lab_result", kind="route", input=ORU, routes=ROUTES, expect=["labs", "critical"])
case("route_nowhere", kind="route", input=MSH.replace("ADT^A08", "MDM^T02") + "\r", routes=ROUTES, expect=[])

# --- change detection ------------------------------------------------------------------
A08_LATER = ADT.replace("20240115083000", "20240115091500").replace("MSG1", "MSG2")
def d(name, a, b, expect, ignore=None, kinds=None):
    kw = dict(kind="diff", a=a, b=b, expect=expect)
    if ignore is not None:
        kw["ignore"] = ignore
    if kinds is not None:
        kw["kinds"] = kinds
    case(name, **kw)

d("identical_messages", ADT, ADT, [])
d("timestamps_and_control_id", ADT, A08_LATER, ["MSH-7", "MSH-10", "EVN-2"])
d("ignored_paths_leave_nothing", ADT, A08_LATER, [], ignore=["MSH-7", "MSH-10", "EVN-2", "PV1-44"])
d("component_change", ADT, ADT.replace("DOE^JOHN^Q", "DOE^JON^Q"), ["PID-5.2"], kinds=["changed"])
d("component_added_and_removed", ADT, ADT.replace("DOE^JOHN^Q", "DOE^^Q^JR"), ["PID-5.2", "PID-5.4"],
  kinds=["removed", "added"])
d("field_without_components", ADT, ADT.replace("|19480212|M|", "|19480212|F|"), ["PID-8"])
d("second_repetition", ADT, ADT.replace("456^^^SSA^SS", "457^^^SSA^SS"), ["PID-3(2).1"])
d("repetition_added", ADT, ADT.replace("456^^^SSA^SS", "456^^^SSA^SS~789^^^DMV"),
  ["PID-3(3).1", "PID-3(3).4"], kinds=["added", "added"])
d("trailing_separators_are_not_changes", ADT, ADT.replace("|SUR\r", "|SUR|||\r").replace("DOE^JOHN^Q|", "DOE^JOHN^Q^^|"), [])
d("equal_decoded_values", ORU, ORU.replace("Positive \\T\\ confirmed", "Positive \\X26\\ confirmed"), [])
d("segment_added", ADT, ADT + "AL1|1|DA|PEN\r", ["AL1"], kinds=["added"])
d("later_occurrence", ORU, ORU.replace("|0.9|", "|1.9|"), ["OBX[2]-5"])
d("segment_removed_and_ignored_segment", ORU, ORU.replace("OBR|1|ORD1|FIL1|24323-8^Metabolic panel^LN\r", ""),
  [], ignore=["OBR"])
d("ignore_one_occurrence_only", ORU, ORU.replace("|F\rOBX|2", "|C\rOBX|2").replace("||||||P\r", "||||||C\r"),
  ["OBX[3]-11"], ignore=["OBX[1]-11"])
d("ignore_a_component", ADT, ADT.replace("DOE^JOHN^Q", "DOE^JON^R"), ["PID-5.3"], ignore=["PID-5.2"])
d("ignore_a_field_covers_its_components", ADT, ADT.replace("DOE^JOHN^Q", "ROE^JON^R"), [], ignore=["PID-5"])
d("segments_of_other_names_may_move", ADT, ADT.replace("EVN|A08|20240115083000\r", "") + "EVN|A08|20240115083000\r", [])

# --- mappings --------------------------------------------------------------------------
def m(name, spec, input, expect):
    kw = dict(kind="map", input=input, expect=expect)
    kw["spec_file" if isinstance(spec, str) else "spec"] = spec
    case(name, **kw)

m("example_adt_patient", "adt-patient.json", ADT, {
    "mrn": "123", "identifiers": ["123", "456"], "family": "DOE", "given": "JOHN", "name": "JOHN Q DOE",
    "birthDate": "1948-02-12", "sex": "male", "city": "TOWN", "patientClass": "inpatient",
    "attending": "ATTEND, ANN", "event": "A08", "messageId": "MSG1", "sentAt": "2024-01-15T08:30:00"})
m("example_oru_observations", "oru-observations.json", ORU, [
    {"mrn": "900", "order": "24323-8", "set": 1, "code": "2345-7", "name": "Glucose", "value": 182, "text": "182",
     "units": "mg/dL", "range": "70-99", "flag": "H", "status": "final"},
    {"mrn": "900", "order": "24323-8", "set": 2, "code": "2160-0", "name": "Creatinine", "value": 0.9, "text": "0.9",
     "units": "mg/dL", "range": "0.6-1.2", "flag": "N", "status": "final"},
    {"mrn": "900", "order": "24323-8", "set": 3, "code": "8251-1", "name": "Comment", "value": None,
     "text": "Positive & confirmed", "units": None, "range": None, "flag": None, "status": "preliminary"}])
m("rows_per_repetition", {"rows": "PID-3", "fields": {"id": "PID-3.1", "type": "PID-3.5", "family": "PID-5.1"}}, ADT,
  [{"id": "123", "type": "MR", "family": "DOE"}, {"id": "456", "type": "SS", "family": "DOE"}])
m("rows_over_absent_segment", {"rows": "OBX", "fields": {"v": "OBX-5"}}, ADT, [])
m("default_and_raw", {"fields": {"missing": {"path": "PID-29", "default": "n/a"},
                                 "flag": {"path": "PID-30", "default": False},
                                 "raw": {"path": "OBX[3]-5", "raw": True},
                                 "decoded": "OBX[3]-5",
                                 "all": {"path": "OBX[3]-5", "list": True}}}, ORU,
  {"missing": "n/a", "flag": False, "raw": "Positive \\T\\ confirmed", "decoded": "Positive & confirmed",
   "all": ["Positive & confirmed", "second line"]})
m("transforms_in_order", {"fields": {
    "a": {"path": "PID-5.1", "transform": ["lower", {"lookup": {"doe": "Doe family"}}]},
    "b": {"path": "PID-8", "transform": {"lookup": {"F": "female"}}},
    "c": {"path": "PID-8", "transform": {"lookup": {"F": "female", "*": "other"}}},
    "d": {"path": "PID-5.1", "transform": "date"},
    "e": {"path": "PID-7", "transform": ["number", {"lookup": {"19480212": "yes"}}]},
    "f": {"paths": ["PID-5.2", "PID-5.9", "PID-5.1"], "join": ", "}}}, ADT,
  {"a": "Doe family", "b": None, "c": "other", "d": None, "e": "yes", "f": "JOHN, DOE"})

def me(name, code, pointer, spec=None, spec_text=None):
    kw = dict(kind="map_error", code=code, pointer=pointer)
    if spec_text is not None:
        kw["spec_text"] = spec_text
    else:
        kw["spec"] = spec
    case(name, **kw)

me("not_json", "invalid_json", "", spec_text="{fields:")
me("no_fields", "missing_fields", "/fields", spec={"rows": "OBX"})
me("unknown_top_key", "unknown_key", "/feilds", spec={"feilds": {"a": "PID-3"}})
me("unknown_field_key", "unknown_key", "/fields/a/pth", spec={"fields": {"a": {"pth": "PID-3"}}})
me("bad_path", "invalid_path", "/fields/a/path", spec={"fields": {"a": {"path": "PID-0"}}})
me("bad_path_in_list", "invalid_path", "/fields/a~1b/paths/1", spec={"fields": {"a/b": {"paths": ["PID-5.1", "PID"]}}})
me("unknown_transform", "unknown_transform", "/fields/a/transform/1", spec={"fields": {"a": {"path": "PID-3", "transform": ["trim", "reverse"]}}})
me("unknown_table", "unknown_table", "/fields/a/transform", spec={"fields": {"a": {"path": "PID-8", "transform": {"lookup": "sex"}}}})
me("bad_rows", "invalid_rows", "/rows", spec={"rows": "PID-3.1", "fields": {"a": "PID-3"}})
me("wrong_shape", "invalid_spec", "/fields/a", spec={"fields": {"a": 3}})
me("spec_not_an_object", "invalid_spec", "", spec_text="[1.5, 2]")
me("fields_not_an_object", "invalid_spec", "/fields", spec={"fields": [1.5]})
me("bad_list_flag", "invalid_spec", "/fields/a/list", spec={"fields": {"a": {"path": "PID-3", "list": "yes"}}})

here = os.path.dirname(os.path.abspath(__file__))
with open(os.path.join(here, "route_cases.jsonl"), "w") as f:
    for c in cases:
        f.write(json.dumps(c, ensure_ascii=False) + "\n")
print(f"{len(cases)} cases")
