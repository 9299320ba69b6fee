// extractStream and Filter.scanStream: streams read a batch at a time.
// tests/columns_cases.jsonl is shared with Rust, Python and the browser suite.
import { test } from "node:test";
import assert from "node:assert/strict";
import { createReadStream, readFileSync, readdirSync, writeFileSync, mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import * as api from "pipehat";
import { TESTS, readJsonl } from "./helpers.mjs";
import { runColumnsCase } from "./checks.mjs";

for (const c of readJsonl(TESTS + "columns_cases.jsonl").filter((c) => c.kind === "columns")) {
  test(`columns case ${c.name}`, async () => {
    for (const size of [1, 7, 1 << 20]) await runColumnsCase(api, c, size);
  });
}

const corpus = readdirSync(TESTS + "corpus/messages").sort().map((f) => readFileSync(TESTS + "corpus/messages/" + f));
const feed = Buffer.concat(corpus.flatMap((b) => [b, Buffer.from("\r\n")]));

test("extractStream over a file stream gives what extract gives", async () => {
  const dir = mkdtempSync(join(tmpdir(), "pipehat-"));
  const path = join(dir, "feed.hl7");
  writeFileSync(path, feed);
  const paths = ["MSH-9", "MSH-10", "PID-3.1", "PID-5", "OBX[2]-5"];
  const whole = api.extract(feed, paths, { details: true });
  const got = Object.fromEntries(paths.map((p) => [p, []]));
  const offsets = [];
  const errors = [];
  let batches = 0;
  for await (const batch of api.extractStream(createReadStream(path, { highWaterMark: 4096 }), paths)) {
    for (const p of paths) got[p].push(...batch.columns[p]);
    for (const e of batch.errors) errors.push([offsets.length + e.row, e.error.code]);
    offsets.push(...batch.offsets);
    batches++;
  }
  assert.ok(batches > 10, `${batches} batches`);
  assert.deepEqual(got, whole.columns);
  assert.deepEqual(offsets, whole.offsets);
  assert.deepEqual(errors, whole.errors.map((e) => [e.row, e.error.code]));
  assert.ok(errors.length > 20);
});

test("extractStream refuses bad arguments before reading", async () => {
  const next = (fields, options) => api.extractStream([feed], fields, options).next();
  await assert.rejects(next(["PID-x"]), api.HL7PathError);
  await assert.rejects(next(["PID-3"], { filter: "PID-3 ==" }), api.HL7FilterError);
  await assert.rejects(next(null, { mapping: { fields: {}, colour: 1 } }), api.HL7MappingError);
  await assert.rejects(next(["PID-3"], { mapping: { fields: { a: "PID-3" } } }), TypeError);
  await assert.rejects(next(null), TypeError);
  await assert.rejects(next(["PID-3"], { filter: 3 }), TypeError);
});

test("Filter.scanStream finds what scan finds, in pieces", async () => {
  for (const expression of ['MSH-9.1 = "ADT"', 'PID-8 = "F" or MSH-9.1 = "ORU"']) {
    const f = new api.Filter(expression);
    const whole = f.scan(feed);
    async function* pieces() {
      for (let i = 0; i < feed.length; i += 999) yield feed.subarray(i, i + 999);
    }
    const matched = [];
    const scan = await f.scanStream(pieces(), { onMatch: (m) => matched.push(Buffer.from(m).toString("latin1")) });
    assert.equal(scan.total, whole.total);
    assert.equal(scan.count, whole.matched.length);
    assert.deepEqual(matched, whole.matched.map((m) => Buffer.from(m).toString("latin1")));
    assert.deepEqual(scan.unreadable, whole.unreadable);
    assert.equal(await f.countStream([feed]), whole.matched.length);
    assert.ok(whole.matched.length > 10);
    await assert.rejects(f.scanStream([feed], { onMatch: 3 }), TypeError);
    f.free();
  }
});
