// tests/fhir_cases.jsonl (shared with Rust, Python and the browser suite): Message.toFHIR().
import { test } from "node:test";
import * as api from "pipehat";
import { TESTS, readJsonl } from "./helpers.mjs";
import { runFhirCase } from "./checks.mjs";

for (const c of readJsonl(TESTS + "fhir_cases.jsonl")) {
  test(`fhir case ${c.name}`, () => runFhirCase(api, c));
}
