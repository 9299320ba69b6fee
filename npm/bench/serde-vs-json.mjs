// Objects for toJSON(): JSON text written in WebAssembly and parsed by
// JSON.parse (what the package ships) against objects built by
// serde-wasm-bindgen, on the shared workload, interleaved. Run by
// `make bench-serde`, which builds the measurement variant of the module.
import { createRequire } from "node:module";
import { readFileSync } from "node:fs";
import assert from "node:assert/strict";

const require = createRequire(import.meta.url);
const pkg = process.argv[2];
const native = require(`${pkg}/pipehat_wasm.js`);
const DATA = process.argv[3] ?? new URL("../../target/bench-data", import.meta.url).pathname;
const ROUNDS = 7;
const median = (v) => [...v].sort((a, b) => a - b)[Math.floor(v.length / 2)];

for (const name of ["adt", "oru", "mixed"]) {
  const buf = readFileSync(`${DATA}/${name}.hl7`);
  const msgs = buf.toString("utf8").split("\n").filter(Boolean).slice(0, 2000).map((m) => new TextEncoder().encode(m));
  const bytes = msgs.reduce((n, m) => n + m.length, 0);
  const parsed = msgs.map((m) => native.parseBytes(m, {}));
  assert.deepEqual(parsed[0].toSerdeValue(), JSON.parse(parsed[0].toJsonString()));
  const ways = {
    "JSON text + JSON.parse (shipped)": () => parsed.forEach((p) => JSON.parse(p.toJsonString())),
    "serde-wasm-bindgen objects": () => parsed.forEach((p) => p.toSerdeValue()),
  };
  const times = Object.fromEntries(Object.keys(ways).map((k) => [k, []]));
  for (let r = 0; r < ROUNDS; r++) {
    for (const [k, fn] of Object.entries(ways)) {
      const t = performance.now();
      fn();
      times[k].push(performance.now() - t);
    }
  }
  console.log(`\n## ${name}: ${msgs.length} messages (objects from parsed messages)`);
  console.log("| way | MB/s of HL7 |");
  console.log("|---|---|");
  for (const [k, v] of Object.entries(times)) console.log(`| ${k} | ${(bytes / median(v) / 1e3).toFixed(1)} |`);
  parsed.forEach((p) => p.free());
}
