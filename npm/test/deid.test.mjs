// tests/deid_cases.jsonl (shared with Rust, Python and the browser suite):
// Deidentifier and deidentify() write the same bytes in every language.
import { test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync, readdirSync } from "node:fs";
import * as api from "pipehat";
import { TESTS, readJsonl } from "./helpers.mjs";
import { runDeidCase } from "./checks.mjs";

const cases = readJsonl(TESTS + "deid_cases.jsonl");
assert.ok(cases.length >= 10);
for (const c of cases) {
  test(`deid case ${c.name}`, () => runDeidCase(api, c));
}

test("every corpus message de-identifies to a message that parses, the same under one key", () => {
  const key = "pipehat node test key";
  const d = new api.Deidentifier({ key, crosswalk: true });
  const again = new api.Deidentifier({ key });
  let n = 0;
  for (const name of readdirSync(TESTS + "corpus/messages").sort()) {
    for (const chunk of api.split(readFileSync(TESTS + "corpus/messages/" + name))) {
      if (chunk.kind !== "message") continue;
      const bytes = chunk.bytes;
      let msg;
      try {
        msg = api.parse(bytes);
      } catch {
        continue;
      }
      const out = d.deidentify(msg);
      assert.equal(out.get("MSH-9.1"), msg.get("MSH-9.1"), name);
      assert.deepEqual(again.deidentify(bytes).toBytes(), out.toBytes(), name);
      n++;
    }
  }
  assert.ok(n > 150, `${n} messages`);
  assert.equal(d.report().messages, n);
  assert.equal(again.crosswalk(), null);
  const crosswalk = d.crosswalk();
  assert.ok(Object.keys(crosswalk).length > 100);
  for (const token of Object.keys(crosswalk)) assert.match(token, /^[A-Z2-7]{12}$/);
});

test("keys and policies are checked, and errors hold no content", () => {
  assert.throws(() => new api.Deidentifier({ key: "short" }), (e) => e instanceof api.HL7DeidError && e.code === "deid_key_too_short");
  assert.throws(() => new api.Deidentifier({ key: "k".repeat(16), policy: { fields: { "PID-5": "secret-name" } } }),
    (e) => e.code === "deid_invalid_policy" && e.pointer === "/fields/PID-5" && !e.message.includes("secret-name"));
  assert.throws(() => new api.Deidentifier({ key: 42 }), TypeError);
  assert.throws(() => new api.Deidentifier({ key: "k".repeat(16), policy: 3 }), TypeError);
  const d = new api.Deidentifier({ key: new Uint8Array(16).fill(7), policy: "safe-harbor" });
  assert.equal(d.deidentify("MSH|^~\\&|A|B|||20240101||ADT^A01|1|P|2.5.1\rPID|1||||DOE\r").get("PID-5"), undefined);
  d.free();
});
