// Corpus messages broken on purpose (tests/mutations.jsonl, the cases the
// Rust and Python suites run too): no trap, errors that place themselves
// and quote nothing, bytes back exactly, bulk paths agreeing with parse().
import test from "node:test";
import assert from "node:assert/strict";
import { readdirSync, readFileSync } from "node:fs";
import * as api from "pipehat";
import { CORPUS, TESTS } from "./helpers.mjs";
import { applyEdits, checkInput, CANARY } from "./robustness.mjs";

const CASES = readFileSync(TESTS + "mutations.jsonl", "utf8")
  .split("\n")
  .filter(Boolean)
  .map((line) => JSON.parse(line));

test("broken corpus messages: no trap, placed errors without content, bytes back, bulk agrees", () => {
  assert.equal(CASES.length, 400);
  let parsed = 0;
  for (const c of CASES) {
    const input = applyEdits(new Uint8Array(readFileSync(CORPUS + c.file)), c.edits);
    assert.ok(new TextDecoder("latin1").decode(input).includes(CANARY), c.name);
    checkInput(api, input, c.name);
    try {
      api.parse(input).free();
      parsed++;
    } catch {
      // checked above
    }
  }
  // Both sides are exercised: most cases still parse, some do not.
  assert.ok(parsed > 200 && parsed < CASES.length, String(parsed));
});

test("the edits land where the cases say", () => {
  const data = new TextEncoder().encode("MSH|^~\\&|A\rPID|1\r");
  const out = applyEdits(data, [[3, 1, "2a"], [0, 0, "0b"], [100, 0, "1c"], [2, 2, ""]]);
  assert.equal(new TextDecoder().decode(out), "\x0bM*^~\\&|A\rPID|1\r\x1c");
});

test("the corpus and the fuzz regressions, as they are, pass the same checks", () => {
  const files = [
    ...readdirSync(CORPUS + "messages").map((f) => CORPUS + "messages/" + f),
    ...readdirSync(TESTS + "fuzz-regressions").map((f) => TESTS + "fuzz-regressions/" + f),
  ];
  assert.equal(files.length, 217);
  for (const f of files.sort()) checkInput(api, new Uint8Array(readFileSync(f)), f);
});
