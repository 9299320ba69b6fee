#!/usr/bin/env python3
"""Writes tests/columns_cases.jsonl: feeds read into columns in batches
(pipehat::columns; Python's extract_batches and the engines; JavaScript's
extractStream), run by the Rust, JavaScript and Python suites alike. Edit
here, then run: python3 tests/columns_cases.py

kind "columns": input (a feed: several messages), fields (paths) or mapping
                (a spec), filter (an expression, optional), raw (optional),
                max_message_size (optional), expect: one row per message (or
                per mapping object) [values..., offset, error code or null].
kind "range":   input, fields, cuts (byte positions): the rows of the
                messages that start in each range [cuts[i], cuts[i + 1]),
                expect: a list of rows per range (files only: not run in
                JavaScript, which reads streams).
"""
import json
import os

MSG1 = ("MSH|^~\\&|LAB|HOSP|||20240101||ADT^A01|1|P|2.5\r"
        "PID|1||100^^^H^MR||DOE^JANE||19800101|F\r")
MSG2 = ("MSH|^~\\&|LAB|HOSP|||20240102||ORU^R01|2|P|2.5\n"
        "PID|1||200||ROE^ANN||19700101|F\n"
        "OBX|1|NM|GLU||182|mg/dL\n"
        "OBX|2|ST|NOTE||a \\T\\ b\n")
BAD = "MSH|^~|bad\r"
MLLP = "\x0bMSH|^~\\&|LAB|HOSP|||20240103||ADT^A08|3|P|2.5\rPID|1||300||POE^AL||19600101|M\r\x1c\r"
BATCH = ("BHS|^~\\&|LAB\r"
         "MSH|^~\\&|LAB|HOSP|||20240104||ADT^A01|4|P|2.5\rPID|1||400\r"
         "BTS|1\r")
FEED = MSG1 + MSG2 + BAD + MLLP + BATCH


def at(text, feed=FEED):
    """The byte offset of a message's MSH in the feed."""
    return len(feed[: feed.index(text)].encode("utf-8"))


O1, O2, OBAD = at(MSG1), at(MSG2), at(BAD)
O3, O4 = at("MSH|^~\\&|LAB|HOSP|||20240103"), at("MSH|^~\\&|LAB|HOSP|||20240104")
ERR = "missing_encoding_characters"

cases = []


def case(name, **kw):
    kw["name"] = name
    cases.append(kw)


FIELDS = ["MSH-10", "PID-3.1", "PID-5.2", "OBX[2]-5"]
ROWS = [
    ["1", "100", "JANE", None, O1, None],
    ["2", "200", "ANN", "a & b", O2, None],
    [None, None, None, None, OBAD, ERR],
    ["3", "300", "AL", None, O3, None],
    ["4", "400", None, None, O4, None],
]
case("every_framing_in_one_feed", kind="columns", input=FEED, fields=FIELDS, expect=ROWS)
case("raw_keeps_escapes", kind="columns", input=FEED, fields=["OBX[2]-5"], raw=True,
     expect=[[None, O1, None], ["a \\T\\ b", O2, None], [None, OBAD, ERR], [None, O3, None], [None, O4, None]])
case("header_filter_keeps_matches_and_unreadable", kind="columns", input=FEED, fields=["MSH-10"],
     filter='MSH-9.1 = "ADT"', expect=[["1", O1, None], [None, OBAD, ERR], ["3", O3, None], ["4", O4, None]])
case("body_filter_parses_first", kind="columns", input=FEED, fields=["MSH-10"], filter='PID-8 = "F"',
     expect=[["1", O1, None], ["2", O2, None], [None, OBAD, ERR]])
case("mapping_rows_per_obx", kind="columns", input=FEED,
     mapping={"rows": "OBX", "fields": {"id": "MSH-10", "value": {"path": "OBX-5", "transform": "number"},
                                        "ids": {"path": "PID-3.1", "list": True}}},
     expect=[["2", "182", '["200"]', O2, None], ["2", None, '["200"]', O2, None], [None, None, None, OBAD, ERR]])
case("mapping_one_row_per_message", kind="columns", input=MSG1 + MSG2,
     mapping={"fields": {"born": {"path": "PID-7", "transform": "date"}, "sex": "PID-8"}},
     expect=[["1980-01-01", "F", O1, None], ["1970-01-01", "F", O2, None]])
case("non_ascii_values", kind="columns", input="MSH|^~\\&|A|||||||1|P|2.5\rPID|1||Zoë^^^\U0001F600\r",
     fields=["PID-3.1", "PID-3.4"], expect=[["Zoë", "\U0001F600", 0, None]])
LARGE = "MSH|^~\\&|A||||||ADT^A01|2|P|2.5\rNTE|1||" + "x" * 3000 + "\r"
SMALL = "MSH|^~\\&|A||||||ADT^A01|{}|P|2.5\r"
BIG_FEED = SMALL.format(1) + LARGE + SMALL.format(3)
case("message_over_the_limit_is_an_error_row", kind="columns", input=BIG_FEED, fields=["MSH-10"],
     max_message_size=1000,
     expect=[["1", 0, None], [None, len(SMALL.format(1)), "message_too_large"],
             ["3", len(SMALL.format(1)) + len(LARGE), None]])
case("no_message_no_row", kind="columns", input="just text\r\n\r\n", fields=["MSH-10"], expect=[])

# Ranges: a cut inside a message gives it to the range it starts in.
size = len(FEED.encode("utf-8"))
cuts = [0, 5, O2 + 1, O3, O3 + 3, size]
by_range = [[r for r in ROWS if lo <= r[-2] < hi] for lo, hi in zip(cuts, cuts[1:])]
case("ranges_cut_anywhere", kind="range", input=FEED, fields=FIELDS, cuts=cuts, expect=by_range)
case("range_past_the_end", kind="range", input=FEED, fields=FIELDS, cuts=[size, size + 10], expect=[[]])

out = os.path.join(os.path.dirname(os.path.abspath(__file__)), "columns_cases.jsonl")
with open(out, "w", encoding="utf-8", newline="\n") as f:
    for c in cases:
        f.write(json.dumps(c, ensure_ascii=False) + "\n")
print(f"wrote {len(cases)} cases to {out}")
