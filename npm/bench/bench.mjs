// pipehat against the JavaScript HL7 libraries on the shared workload,
// interleaved in one process (every round runs every library once; the table
// shows the median round, and a line below it the ratios to the fastest peer
// round by round; before each run, the garbage of the runs before is
// collected and left to settle), plus memory kept with all of mixed.hl7
// alive, each library in a fresh process. Not a test: nothing here asserts timings.
//
//   node --expose-gc bench.mjs [--rounds 5] [--data ../../target/bench-data]
import { createRequire } from "node:module";
import { readFileSync, writeFileSync } from "node:fs";
import { execFileSync } from "node:child_process";
import { fileURLToPath } from "node:url";
import { opt, ROOT, DATA, FIVE, DOTTED, workload, median } from "./common.mjs";

const require = createRequire(import.meta.url);
const ROUNDS = Number(opt("--rounds", 5));

const pipehat = require("../lib/node.cjs");
const hl7parser = require("hl7parser");
const simple = require("simple-hl7");
const { Hl7Message } = await import("@medplum/core");
const nhc = require("node-hl7-client");
const HL7Standard = require("hl7-standard");
const redox = require("@redoxengine/redox-hl7-v2");

const simpleParser = new simple.Parser();
const redoxParser = new redox.Parser();
const reused = new pipehat.Parser();
const FIVE_LIBS = {
  "pipehat (Parser, reused)": (msgs) => {
    for (const m of msgs) {
      const p = reused.parse(m);
      for (const f of FIVE) p.get(f);
    }
  },
  pipehat: (msgs) => {
    for (const m of msgs) {
      const p = pipehat.parse(m);
      for (const f of FIVE) p.get(f);
      p.free();
    }
  },
  hl7parser: (msgs) => {
    for (const m of msgs) {
      const p = hl7parser.create(m.replace(/\r$/, "")); // it rejects the empty segment after a final CR
      for (const f of DOTTED) p.get(f).toString();
    }
  },
  "simple-hl7": (msgs) => {
    for (const m of msgs) {
      const p = simpleParser.parse(m);
      p.header.getField(7); p.header.getField(8);
      const pid = p.getSegment("PID");
      pid.getComponent(3, 1); pid.getComponent(5, 1); pid.getField(7);
    }
  },
  "@medplum/core": (msgs) => {
    for (const m of msgs) {
      const p = Hl7Message.parse(m);
      const msh = p.getSegment("MSH");
      const pid = p.getSegment("PID");
      msh.getField(9).toString(); msh.getField(10).toString();
      pid.getComponent(3, 1); pid.getComponent(5, 1); pid.getField(7).toString();
    }
  },
  "node-hl7-client": (msgs) => {
    for (const m of msgs) {
      const p = new nhc.Message({ text: m });
      for (const f of DOTTED) p.get(f).toString();
    }
  },
  "hl7-standard": (msgs) => {
    for (const m of msgs) {
      const p = new HL7Standard(m);
      p.transform();
      for (const f of DOTTED) p.get(f);
    }
  },
};

const JSON_LIBS = {
  pipehat: (msgs) => {
    for (const m of msgs) {
      const p = pipehat.parse(m);
      p.toJSON();
      p.free();
    }
  },
  "hl7-standard": (msgs) => {
    for (const m of msgs) {
      const p = new HL7Standard(m);
      p.transform();
      p.build ? p.transformed : p;
    }
  },
  "@redoxengine/redox-hl7-v2": (msgs) => {
    for (const m of msgs) redoxParser.parse(m);
  },
};

// Writing: acknowledge each message; set PID-5.1 and serialize.
const ACK_LIBS = {
  pipehat: (msgs) => {
    for (const m of msgs) {
      const p = pipehat.parse(m);
      const a = p.ack({ controlId: "ACK1", timestamp: "20240101120000" });
      a.toString();
      a.free();
      p.free();
    }
  },
  "@medplum/core": (msgs) => {
    for (const m of msgs) Hl7Message.parse(m).buildAck().toString();
  },
};

const EDIT_LIBS = {
  pipehat: (msgs) => {
    for (const m of msgs) {
      const e = new pipehat.EditableMessage(m);
      e.set("PID-5.1", "EDITED");
      e.toString();
      e.free();
    }
  },
  "@medplum/core": (msgs) => {
    for (const m of msgs) {
      const p = Hl7Message.parse(m);
      p.getSegment("PID").setComponent(5, 1, "EDITED");
      p.toString();
    }
  },
};

// Routing: keep ADT^A01/A04/A08, one message at a time.
const typeFilter = new pipehat.Filter('MSH-9.1 = "ADT" and MSH-9.2 in ("A01", "A04", "A08")');
const WANTED = new Set(["A01", "A04", "A08"]);
const FILTER_LIBS = {
  pipehat: (msgs) => msgs.filter((m) => typeFilter.matches(m)).length,
  "pipehat (parse + header getters)": (msgs) =>
    msgs.filter((m) => {
      const p = pipehat.parse(m);
      const keep = p.messageType === "ADT" && WANTED.has(p.triggerEvent);
      p.free();
      return keep;
    }).length,
  hl7parser: (msgs) =>
    msgs.filter((m) => {
      const p = hl7parser.create(m.replace(/\r$/, ""));
      return p.get("MSH.9.1").toString() === "ADT" && WANTED.has(p.get("MSH.9.2").toString());
    }).length,
  "@medplum/core": (msgs) =>
    msgs.filter((m) => {
      const h = Hl7Message.parse(m).getSegment("MSH");
      return h.getComponent(9, 1) === "ADT" && WANTED.has(h.getComponent(9, 2));
    }).length,
};
// The same job on messages as received over HTTP or from a socket: bytes.
// pipehat parses them as they are; hl7parser needs them decoded first.
const FIVE_FROM_BYTES_LIBS = {
  pipehat: (bufs) => {
    for (const b of bufs) {
      const p = pipehat.parse(b);
      for (const f of FIVE) p.get(f);
      p.free();
    }
  },
  "hl7parser (after toString())": (bufs) => {
    for (const b of bufs) {
      const p = hl7parser.create(b.toString().replace(/\r$/, ""));
      for (const f of DOTTED) p.get(f).toString();
    }
  },
};

/** Seconds per round of each library (a library that throws is dropped). */
let lastTimes = {};

/**
 * Collects the garbage of the runs before, then lets the collector's
 * background work (sweeping, on the other cores) finish: without the pause,
 * whichever library runs next pays for the previous one's garbage (measured:
 * pipehat.extract() took 11.2 ms on adt right after hl7-standard, 5.8 ms
 * after a 20 ms pause; the other libraries did not change).
 */
async function settle() {
  globalThis.gc?.();
  await new Promise((resolve) => setTimeout(resolve, 25));
}

async function rounds(libs, msgs, bytes) {
  const times = Object.fromEntries(Object.keys(libs).map((k) => [k, []]));
  const broken = new Set();
  for (let r = 0; r < ROUNDS; r++) {
    for (const [name, fn] of Object.entries(libs)) {
      if (broken.has(name)) continue;
      await settle();
      const t = process.hrtime.bigint();
      try {
        fn(msgs);
      } catch (e) {
        broken.add(name);
        console.error(`${name}: fails on this workload (${e.message.slice(0, 80)})`);
        continue;
      }
      times[name].push(Number(process.hrtime.bigint() - t) / 1e9);
    }
  }
  lastTimes = Object.fromEntries(Object.entries(times).filter(([, v]) => v.length === ROUNDS));
  return Object.fromEntries(Object.entries(times).filter(([, v]) => v.length).map(([k, v]) => [k, bytes / median(v) / 1e6]));
}

/**
 * The speed of each pipehat row over `peer`'s, round by round (both ran in
 * the same round, so a slow phase of the machine slows both): the median
 * and the range over the rounds of the last rounds() call.
 */
function perRound(peer) {
  const base = lastTimes[peer];
  const out = {};
  for (const [name, v] of Object.entries(lastTimes)) {
    if (!name.startsWith("pipehat") || !base) continue;
    const ratios = v.map((t, r) => base[r] / t);
    out[name] = { median: median(ratios), min: Math.min(...ratios), max: Math.max(...ratios) };
  }
  const text = Object.entries(out)
    .map(([k, x]) => `${k} ${x.median.toFixed(1)}× (${x.min.toFixed(1)}–${x.max.toFixed(1)})`)
    .join("; ");
  console.log(`\nRound by round against ${peer} (median, range): ${text}\n`);
  return out;
}

function table(title, rates, unit = "MB/s") {
  console.log(`| ${title} | ${unit} | pipehat is |`);
  console.log("|---|---|---|");
  for (const [k, v] of Object.entries(rates).sort((a, b) => b[1] - a[1])) {
    console.log(`| ${k} | ${v.toFixed(2)} | ${(rates.pipehat / v).toFixed(1)}× |`);
  }
}

const results = {};
for (const name of ["adt", "oru", "mixed"]) {
  const buf = workload(name);
  const text = buf.toString("utf8");
  const msgs = text.split("\n").filter(Boolean);
  const bytes = buf.length;
  console.log(`\n## ${name}.hl7: ${msgs.length} messages, ${(bytes / 1e6).toFixed(1)} MB (Node ${process.version})`);
  // The one-call extract runs in the same rounds as the others.
  const five = await rounds({ ...FIVE_LIBS, "pipehat.extract() (one call)": () => pipehat.extract(buf, FIVE) }, msgs, bytes);
  table("parse + extract 5 fields", five);
  const fiveRounds = perRound("hl7parser");
  const bufs = msgs.map((m) => Buffer.from(m));
  table("parse + extract 5 fields, from bytes", await rounds(FIVE_FROM_BYTES_LIBS, bufs, bytes));
  const bytesRounds = perRound("hl7parser (after toString())");
  const sub = msgs.slice(0, 1000);
  const subBytes = sub.reduce((n, m) => n + Buffer.byteLength(m), 0);
  const json = await rounds(JSON_LIBS, sub, subBytes);
  table("parse + object output (toJSON)", json);
  const jsonRounds = perRound("hl7-standard");
  const acks = await rounds(ACK_LIBS, sub, subBytes);
  table("parse + ACK, serialized", acks);
  const withPid = sub.filter((m) => m.includes("\rPID|"));
  const edits = await rounds(EDIT_LIBS, withPid, withPid.reduce((n, m) => n + Buffer.byteLength(m), 0));
  table("parse + set PID-5.1 + serialize", edits);
  const counts = Object.fromEntries(Object.entries(FILTER_LIBS).map(([k, fn]) => [k, fn(msgs)]));
  if (new Set(Object.values(counts)).size !== 1) console.error(`filter counts differ: ${JSON.stringify(counts)}`);
  const filters = await rounds({ ...FILTER_LIBS, "pipehat Filter.count() (one call)": () => typeFilter.count(buf) }, msgs, bytes);
  table("keep ADT^A01/A04/A08 (type filter)", filters);
  results[name] = { five, json, acks, edits, filters, perRound: { five: fiveRounds, fromBytes: bytesRounds, json: jsonRounds } };
}

// Memory kept: every message of mixed.hl7 alive, one fresh process per library.
// Each library is loaded and warmed up first (its first 1,000 messages, three
// times, dropped) so that the growth measured is the messages', not the
// library's code or the JIT's: V8's optimised code for a wasm module or a JS
// parser is a one-time cost, several MB, that a long-lived process pays once.
const KEEP = {
  pipehat: ["const p=require(LIB+'/../lib/node.cjs');", "m=>p.parse(m)", "x=>x.free()"],
  hl7parser: ["const p=require('hl7parser');", "m=>p.create(m.replace(/\\r$/,''))"],
  "simple-hl7": ["const s=require('simple-hl7'); const p=new s.Parser();", "m=>p.parse(m)"],
  "@medplum/core": ["const {Hl7Message}=require('@medplum/core');", "m=>Hl7Message.parse(m)"],
  "node-hl7-client": ["const n=require('node-hl7-client');", "m=>new n.Message({text:m})"],
};
const mixedPath = `${DATA}/mixed.hl7`;
const mixedMB = readFileSync(mixedPath).length / 1e6;
console.log(`\n## memory kept with every message of mixed.hl7 (${mixedMB.toFixed(1)} MB) alive`);
console.log("| library | RSS growth (MB) | × input |\n|---|---|---|");
const memory = {};
for (const [name, [setup, make, drop]] of Object.entries(KEEP)) {
  const script = `const LIB=${JSON.stringify(fileURLToPath(new URL(".", import.meta.url)))};
const msgs=require('fs').readFileSync(${JSON.stringify(mixedPath)},'utf8').split('\\n').filter(Boolean);
${setup} const make=${make}; const drop=${drop ?? "x=>{}"};
for (let r=0;r<3;r++) msgs.slice(0,1000).map(make).forEach(drop);
let kept; gc(); const before=process.memoryUsage().rss; kept=msgs.map(make); gc(); console.log((process.memoryUsage().rss-before)/1e6); if(!kept.length) throw 0;`;
  try {
    const out = execFileSync(process.execPath, ["--expose-gc", "--max-old-space-size=8192", "-e", script], {
      cwd: fileURLToPath(new URL(".", import.meta.url)),
      encoding: "utf8",
    });
    memory[name] = Number(out.trim());
  } catch {
    memory[name] = NaN;
  }
}
for (const [k, v] of Object.entries(memory).sort((a, b) => a[1] - b[1])) console.log(`| ${k} | ${v.toFixed(0)} | ${(v / mixedMB).toFixed(1)}× |`);
results.memoryKeptMB = memory;
writeFileSync(ROOT + "target/npm-bench.json", JSON.stringify(results, null, 1));
