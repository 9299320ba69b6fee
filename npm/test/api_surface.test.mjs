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

test("every JavaScript name of the API surface exists and index.d.ts declares it", async () => {
  const missing = [];
  for (const row of surface) {
    let name = row.javascript;
    if (name === null) {
      assert.ok(row.why, JSON.stringify(row));
      continue;
    }
    // "pipehat/mllp:createServer": an export of a subpath, declared in its own .d.ts.
    let exports = api;
    let declarations = types;
    const subpath = name.match(/^pipehat\/(\w+):(.+)$/);
    if (subpath) {
      exports = await import(`pipehat/${subpath[1]}`);
      declarations = read(`../lib/${subpath[1]}.d.ts`);
      name = subpath[2];
    }
    const [first, member] = name.split(".");
    const exported = exports[first];
    // Methods are on a class's prototype; members of a namespace object on the object.
    const holder = typeof exported === "function" ? exported.prototype : exported;
    if (exported === undefined) missing.push(`${name} (export)`);
    else if (member && !(member in holder)) missing.push(`${name} (member)`);
    const last = member ?? first;
    const declaration = new RegExp(`(export (declare )?(function|class|const|type|interface) ${last}\\b)|(^\\s+(readonly |get )?${last}[(<?:])`, "m");
    if (!declaration.test(declarations)) missing.push(`${name} (d.ts)`);
  }
  assert.deepEqual(missing, []);
});
