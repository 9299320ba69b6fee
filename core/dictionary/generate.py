#!/usr/bin/env python3
"""Generates core/src/dictionary/data.rs from the hl7apy package (MIT; see
NOTICE): segment definitions, datatypes and their components, message
structures with their groups, and HL7 tables with their values, for every
version hl7apy carries. Run by `make dictionary` (not at build time):

    python3 core/dictionary/generate.py [OUT]

Each distinct definition is written once and shared by the versions that
have it unchanged, so thirteen versions cost little more than three.
"""
import hashlib
import re
import importlib
import os
import sys

VERSIONS = ["2.1", "2.2", "2.3", "2.3.1", "2.4", "2.5", "2.5.1", "2.6", "2.7", "2.8", "2.8.1", "2.8.2"]
# hl7apy has no 2.7.1: it is served with the 2.7 definitions (see ALIASES in mod.rs).

ACRONYMS = {"ID", "PID", "MSH", "OBX", "OBR", "PV1", "PV2", "NK1", "HL7", "DRG", "ISO", "UUID", "URL", "NPI", "SSN", "EI", "CE", "CWE", "CX"}


def title(name):
    """PATIENT_IDENTIFIER_LIST -> Patient Identifier List; SET_ID_PID -> Set ID PID."""
    words = []
    for w in name.split("_"):
        if not w:
            continue
        words.append(w if w in ACRONYMS or any(c.isdigit() for c in w) else w.capitalize())
    return " ".join(words)


def rust_str(s):
    s = s or ""
    return '"' + s.replace("\\", "\\\\").replace('"', '\\"') + '"'


def table_id(t):
    if not t or not t.startswith("HL7"):
        return 0
    try:
        return int(t[3:])
    except ValueError:
        return 0


class Out:
    def __init__(self):
        self.items = {}  # content key -> static name
        self.lines = []
        self.counter = 0

    def static(self, prefix, ty, body):
        key = (ty, body)
        if key in self.items:
            return self.items[key]
        self.counter += 1
        name = f"{prefix}{self.counter}"
        self.lines.append(f"static {name}: {ty} = {body};")
        self.items[key] = name
        return name


# What validation checks for a primitive datatype (see validate.rs `Check`).
CHECKS = {"DTM": 1, "DT": 1, "TS": 1, "DIN": 1, "NM": 2, "SI": 3, "ID": 4, "IS": 5}


def check_of(datatype, has_components):
    return 0 if has_components else CHECKS.get(datatype, 0)


def component_list(out, structure):
    """The components of a composite as a shared static list (nested composites too)."""
    if not structure:
        return "&[]"
    comps = []
    for child in structure:
        if not isinstance(child, (tuple, list)) or len(child) != 4 or child[1] is None:
            continue
        cdef = child[1]
        inner = cdef[1] if cdef[0] == "sequence" else None
        nested = component_list(out, inner)
        comps.append(f"ComponentDef {{ name: {rust_str(title(cdef[-3]))}, datatype: {rust_str(cdef[2])}, "
                     f"table: {table_id(cdef[-2])}, check: {check_of(cdef[2], nested != '&[]')}, components: {nested} }}")
    return out.static("COMPS", "&[ComponentDef]", "&[" + ", ".join(comps) + "]")


def field_body(out, f, card):
    # (kind, structure, datatype, NAME, table, length); one 2.1 entry has an extra item.
    datatype, name, table, length = f[2], f[-3], f[-2], f[-1]
    inner = f[1] if f[0] == "sequence" else None
    lo, hi = card
    comps = component_list(out, inner)
    body = (f"FieldDef {{ name: {rust_str(title(name))}, datatype: {rust_str(datatype)}, "
            f"min: {lo}, max: {0 if hi == -1 else hi}, length: {0 if length in (-1, None) else length}, table: {table_id(table)}, "
            f"check: {check_of(datatype, comps != '&[]')}, components: {comps} }}")
    # Each distinct field is written once; segments list references to them.
    return "&" + out.static("FLD", "FieldDef", body)


def segment(out, name, definition):
    by_number = {}
    children = definition[1] if len(definition) > 1 else ()
    for child in children:
        # Children are (NAME_n, definition, cardinality, kind); hl7apy leaves a
        # few as a bare name, which stay unknown fields.
        if not isinstance(child, (tuple, list)) or len(child) != 4 or child[1] is None:
            continue
        fname, fdef, card, _kind = child
        by_number[int(fname.rsplit("_", 1)[1])] = field_body(out, fdef, card)
    unknown = "&" + out.static("FLD", "FieldDef", 'FieldDef { name: "", datatype: "", min: 0, max: 0, length: 0, table: 0, check: 0, components: &[] }')
    count = max(by_number, default=0)
    fields = [by_number.get(n, unknown) for n in range(1, count + 1)]
    body = f"SegmentDef {{ name: {rust_str(name)}, fields: &[{', '.join(fields)}] }}"
    return out.static("SEG", "SegmentDef", body)


def datatype(out, name, components):
    body = f"DatatypeDef {{ name: {rust_str(name)}, components: {component_list(out, components)} }}"
    return out.static("DT", "DatatypeDef", body)


def items(out, children):
    parts = []
    for name, definition, card, kind in children:
        lo, hi = card
        hi = 0 if hi == -1 else hi
        if kind == "SEG":
            parts.append(f"Item::Segment {{ name: {rust_str(name)}, min: {lo}, max: {hi} }}")
        else:
            inner = items(out, definition[1])
            # Group names are left out: validation reports segments, not groups.
            parts.append(f"Item::Group {{ min: {lo}, max: {hi}, items: {inner} }}")
    body = "&[" + ", ".join(parts) + "]"
    return out.static("ITEMS", "&[Item]", body)


# A value standing for a family of codes: `HL7nnnn` (HL7 and four digits),
# `99zzz` (local codes), `NCPDPnnnnsss`; hl7apy spells one `X12Dennnn`.
FAMILY = re.compile(r"^([A-Za-z0-9]*?[A-Z0-9][A-Za-z0-9]*?)(n{3,}s*|z{3,})$")


def table_values(values):
    """Splits a table's values into codes and code families; a trailing
    "(deprecated)" or "(obsolete)" note is dropped (the code is still read)."""
    plain, patterns = set(), set()
    for v in values:
        v = re.sub(r" \((?:deprecated|obsolete)\)$", "", v)
        m = FAMILY.match(v)
        if m:
            patterns.add(m.group(1).upper() + m.group(2))
        else:
            plain.add(v)
    return plain, patterns


def main():
    out_path = sys.argv[1] if len(sys.argv) > 1 else os.path.join(os.path.dirname(__file__), "..", "src", "dictionary", "data.rs")
    out = Out()
    versions = []
    for v in VERSIONS:
        m = importlib.import_module("hl7apy.v" + v.replace(".", "_"))
        segs = sorted((n, segment(out, n, d)) for n, d in m.SEGMENTS.items() if len(n) == 3)
        dts = sorted((n, datatype(out, n, c)) for n, c in m.DATATYPES_STRUCTS.items())
        structs = sorted((n, out.static("MSG", "StructureDef", f"StructureDef {{ name: {rust_str(n)}, items: {items(out, d[1])} }}"))
                         for n, d in m.MESSAGES.items())
        tables = []
        for tid, (tname, values) in sorted(getattr(m, "TABLES", {}).items()):
            n = table_id(tid)
            if not n:
                continue
            plain, patterns = table_values(values)
            # One string, values sorted in byte order and each followed by a
            # NUL: no pointer per value (17,000 of them) in the binary.
            assert not any("\0" in x for x in plain)
            vals = '"' + "".join(rust_str(x)[1:-1] + "\\0" for x in sorted(plain, key=lambda v: v.encode())) + '"'
            pats = ", ".join(rust_str(x) for x in sorted(patterns))
            tables.append((n, out.static("TAB", "TableDef", f"TableDef {{ id: {n}, name: {rust_str(tname)}, values: {vals}, patterns: &[{pats}] }}")))
        tables.sort()
        seg_list = out.static("SEGS", "&[&SegmentDef]", "&[" + ", ".join("&" + s for _, s in segs) + "]")
        dt_list = out.static("DTS", "&[&DatatypeDef]", "&[" + ", ".join("&" + s for _, s in dts) + "]")
        st_list = out.static("MSGS", "&[&StructureDef]", "&[" + ", ".join("&" + s for _, s in structs) + "]")
        tb_list = out.static("TABS", "&[&TableDef]", "&[" + ", ".join("&" + s for _, s in tables) + "]")
        versions.append(f"VersionDef {{ name: {rust_str(v)}, segments: {seg_list}, datatypes: {dt_list}, structures: {st_list}, tables: {tb_list} }}")
    digest = hashlib.sha256("\n".join(out.lines).encode()).hexdigest()[:16]
    with open(out_path, "w") as f:
        f.write("// @generated by core/dictionary/generate.py from hl7apy (MIT, see NOTICE). Do not edit.\n")
        f.write(f"// content digest {digest}\n")
        f.write("#![allow(clippy::all)]\n#![cfg_attr(rustfmt, rustfmt_skip)]\n")
        f.write("use super::defs::*;\n\n")
        for line in out.lines:
            f.write(line + "\n")
        f.write("\npub(super) static VERSIONS: &[VersionDef] = &[\n")
        for v in versions:
            f.write("    " + v + ",\n")
        f.write("];\n")
    print(f"{len(out.lines)} definitions, {len(versions)} versions -> {out_path}")


if __name__ == "__main__":
    main()
