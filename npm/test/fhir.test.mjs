// tests/fhir_cases.jsonl (shared with Rust and Python): Message.toFHIR().
import { test } from "node:test";
import assert from "node:assert/strict";
import { parse, HL7FhirError } from "pipehat";
import { TESTS, readJsonl } from "./helpers.mjs";

const CASES = readJsonl(TESTS + "fhir_cases.jsonl");

function leaves(node, path, out) {
  if (Array.isArray(node)) node.forEach((v) => leaves(v, path, out));
  else if (node !== null && typeof node === "object") for (const [k, v] of Object.entries(node)) leaves(v, `${path}.${k}`, out);
  else out.push([path, node]);
}

function flatten(bundle) {
  const out = [];
  for (const [k, v] of Object.entries(bundle)) if (k !== "entry") leaves(v, `Bundle.${k}`, out);
  for (const e of bundle.entry) {
    for (const [k, v] of Object.entries(e)) if (k !== "resource") leaves(v, `Bundle.entry.${k}`, out);
    leaves(e.resource, e.resource.resourceType, out);
  }
  return out;
}

const jsOptions = (o) => ({ bundleType: o.bundle_type, namespace: o.namespace, timezone: o.timezone, overrides: o.overrides });

for (const c of CASES) {
  test(`fhir case ${c.name}`, () => {
    const msg = parse(c.message);
    if (c.error) {
      assert.throws(
        () => msg.toFHIR(jsOptions(c.options)),
        (e) => e instanceof HL7FhirError && e.code === c.error && e.pointer === (c.pointer ?? null),
      );
      return;
    }
    const { bundle, report } = msg.toFHIR({ ...jsOptions(c.options), report: true });
    const flat = flatten(bundle);
    for (const [path, value] of c.has ?? []) {
      assert.ok(flat.some(([p, v]) => p === path && v === value), `${path} = ${value}`);
    }
    for (const path of c.lacks ?? []) {
      assert.ok(!flat.some(([p]) => p === path || p.startsWith(path + ".")), path);
    }
    if (c.first) assert.equal(bundle.entry[0].resource.resourceType, c.first);
    for (const [ty, id] of Object.entries(c.ids ?? {})) {
      assert.ok(bundle.entry.some((e) => e.resource.resourceType === ty && e.resource.id === id), `${ty} id`);
    }
    for (const [key, values] of Object.entries(c.report ?? {})) {
      const got = Array.isArray(report[key]) ? report[key] : [report[key]];
      for (const v of values) assert.ok(got.some((g) => JSON.stringify(g) === JSON.stringify(v)), `${key} ${JSON.stringify(v)}`);
    }
    for (const [key, values] of Object.entries(c.report_lacks ?? {})) {
      for (const v of values) assert.ok(!report[key].includes(v), `${key} lacks ${v}`);
    }
    // the Bundle is the same as Python's and Rust's: its references resolve
    const urls = new Set(bundle.entry.map((e) => e.fullUrl));
    for (const [p, v] of flat) if (p.endsWith(".reference")) assert.ok(urls.has(v), p);
  });
}
