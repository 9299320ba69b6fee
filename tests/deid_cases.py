#!/usr/bin/env python3
"""Writes tests/deid_cases.jsonl: HL7 v2 messages, a key and a policy, and the
exact de-identified bytes every language must write, run by the Rust,
JavaScript (Node and Chromium) and Python suites alike. Edit here, then run:
python3 tests/deid_cases.py (or make generate).

The expected outputs are worked out here, independently of pipehat, from the
documented constructions (docs/deid.md):
  token    the first 12 characters of the RFC 4648 base32 form of the first
           8 bytes of HMAC-SHA256(key, "pipehat-deid-token" NUL value)
  shaped   each character of the value from HMAC-SHA256(key,
           "pipehat-deid-shape-" + 4-byte block number, NUL, value), a byte
           per character: digit -> "0" + b % 10, letter -> "a"/"A" + b % 26
  offset   x = the first 8 bytes of HMAC-SHA256(key, "pipehat-deid-shift"
           NUL patient id) as a big-endian number: (x >> 1) % days + 1 days,
           earlier when x is odd

Each row: name, message (text), key (text), policy (an object, or null for
the built-in Safe Harbor policy), then either output (the text written) and
optionally report ([path, action, count] rows, all of them), or error
({code, pointer}).
"""
import base64
import datetime
import hashlib
import hmac
import json
import os

KEY = "pipehat shared test key"


def mac(key, domain, value):
    return hmac.new(key.encode(), domain + b"\0" + value.encode(), hashlib.sha256).digest()


def tok(value, key=KEY):
    return base64.b32encode(mac(key, b"pipehat-deid-token", value)[:8]).decode()[:12]


def shaped(value, key=KEY):
    out, block, stream = [], 0, []

    def nxt(n):
        nonlocal block
        if not stream:
            stream.extend(mac(key, b"pipehat-deid-shape-" + block.to_bytes(4, "big"), value))
            block += 1
        return stream.pop(0) % n

    for c in value:
        if c.isdigit() and c.isascii():
            out.append(chr(48 + nxt(10)))
        elif "a" <= c <= "z":
            out.append(chr(97 + nxt(26)))
        elif "A" <= c <= "Z":
            out.append(chr(65 + nxt(26)))
        elif c.isalnum():
            out.append(chr(65 + nxt(26)))
        elif c.isascii():
            out.append(c)
        else:
            out.append(" ")
    return "".join(out)


def offset(patient, days=365, key=KEY):
    x = int.from_bytes(mac(key, b"pipehat-deid-shift", patient)[:8], "big")
    magnitude = (x >> 1) % days + 1
    return -magnitude if x & 1 else magnitude


def shift(value, days):
    """A DT/DTM moved by whole days, its precision and time kept."""
    n = 8 if len(value) >= 8 and value[:8].isdigit() else 6 if value[4:6].isdigit() else 4
    d = datetime.date(int(value[:4]), int(value[4:6]) if n >= 6 else 1, int(value[6:8]) if n >= 8 else 1)
    d += datetime.timedelta(days=days)
    return d.strftime("%Y%m%d")[:n] + value[n:]


def msg(*segments, end="\r"):
    return end.join(segments) + end


ADT = msg(
    "MSH|^~\\&|ADT|HOSP|EHR|HOSP|20240115103000||ADT^A08^ADT_A01|MSG2|P|2.5.1",
    "EVN|A08|20240115103000",
    "PID|1||12345^^^HOSP^MR~999-88-7777^^^SSA^SS||DOE^JANE^Q||19800101|F|||1 MAIN ST^^SPRINGFIELD^IL^62701^USA^H"
    "||^PRN^PH^^1^217^5551234~^NET^Internet^jane@example.com|||M||ACC42^^^HOSP^AN|123-45-6789",
    "NK1|1|DOE^JOHN|SPO^Spouse|1 MAIN ST^^SPRINGFIELD^IL^62701",
    "PV1|1|I|WARD^101^A||||1234^WELBY^MARCUS^^^DR||||||||||||V100^^^HOSP^VN",
    "ZPI|1|local note",
)

ADT_OUT = msg(
    "MSH|^~\\&|ADT|HOSP|EHR|HOSP|2024||ADT^A08^ADT_A01|MSG2|P|2.5.1",
    "EVN|A08|2024",
    f"PID|1||{tok('12345')}^^^HOSP^MR~{tok('999-88-7777')}^^^SSA^SS||||1980|F|||^^^IL^627^USA^H"
    f"|||||M||{tok('ACC42')}^^^HOSP^AN|{tok('123-45-6789')}",
    "NK1|1||SPO^Spouse|^^^IL^627",
    f"PV1|1|I|WARD^101^A||||1234^WELBY^MARCUS^^^DR||||||||||||{tok('V100')}^^^HOSP^VN",
)

ORU = msg(
    "MSH|^~\\&|LAB|HOSP|EHR|HOSP|20240115103000-0500||ORU^R01^ORU_R01|MSG1|P|2.5.1",
    "PID|1||77^^^HOSP^MR||OLD^ANNA||19300612|F|||^^^VT^03601",
    "ORC|RE|PL77^EHR|FL88^LAB",
    "OBR|1|PL77^EHR|FL88^LAB|718-7^Hemoglobin^LN|||20240114080000|||||||||||||||20240115090000|||F",
    "NTE|1||Patient Anna Old called twice",
    "OBX|1|NM|718-7^Hemoglobin^LN||13.2|g/dL|||||F|||20240114080000",
    "OBX|2|TX|18842-5^Summary^LN||Anna Old, seen at home||||||F",
    "OBX|3|NM|30525-0^Age^LN||93|a|||||F",
    "OBX|4|NM|30525-0^Age^LN||45|a|||||F",
    "OBX|5|DT|11778-8^Delivery date^LN||20240301||||||F",
    "OBX|6|XPN|56445-0^Contact^LN||ROE^RICHARD||||||F",
    "OBX|7||99999^Local^L||loose text||||||F",
)

ORU_OUT = msg(
    "MSH|^~\\&|LAB|HOSP|EHR|HOSP|2024||ORU^R01^ORU_R01|MSG1|P|2.5.1",
    # Born 1930-06-12, 93 on the message's date: the birth year is 2024 - 90.
    "PID|1||" + tok("77") + "^^^HOSP^MR||||1934|F|||^^^VT^000",
    f"ORC|RE|{tok('PL77')}^EHR|{tok('FL88')}^LAB",
    f"OBR|1|{tok('PL77')}^EHR|{tok('FL88')}^LAB|718-7^Hemoglobin^LN|||2024|||||||||||||||2024|||F",
    "NTE|1||",
    "OBX|1|NM|718-7^Hemoglobin^LN||13.2|g/dL|||||F|||2024",
    "OBX|2|TX|18842-5^Summary^LN||||||||F",
    "OBX|3|NM|30525-0^Age^LN||90|a|||||F",
    "OBX|4|NM|30525-0^Age^LN||45|a|||||F",
    "OBX|5|DT|11778-8^Delivery date^LN||2024||||||F",
    "OBX|6|XPN|56445-0^Contact^LN||||||||F",
    "OBX|7||99999^Local^L||||||||F",
)

SHIFT_IN = msg(
    "MSH|^~\\&|ADT|HOSP|||20240115103000||ADT^A03|3|P|2.3",
    "PID|1||A7^^^HOSP^MR||X^Y||19800229|M",
    "PV1|1|I|||||||||||||||||V9^^^HOSP^VN|||||||||||||||||||||||||202401101200|20240115",
)
D = offset("A7")
SHIFT_OUT = msg(
    f"MSH|^~\\&|ADT|HOSP|||{shift('20240115103000', D)}||ADT^A03|3|P|2.3",
    f"PID|1||{tok('A7')}^^^HOSP^MR||||{shift('19800229', D)}|M",
    f"PV1|1|I|||||||||||||||||{tok('V9')}^^^HOSP^VN|||||||||||||||||||||||||"
    f"{shift('202401101200', D)}|{shift('20240115', D)}",
)

SHAPE_IN = msg(
    "MSH|^~\\&|A|B|||2024||ADT^A04|4|P|2.5",
    "PID|1||MR-001234^^^HOSP^MR||Zoë^Ann||||||||||||||987-65-4320",
)
SHAPE_OUT = msg(
    "MSH|^~\\&|A|B|||2024||ADT^A04|4|P|2.5",
    f"PID|1||{shaped('MR-001234')}^^^HOSP^MR||||||||||||||||{shaped('987-65-4320')}",
)

ESCAPES_IN = msg(
    "MSH|*~\\&|A|B|||2024||ADT^A04|5|P|2.5.1",
    "PID|1||A\\T\\B*1*M10*HOSP&1.2.3&ISO*MR||DOE*J||20000101",
    "ZPD|keep|drop me|\\F\\",
    end="\n",
)
ESCAPES_OUT = msg(
    "MSH|*~\\&|A|B|||2024||ADT^A04|5|P|2.5.1",
    f"PID|1||{tok('A&B')}*1*M10*HOSP&1.2.3&ISO*MR||||2000",
    "ZPD|keep||\\F\\",
    end="\n",
)

NONE_IN = msg(
    "MSH|^~\\&|A|B|||20240101||ADT^A01|6|P|2.5.1",
    "PID|1||42^^^H^MR||DOE^JANE||19800101",
    "ZZZ|kept",
)
NONE_OUT = msg(
    "MSH|^~\\&|A|B|||20240101||ADT^A01|6|P|2.5.1",
    "PID|1||42^^^H^MR||REDACTED\\S\\X\\T\\Y\\T\\||19800101",
    "ZZZ|kept",
)

CASES = [
    dict(name="safe_harbor_adt", message=ADT, key=KEY, policy=None, output=ADT_OUT,
         report=[["EVN-2", "generalize", 1], ["MSH-7", "generalize", 1],
                 ["NK1-2", "remove", 1], ["NK1-4", "generalize", 1], ["NK1-4", "remove", 2],
                 ["PID-3", "pseudonymize", 2], ["PID-5", "remove", 1], ["PID-7", "generalize", 1],
                 ["PID-11", "generalize", 1], ["PID-11", "remove", 2], ["PID-13", "remove", 1],
                 ["PID-18", "pseudonymize", 1], ["PID-19", "pseudonymize", 1],
                 ["PV1-19", "pseudonymize", 1], ["ZPI", "remove", 1]]),
    dict(name="safe_harbor_oru_observations_ages_and_small_zip_areas", message=ORU, key=KEY, policy=None,
         output=ORU_OUT),
    dict(name="dates_shifted_by_the_patient_offset", message=SHIFT_IN, key=KEY, policy={"dates": "shift"},
         output=SHIFT_OUT),
    dict(name="pseudonyms_keeping_the_shape", message=SHAPE_IN, key=KEY,
         policy={"datatypes": {"CX.1": {"action": "pseudonymize", "shape": True}},
                 "fields": {"PID-19": {"action": "pseudonymize", "shape": True}}},
         output=SHAPE_OUT),
    dict(name="escapes_odd_delimiters_line_feeds_and_a_named_z_segment", message=ESCAPES_IN, key=KEY,
         policy={"fields": {"ZPD-2": "remove"}}, output=ESCAPES_OUT),
    dict(name="extends_none_replaces_with_escaping", message=NONE_IN, key=KEY,
         policy={"extends": "none", "fields": {"PID-5": {"action": "replace", "value": "REDACTED^X&Y&"}}},
         output=NONE_OUT, report=[["PID-5", "replace", 1]]),
    dict(name="another_key_other_tokens", message=NONE_IN, key="another key of 16+ bytes",
         policy={"extends": "none", "fields": {"PID-3.1": "pseudonymize"}},
         output=NONE_IN.replace("42^^^H", tok("42", "another key of 16+ bytes") + "^^^H")),
    dict(name="bad_action", message=NONE_IN, key=KEY, policy={"fields": {"PID-8": "scramble"}},
         error={"code": "deid_invalid_policy", "pointer": "/fields/PID-8"}),
    dict(name="unknown_key", message=NONE_IN, key=KEY, policy={"shift": {"dayz": 3}},
         error={"code": "deid_invalid_policy", "pointer": "/shift/dayz"}),
    dict(name="header_fields_cannot_be_touched", message=NONE_IN, key=KEY, policy={"fields": {"MSH-1": "remove"}},
         error={"code": "deid_invalid_policy", "pointer": "/fields/MSH-1"}),
    dict(name="short_key", message=NONE_IN, key="short", policy=None,
         error={"code": "deid_key_too_short", "pointer": None}),
]


def main():
    path = os.path.join(os.path.dirname(os.path.abspath(__file__)), "deid_cases.jsonl")
    with open(path, "w", encoding="utf-8", newline="\n") as f:
        for case in CASES:
            f.write(json.dumps(case, ensure_ascii=False) + "\n")


if __name__ == "__main__":
    main()
