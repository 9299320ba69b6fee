// The checks every broken input goes through (tests/mutations.jsonl in
// robustness.test.mjs and the browser page, random ones in fuzz.mjs): the
// same as core/tests/robustness.rs and python/tests/robustness.py make.
// No Node APIs here, so the same file runs in Chromium.

function ok(condition, what) {
  if (!condition) throw new Error(what);
}

function is(got, want, what) {
  if (got !== want) throw new Error(`${what}: got ${JSON.stringify(got)}, expected ${JSON.stringify(want)}`);
}

function sameBytes(got, want, what) {
  ok(got.length === want.length && got.every((b, i) => b === want[i]), `${what}: bytes differ`);
}

const CODE = /^[a-z_0-9]+$/;

/** The marker each mutation case inserts: no error or diagnostic text may hold it. */
export const CANARY = "QZXJV";

/** `data` with `edits` ([offset, bytes to delete, hex to insert]) applied in order. */
export function applyEdits(data, edits) {
  let out = data;
  for (const [offset, remove, hex] of edits) {
    const at = Math.min(offset, out.length);
    const insert = Uint8Array.from(hex.match(/../g) ?? [], (h) => parseInt(h, 16));
    const next = new Uint8Array(out.length - Math.min(remove, out.length - at) + insert.length);
    next.set(out.subarray(0, at));
    next.set(insert, at);
    next.set(out.subarray(Math.min(at + remove, out.length)), at + insert.length);
    out = next;
  }
  return out;
}

const NAME = /^[A-Z][A-Z0-9]{2}$/;
const utf8 = new TextDecoder("utf-8", { fatal: true, ignoreBOM: true });
const latin1 = new TextDecoder("latin1");

/** The text of `bytes` when they are valid UTF-8, else undefined. */
function textOf(bytes) {
  try {
    return utf8.decode(bytes);
  } catch {
    return undefined;
  }
}

function checkText(text, where) {
  is(typeof text, "string", where);
  ok(!text.includes(CANARY), `${where}: message content in the text`);
}

/** An error thrown by parse(): the library's, with a position inside the input. */
function checkParseError(api, e, bytes, where) {
  ok(e instanceof api.HL7ParseError, `${where}: ${e}`);
  ok(e instanceof SyntaxError, where);
  ok(CODE.test(e.code), where);
  ok(Number.isInteger(e.offset) && e.offset >= 0 && e.offset <= bytes.length, `${where}: offset ${e.offset}`);
  ok(Number.isInteger(e.line) && e.line >= 1, where);
  ok(Number.isInteger(e.column) && e.column >= 1, where);
  checkText(e.message, where);
}

/** What `parse` gives: { message } or { error }. */
function attempt(parse) {
  try {
    return { message: parse() };
  } catch (e) {
    return { error: e };
  }
}

const outcome = (api, input, options) => attempt(() => api.parse(input, options));

const STRICT = { strict: true };

// One reused Parser per api object, kept across inputs as a stream would keep it.
const parsers = new WeakMap();

/** The reused Parser and strict mode agree with parse(). */
function checkModes(api, bytes, plain, where) {
  if (!parsers.has(api)) parsers.set(api, new api.Parser());
  const parser = parsers.get(api);
  const reused = attempt(() => parser.parse(bytes));
  if (reused.error) {
    checkParseError(api, reused.error, bytes, where);
    is(reused.error.code, plain.error?.code, `${where}: reused Parser error`);
    is(reused.error.offset, plain.error?.offset, `${where}: reused Parser error`);
  } else {
    const m = reused.message;
    ok(plain.message, `${where}: the reused Parser read what parse() rejects`);
    is(m.segments.length, plain.message.segments.length, `${where}: reused Parser`);
    is(m.get("MSH-10"), plain.message.get("MSH-10"), `${where}: reused Parser`);
    is(m.toString(), plain.message.toString(), `${where}: reused Parser`);
  }
  // Strict mode rejects more, never less, and reads the same.
  const strict = outcome(api, bytes, STRICT);
  if (strict.error) checkParseError(api, strict.error, bytes, `${where} (strict)`);
  else {
    ok(plain.message, `${where}: strict mode read what parse() rejects`);
    is(strict.message.get("MSH-10"), plain.message.get("MSH-10"), `${where} (strict)`);
    strict.message.free();
  }
}

/**
 * Paths that name fields and components of the first segment of each name,
 * with what the segment walk reads there (get() gives undefined for empty),
 * and for fields the value of each repetition (what getAll() reads).
 */
function pathsFromWalk(message) {
  const seen = new Set();
  const out = [];
  for (const segment of message.segments) {
    if (!NAME.test(segment.name) || seen.has(segment.name)) continue;
    seen.add(segment.name);
    const fields = segment.fields;
    for (let n = 1; n <= Math.min(fields.length, 9); n++) {
      const field = segment.field(n);
      out.push([`${segment.name}-${n}`, field.value, field.raw, field.repetitions.map((r) => r.value)]);
      field.repetitions.slice(0, 2).forEach((repetition, r) => {
        repetition.components.slice(0, 3).forEach((component, c) => {
          out.push([`${segment.name}-${n}(${r + 1}).${c + 1}`, component.value, component.raw]);
        });
      });
    }
  }
  return out;
}

/** Everything one broken input must satisfy. */
export function checkInput(api, bytes, where) {
  const fromBytes = outcome(api, bytes);
  const text = textOf(bytes);
  if (text !== undefined) {
    // Text and its UTF-8 bytes read the same, errors included.
    const fromText = outcome(api, text);
    is(fromText.error?.code, fromBytes.error?.code, where);
    is(fromText.error?.offset, fromBytes.error?.offset, where);
    if (fromText.message) {
      is(fromText.message.toString(), text, `${where}: toString`);
      is(fromText.message.get("MSH-10"), fromBytes.message.get("MSH-10"), where);
      fromText.message.free();
    }
  }
  checkModes(api, bytes, fromBytes, where);
  if (fromBytes.error) {
    checkParseError(api, fromBytes.error, bytes, where);
  } else {
    checkMessage(api, fromBytes.message, bytes, where);
    fromBytes.message.free();
  }
  checkBulk(api, bytes, where);
  checkMllp(api, bytes, where);
}

/** Framed by mllpEncode and fed in 7-byte chunks, the input comes back as one frame. */
function checkMllp(api, bytes, where) {
  if (bytes.some((b) => b === 0x0b || b === 0x1c)) return; // its own framing bytes
  const wire = api.mllpEncode(bytes);
  const decoder = new api.MllpDecoder();
  const frames = [];
  for (let at = 0; at < wire.length; at += 7) frames.push(...decoder.push(wire.subarray(at, at + 7)));
  decoder.finish();
  is(frames.length, 1, `${where}: MLLP frames`);
  sameBytes(frames[0], bytes, `${where}: MLLP frame`);
  is(decoder.issues.length, 0, `${where}: MLLP issues`);
  decoder.free();
}

/** One de-identifier per package (the full module's): any message, never a trap. */
const deidentifiers = new WeakMap();

/** The bytes "MSH", MSH-1 and MSH-2 of a message, as written. */
function mshHead(message, bytes) {
  const start = message.locate("MSH-1").offset;
  const msh2 = message.locate("MSH-2");
  return bytes.subarray(start - 3, msh2 ? msh2.offset + msh2.length : start + 1);
}

function checkMessage(api, message, bytes, where) {
  sameBytes(message.toBytes(), bytes, `${where}: bytes back`);
  if (!deidentifiers.has(api)) deidentifiers.set(api, new api.Deidentifier({ key: "pipehat robustness key" }));
  const out = deidentifiers.get(api).deidentify(message);
  ok(out.segments.length <= message.segments.length, `${where}: deidentify`);
  // MSH-1 and MSH-2 are never touched: the output holds the same "MSH|^~\&" bytes
  // (compared as bytes: read again, a last kept segment that ends in the MLLP end
  // byte, as a broken MSH-2 can, loses that byte to the framing).
  if (message.locate("MSH-1") === undefined) {
    // No MSH (a batch header read as the message): none comes out either.
    is(out.locate("MSH-1"), undefined, `${where}: deidentify`);
  } else {
    const head = mshHead(message, bytes);
    const start = out.locate("MSH-1").offset - 3;
    sameBytes(out.toBytes().subarray(start, start + head.length), head, `${where}: deidentify keeps MSH-1 and MSH-2`);
  }
  out.free();
  for (const d of message.diagnostics) {
    ok(CODE.test(d.code), where);
    ok(d.offset >= 0 && d.offset <= bytes.length, `${where}: diagnostic offset ${d.offset}`);
    checkText(d.message, where);
  }
  for (const [path, value, raw, repetitions] of pathsFromWalk(message)) {
    is(message.get(path) ?? "", value, `${where}: get(${path})`);
    is(message.getRaw(path) ?? "", raw, `${where}: getRaw(${path})`);
    const at = message.locate(path);
    ok(at && at.offset >= 0 && at.offset + at.length <= bytes.length, `${where}: locate(${path})`);
    if (/^[\x00-\x7f]*$/.test(raw)) is(latin1.decode(bytes.subarray(at.offset, at.offset + at.length)), raw, `${where}: locate(${path})`);
    if (repetitions) is(JSON.stringify(message.getAll(path)), JSON.stringify(repetitions), `${where}: getAll(${path})`);
  }
  checkOffsets(message, bytes, where);
  for (const [getter, path] of HEADER) {
    is(message[getter] ?? undefined, message.get(path), `${where}: ${getter}`);
  }
  // The JSON tree has the segments and fields the walk has.
  const shape = (segments) => segments.map((x) => `${x.name}:${x.fields.length}`).join();
  is(shape(message.toJSON().segments), shape(message.segments), `${where}: toJSON`);
  message.toFriendlyJSON();
  sameBytes(api.fromJSON(message.toLosslessJSON()).toBytes(), bytes, `${where}: lossless JSON`);
  const editable = message.edit();
  sameBytes(editable.toBytes(), bytes, `${where}: edit`);
  editable.free();
  // Validation reads any message; its issues hold codes, offsets inside the
  // input and sentences without content.
  const report = api.validate(message);
  is(typeof report.valid, "boolean", where);
  for (const i of report.issues) {
    ok(CODE.test(i.code), `${where}: issue code ${i.code}`);
    ok(i.offset >= 0 && i.offset <= bytes.length, `${where}: issue offset ${i.offset}`);
    checkText(i.message, where);
  }
  if (message.segment("MSH")) {
    const ack = (errors) => {
      try {
        message.ack({ code: "AE", controlId: "A1", timestamp: "20240101", errors }).free();
        return "made";
      } catch (e) {
        // An ACK can fail only for a reason of its own, never by trapping.
        ok(CODE.test(e.code ?? ""), `${where}: ack ${e}`);
        checkText(e.message, where);
        return e.code;
      }
    };
    // The report's issues as ERR segments never make the ACK fail.
    is(ack(api.ackErrors(report)), ack(undefined), `${where}: ack with the report's errors`);
  }
}

/** The header getters and the paths they read. */
const HEADER = [
  ["messageType", "MSH-9.1"],
  ["triggerEvent", "MSH-9.2"],
  ["controlId", "MSH-10.1"],
  ["version", "MSH-12.1"],
];

const ASCII = /^[\x00-\x7f]*$/;

/** Segments, fields and first components sit at their offsets (ASCII text compared byte for byte). */
function checkOffsets(message, bytes, where) {
  const at = (offset, text) => {
    if (!ASCII.test(text)) return;
    ok(offset >= 0 && offset + text.length <= bytes.length, `${where}: offset ${offset}`);
    for (let i = 0; i < text.length; i++) is(bytes[offset + i], text.charCodeAt(i), `${where}: at ${offset}`);
  };
  for (const segment of message.segments) {
    at(segment.offset, segment.name);
    const fields = segment.fields;
    for (let n = 1; n <= Math.min(fields.length, 9); n++) {
      const field = segment.field(n);
      at(field.offset, field.raw);
      const component = field.repetitions[0]?.components[0];
      if (component) at(component.offset, component.raw);
    }
  }
}

const BULK_PATHS = ["MSH-9", "MSH-10", "PID-3.1", "PID-5(1).2", "OBX-5", "ZZ1-1"];

/** split() and extract() agree with parse() on each message. */
function checkBulk(api, bytes, where) {
  const chunks = api.split(bytes);
  let end = 0;
  for (const c of chunks) {
    ok(c.offset >= end && c.offset + c.bytes.length <= bytes.length, `${where}: chunk at ${c.offset}`);
    sameBytes(c.bytes, bytes.subarray(c.offset, c.offset + c.bytes.length), where);
    end = c.offset + c.bytes.length;
  }
  // Pushed into a Splitter 7 bytes at a time, the input gives the same chunks.
  const splitter = new api.Splitter();
  const pushed = [];
  for (let at = 0; at < bytes.length; at += 7) pushed.push(...splitter.push(bytes.subarray(at, at + 7)));
  pushed.push(...splitter.finish());
  splitter.free();
  is(pushed.length, chunks.length, `${where}: Splitter chunks`);
  chunks.forEach((c, i) => {
    const p = pushed[i];
    is(`${p?.kind} ${p?.offset} ${p?.declaredCount} ${p?.countedCount}`, `${c.kind} ${c.offset} ${c.declaredCount} ${c.countedCount}`, `${where}: Splitter chunk ${i}`);
    sameBytes(p.bytes, c.bytes, `${where}: Splitter chunk ${i}`);
  });
  const messages = chunks.filter((c) => c.kind === "message");
  const { columns, offsets, errors } = api.extract(bytes, BULK_PATHS, { details: true });
  is(offsets.join(), messages.map((c) => c.offset).join(), `${where}: extract rows`);
  const failed = new Map(errors.map(({ row, error }) => [row, error]));
  // extract() applies parse()'s options to each message: strict mode fails the same rows.
  const strict = api.extract(bytes, ["MSH-10"], { details: true, strict: true });
  const strictFailed = new Map(strict.errors.map(({ row, error }) => [row, error.code]));
  messages.forEach((chunk, row) => {
    is(strictFailed.get(row), outcome(api, chunk.bytes, STRICT).error?.code, `${where}: strict extract row ${row}`);
    const { message, error } = outcome(api, chunk.bytes);
    if (error) {
      checkParseError(api, error, chunk.bytes, where);
      is(failed.get(row)?.code, error.code, `${where}: extract row ${row}`);
      for (const path of BULK_PATHS) is(columns[path][row], null, where);
      return;
    }
    ok(!failed.has(row), `${where}: extract row ${row} failed`);
    for (const path of BULK_PATHS) {
      is(columns[path][row], message.get(path) ?? null, `${where}: extract ${path} row ${row}`);
    }
    message.free();
  });
}
