// The conformance suite shared with the Rust and Python packages.
import { test } from "node:test";
import assert from "node:assert/strict";
import { readdirSync, readFileSync } from "node:fs";
import api from "pipehat";
import { CORPUS, TESTS, readJsonl, corpusBytes } from "./helpers.mjs";
import { checkOracleLine, caseInput, runCase, runWriteCase, runRouteCase, runValidateCase, checkValidationGolden, runErrorCase } from "./checks.mjs";

test("oracle: every value asserted by other projects' tests", () => {
  const lines = readJsonl(CORPUS + "ORACLE.jsonl");
  assert.ok(lines.length >= 149);
  for (const line of lines) checkOracleLine(api, line, corpusBytes(line.file));
});

test("majority: peer consensus", () => {
  const lines = readJsonl(CORPUS + "MAJORITY.jsonl");
  assert.ok(lines.length > 14000);
  for (const line of lines) checkOracleLine(api, line, corpusBytes(line.file));
});

for (const c of readJsonl(TESTS + "cases.jsonl")) {
  test(`case ${c.name}`, () => runCase(api, c, caseInput(c, corpusBytes)));
}

/** Every corpus file that parses: [name, bytes, message]. */
function* corpusMessages() {
  for (const f of readdirSync(CORPUS + "messages").sort()) {
    const data = corpusBytes("messages/" + f);
    let msg;
    try {
      msg = api.parse(data);
    } catch {
      continue;
    }
    yield [f, data, msg];
  }
}

for (const c of readJsonl(TESTS + "write_cases.jsonl")) {
  test(`write case ${c.name}`, () => runWriteCase(api, c));
}

const SPECS = Object.fromEntries(
  ["adt-patient.json", "oru-observations.json"].map((f) => [f, readFileSync(new URL("../../core/mappings/" + f, import.meta.url), "utf8")]),
);
for (const c of readJsonl(TESTS + "route_cases.jsonl")) {
  test(`route case ${c.kind} ${c.name}`, () => runRouteCase(api, c, SPECS));
}

for (const c of readJsonl(TESTS + "errors.jsonl")) {
  test(`error ${c.name}`, () => runErrorCase(api, c));
}

for (const c of readJsonl(TESTS + "validate_cases.jsonl")) {
  test(`validate case ${c.kind} ${c.name}`, () => runValidateCase(api, c));
}

test("every corpus message validates as tests/golden/validation.json records", () => {
  const golden = JSON.parse(readFileSync(TESTS + "golden/validation.json", "utf8"));
  let seen = 0;
  for (const [f, data] of corpusMessages()) {
    checkValidationGolden(api, golden, f, data);
    seen++;
  }
  assert.equal(seen, Object.keys(golden).length);
});

test("a validation report feeds the ACK", () => {
  const input = "MSH|^~\\&|A|B|C|D|20240115||ADT^A01^ADT_A01|1|P|2.5.1\rEVN|A01|20240115\rPID|1||||DOE\rPV1|1|I\r";
  const msg = api.parse(input);
  const ack = msg.ack({ code: "AE", errors: api.ackErrors(api.validate(msg)), controlId: "A1", timestamp: "20240101" });
  assert.equal(ack.get("ERR-3.1"), "101");
  assert.equal(ack.get("ERR-2.1"), "PID");
  assert.equal(api.fieldName("PID", 5), "Patient Name");
});

test("every corpus message: its own type filter holds, it does not differ from itself, the examples map it", () => {
  const adt = new api.Mapping(SPECS["adt-patient.json"]);
  const oru = new api.Mapping(SPECS["oru-observations.json"]);
  const detector = new api.ChangeDetector(["MSH-7", "MSH-10"]);
  let seen = 0;
  for (const [f, data, msg] of corpusMessages()) {
    const q = (v) => JSON.stringify(v ?? "");
    const filter = new api.Filter(`MSH-9.1 = ${q(msg.messageType)} and MSH-9.2 in (${q(msg.triggerEvent)}, "none")`);
    assert.ok(filter.matches(msg), f);
    assert.ok(filter.matches(data), f);
    assert.deepEqual(api.diff(msg, msg), [], f);
    assert.equal(detector.fingerprint(msg), detector.fingerprint(data), f);
    if (msg.segment("PID")) {
      const edited = msg.edit().set("PID-5.1", "CHANGED-NAME").toMessage();
      assert.ok(api.diff(msg, edited).some((p) => p.startsWith("PID-5")), f);
      assert.notEqual(detector.fingerprint(msg), detector.fingerprint(edited), f);
    }
    assert.equal(typeof adt.apply(msg), "object", f);
    assert.ok(Array.isArray(oru.apply(msg)), f);
    seen++;
  }
  assert.ok(seen >= 170, String(seen));
});

test("every corpus message re-serializes byte for byte and can be acknowledged", () => {
  let acked = 0;
  for (const [f, data, msg] of corpusMessages()) {
    assert.deepEqual(msg.edit().toBytes(), data, f);
    if (!msg.segment("MSH")) continue;
    const ack = msg.ack({ controlId: "ACK1", timestamp: "20240101" });
    assert.equal(ack.getRaw("MSA-2"), msg.getRaw("MSH-10"), f);
    assert.equal(ack.getRaw("MSH-3"), msg.getRaw("MSH-5"), f);
    assert.deepEqual(ack.delimiters, msg.delimiters, f);
    acked++;
  }
  assert.ok(acked > 150, String(acked));
});

test("every corpus file walks without a trap", () => {
  const files = readdirSync(CORPUS + "messages").sort();
  assert.equal(files.length, 209);
  let parsed = 0;
  for (const f of files) {
    const data = corpusBytes("messages/" + f);
    api.split(data);
    let msg;
    try {
      msg = api.parse(data);
    } catch (e) {
      assert.ok(e instanceof api.HL7ParseError, f);
      continue;
    }
    parsed++;
    msg.diagnostics;
    msg.toJSON();
    for (const s of msg.segments) for (const field of s.fields) field.value;
    msg.free();
  }
  assert.ok(parsed > 150);
});

test("lossless JSON: golden files and every corpus message round trip", () => {
  const golden = readdirSync(TESTS + "golden").filter((f) => f.endsWith(".lossless.json")).sort();
  assert.equal(golden.length, 7);
  for (const g of golden) {
    const name = g.replace(".lossless.json", ".hl7");
    const data = corpusBytes("messages/" + name);
    const msg = api.parse(data);
    const want = JSON.parse(readFileSync(TESTS + "golden/" + g, "utf8"));
    assert.deepEqual(msg.toLosslessJSON(), want, name);
    assert.deepEqual(msg.toFriendlyJSON(), JSON.parse(readFileSync(TESTS + "golden/" + g.replace(".lossless", ".friendly"), "utf8")), name);
    assert.deepEqual(api.fromJSON(want).toBytes(), data, name);
  }
  let count = 0;
  for (const [f, data, msg] of corpusMessages()) {
    assert.deepEqual(api.fromJSON(JSON.stringify(msg.toLosslessJSON())).toBytes(), data, f);
    count++;
  }
  assert.ok(count > 150);
  assert.throws(() => api.fromJSON("{"), (e) => e instanceof api.HL7JsonError && e.code === "invalid_json");
  assert.throws(() => api.fromJSON({ format: "x", version: 1 }), (e) => e.code === "unsupported_format");
});

// validate(), Filter.matches() and Router.destinations() take a Message's
// bytes from memory to memory into the full module while it lives under a
// handle, and through toBytes() otherwise (a message moved into an object,
// one of 2 MiB or more): both ways give what the text gives, and the message
// reads the same afterwards. toJSON() and toLosslessJSON() too are written
// from under the handle, or from the object.
test("a Message is validated, filtered, routed and written as JSON as its text is, under a handle or not", () => {
  const filter = new api.Filter('MSH-9.1 = "ADT" and PID-3.1 != ""');
  const router = new api.Router({ adt: 'MSH-9.1 = "ADT"', lab: 'MSH-9.1 = "ORU"', any: 'MSH-10 != ""' });
  const outcome = (m) => [JSON.stringify(api.validate(m)), filter.matches(m), router.destinations(m)];
  const json = (m) => JSON.stringify([m.toJSON(), m.toLosslessJSON()]);
  let seen = 0;
  for (const [f, data, msg] of corpusMessages()) {
    const text = outcome(data);
    const before = [msg.get("MSH-10"), msg.get("PID-5.1")];
    assert.deepEqual(outcome(msg), text, f);
    assert.deepEqual([msg.get("MSH-10"), msg.get("PID-5.1")], before, f);
    const written = json(msg);
    void msg.delimiters; // moves the message out of its handle into an object
    assert.deepEqual(outcome(msg), text, `${f} (object)`);
    assert.equal(json(msg), written, `${f} (object)`);
    msg.free();
    seen++;
  }
  assert.ok(seen > 150, String(seen));
  // The parse options go along: with "\r" imposed, a message ended by "\n"
  // is one segment there too, whose MSH-12 is no version.
  const lf = "MSH|^~\\&|A|B|C|D|20240115||ADT^A01^ADT_A01|1|P|2.5.1\nPID|1||7||DOE\n";
  const one = api.parse(lf, { segmentTerminator: "\r" });
  const report = api.validate(one);
  assert.deepEqual(report.issues.map((i) => i.code), ["unknown_version"]);
  assert.equal(api.validate(lf).version, "2.5.1");
  void one.delimiters;
  assert.deepEqual(api.validate(one), report);
  one.free();
  // 2 MiB and more go through toBytes().
  const big = "MSH|^~\\&|A|B|C|D|20240115||ORU^R01^ORU_R01|1|P|2.5.1\rOBX|1|ED|PDF||^AP^^Base64^" + "QUJD".repeat(600000) + "\r";
  const large = api.parse(big);
  assert.deepEqual(outcome(large), outcome(big));
  large.free();
  filter.free();
  router.free();
});
