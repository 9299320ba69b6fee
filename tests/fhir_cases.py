#!/usr/bin/env python3
"""Writes tests/fhir_cases.jsonl: HL7 v2 messages and what their FHIR R4
Bundle must hold, run by the Rust, JavaScript (Node and Chromium) and Python
suites alike. Edit here, then run: python3 tests/fhir_cases.py (or make
generate).

Each row: name, message (text, segments joined by \\r), options ({bundle_type,
namespace, timezone, overrides}), then either error (the code, and pointer for
overrides) or:
  has      [path, value] pairs: some leaf at `path` has `value`. A path is a
           resource type then its elements, array positions left out
           (`Observation.valueQuantity.value`); `Bundle.` paths start at the
           Bundle itself.
  lacks    paths no leaf may be at.
  first    the resource type of the first entry, when it matters.
  ids      {resource type: id}: the name-based UUID every language must give
           (computed here with Python's uuid module from the documented key).
  report   {field: [values]} that the report's lists must contain.
  report_lacks  {field: [values]} that they must not contain.
"""
import json
import os
import uuid

DEFAULT_NAMESPACE = uuid.UUID("9da62195-2777-580e-a1ee-a0c6efbfb209")
assert DEFAULT_NAMESPACE == uuid.uuid5(uuid.NAMESPACE_URL, "https://github.com/pipehat/pipehat/fhir")


def msg(*segments):
    return "\r".join(segments) + "\r"


ORU = msg(
    "MSH|^~\\&|LAB|HOSP|EHR|HOSP|20240115103000-0500||ORU^R01^ORU_R01|MSG1|P|2.5.1",
    "PID|1||12345^^^^MR||DOE^JANE^Q||19800101|F",
    "OBR|1||F1|718-7^Hemoglobin^LN",
    "OBX|1|NM|718-7^Hemoglobin^LN||13.2|g/dL^grams per deciliter^UCUM|||||F|||202401151030",
)

ADT = msg(
    "MSH|^~\\&|ADT|HOSP|EHR|HOSP|20240115103000||ADT^A08|MSG2|P|2.5.1",
    "EVN|A08|20240115103000",
    "PID|1||12345^^^^MR||DOE^JANE||19800101|M|||1 MAIN ST^^SPRINGFIELD^IL^62701||^PRN^PH^^^217^5551234",
    "PV1|1|I|WARD^101^A||||||||||||||||V100^^^^VN",
    "ZPI|1|local",
)

CASES = [
    dict(name="oru_observation_quantity", message=ORU, options={},
         has=[["Bundle.type", "message"],
              ["Observation.valueQuantity.value", 13.2],
              ["Observation.valueQuantity.code", "g/dL"],
              ["Observation.valueQuantity.unit", "grams per deciliter"],
              ["Observation.valueQuantity.system", "http://unitsofmeasure.org"],
              ["Observation.status", "final"],
              ["Observation.code.coding.code", "718-7"],
              ["Observation.code.coding.system", "http://loinc.org"],
              ["DiagnosticReport.code.coding.code", "718-7"],
              ["Patient.gender", "female"],
              ["Patient.birthDate", "1980-01-01"],
              ["Patient.name.family", "DOE"],
              ["Patient.name.given", "JANE"],
              ["Patient.identifier.value", "12345"],
              ["MessageHeader.eventCoding.code", "R01"],
              ["Bundle.timestamp", "2024-01-15T10:30:00-05:00"]],
         lacks=["Observation.component"],
         first="MessageHeader",
         ids={"Patient": str(uuid.uuid5(DEFAULT_NAMESPACE, "Patient|identifier||12345|"))}),
    # a time without an offset keeps its date only, unless a zone is given
    dict(name="time_without_offset_keeps_its_date", message=ORU, options={},
         has=[["Observation.effectiveDateTime", "2024-01-15"]]),
    dict(name="time_without_offset_in_a_given_zone", message=ORU, options={"timezone": "Z"},
         has=[["Observation.effectiveDateTime", "2024-01-15T10:30:00Z"]]),
    dict(name="transaction_entries_put_by_id", message=ORU, options={"bundle_type": "transaction"},
         has=[["Bundle.type", "transaction"], ["Bundle.entry.request.method", "PUT"]]),
    dict(name="collection_without_requests", message=ORU, options={"bundle_type": "collection"},
         has=[["Bundle.type", "collection"]], lacks=["Bundle.entry.request"]),
    dict(name="a_namespace_changes_the_ids", message=ORU,
         options={"namespace": "0f1e2d3c-4b5a-4978-8695-a4b3c2d1e0f9"},
         has=[["Patient.gender", "female"]],
         ids={"Patient": str(uuid.uuid5(uuid.UUID("0f1e2d3c-4b5a-4978-8695-a4b3c2d1e0f9"),
                                         "Patient|identifier||12345|"))}),
    # A08 is converted through ADT_A01, the structure it shares
    dict(name="adt_a08_through_adt_a01", message=ADT, options={},
         has=[["Patient.gender", "male"],
              ["Patient.address.city", "SPRINGFIELD"],
              ["Patient.address.postalCode", "62701"],
              ["Encounter.identifier.value", "V100"],
              ["Encounter.class.code", "IMP"],
              ["MessageHeader.eventCoding.code", "A08"]],
         ids={"Patient": str(uuid.uuid5(DEFAULT_NAMESPACE, "Patient|identifier||12345|"))},
         report={"structure": ["ADT_A01"], "unmapped_segments": ["ZPI"]}),
    dict(name="unknown_code_is_reported_not_written",
         message=ADT.replace("|19800101|M|", "|19800101|Q|"), options={},
         lacks=["Patient.gender"],
         report={"unknown_codes": [{"vocabulary": "AdministrativeSex", "field": "PID-8"}]}),
    dict(name="no_map_for_the_structure",
         message=msg("MSH|^~\\&|A|B|C|D|20240115||MFN^M01^MFN_M01|1|P|2.5.1"), options={},
         error="fhir_no_map"),
    # overrides: a Z-segment's fields as an extension and an identifier, a
    # local code, a resource type left out
    dict(name="overrides_map_a_z_segment", message=ADT,
         options={"overrides": {"fields": {
             "ZPI-2": {"resource": "Patient", "extension": "https://example.org/fhir/local-flag"},
             "ZPI-1": {"resource": "Patient", "identifier": "https://example.org/ids/z"}}}},
         has=[["Patient.extension.url", "https://example.org/fhir/local-flag"],
              ["Patient.extension.valueString", "local"],
              ["Patient.identifier.system", "https://example.org/ids/z"],
              ["Patient.identifier.value", "1"]],
         report_lacks={"unmapped_segments": ["ZPI"]}),
    dict(name="overrides_give_a_local_code", message=ADT.replace("|19800101|M|", "|19800101|Q|"),
         options={"overrides": {"codes": {"AdministrativeSex": {"Q": "other"}}}},
         has=[["Patient.gender", "other"]]),
    dict(name="overrides_drop_a_resource_type", message=ORU,
         options={"overrides": {"drop": ["Specimen", "Organization"]}},
         has=[["Patient.gender", "female"]], lacks=["Specimen", "Organization", "Patient.identifier.assigner"]),
    dict(name="overrides_unknown_key", message=ORU,
         options={"overrides": {"fieldz": {}}}, error="fhir_invalid_overrides", pointer="/fieldz"),
    dict(name="overrides_bad_type", message=ORU,
         options={"overrides": {"fields": {"ZPI-2": {"resource": "Patient", "extension": "https://x.org/e",
                                                      "type": "text"}}}},
         error="fhir_invalid_overrides", pointer="/fields/ZPI-2/type"),
    dict(name="bad_timezone_option", message=ORU, options={"timezone": "EST"}, error="fhir_invalid_option"),
    dict(name="bad_bundle_type_option", message=ORU, options={"bundle_type": "document"},
         error="fhir_invalid_option"),
    dict(name="bad_namespace_option", message=ORU, options={"namespace": "not-a-uuid"},
         error="fhir_invalid_option"),
]


def main():
    out = os.path.join(os.path.dirname(os.path.abspath(__file__)), "fhir_cases.jsonl")
    with open(out, "w", encoding="utf-8", newline="\n") as f:
        for c in CASES:
            f.write(json.dumps(c, ensure_ascii=False) + "\n")


if __name__ == "__main__":
    main()
