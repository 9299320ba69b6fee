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
  const codes = msg.diagnostics.map((d) => d.code);
  for (const code of c.diagnostics || []) if (!codes.includes(code)) fail(`diagnostic ${code} missing: ${codes}`);
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
