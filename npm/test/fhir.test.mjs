// tests/fhir_cases.jsonl (shared with Rust, Python and the browser suite): Message.toFHIR().
import { test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync, readdirSync } from "node:fs";
import * as api from "pipehat";
import { TESTS, readJsonl } from "./helpers.mjs";
import { runFhirCase } from "./checks.mjs";

for (const c of readJsonl(TESTS + "fhir_cases.jsonl")) {
  test(`fhir case ${c.name}`, () => runFhirCase(api, c));
}

// The golden Bundles of tests/golden (written by the Rust suite), as Rust and Python check them.
for (const name of readdirSync(TESTS + "golden").filter((f) => f.endsWith(".fhir.json")).sort()) {
  test(`fhir golden ${name}`, () => {
    const bytes = readFileSync(TESTS + "corpus/messages/" + name.replace(".fhir.json", ".hl7"));
    assert.deepEqual(api.parse(bytes).toFHIR(), JSON.parse(readFileSync(TESTS + "golden/" + name, "utf8")));
  });
}
