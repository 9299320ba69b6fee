// tests/api_surface.json (also checked by the Rust and Python suites): every
// JavaScript name of a capability is exported (methods on the prototype), and
// index.d.ts declares it.
import { test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import api from "pipehat";

const read = (rel) => readFileSync(new URL(rel, import.meta.url), "utf8");
const surface = JSON.parse(read("../../tests/api_surface.json")).capabilities;
const types = read("../lib/index.d.ts");

test("every JavaScript name of the API surface exists and index.d.ts declares it", () => {
  const missing = [];
  for (const row of surface) {
    const name = row.javascript;
    if (name === null) {
      assert.ok(row.why, JSON.stringify(row));
      continue;
    }
    const [first, member] = name.split(".");
    const exported = api[first];
    if (exported === undefined) missing.push(`${name} (export)`);
    else if (member && !(member in exported.prototype)) missing.push(`${name} (prototype)`);
    const last = member ?? first;
    const declaration = new RegExp(`(export (function|class|const|type|interface) ${last}\\b)|(^\\s+(readonly |get )?${last}[(<?:])`, "m");
    if (!declaration.test(types)) missing.push(`${name} (index.d.ts)`);
  }
  assert.deepEqual(missing, []);
});
