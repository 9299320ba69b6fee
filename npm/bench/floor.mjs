// How fast could any WebAssembly extraction be? Each table times, next to
// hl7parser and pipehat, interleaved in one process, the part of pipehat's work
// that is not parsing ("floor": no parsing at all), and prints the best ratio
// to hl7parser that the floor allows. Not a test.
//
// - Bulk, `pipehat.extract(buf, paths)`: copying the input into WebAssembly
//   memory, turning the values' text into a JS string, one string per value.
// - Per message, `parse(text)` + five `get()` + `free()`: the UTF-8 encoding
//   of the message into WebAssembly memory, seven calls into WebAssembly (to
//   an export that returns at once), the Message object, a path lookup and a
//   string per value, made as `get` makes them.
// - The same from bytes (a Buffer per message): the bytes are copied instead
//   of encoded; hl7parser, which takes only text, is given `bytes.toString()`.
//
//   node floor.mjs [--rounds 9] [--data ../../target/bench-data]
import { createRequire } from "node:module";
import { readFileSync } from "node:fs";
import { opt, FIVE, DOTTED, workload, median } from "./common.mjs";

const require = createRequire(import.meta.url);
const ROUNDS = Number(opt("--rounds", 9));

const pipehat = require("../lib/node.cjs");
const native = require("../pkg/node/pipehat_wasm.js"); // the instance pipehat uses
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

// The floor makes strings with get()'s own code: the readAscii function of
// ../lib/api.mjs, taken from its source (a copy could drift from it).
const asciiSource = readFileSync(new URL("../lib/api.mjs", import.meta.url), "utf8").match(
  /\n {2}function readAscii\(at, len\) \{\n[\s\S]*?\n {2}\}\n/,
);
if (!asciiSource) throw new Error("readAscii not found in lib/api.mjs");
/** readAscii reading from `heap`. */
const readAsciiOf = new Function(
  "heap",
  `const char = String.fromCharCode;${asciiSource[0]}return readAscii;`,
);

class Floor {
  #handle;
  #registration = 0;
  #native;
  constructor(handle) {
    this.#handle = handle;
  }
}

// `msgs`: strings, or Buffers (then hl7parser is given their text, and
// pipehat and the floor copy the bytes instead of encoding text).
const FIVE_LIBS = (msgs, values, readAscii = readAsciiOf(values.bytes)) => ({
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
  floor: () => {
    const ids = new Map(FIVE.map((f, i) => [f, i]));
    const encoder = new TextEncoder();
    let v = 0;
    let [view, viewAt] = [new Uint8Array(0), -1];
    for (const m of msgs) {
      const at = native.scratchReserve(m.length * 3);
      if (at !== viewAt || view.length < m.length * 3) {
        [view, viewAt] = [new Uint8Array(native.wasmMemory().buffer, at, m.length * 3), at];
      }
      if (typeof m === "string") encoder.encodeInto(m, view);
      else view.set(m);
      const p = new Floor(native.messageGet(0x7fffffff, 0, false));
      for (const f of FIVE) {
        native.messageGet(0x7fffffff, ids.get(f), false);
        const [start, end] = [values.cells[v], values.cells[v + 1]];
        v += 2;
        if (start >= 0) readAscii(start, end - start);
      }
      native.messageGet(0x7fffffff, 0, false);
      if (!p) throw new Error("unreachable");
    }
  },
});

for (const name of ["adt", "oru", "mixed"]) {
  const buf = workload(name);
  const msgs = buf.toString("utf8").split("\n").filter(Boolean);
  // The values extract returns, laid out as the WebAssembly side lays them
  // out: one text, and where each value starts and ends in it.
  const extracted = pipehat.extract(buf, FIVE);
  const columns = FIVE.map((f) => extracted[f]);
  if (columns[0].length !== msgs.length) throw new Error("rows and messages differ");
  let packed = "";
  let packedLength = 0; // in UTF-8 bytes
  const cells = []; // UTF-16 positions in `packed`, as extract slices them
  const byteCells = []; // UTF-8 positions, as get() reads them
  for (let row = 0; row < msgs.length; row++) {
    for (const column of columns) {
      const v = column[row];
      if (v === null) {
        cells.push(-1, 0);
        byteCells.push(-1, 0);
      } else {
        cells.push(packed.length, packed.length + v.length);
        byteCells.push(packedLength, (packedLength += Buffer.byteLength(v)));
        packed += v;
      }
    }
  }
  const packedBytes = new TextEncoder().encode(packed);
  const memory = new Uint8Array(buf.length);
  const decoder = new TextDecoder();
  const width = FIVE.length;
  const libs = {
    hl7parser: () => {
      for (const m of msgs) {
        const p = hl7parser.create(m.replace(/\r$/, ""));
        for (const f of DOTTED) p.get(f).toString();
      }
    },
    "pipehat.extract": () => pipehat.extract(buf, FIVE),
    floor: () => {
      memory.set(buf); // the input into WebAssembly memory
      const text = decoder.decode(packedBytes); // the values' text out
      const out = Array.from({ length: width }, () => new Array(msgs.length));
      for (let row = 0, c = 0; row < msgs.length; row++) {
        for (let col = 0; col < width; col++, c += 2) {
          out[col][row] = cells[c] < 0 ? null : text.slice(cells[c], cells[c + 1]);
        }
      }
      return out;
    },
  };
  const label = `${name} (${(buf.length / 1e6).toFixed(1)} MB)`;
  bulkRows.push(`| ${label} | ${row(interleave(libs), "pipehat.extract", "floor")}`);
  const values = { bytes: packedBytes, cells: byteCells };
  messageRows.push(`| ${label} | ${row(interleave(FIVE_LIBS(msgs, values)), "pipehat parse+get", "floor")}`);
  const bufs = msgs.map((m) => Buffer.from(m));
  bytesRows.push(`| ${label} | ${row(interleave(FIVE_LIBS(bufs, values)), "pipehat parse+get", "floor")}`);
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
