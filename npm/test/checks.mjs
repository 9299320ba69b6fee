// Conformance checks shared by the Node suite and the browser page: plain
// functions over an api object (what createApi returns) and input bytes.
// No Node APIs here, so the same file runs in Chromium.

export const MAJORITY_REJECTED = {
  "messages/hl7apy__bad__encchars5.hl7": "too_many_encoding_characters",
  "messages/nhapi__fuzz__pipeparser_hl7exception_id_000087.hl7": "duplicate_delimiter",
};

function fail(message) {
  throw new Error(message);
}

function equal(got, want, what) {
  const a = JSON.stringify(got);
  const b = JSON.stringify(want);
  if (a !== b) fail(`${what}: got ${a}, expected ${b}`);
}

/** One line of ORACLE.jsonl or MAJORITY.jsonl. */
export function checkOracleLine(api, line, data) {
  if (line.file in MAJORITY_REJECTED && !line.expect_error) {
    try {
      api.parse(data);
    } catch (e) {
      equal(e.code, MAJORITY_REJECTED[line.file], line.file);
      return;
    }
    fail(`${line.file}: expected a rejection`);
  }
  if (line.expect_error) {
    let msg;
    try {
      msg = api.parse(data);
    } catch (e) {
      if (!(e instanceof api.HL7ParseError)) fail(`${line.file}: ${e}`);
      return;
    }
    if (!msg.diagnostics.some((d) => d.severity !== "info")) fail(`${line.file}: expected an error or a diagnostic`);
    msg.free();
    return;
  }
  const msg = api.parse(data);
  try {
    if ("expect_segment_count" in line) return equal(msg.segments.length, line.expect_segment_count, line.file);
    if (line.expect_roundtrip) {
      const rebuilt = msg.segments.map((s) => s.toString() + msg.segmentTerminator).join("");
      return equal(rebuilt.replace(/[\r\n]+$/, ""), new TextDecoder().decode(data).replace(/[\r\n]+$/, ""), line.file);
    }
    const got = line.kind === "raw" ? msg.getRaw(line.path) : msg.get(line.path);
    equal(got ?? "", line.expected, `${line.file} ${line.path}`);
  } finally {
    msg.free();
  }
}

export function caseInput(c, corpusBytes) {
  if ("input" in c) return c.input;
  if ("input_hex" in c) return Uint8Array.from(c.input_hex.match(/../g).map((h) => parseInt(h, 16)));
  return corpusBytes(c.file);
}

function caseOptions(c) {
  const o = c.options || {};
  const out = {};
  if ("strict" in o) out.strict = o.strict;
  if ("segment_terminator" in o) out.segmentTerminator = o.segment_terminator;
  if ("max_message_size" in o) out.maxMessageSize = o.max_message_size;
  if ("max_segments" in o) out.maxSegments = o.max_segments;
  if ("max_field_length" in o) out.maxFieldLength = o.max_field_length;
  return out;
}

/** One case of tests/cases.jsonl. */
export function runCase(api, c, data) {
  const options = caseOptions(c);
  if (c.split) equal(api.split(data).map((k) => k.kind), c.split, "split");
  if (c.error) {
    let error;
    try {
      api.parse(data, options);
    } catch (e) {
      error = e;
    }
    if (!(error instanceof api.HL7ParseError && error instanceof SyntaxError)) fail(`expected HL7ParseError, got ${error}`);
    equal({ code: error.code, offset: error.offset, segment: error.segment, field: error.field }, c.error, "error");
    if (error.message.includes("SEND") || error.message.includes("bad")) fail("error text quotes the message");
    return;
  }
  const msg = api.parse(data, options);
  for (const [path, want] of Object.entries(c.get || {})) equal(msg.get(path) ?? null, want, `get ${path}`);
  for (const [path, want] of Object.entries(c.get_raw || {})) equal(msg.getRaw(path) ?? null, want, `getRaw ${path}`);
  for (const [path, want] of Object.entries(c.locate || {})) {
    const got = msg.locate(path);
    equal(got === undefined ? null : JSON.stringify([got.offset, got.length]), want === null ? null : JSON.stringify(want), `locate ${path}`);
  }
  const codes = msg.diagnostics.map((d) => d.code);
  for (const code of c.diagnostics || []) if (!codes.includes(code)) fail(`diagnostic ${code} missing: ${codes}`);
  for (const [name, want] of Object.entries(c.segments_named || {})) {
    equal(msg.segmentsNamed(name).map((s) => s.index), want, `segmentsNamed ${name}`);
    equal(msg.segment(name)?.index, want[0], `segment ${name}`);
  }
  for (const [code, want] of Object.entries(c.severities || {})) {
    equal(msg.diagnostics.find((d) => d.code === code)?.severity, want, `severity of ${code}`);
  }
  if (c.no_diagnostics) equal(msg.diagnostics.filter((d) => d.severity !== "info").map((d) => d.code), [], "diagnostics");
  if (c.terminator) equal(msg.segmentTerminator, { cr: "\r", lf: "\n", crlf: "\r\n" }[c.terminator], "terminator");
  if (c.segments) equal(msg.segments.map((s) => s.name), c.segments, "segments");
  if ("charset" in c) equal(msg.charset ?? null, c.charset, "charset");
  for (const [path, [code, offset]] of Object.entries(c.path_errors || {})) {
    let e;
    try {
      msg.get(path);
    } catch (x) {
      e = x;
    }
    if (!(e instanceof api.HL7PathError)) fail(`path ${path}: expected HL7PathError`);
    equal([e.code, e.offset], [code, offset], `path ${path}`);
  }
  msg.free();
}

// --- writing: one line of tests/write_cases.jsonl -----------------------------------

const OPS = {
  set: (m, a) => m.set(a[0], a[1]),
  set_raw: (m, a) => m.setRaw(a[0], a[1]),
  insert: (m, a) => m.insert(a[0], a[1]),
  insert_raw: (m, a) => m.insertRaw(a[0], a[1]),
  remove: (m, a) => m.remove(a[0]),
  append_repetition: (m, a) => m.appendRepetition(a[0], a[1]),
  insert_segment: (m, a) => m.insertSegment(a[0], a[1]),
  append_segment: (m, a) => m.appendSegment(a[0]),
  remove_segment: (m, a) => m.removeSegment(a[0]),
};

const hex = (h) => Uint8Array.from(h.match(/../g) ?? [], (b) => parseInt(b, 16));
const text = (bytes) => new TextDecoder().decode(bytes);

function checkWritten(api, c, msg) {
  if ("expect" in c) equal(text(msg.toBytes()), c.expect, `${c.name} text`);
  for (const [path, want] of Object.entries(c.get ?? {})) equal(msg.get(path) ?? null, want, `${c.name} ${path}`);
}

function runOps(api, c, m) {
  c.ops.forEach((op, i) => {
    const before = text(m.toBytes());
    try {
      OPS[op[0]](m, op.slice(1));
    } catch (e) {
      if (!c.error) fail(`${c.name}: op ${i} failed: ${e.message}`);
      if (!(e instanceof api.HL7EditError || e instanceof api.HL7PathError)) fail(`${c.name}: ${e}`);
      equal([i, e.code], [c.error.op, c.error.code], `${c.name} error`);
      if ("offset" in c.error) equal(e.offset, c.error.offset, `${c.name} offset`);
      equal(text(m.toBytes()), before, `${c.name}: a failed edit changed the message`);
    }
  });
  checkWritten(api, c, m);
}

function ackOptions(c) {
  const a = c.ack;
  const o = { controlId: a.control_id, timestamp: a.timestamp };
  if (a.code) o.code = a.code;
  if (a.text) o.text = a.text;
  if (a.diagnostics) o.diagnostics = a.diagnostics;
  if (a.errors) o.errors = a.errors;
  const p = c.parse_options ?? {};
  if (p.max_field_length) o.maxFieldLength = p.max_field_length;
  if (p.strict) o.strict = true;
  return o;
}

const CAMEL = (k) => k.replace(/_([a-z])/g, (_, x) => x.toUpperCase());

/** Runs one write case (kind edit, build, ack or mllp) against an api object. */
export function runWriteCase(api, c) {
  if (c.kind === "edit") {
    const m = api.parse(c.input).edit();
    runOps(api, c, m);
    equal(text(new api.EditableMessage(c.input).toBytes()), c.input, `${c.name} unedited`);
    equal(text(m.toMessage().toBytes()), text(m.toBytes()), `${c.name} snapshot`);
    return;
  }
  if (c.kind === "build") {
    let m;
    try {
      m = api.build(Object.fromEntries(Object.entries(c.header).map(([k, v]) => [CAMEL(k), v])));
    } catch (e) {
      if (!(e instanceof api.HL7EditError || e instanceof api.HL7ParseError)) fail(`${c.name}: ${e}`);
      return equal(e.code, c.error?.code, `${c.name} error`);
    }
    if (c.error) fail(`${c.name}: expected ${c.error.code}`);
    return runOps(api, c, m);
  }
  if (c.kind === "ack") {
    let ack;
    try {
      ack = api.ack(c.input, ackOptions(c));
    } catch (e) {
      if (!c.error) fail(`${c.name}: ${e.message}`);
      return equal(e.code, c.error.code, `${c.name} error`);
    }
    if (c.error) fail(`${c.name}: expected ${c.error.code}`);
    return checkWritten(api, c, ack);
  }
  if (c.kind === "mllp") {
    const wire = hex(c.input_hex);
    for (const chunk of [...new Set([1, 2, 3, 7, Math.max(1, wire.length)])]) {
      const d = new api.MllpDecoder({ maxFrameSize: c.max_frame_size });
      const frames = [];
      const errors = [];
      const drain = (bytes) => {
        try {
          frames.push(...d.push(bytes));
        } catch (e) {
          if (!(e instanceof api.HL7MllpError)) throw e;
          errors.push([e.code, e.offset]);
          drain(new Uint8Array(0));
        }
      };
      for (let i = 0; i < wire.length; i += chunk) drain(wire.subarray(i, i + chunk));
      drain(new Uint8Array(0));
      d.finish();
      equal(frames.map(text), c.frames, `${c.name} frames (chunk ${chunk})`);
      equal(d.issues.map((i) => [i.code, i.offset, i.length]), c.issues, `${c.name} issues (chunk ${chunk})`);
      equal(errors, c.errors, `${c.name} errors (chunk ${chunk})`);
      d.free();
    }
    return;
  }
  if (c.kind === "datatype") return runDatatypeCase(api, c);
  fail(`unknown kind ${c.kind}`);
}

const camelCase = (k) => k.replace(/_([a-z])/g, (_, c) => c.toUpperCase());
function camelize(v) {
  if (v === null || typeof v !== "object" || Array.isArray(v)) return Array.isArray(v) ? v.map(camelize) : v;
  return Object.fromEntries(Object.entries(v).map(([k, x]) => [camelCase(k), camelize(x)]));
}

/** One "datatype" write case: typed reads. */
export function runDatatypeCase(api, c) {
  const m = api.parse(c.input);
  const attempt = (fn, onError) => {
    try {
      return fn();
    } catch (e) {
      if (!(e instanceof api.HL7DatatypeError)) throw e;
      return onError(e);
    }
  };
  for (const [path, want] of Object.entries(c.datetime)) {
    const got = attempt(
      () => {
        const v = m.getDateTime(path);
        return v === undefined ? null : { precision: v.precision, iso: v.iso, offset_minutes: v.offsetMinutes, is_null: v.isNull };
      },
      (e) => ({ error: e.code, offset: e.offset }),
    );
    equal(got, want, `${c.name} datetime ${path}`);
  }
  for (const [kind, get] of [["number", (p) => m.getNumber(p)], ["sequence_id", (p) => m.getSequenceId(p)]]) {
    for (const [path, want] of Object.entries(c[kind])) {
      const got = attempt(() => get(path) ?? null, (e) => ({ error: e.code }));
      equal(got, want, `${c.name} ${kind} ${path}`);
    }
  }
  for (const [path, dt, want] of c.typed) equal(m.getTyped(path, dt) ?? null, camelize(want), `${c.name} typed ${path}`);
  for (const [path, dt, want] of c.typed_all) equal(m.getTypedAll(path, dt), camelize(want), `${c.name} typed_all ${path}`);
  m.free();
}

// --- routing: one line of tests/route_cases.jsonl -----------------------------------

/**
 * Runs one route case (kind filter, filter_error, route, diff, map, map_error).
 * `specs` maps the example spec file names under core/mappings to their text.
 */
export function runRouteCase(api, c, specs) {
  const expectError = (fn, Cls, what) => {
    try {
      fn();
    } catch (e) {
      if (!(e instanceof Cls)) fail(`${c.name}: ${e}`);
      return e;
    }
    return fail(`${c.name}: expected ${what}`);
  };
  if (c.kind === "filter") {
    const f = new api.Filter(c.expr);
    const m = api.parse(c.input);
    equal(f.matches(m), c.expect, c.name);
    equal(f.matches(c.input), c.expect, `${c.name} (text)`);
    equal(f.matches(new TextEncoder().encode(c.input)), c.expect, `${c.name} (bytes)`);
    if ("header_only" in c) equal(f.readsHeaderOnly, c.header_only, `${c.name} header only`);
    const scan = f.scan(c.input + c.input);
    equal([scan.total, scan.matched.length, scan.unreadable.length], [2, c.expect ? 2 : 0, 0], `${c.name} scan`);
    if (c.expect) equal(scan.matched[0], c.input, `${c.name} scan text`);
    m.free();
    f.free();
    return;
  }
  if (c.kind === "filter_error") {
    const e = expectError(() => new api.Filter(c.expr), api.HL7FilterError, c.code);
    equal([e.code, e.offset], [c.code, c.offset], c.name);
    if (!(e instanceof SyntaxError)) fail(`${c.name}: not a SyntaxError`);
    return;
  }
  if (c.kind === "route") {
    const router = new api.Router(c.routes);
    equal(router.destinations(api.parse(c.input)), c.expect, c.name);
    equal(router.destinations(c.input), c.expect, `${c.name} (text)`);
    return;
  }
  if (c.kind === "diff") {
    const a = api.parse(c.a);
    const b = api.parse(c.b);
    const detector = new api.ChangeDetector(c.ignore ?? []);
    equal(detector.changes(a, b), c.expect, c.name);
    if (c.kinds) equal(detector.changes(a, b, { details: true }).map((d) => d.kind), c.kinds, `${c.name} kinds`);
    equal(detector.isUnchanged(c.a, c.b), c.expect.length === 0, `${c.name} unchanged`);
    equal(detector.fingerprint(a) === detector.fingerprint(c.b), c.expect.length === 0, `${c.name} fingerprints`);
    if (!/^[0-9a-f]{16}$/.test(detector.fingerprint(a))) fail(`${c.name}: fingerprint shape`);
    equal(api.diff(a, b, { ignore: c.ignore }), c.expect, `${c.name} diff()`);
    return;
  }
  const specText = () => (c.spec_file ? specs[c.spec_file] : c.spec_text ?? JSON.stringify(c.spec));
  if (c.kind === "map") {
    const mapping = new api.Mapping(c.spec_file ? JSON.parse(specText()) : c.spec);
    const got = mapping.apply(api.parse(c.input));
    equal(got, c.expect, c.name);
    equal(new api.Mapping(specText()).apply(c.input), c.expect, `${c.name} (text spec)`);
    const first = mapping.hasRows ? got[0] : got;
    if (first) equal(Object.keys(first), mapping.keys, `${c.name} key order`);
    return;
  }
  if (c.kind === "map_error") {
    const e = expectError(() => new api.Mapping(specText()), api.HL7MappingError, c.code);
    equal([e.code, e.pointer], [c.code, c.pointer], c.name);
    return;
  }
  fail(`unknown kind ${c.kind}`);
}

// --- validation: one line of tests/validate_cases.jsonl ---------------------------------

/** Runs one validate case (kind explain, validate, profile_error). */
export function runValidateCase(api, c) {
  if (c.kind === "explain") {
    let got;
    try {
      got = api.explain(c.path, c.version);
    } catch (e) {
      if (!c.error) fail(`${c.name}: ${e}`);
      if (!(e instanceof api.HL7DictionaryError || e instanceof api.HL7PathError)) fail(`${c.name}: ${e}`);
      return equal(e.code, c.error, c.name);
    }
    if (c.error) fail(`${c.name}: expected ${c.error}`);
    if (c.expect === null) return equal(got, undefined, c.name);
    const { name, datatype, optionality, repeatable, table } = got;
    return equal({ name, datatype, optionality, repeatable, table }, c.expect, c.name);
  }
  const profileOf = () => c.profile_text ?? c.profile;
  if (c.kind === "validate") {
    const profile = profileOf() ? new api.Profile(profileOf()) : undefined;
    const report = api.validate(api.parse(c.input), { version: c.version, profile });
    equal(report.issues.map((i) => [i.code, i.severity, i.path]), c.issues, c.name);
    equal(report.valid, c.valid, `${c.name} valid`);
    const again = api.validate(c.input, { version: c.version, profile: profileOf() });
    equal(again.issues.map((i) => i.code), c.issues.map((i) => i[0]), `${c.name} (text, profile object)`);
    if (c.ack !== undefined) {
      // The issues as ERR segments: the same bytes as Rust's Report::ack_errors.
      const message = api.parse(c.input);
      const ack = message.ack({ errors: api.ackErrors(report), diagnostics: "none", controlId: "ACK1", timestamp: "20240101000000" });
      equal(ack.toString(), c.ack, `${c.name} ack`);
      ack.free();
      message.free();
    }
    profile?.free();
    return;
  }
  if (c.kind === "named_json") {
    return equal(api.parse(c.input).toNamedJSON(), c.expect, c.name);
  }
  if (c.kind === "profile_error") {
    try {
      new api.Profile(profileOf());
    } catch (e) {
      if (!(e instanceof api.HL7ProfileError)) fail(`${c.name}: ${e}`);
      return equal([e.code, e.pointer], [c.code, c.pointer], c.name);
    }
    return fail(`${c.name}: expected ${c.code}`);
  }
  fail(`unknown kind ${c.kind}`);
}

/** Checks validate() over corpus messages against tests/golden/validation.json. */
export function checkValidationGolden(api, golden, name, bytes) {
  const report = api.validate(bytes);
  const want = golden[name];
  equal([report.version, report.structure, report.valid], [want.version, want.structure, want.valid], name);
  equal(report.issues.map((i) => `${i.severity} ${i.code} ${i.path}`), want.issues, `${name} issues`);
}

// --- errors: one line of tests/errors.jsonl ----------------------------------------------

/**
 * The built-in error each pipehat error extends in JavaScript (Python's
 * bases are ValueError, and KeyError for PathError): text that does not
 * read is a SyntaxError, an unknown version a RangeError, a refusal an Error.
 */
export const ERROR_BASES = {
  ParseError: "SyntaxError",
  StreamError: "SyntaxError",
  PathError: "SyntaxError",
  JsonError: "SyntaxError",
  DatatypeError: "SyntaxError",
  FilterError: "SyntaxError",
  DictionaryError: "RangeError",
  FhirError: "RangeError",
  DeidError: "RangeError",
  EditError: "Error",
  MllpError: "Error",
  MappingError: "Error",
  ProfileError: "Error",
  TransportError: "Error",
  TransportTimeoutError: "Error",
  TransportConnectionError: "Error",
};

const camel = (name) => name.replace(/_([a-z])/g, (_, c) => c.toUpperCase());

/** Does what one row of errors.jsonl says; returns what it threw. */
function throwOf(api, c) {
  const bytes = (hex) => Uint8Array.from(hex.match(/../g) ?? [], (h) => parseInt(h, 16));
  const spec = () => c.spec;
  const ops = {
    parse: () => api.parse(c.input, c.options && Object.fromEntries(Object.entries(c.options).map(([k, v]) => [camel(k), v]))),
    get: () => api.parse(c.input).get(c.path),
    explain: () => api.explain(c.path, c.version),
    fhir: () =>
      api.parse(c.input).toFHIR({ bundleType: c.options.bundle_type, namespace: c.options.namespace, timezone: c.options.timezone }),
    deid: () => new api.Deidentifier({ key: c.key, policy: c.policy ?? undefined }),
    filter: () => new api.Filter(c.expression),
    mapping: () => new api.Mapping(spec()),
    profile: () => new api.Profile(spec()),
    from_json: () => api.fromJSON(c.text),
    build: () => api.build(Object.fromEntries(Object.entries(c.header).map(([k, v]) => [camel(k), v]))),
    edit: () => api.parse(c.input).edit()[c.raw ? "setRaw" : "set"](c.set[0], c.set[1]),
    datatype: () => {
      const m = api.parse(c.input);
      const read = { datetime: "getDateTime", number: "getNumber", sequence_id: "getSequenceId" }[c.read];
      return m[read](c.path);
    },
    mllp: () => new api.MllpDecoder({ maxFrameSize: c.max_frame_size }).push(bytes(c.input_hex)),
    split: () => {
      const splitter = new api.Splitter({ maxChunkSize: c.max_chunk_size });
      splitter.push(c.input).finish();
      for (;;) if (splitter.read() === undefined) return;
    },
    transport_reject: () => api.transport.reject(c.input),
    http_check: () => {
      const r = c.request;
      api.transport.httpCheck({ method: r.method, contentType: r.content_type, authorization: r.authorization, bodyLength: r.body_length });
    },
    transport_error: () => {
      throw api.transport.error(c.error_code);
    },
  };
  if (!(c.op in ops)) fail(`unknown op ${c.op}`);
  try {
    ops[c.op]();
  } catch (e) {
    return e;
  }
  return fail(`${c.name}: no error`);
}

/** Runs one row of errors.jsonl: class, base, code, offset, text, other values. */
export function runErrorCase(api, c) {
  const e = throwOf(api, c);
  const cls = api["HL7" + c.class];
  if (!(e instanceof cls)) fail(`${c.name}: ${e && e.name} is not HL7${c.class}`);
  if (!(e instanceof api.HL7Error)) fail(`${c.name}: not an HL7Error`);
  if (!(e instanceof globalThis[ERROR_BASES[c.class]])) fail(`${c.name}: not a ${ERROR_BASES[c.class]}`);
  equal([e.name, e.code, e.offset ?? null, e.message], ["HL7" + c.class, c.code, c.offset, c.message], c.name);
  for (const [key, want] of Object.entries(c.attrs || {})) equal(e[camel(key)], want, `${c.name} ${key}`);
}

// --- FHIR: one line of tests/fhir_cases.jsonl ---------------------------------------------

function fhirLeaves(node, path, out) {
  if (Array.isArray(node)) node.forEach((v) => fhirLeaves(v, path, out));
  else if (node !== null && typeof node === "object") for (const [k, v] of Object.entries(node)) fhirLeaves(v, `${path}.${k}`, out);
  else out.push([path, node]);
}

/** A Bundle's leaves as [path, value]: `Bundle.` paths, then each resource's under its type. */
export function fhirFlatten(bundle) {
  const out = [];
  for (const [k, v] of Object.entries(bundle)) if (k !== "entry") fhirLeaves(v, `Bundle.${k}`, out);
  for (const e of bundle.entry) {
    for (const [k, v] of Object.entries(e)) if (k !== "resource") fhirLeaves(v, `Bundle.entry.${k}`, out);
    fhirLeaves(e.resource, e.resource.resourceType, out);
  }
  return out;
}

/** Runs one FHIR case: the Bundle holds what the case says, or the error is the case's. */
export function runFhirCase(api, c) {
  const o = c.options;
  const options = { bundleType: o.bundle_type, namespace: o.namespace, timezone: o.timezone, overrides: o.overrides };
  const msg = api.parse(c.message);
  if (c.error) {
    let e;
    try {
      msg.toFHIR(options);
    } catch (x) {
      e = x;
    }
    if (!(e instanceof api.HL7FhirError)) fail(`${c.name}: no HL7FhirError`);
    equal([e.code, e.pointer], [c.error, c.pointer ?? null], c.name);
    return;
  }
  const { bundle, report } = msg.toFHIR({ ...options, report: true });
  const flat = fhirFlatten(bundle);
  for (const [path, value] of c.has ?? []) {
    if (!flat.some(([p, v]) => p === path && v === value)) fail(`${c.name}: no ${path} = ${JSON.stringify(value)}`);
  }
  for (const path of c.lacks ?? []) {
    if (flat.some(([p]) => p === path || p.startsWith(path + "."))) fail(`${c.name}: has ${path}`);
  }
  if (c.first) equal(bundle.entry[0].resource.resourceType, c.first, `${c.name} first entry`);
  for (const [ty, id] of Object.entries(c.ids ?? {})) {
    if (!bundle.entry.some((e) => e.resource.resourceType === ty && e.resource.id === id)) fail(`${c.name}: ${ty} id`);
  }
  for (const [key, values] of Object.entries(c.report ?? {})) {
    const got = (Array.isArray(report[key]) ? report[key] : [report[key]]).map((g) => JSON.stringify(g));
    for (const v of values) if (!got.includes(JSON.stringify(v))) fail(`${c.name}: report ${key} lacks ${JSON.stringify(v)}`);
  }
  for (const [key, values] of Object.entries(c.report_lacks ?? {})) {
    for (const v of values) if (report[key].includes(v)) fail(`${c.name}: report ${key} has ${v}`);
  }
  // references resolve inside the Bundle
  const urls = new Set(bundle.entry.map((e) => e.fullUrl));
  for (const [p, v] of flat) if (p.endsWith(".reference") && !urls.has(v)) fail(`${c.name}: ${p} does not resolve`);
}

/**
 * Runs one de-identification case (tests/deid_cases.jsonl): the exact bytes
 * the case gives, its report, or its error.
 */
export function runDeidCase(api, c) {
  const options = { key: c.key, policy: c.policy ?? undefined };
  if (c.error) {
    let e;
    try {
      new api.Deidentifier(options);
    } catch (x) {
      e = x;
    }
    if (!(e instanceof api.HL7DeidError)) fail(`${c.name}: no HL7DeidError`);
    equal([e.code, e.pointer], [c.error.code, c.error.pointer], c.name);
    return;
  }
  const d = new api.Deidentifier(options);
  try {
    const out = d.deidentify(c.message);
    equal(out.toString(), c.output, c.name);
    if (c.report) {
      const report = d.report();
      equal(report.changes.map((r) => [r.path, r.action, r.count]), c.report, `${c.name} report`);
      equal(report.messages, 1, `${c.name} messages`);
    }
    // deidentify() with the policy as JSON text, from bytes, writes the same.
    const policy = c.policy === null ? undefined : JSON.stringify(c.policy);
    const again = api.deidentify(new TextEncoder().encode(c.message), { key: c.key, policy });
    equal(again.toString(), c.output, `${c.name} deidentify()`);
  } finally {
    d.free();
  }
}

/**
 * Runs one columns case (tests/columns_cases.jsonl, kind "columns"): the
 * feed pushed to extractStream in pieces of `size` bytes gives the case's
 * rows, [values..., offset, error code or null].
 */
export async function runColumnsCase(api, c, size = 7) {
  const bytes = new TextEncoder().encode(c.input);
  async function* pieces() {
    for (let i = 0; i < bytes.length; i += size) yield bytes.subarray(i, i + size);
  }
  const options = { raw: c.raw, filter: c.filter, maxMessageSize: c.max_message_size };
  if (c.mapping) options.mapping = c.mapping;
  const rows = [];
  for await (const batch of api.extractStream(pieces(), c.fields ?? null, options)) {
    const names = Object.keys(batch.columns);
    for (let row = 0; row < batch.offsets.length; row++) {
      const error = batch.errors.find((e) => e.row === row)?.error;
      if (error && !(error instanceof api.HL7ParseError)) fail(`${c.name}: error class`);
      rows.push([...names.map((n) => batch.columns[n][row]), batch.offsets[row], error ? error.code : null]);
    }
  }
  equal(JSON.stringify(rows), JSON.stringify(c.expect), `${c.name} (pieces of ${size})`);
}
