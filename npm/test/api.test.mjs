import { test } from "node:test";
import assert from "node:assert/strict";
import { createRequire } from "node:module";
import { execFileSync } from "node:child_process";
import { fileURLToPath } from "node:url";
import { readdirSync, readFileSync, mkdtempSync, writeFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import * as esm from "pipehat";
import pipehat from "pipehat";
import { parse, parseAll, split, extract, HL7ParseError, HL7PathError, Message } from "pipehat";
import { corpusBytes } from "./helpers.mjs";

const ADT =
  "MSH|^~\\&|EPIC|HOSP|LAB|HOSP|20240115120000||ADT^A01^ADT_A01|MSG1|P|2.5.1\r" +
  "PID|1||123^^^HOSP&1.2.3&ISO^MR~99^^^SSA^SS||DOE^JOHN^Q||19800101|M\r" +
  "AL1|1|DA|1605^Penicillin|SV|Hives\\T\\Rash\r";

test("get, getRaw, getAll", () => {
  const m = parse(ADT);
  assert.equal(m.get("PID-5.1"), "DOE");
  assert.equal(m.get("PID-3(2).1"), "99");
  assert.equal(m.get("PID-3.4.2"), "1.2.3");
  assert.equal(m.get("PID-9"), undefined);
  assert.equal(m.get("AL1-5"), "Hives&Rash");
  assert.equal(m.getRaw("AL1-5"), "Hives\\T\\Rash");
  assert.deepEqual(m.getAll("PID-3.1"), ["123", "99"]);
  assert.equal(m.get("MSH-1"), "|");
  assert.equal(m.get("MSH-2"), "^~\\&");
});

test("reads give the same before and after the message leaves its handle", () => {
  // A fresh message is read through its handle; walking segments moves it
  // into an object, read through another path.
  const text = ADT.replace(/\r/g, "\n").replace("Hives", "Hi\\Zves");
  const m = parse(text);
  const read = () => [m.getAll("PID-3.1"), m.diagnostics, m.messageType, m.controlId, m.charset, m.segmentTerminator, m.get("PID-5.1")];
  const before = read();
  assert.deepEqual(before[0], ["123", "99"]);
  assert.deepEqual(before[1].map((d) => d.code), ["non_standard_segment_terminator", "malformed_escape"]);
  assert.deepEqual(before.slice(2), ["ADT", "MSG1", undefined, "\n", "DOE"]);
  assert.equal(m.segments.length, 3);
  assert.deepEqual(read(), before);
  assert.throws(() => m.getAll("PID-0"), HL7PathError);
  assert.throws(() => parse(ADT).getAll("PID-0"), HL7PathError);
});

test("bytes input and header getters", () => {
  const m = parse(new TextEncoder().encode(ADT));
  assert.deepEqual([m.messageType, m.triggerEvent, m.messageStructure], ["ADT", "A01", "ADT_A01"]);
  assert.deepEqual([m.controlId, m.processingId, m.version, m.timestamp], ["MSG1", "P", "2.5.1", "20240115120000"]);
  assert.deepEqual([m.sendingApplication, m.sendingFacility, m.receivingApplication, m.receivingFacility], ["EPIC", "HOSP", "LAB", "HOSP"]);
  assert.equal(m.charset, undefined);
  assert.equal(m.segmentTerminator, "\r");
  assert.deepEqual(m.delimiters, { field: "|", component: "^", repetition: "~", escape: "\\", subcomponent: "&", truncation: undefined });
});

test("a string's text reaches the parser as TextEncoder writes it, whatever the string holds and however V8 stores it", () => {
  // Node hands a message's UTF-16 code units to WebAssembly, which makes
  // them UTF-8 (utf16ToUtf8): sixteen ASCII units a step, the rest one by
  // one. Each text is tried at every offset around those steps, as a string
  // of its own, as a slice of a longer one, and in a string V8 stores two
  // bytes a character; parse(bytes), which skips the conversion, is the
  // reference.
  const texts = [
    "Müller^José ÿ",
    "Smith^日本",
    "emoji 😀 ^ end",
    "lone \ud800 high, lone \udc00 low",
    "pair split at the end \ud83d",
    "\u0080\u07ff\u0800\uffff\ud7ff\ue000",
    "plain ASCII only",
  ];
  const encoder = new TextEncoder();
  const parser = new pipehat.Parser();
  for (const text of texts) {
    for (let pad = 0; pad <= 70; pad++) {
      const message = `${ADT}NTE|1||${"x".repeat(pad)}${text}|${"y".repeat(70 - pad)}\r`;
      const wide = `\u4e2d${message}`.slice(1); // two bytes a character
      const sliced = `${"z".repeat(40)}${message}${"z".repeat(40)}`.slice(40, 40 + message.length);
      const bytes = encoder.encode(message);
      const want = parse(bytes);
      for (const input of [message, wide, sliced]) {
        const m = parse(input);
        assert.deepEqual(m.toBytes(), bytes, `${JSON.stringify(text)} after ${pad}`);
        assert.equal(m.get("NTE-3"), want.get("NTE-3"));
        assert.equal(m.get("NTE-4"), "y".repeat(70 - pad) || undefined);
        assert.deepEqual(parser.parse(input).toBytes(), bytes);
        m.free();
      }
      want.free();
    }
  }
  parser.free();
  // Text that is three or four bytes a character from its first unit to its
  // last, longer than any before it (so that the scratch buffer is just long
  // enough): not a message, an error like any other, and the module fine after.
  for (const [unit, n] of [["日", 1 << 20], ["😀", (1 << 20) + 1]]) {
    assert.throws(() => parse(unit.repeat(n)), (e) => e instanceof HL7ParseError && e.code === "missing_header");
    assert.equal(parse(ADT).get("PID-5.1"), "DOE");
  }
});

test("toString, toBytes, toJSON", () => {
  const m = parse(ADT);
  assert.equal(m.toString(), ADT);
  assert.deepEqual(m.toBytes(), new TextEncoder().encode(ADT));
  const j = m.toJSON();
  assert.deepEqual(j.segments[1].fields[2], {
    repetitions: [["123", "", "", ["HOSP", "1.2.3", "ISO"], "MR"], ["99", "", "", "SSA", "SS"]],
  });
  assert.equal(JSON.parse(JSON.stringify(m)).segments[2].fields[4], "Hives&Rash");
});

test("segments and elements", () => {
  const m = parse(ADT);
  const pid = m.segment("PID");
  assert.deepEqual([pid.name, pid.index, pid.offset, pid.fieldCount], ["PID", 1, ADT.indexOf("PID"), 8]);
  assert.equal(pid.field(0), undefined);
  assert.equal(pid.field(99), undefined);
  const f = pid.field(3);
  assert.equal(f.kind, "field");
  assert.equal(f.repetitions.length, 2);
  const comp = f.repetitions[0].components[3];
  assert.deepEqual([comp.kind, comp.raw, comp.offset], ["component", "HOSP&1.2.3&ISO", ADT.indexOf("HOSP&")]);
  assert.deepEqual(comp.subcomponents.map((s) => s.value), ["HOSP", "1.2.3", "ISO"]);
  assert.throws(() => comp.repetitions, TypeError);
  assert.equal(m.segmentsNamed("AL1").length, 1);
  assert.equal(String(pid), ADT.split("\r")[1]);
  assert.ok(parse('MSH|^~\\&|A\rPID|1|""\r').segment("PID").field(2).isNull);
});

test("HL7ParseError carries positions and never content", () => {
  let e;
  assert.throws(() => parse("\r\nMSH|^&&^|SECRET\r"), (x) => ((e = x), true));
  assert.ok(e instanceof HL7ParseError && e instanceof SyntaxError && e instanceof Error);
  assert.equal(e.name, "HL7ParseError");
  assert.deepEqual([e.code, e.offset, e.line, e.column, e.segment, e.field], ["duplicate_delimiter", 8, 2, 7, 0, 2]);
  assert.ok(!e.message.includes("SECRET"));
  assert.ok(!e.message.startsWith("{"));
});

test("HL7PathError", () => {
  const m = parse(ADT);
  assert.throws(() => m.get("PID-3(2"), (e) => e instanceof HL7PathError && e.code === "unclosed_bracket" && e.offset === 7);
  assert.throws(() => m.getAll(""), (e) => e instanceof HL7PathError && e.code === "empty_path");
});

test("options and bad arguments", () => {
  const lf = ADT.replaceAll("\r", "\n");
  assert.equal(parse(lf).segmentTerminator, "\n");
  assert.equal(parse(lf, { segmentTerminator: "\r" }).segments.length, 1);
  assert.throws(() => parse(ADT, { maxSegments: 2 }), (e) => e.code === "too_many_segments");
  assert.throws(() => parse("MSH|^~\\&|A\rNTE|1||\\Q\\\r", { strict: true }), (e) => e.code === "malformed_escape");
  assert.throws(() => parse(ADT, { segmentTerminator: "x" }), TypeError);
  assert.throws(() => parse(12), TypeError);
  assert.throws(() => parse(ADT, { maxSegments: -1 }), TypeError);
});

test("diagnostics are plain objects", () => {
  const d = parse("MSH|^~\\&|A\nNTE|1||bad \\Q\\\n").diagnostics.find((x) => x.code === "malformed_escape");
  assert.deepEqual(d, {
    code: "malformed_escape", severity: "warning", offset: 22, line: 2, column: 12, segment: 1, field: 3,
    message: d.message,
  });
  assert.ok(!d.message.includes("bad"));
});

test("split, parseAll and extract", () => {
  const batch = corpusBytes("messages/pyhl7__adt_a04__file2.hl7");
  const chunks = split(batch);
  assert.deepEqual(chunks.map((c) => c.kind), [
    "file_header", "batch_header", "message", "message", "batch_trailer", "batch_header", "message", "batch_trailer", "file_trailer",
  ]);
  assert.deepEqual([chunks[4].declaredCount, chunks[4].countedCount], [2, 2]);
  assert.deepEqual(parseAll(batch).map((m) => m.controlId), ["12334456778890", "12334456778891", "12334456778890"]);
  const file = Array.from({ length: 50 }, (_, i) => ADT.replace("MSG1", `MSG${i}`)).join("\n") + "\nMSH|^~|bad\r";
  const cols = extract(file, ["MSH-10", "AL1-5", "PID-9"]);
  assert.equal(cols["MSH-10"].length, 51);
  assert.deepEqual([cols["MSH-10"][0], cols["MSH-10"][50], cols["AL1-5"][0], cols["PID-9"][0]], ["MSG0", null, "Hives&Rash", null]);
  assert.equal(extract(file, ["AL1-5"], { raw: true })["AL1-5"][0], "Hives\\T\\Rash");
  assert.throws(() => extract(file, ["nope"]), HL7PathError);
});

test("free, Symbol.dispose and the FinalizationRegistry", () => {
  const m = parse(ADT);
  assert.ok(m.heapSize >= ADT.length);
  m.free();
  m.free(); // a second free is harmless
  assert.throws(() => m.get("PID-5"));
  // Node 20 parses no `using` declarations yet; call the disposer directly.
  const d = parse(ADT);
  assert.equal(typeof d[Symbol.dispose], "function");
  d[Symbol.dispose]();
  assert.throws(() => d.get("PID-5"));
  assert.ok(m instanceof Message);
});

test("Parser reuses one message for a stream", () => {
  const parser = new pipehat.Parser();
  const a = parser.parse(ADT);
  assert.equal(a.controlId, "MSG1");
  const b = parser.parse(new TextEncoder().encode(ADT.replace("MSG1", "MSG2").replace("DOE", "ROE")));
  assert.equal(b, a);
  assert.deepEqual([b.controlId, b.get("PID-5.1"), b.segments.length], ["MSG2", "ROE", 3]);
  assert.throws(() => parser.parse("PID|1"), (e) => e instanceof HL7ParseError && e.code === "missing_header" && e.line === 1);
  assert.deepEqual([b.segments.length, b.get("PID-5.1"), b.controlId], [0, undefined, undefined]);
  assert.equal(parser.parse(ADT).get("AL1-5"), "Hives&Rash");
  const strict = new pipehat.Parser({ strict: true });
  assert.throws(() => strict.parse("MSH|^~\\&|A\rNTE|1||\\Q\\\r"), (e) => e.code === "malformed_escape");
  // The options hold for the messages parsed into the reused one, too.
  assert.equal(strict.parse(ADT).controlId, "MSG1");
  assert.throws(() => strict.parse("MSH|^~\\&|A\rNTE|1||\\Q\\\r"), (e) => e.code === "malformed_escape");
  const short = new pipehat.Parser({ maxSegments: 2 });
  assert.equal(short.parse("MSH|^~\\&|A\rPID|1\r").get("PID-1"), "1");
  assert.throws(() => short.parse(ADT), (e) => e.code === "too_many_segments");
  parser.free();
  strict.free();
  short.free();
});

test("require() and import() give the same API", () => {
  const require = createRequire(import.meta.url);
  const cjs = require("pipehat");
  assert.equal(typeof cjs.parse, "function");
  assert.equal(cjs.parse(ADT).get("PID-5.1"), "DOE");
  assert.equal(cjs.parse, esm.default.parse);
});

test("types: tsc --noEmit on a typed usage file", () => {
  const here = fileURLToPath(new URL(".", import.meta.url));
  const tsc = fileURLToPath(new URL("../node_modules/typescript/bin/tsc", import.meta.url));
  execFileSync(process.execPath, [tsc, "--noEmit", "-p", here + "tsconfig.json"], { stdio: "pipe" });
});

test("facade: every name a topic file uses is defined (tsc --checkJs)", () => {
  // The topic files of lib/api/ share names through the api object; a name
  // used without being read from it fails only when that code runs.
  const tsc = fileURLToPath(new URL("../node_modules/typescript/bin/tsc", import.meta.url));
  const entries = ["api.mjs", "mllp.mjs", "http-node.mjs"].map((f) => fileURLToPath(new URL(`../lib/${f}`, import.meta.url)));
  const args = ["--allowJs", "--checkJs", "--noEmit", "--target", "es2022", "--module", "nodenext"];
  args.push("--moduleResolution", "nodenext", "--lib", "es2022,dom,esnext.disposable", "--types", "node", ...entries);
  let output = "";
  try {
    execFileSync(process.execPath, [tsc, ...args], { stdio: "pipe" });
  } catch (e) {
    output = String(e.stdout);
  }
  const undefinedNames = output.split("\n").filter((line) => /error TS(2304|2552|2448):/.test(line));
  assert.deepEqual(undefinedNames, []);
});

test("message.ack({ code, text }) contract and defaults", () => {
  const msg = parse("MSH|^~\\&|LAB|HOSP|EHR|CLINIC|20240115||ORU^R01^ORU_R01|MSG42|P|2.5.1\rPID|1||7\r");
  const a = msg.ack({ code: "AA", text: undefined });
  assert.ok(a instanceof Message);
  assert.deepEqual([a.get("MSA-1"), a.get("MSA-2"), a.messageType, a.triggerEvent], ["AA", "MSG42", "ACK", "R01"]);
  assert.deepEqual([a.sendingApplication, a.receivingApplication], ["EHR", "LAB"]);
  assert.equal(a.controlId.length, 20);
  assert.notEqual(msg.ack().controlId, a.controlId);
  assert.match(a.timestamp, /^\d{14}\+0000$/);
  assert.equal(msg.ack({ code: "AE", text: "bad" }).get("MSA-3"), "bad");
  assert.equal(msg.ackMode, "original");
  assert.equal(msg.wantsAck("AA"), true);
  assert.equal(msg.wantsAck("CA"), false);
  assert.throws(() => msg.ack({ code: "XX" }), TypeError);
  assert.throws(() => msg.ack({ errors: [{ severity: "E" }] }), TypeError);
  assert.throws(() => msg.ack({ errors: [{ code: 101, path: "PID-0" }] }), pipehat.HL7PathError);
});

test("edit errors name positions, never content", () => {
  const m = parse("MSH|^~\\&|A\rPID|1||SECRET\r").edit();
  let err;
  try {
    m.setRaw("PID-3.1", "SECRET^NAME");
  } catch (e) {
    err = e;
  }
  assert.ok(err instanceof pipehat.HL7EditError);
  assert.deepEqual([err.code, err.offset], ["invalid_value", 6]);
  assert.ok(!err.message.includes("SECRET"));
});

test("MLLP encode and decode", () => {
  const enc = new TextEncoder();
  const wire = new Uint8Array([...pipehat.mllpEncode("MSH|^~\\&|A\r"), ...pipehat.mllpEncode(enc.encode("MSH|^~\\&|B\r"))]);
  assert.equal(wire[0], 0x0b);
  const d = new pipehat.MllpDecoder();
  assert.deepEqual(d.push(wire).map((f) => parse(f).get("MSH-3")), ["A", "B"]);
  d.push(enc.encode("\x0bpartial"));
  assert.equal(d.buffered, 7);
  d.finish();
  assert.deepEqual(d.issues.map((i) => i.code), ["mllp_truncated_frame"]);
  assert.throws(() => d.push("text"), TypeError);
  d.free();
});

test("getDateTime gives a Date: the instant with an offset, local time without", () => {
  const m = parse("MSH|^~\\&|A||||20240115103000.25-0500\rPID|1||||||19800102\r");
  const t = m.getDateTime("MSH-7");
  assert.equal(t.date.toISOString(), "2024-01-15T15:30:00.250Z");
  assert.deepEqual([t.precision, t.iso, t.offsetMinutes, t.isNull], ["fraction", "2024-01-15T10:30:00.25-05:00", -300, false]);
  const dob = m.getDateTime("PID-7");
  assert.deepEqual([dob.date.getFullYear(), dob.date.getMonth(), dob.date.getDate(), dob.precision], [1980, 0, 2, "day"]);
  assert.throws(() => m.getTyped("PID-5", "ABC"), TypeError);
  assert.throws(() => parse("MSH|^~\\&|A\rPID|1||||||19801301\r").getDateTime("PID-7"), (e) => e instanceof pipehat.HL7DatatypeError && e.offset === 4 && !e.message.includes("1980"));
});

// get() and getRaw() hand short ASCII values over in place and build the
// string in JavaScript; every other value crosses as a copy. Both must read
// what the element API reads (a separate path through the core), on every
// field and component of every corpus message, through a reused Parser too.
test("get and getRaw agree with the element API on the whole corpus", () => {
  const dir = new URL("../../tests/corpus/messages/", import.meta.url);
  const reused = new pipehat.Parser();
  let compared = 0;
  let nonAscii = 0;
  let decoded = 0;
  for (const file of readdirSync(dir).sort()) {
    const bytes = new Uint8Array(readFileSync(new URL(file, dir)));
    let m;
    try {
      m = parse(bytes);
    } catch {
      continue;
    }
    const again = reused.parse(bytes);
    const seen = new Map();
    for (const segment of m.segments) {
      const occurrence = (seen.get(segment.name) ?? 0) + 1;
      seen.set(segment.name, occurrence);
      if (!/^[A-Z][A-Z0-9]{2}$/.test(segment.name)) continue;
      segment.fields.forEach((field, i) => {
        const path = `${segment.name}[${occurrence}]-${i + 1}`;
        const parts = [[path, field]];
        if (field.repetitions.length > 0) field.components.forEach((c, j) => parts.push([`${path}.${j + 1}`, c]));
        for (const [p, element] of parts) {
          const value = element.isEmpty ? undefined : element.value;
          const raw = element.isEmpty ? undefined : element.raw;
          assert.equal(m.get(p), value, `${file} ${p}`);
          assert.equal(m.getRaw(p), raw, `${file} ${p} raw`);
          assert.equal(again.get(p), value, `${file} ${p} reused`);
          compared++;
          if (value && /[^\x00-\x7f]/.test(value)) nonAscii++;
          if (value !== raw) decoded++;
        }
      });
    }
    m.free();
  }
  assert.ok(compared > 20000, `${compared} values`);
  assert.ok(nonAscii > 10, `${nonAscii} non-ASCII values`);
  assert.ok(decoded > 10, `${decoded} decoded values`);
});

// The full module (dictionary, validation, filters, mappings...) is a second
// .wasm: Node loads it on first use only; where loading is asynchronous
// (browsers, Deno), its functions throw HL7LoadError until `await load()`.
test("the full module loads on first use, or after load()", async () => {
  const lib = fileURLToPath(new URL("../lib/node.cjs", import.meta.url));
  const script = `
    const p = require(${JSON.stringify(lib)});
    const loaded = () => Object.keys(require.cache).some((k) => k.includes("node-full"));
    const m = p.parse("MSH|^~\\\\&|A||||||ADT^A01|1|P|2.5\\rPID|1||42\\r");
    const before = [loaded(), m.get("PID-3"), m.toJSON().segments.length];
    const report = p.validate(m);
    console.log(JSON.stringify([...before, loaded(), report.issues.length > 0]));`;
  const out = JSON.parse(execFileSync(process.execPath, ["-e", script], { encoding: "utf8" }));
  assert.deepEqual(out, [false, "42", 2, true, true]);

  const require = createRequire(import.meta.url);
  const { createApi } = require("../lib/api.cjs");
  let loads = 0;
  let offline = true;
  const api = createApi(require("../pkg/node/pipehat_wasm.js"), {
    async: async () => {
      if (offline) throw new Error("network down");
      loads++;
      return require("../pkg/node-full/pipehat_wasm.js");
    },
  });
  await assert.rejects(api.load(), /network down/); // a failed load can be tried again
  offline = false;
  const m = api.parse(ADT);
  for (const call of [() => api.validate(m), () => api.explain("PID-5"), () => new api.Filter("PID-3 exists"), () => m.toNamedJSON()]) {
    assert.throws(call, (e) => e instanceof api.HL7LoadError && e.code === "not_loaded" && e.name === "HL7LoadError" && !e.message.includes("DOE"));
  }
  assert.equal(m.get("PID-5.1"), "DOE"); // the core module works meanwhile
  await Promise.all([api.load(), api.load()]);
  await api.load();
  assert.equal(loads, 1);
  assert.equal(api.validate(m).version, "2.5.1");
  assert.equal(api.explain("PID-5").name, "Patient Name");
  assert.equal(new api.Filter('PID-5.1 = "DOE"').matches(m), true);
  assert.equal(m.toNamedJSON().PID[0]["Patient Name"]["Family Name"], "DOE");
  m.free();
});

// What `npm install pipehat` gets: the tarball npm pack makes, installed in
// an empty project (no registry needed), through require() and import.
test("the packed tarball works when installed", () => {
  const dir = mkdtempSync(join(tmpdir(), "pipehat-pack-"));
  try {
    const npm = process.platform === "win32" ? "npm.cmd" : "npm";
    const root = fileURLToPath(new URL("..", import.meta.url));
    const tarball = execFileSync(npm, ["pack", "--silent", "--pack-destination", dir], { cwd: root, encoding: "utf8" }).trim();
    writeFileSync(join(dir, "package.json"), '{"name": "app", "private": true}');
    execFileSync(npm, ["install", "--silent", "--no-audit", "--no-fund", "--offline", `./${tarball}`], { cwd: dir });
    const check = 'const m = p.parse("MSH|^~\\\\&|A\\r"); console.log(m.get("MSH-3"), p.validate(m).valid, p.extract("MSH|^~\\\\&|B\\r", ["MSH-3"])["MSH-3"][0]);';
    const viaRequire = execFileSync(process.execPath, ["-e", `const p = require("pipehat"); ${check}`], { cwd: dir, encoding: "utf8" });
    const viaImport = execFileSync(process.execPath, ["--input-type=module", "-e", `import * as p from "pipehat"; ${check}`], { cwd: dir, encoding: "utf8" });
    assert.equal(viaRequire, "A false B\n");
    assert.equal(viaImport, "A false B\n");
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

// WebAssembly memory grows in large steps (src/alloc.rs): in V8 each
// memory.grow has a fixed cost, which messages left to the garbage collector
// used to pay every 64 KiB.
test("memory grows in a few large steps", () => {
  const require = createRequire(import.meta.url);
  const memory = require("../pkg/node/pipehat_wasm.js").wasmMemory();
  const start = memory.buffer.byteLength;
  const sizes = new Set();
  const kept = [];
  const text = ADT + "NTE|1||" + "x".repeat(4000) + "\r";
  while (memory.buffer.byteLength < start + 24 * 1024 * 1024) {
    kept.push(parse(text));
    sizes.add(memory.buffer.byteLength);
  }
  assert.ok(sizes.size <= 24, `${sizes.size} sizes on the way to ${memory.buffer.byteLength >> 20} MiB`);
  for (const m of kept) m.free();
});

// Values under 1 MiB are handed over in place (address and length packed in
// one number); longer ones through a string conversion. Both sides of the
// switch, ASCII and not, decoded and as written, read the same.
test("values on both sides of the 1 MiB hand-over read whole", () => {
  for (const length of [(1 << 20) - 1, 1 << 20, (1 << 20) + 5]) {
    for (const tail of ["", "é"]) {
      const body = "A".repeat(length - (tail ? 2 : 0)) + tail;
      const m = parse(ADT + "OBX|1|ED|PDF||" + body + "\\T\\|F\r");
      assert.equal(m.getRaw("OBX-5"), body + "\\T\\");
      assert.equal(m.get("OBX-5"), body + "&");
      assert.equal(m.get("PID-5.1"), "DOE");
      m.free();
    }
  }
});

// Short ASCII values become strings in one call of up to 16 characters, longer
// ones in pieces: every length on both sides of those steps reads whole.
test("ASCII values of every length up to 70 read whole", () => {
  const letters = "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789";
  for (let length = 0; length <= 70; length++) {
    const value = Array.from({ length }, (_, i) => letters[(i * 7) % letters.length]).join("");
    const m = parse(ADT + "OBX|1|ST|X||" + value + "|F\r");
    assert.equal(m.get("OBX-5"), length ? value : undefined, `length ${length}`);
    assert.equal(m.getRaw("OBX-5"), length ? value : undefined, `length ${length}`);
    m.free();
  }
});

// extract() hands every value over as a slice of one string, addressed by
// UTF-16 positions computed in the core: on every corpus file it reads what
// parseAll() + get() read, and non-ASCII and astral characters land whole.
test("extract reads what get reads, on the whole corpus", () => {
  const dir = new URL("../../tests/corpus/messages/", import.meta.url);
  const paths = ["MSH-9", "MSH-10", "PID-3.1", "PID-5", "PID-5.1", "PID-7", "PID-11.3", "OBX-5", "OBX[2]-5", "NTE-3", "ZZZ-1"];
  let present = 0;
  for (const file of readdirSync(dir).sort()) {
    const bytes = new Uint8Array(readFileSync(new URL(file, dir)));
    for (const raw of [false, true]) {
      const cols = extract(bytes, paths, { raw });
      const messages = split(bytes).filter((c) => c.kind === "message");
      for (const path of paths) assert.equal(cols[path].length, messages.length, file);
      messages.forEach((chunk, row) => {
        let m;
        try {
          m = parse(chunk.bytes);
        } catch {
          for (const path of paths) assert.equal(cols[path][row], null, `${file} ${path} ${row}`);
          return;
        }
        for (const path of paths) {
          const expected = (raw ? m.getRaw(path) : m.get(path)) ?? null;
          present += expected === null ? 0 : 1;
          assert.equal(cols[path][row], expected, `${file} ${path} ${row}`);
        }
        m.free();
      });
    }
  }
  assert.ok(present > 1000, `${present} values present`);
  const odd = "MSH|^~\\&|A|||||||1|P|2.5\rPID|1||A\u{1F600}B||\u00e9\\T\\\r" + "MSH|^~|bad\r" + "MSH|^~\\&|B|||||||2\rPID|1||x\r";
  assert.deepEqual(extract(odd, ["PID-3", "PID-5", "MSH-10"]), {
    "PID-3": ["A\u{1F600}B", null, "x"],
    "PID-5": ["\u00e9&", null, null],
    "MSH-10": ["1", null, "2"],
  });
  assert.deepEqual(extract(odd, []), {});
  assert.deepEqual(extract("", ["PID-3"]), { "PID-3": [] });
});

// A message from parse() lives under a handle until a method other than
// get/getRaw/header getters needs its object; both forms read the same, free
// once, and the reused Parser goes on parsing into either.
test("a message moves from its handle into an object on demand", () => {
  const m = parse(ADT);
  assert.equal(m.get("PID-5.1"), "DOE");
  assert.equal(m.messageType, "ADT");
  assert.deepEqual(m.segments.map((s) => s.name), ["MSH", "PID", "AL1"]);
  assert.equal(m.get("PID-5.1"), "DOE");
  assert.equal(m.getRaw("AL1-5"), "Hives\\T\\Rash");
  assert.equal(m.toString(), ADT);
  m.free();
  m.free();
  assert.throws(() => m.get("PID-5"), TypeError);
  assert.throws(() => m.toString(), TypeError);
  const parser = new pipehat.Parser();
  const a = parser.parse(ADT);
  assert.equal(a.get("MSH-10"), "MSG1");
  assert.equal(a.segments.length, 3);
  const b = parser.parse(ADT.replace("MSG1", "MSG2"));
  assert.equal(b, a);
  assert.equal(b.get("MSH-10"), "MSG2");
  assert.equal(b.controlId, "MSG2");
  assert.throws(() => parser.parse("PID|1"), HL7ParseError);
  assert.equal(parser.parse(ADT).controlId, "MSG1");
  parser.free();
});

// Messages never freed are freed by the FinalizationRegistry: parsing 20,000
// 4 KiB messages (80 MB) without free() keeps memory far below that.
test("forgotten messages are freed by the garbage collector", () => {
  const script = `
    const { parse } = require(${JSON.stringify(fileURLToPath(new URL("../lib/node.cjs", import.meta.url)))});
    const memory = require(${JSON.stringify(fileURLToPath(new URL("../pkg/node/pipehat_wasm.js", import.meta.url)))}).wasmMemory();
    const text = ${JSON.stringify(ADT)} + "NTE|1||" + "x".repeat(4000) + "\\r";
    (async () => {
      for (let round = 0; round < 10; round++) {
        for (let i = 0; i < 2000; i++) parse(text).get("PID-5.1");
        globalThis.gc();
        await new Promise((resolve) => setTimeout(resolve, 10));
      }
      console.log(memory.buffer.byteLength);
    })();`;
  const bytes = Number(execFileSync(process.execPath, ["--expose-gc", "-e", script], { encoding: "utf8" }));
  assert.ok(bytes < 40 * 1024 * 1024, `${bytes >> 20} MiB of WebAssembly memory`);
});

// extract(..., {details: true}) loses nothing: each message's offset, and for
// each message that cannot be parsed the error parsing it alone throws.
test("extract details: offsets and parse errors by row", () => {
  const good = corpusBytes("messages/pyhl7__adt_a04__file2.hl7");
  const bad = new TextEncoder().encode("MSH|^~|bad\rMSH|^~\\&|A||||||ADT^A01|9|P|2.5\rPID|1||42\rMSH|^^^^|dup\rPID|1\r");
  const input = new Uint8Array(good.length + bad.length);
  input.set(good);
  input.set(bad, good.length);
  const report = extract(input, ["MSH-10", "PID-3"], { details: true });
  const chunks = split(input).filter((c) => c.kind === "message");
  assert.deepEqual(report.offsets, chunks.map((c) => c.offset));
  const expected = [];
  chunks.forEach((chunk, row) => {
    try {
      parse(chunk.bytes).free();
    } catch (e) {
      expected.push({ row, error: e });
    }
  });
  assert.ok(expected.length >= 2, `${expected.length} unparsable messages`);
  assert.equal(report.errors.length, expected.length);
  report.errors.forEach((got, i) => {
    const want = expected[i];
    assert.equal(got.row, want.row);
    assert.ok(got.error instanceof HL7ParseError);
    for (const key of ["code", "message", "offset", "line", "column", "segment", "field"]) assert.equal(got.error[key], want.error[key], key);
    assert.equal(report.columns["MSH-10"][got.row], null);
  });
  assert.deepEqual(report.columns, extract(input, ["MSH-10", "PID-3"]));
});

// parse() + free() in a loop that never yields to the event loop (so the
// FinalizationRegistry's cleanup never runs) keeps memory flat: past a bound,
// freed handles are given out again at once (see SPENT_LIMIT in lib/api.mjs).
test("a loop that never yields keeps memory flat", () => {
  const script = `
    const { parse } = require(${JSON.stringify(fileURLToPath(new URL("../lib/node.cjs", import.meta.url)))});
    const memory = require(${JSON.stringify(fileURLToPath(new URL("../pkg/node/pipehat_wasm.js", import.meta.url)))}).wasmMemory();
    const text = ${JSON.stringify(ADT)};
    for (let i = 0; i < 5000; i++) parse(text).free();
    const start = memory.buffer.byteLength;
    for (let i = 0; i < 200000; i++) { const m = parse(text); m.get("PID-5.1"); m.free(); }
    const grown = memory.buffer.byteLength - start;
    // Registered with a token now: a message moved into an object, and the
    // handles given out again after it, still read their own values.
    const a = parse(text), b = parse(text.replace("DOE", "ROE"));
    const names = a.segments.map((s) => s.name).join();
    a.free();
    const c = parse(text.replace("DOE", "POE"));
    console.log(JSON.stringify([grown, names, b.get("PID-5.1"), c.get("PID-5.1"), c.segments.length]));`;
  const [grown, names, b, c, count] = JSON.parse(execFileSync(process.execPath, ["-e", script], { encoding: "utf8" }));
  assert.ok(grown < 4 * 1024 * 1024, `WebAssembly memory grew ${grown >> 20} MiB`);
  assert.deepEqual([names, b, c, count], ["MSH,PID,AL1", "ROE", "POE", 3]);
});

// Messages freed out of the order they were parsed in (not the one parsed
// last, which waits apart) leave the set of messages waiting to register;
// kept ones are read and freed later, and forgotten ones among them still
// register and are freed by the GC, so a second identical round reuses the
// first round's memory.
test("messages freed out of order, and forgotten ones among them, keep memory flat", () => {
  const script = `
    const { parse } = require(${JSON.stringify(fileURLToPath(new URL("../lib/node.cjs", import.meta.url)))});
    const memory = require(${JSON.stringify(fileURLToPath(new URL("../pkg/node/pipehat_wasm.js", import.meta.url)))}).wasmMemory();
    const text = ${JSON.stringify(ADT)} + "NTE|1||" + "x".repeat(4000) + "\\r";
    const big = "NTE|2||" + "y".repeat(32000) + "\\r";
    const round = () => {
      const window = [];
      const kept = []; // live across squeezes, freed at the end
      let wrong = 0;
      for (let i = 0; i < 6000; i++) {
        // Every tenth is forgotten, and larger (a leak of those shows).
        const m = parse(text.replace("DOE", "D" + i) + (i % 10 === 0 ? big : ""));
        if (window.length === 3) {
          const [oldest, name] = window.shift();
          if (oldest.get("PID-5.1") !== name) wrong++;
          oldest.free(); // not the message parsed last
        }
        if (i % 7 === 0) kept.push([m, "D" + i]);
        else if (i % 10 !== 0) window.push([m, "D" + i]);
      }
      for (const [m, name] of [...window, ...kept]) {
        if (m.get("PID-5.1") !== name) wrong++;
        m.free();
      }
      return wrong;
    };
    (async () => {
      const wrong = [round()];
      for (let i = 0; i < 3; i++) { await new Promise((r) => setTimeout(r, 10)); globalThis.gc(); }
      await new Promise((r) => setTimeout(r, 10));
      const first = memory.buffer.byteLength;
      wrong.push(round());
      for (let i = 0; i < 3; i++) { await new Promise((r) => setTimeout(r, 10)); globalThis.gc(); }
      console.log(JSON.stringify([wrong, first, memory.buffer.byteLength]));
    })();`;
  const out = execFileSync(process.execPath, ["--expose-gc", "-e", script], { encoding: "utf8" });
  const [wrong, first, second] = JSON.parse(out);
  assert.deepEqual(wrong, [0, 0]);
  assert.ok(second - first < 2 * 1024 * 1024, `grew ${(second - first) >> 20} MiB in the second round`);
});

// parse() reuses the memory of a few freed messages (bindings-wasm's pool):
// what it reads and the errors it throws must not depend on that.
test("a message parsed into a freed message's memory reads and fails as a fresh one", () => {
  const fields = (f) => {
    try {
      f();
    } catch (e) {
      return [e.constructor, e.code, e.offset, e.line, e.column, e.segment, e.field, e.message];
    }
    assert.fail("no error");
  };
  const failing = [
    ["\r\nPID|1", undefined],
    ["MSH|^~\\&|A\rNTE|1||\\Q\\\r", { strict: true }],
    [ADT, { maxSegments: 2 }],
    [ADT, { maxFieldLength: 20 }],
  ];
  for (const [text, options] of failing) {
    // Five messages kept: none left in the pool fits, so this parse is fresh.
    const kept = Array.from({ length: 5 }, () => parse(ADT));
    const fresh = fields(() => parse(text, options));
    kept.forEach((m) => m.free());
    const pooled = fields(() => parse(text, options));
    assert.deepEqual(pooled, fresh, JSON.stringify(text));
  }
  // A longer message freed, a shorter one parsed into its memory, and back.
  const long = ADT + "NTE|1||" + "x".repeat(900) + "\r";
  for (const [first, second] of [[long, ADT], [ADT, long], [long, "MSH|^~\\&|A\r"]]) {
    parse(first).free();
    const m = parse(second);
    assert.equal(m.toString(), second);
    assert.equal(m.segments.length, second.split("\r").filter(Boolean).length);
    assert.equal(m.get("NTE-3"), second.includes("NTE") ? "x".repeat(900) : undefined);
    assert.equal(m.get("PID-5.2"), second.includes("PID") ? "JOHN" : undefined);
    m.free();
  }
});

// extract() parses each message with parse()'s options: strict turns a
// warning into that row's error; a limit rejects the rows that pass it.
test("extract takes the parse options", () => {
  const data = ADT + "MSH|^~\\&|A||||||ADT^A01|2|P|2.5\rNTE|1||\\Q\\\r" + ADT.replace("MSG1", "MSG3");
  assert.deepEqual(extract(data, ["MSH-10"])["MSH-10"], ["MSG1", "2", "MSG3"]);
  const strict = extract(data, ["MSH-10"], { details: true, strict: true });
  assert.deepEqual(strict.columns["MSH-10"], ["MSG1", null, "MSG3"]);
  assert.deepEqual(strict.errors.map((e) => [e.row, e.error.code]), [[1, "malformed_escape"]]);
  let limitError;
  try {
    parse(ADT, { maxFieldLength: 20 });
  } catch (e) {
    limitError = e;
  }
  const limited = extract(data, ["MSH-10"], { details: true, maxFieldLength: 20 });
  assert.deepEqual(limited.errors.map((e) => [e.row, e.error.code]), [[0, limitError.code], [2, limitError.code]]);
  assert.throws(() => extract(data, ["MSH-10"], { strict: "yes" }), TypeError);
});
