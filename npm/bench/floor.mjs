// How fast could any WebAssembly extraction be? Each table times, next to
// hl7parser and pipehat, interleaved in one process, the part of pipehat's work
// that is not parsing ("floor": no parsing at all; see libs.mjs), and prints the
// best ratio to hl7parser that the floor allows. The same floors run as
// contenders of `bench.mjs`, each alone in its own process. Not a test.
//
//   node floor.mjs [--rounds 9] [--data ../../target/bench-data]
import { createRequire } from "node:module";
import { opt, FIVE, DOTTED, workload, median } from "./common.mjs";
import { floorValues, messageFloor, bulkFloor } from "./libs.mjs";

const require = createRequire(import.meta.url);
const ROUNDS = Number(opt("--rounds", 9));

const pipehat = require("../lib/node.cjs");
const hl7parser = require("hl7parser");

console.log(`Node ${process.version}, median of ${ROUNDS} interleaved rounds\n`);
const bulkRows = [];
const messageRows = [];
const bytesRows = [];
const row = (times, a, b) => {
  const [h, e, f] = ["hl7parser", a, b].map((k) => median(times[k]));
  return `${h.toFixed(1)} ms | ${e.toFixed(2)} ms | ${f.toFixed(2)} ms | ${(h / e).toFixed(1)}× | ${(h / f).toFixed(1)}× |`;
};
const interleave = (libs) => {
  const times = Object.fromEntries(Object.keys(libs).map((k) => [k, []]));
  for (let r = 0; r < ROUNDS; r++) {
    for (const [k, f] of Object.entries(libs)) {
      const t = process.hrtime.bigint();
      f();
      times[k].push(Number(process.hrtime.bigint() - t) / 1e6);
    }
  }
  return times;
};

// `msgs`: strings, or Buffers (then hl7parser is given their text, and
// pipehat and the floor copy the bytes instead of encoding text).
const perMessage = (msgs, values) => ({
  hl7parser: () => {
    for (const m of msgs) {
      const p = hl7parser.create((typeof m === "string" ? m : m.toString()).replace(/\r$/, ""));
      for (const f of DOTTED) p.get(f).toString();
    }
  },
  "pipehat parse+get": () => {
    for (const m of msgs) {
      const p = pipehat.parse(m);
      for (const f of FIVE) p.get(f);
      p.free();
    }
  },
  floor: () => messageFloor(msgs, values),
});

for (const name of ["adt", "oru", "mixed"]) {
  const buf = workload(name);
  const msgs = buf.toString("utf8").split("\n").filter(Boolean);
  const values = floorValues(buf, msgs);
  const memory = new Uint8Array(buf.length);
  const bulk = {
    hl7parser: perMessage(msgs, values).hl7parser,
    "pipehat.extract": () => pipehat.extract(buf, FIVE),
    floor: () => bulkFloor(buf, msgs.length, values, memory),
  };
  const label = `${name} (${(buf.length / 1e6).toFixed(1)} MB)`;
  bulkRows.push(`| ${label} | ${row(interleave(bulk), "pipehat.extract", "floor")}`);
  messageRows.push(`| ${label} | ${row(interleave(perMessage(msgs, values)), "pipehat parse+get", "floor")}`);
  const bufs = msgs.map((m) => Buffer.from(m));
  bytesRows.push(`| ${label} | ${row(interleave(perMessage(bufs, values)), "pipehat parse+get", "floor")}`);
}
console.log("### Bulk: extract(buf, 5 paths)\n");
console.log("| workload | hl7parser | pipehat.extract | floor (no parsing) | extract vs hl7parser | floor vs hl7parser |");
console.log("|---|---|---|---|---|---|");
bulkRows.forEach((r) => console.log(r));
console.log("\n### Per message: parse() + 5 × get() + free()\n");
console.log("| workload | hl7parser | pipehat | floor (no parsing) | pipehat vs hl7parser | floor vs hl7parser |");
console.log("|---|---|---|---|---|---|");
messageRows.forEach((r) => console.log(r));
console.log("\n### Per message, from bytes (hl7parser is given `bytes.toString()`)\n");
console.log("| workload | hl7parser | pipehat | floor (no parsing) | pipehat vs hl7parser | floor vs hl7parser |");
console.log("|---|---|---|---|---|---|");
bytesRows.forEach((r) => console.log(r));
