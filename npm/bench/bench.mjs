// pipehat against the JavaScript HL7 libraries on the shared workload. Not a
// test: nothing here asserts timings.
//
// 1. The headline figures: every contender of every task (libs.mjs) alone in
//    a fresh Node process, which loads only that library, warms it up for
//    half a second, then times runs for a second, three at least (their
//    median is the process's figure: a run of a fast contender lasts a few
//    milliseconds, and three of them swung by 2-3x with the machine's load);
//    the processes alternate over --rounds rounds (round, workload, task,
//    contender), so that a slow phase of the machine touches every contender.
//    Medians and ranges over the rounds; ratios are taken round by round.
// 2. The same tasks interleaved in one process (every round runs every
//    contender once; before each run the garbage of the runs before is
//    collected and left to settle): a second table, since in one process one
//    library's garbage and heap sizing change another's figure.
// 3. Memory kept with every message of mixed.hl7 alive, a process per library.
// 4. parse() + 5 fields, pipehat and hl7parser alone in their processes as in
//    1, under every Node the repository installs (npm/test-node-versions)
//    and with the messages' strings stored one byte a character (the
//    workload's text) and two (a text that holds a character above U+00FF):
//    what a string costs to hand to WebAssembly depends on both.
//
// Everything goes to target/bench-report/npm.json, and benches/report.py
// prints it (and, through `make bench-report`, writes docs/performance.md).
//
//   node --expose-gc bench.mjs [--rounds 3] [--interleaved-rounds 5]
//        [--tasks five,bytes,json,validate,ack,edit,filter] [--workloads adt,oru,mixed]
//        [--skip interleaved,memory,nodes] [--data ../../target/bench-data]
import { readFileSync, writeFileSync, mkdirSync, existsSync } from "node:fs";
import { execFileSync } from "node:child_process";
import { fileURLToPath } from "node:url";
import { opt, ROOT, DATA, workload, median } from "./common.mjs";
import { TASKS, taskInput } from "./libs.mjs";

const here = fileURLToPath(import.meta.url);
const seconds = (t0) => Number(process.hrtime.bigint() - t0) / 1e9;

// How long a process warms up and times its contender, in seconds, and the
// fewest timed runs (see "--one" below).
const WARM_UP = 0.5;
const MEASURE = 1;
const MIN_RUNS = 3;

if (process.argv[2] === "--one") {
  // One contender, one task, one workload, in this process alone.
  const [, , , taskName, lib, w] = process.argv;
  const task = TASKS[taskName];
  const input = taskInput(task, workload(w));
  let out;
  try {
    const fn = task.libs[lib]();
    // Warm-up, untimed: at least one run and WARM_UP seconds, so that the
    // engine has compiled the hot code in its optimizing tiers (a fast
    // contender's run lasts a few milliseconds, less than that takes).
    const warm = process.hrtime.bigint();
    do fn(input);
    while (seconds(warm) < WARM_UP);
    // Then timed runs: at least MIN_RUNS and MEASURE seconds.
    const runs = [];
    const start = process.hrtime.bigint();
    while (runs.length < MIN_RUNS || seconds(start) < MEASURE) {
      const t0 = process.hrtime.bigint();
      fn(input);
      runs.push(seconds(t0));
    }
    const s = median(runs);
    out = { mbs: input.bytes / s / 1e6, msgs: input.msgs.length / s };
  } catch (e) {
    // A library that cannot read a workload is reported, not timed.
    out = { error: String(e?.message ?? e).slice(0, 80) };
  }
  console.log(JSON.stringify(out));
  process.exit(0);
}

/**
 * Runs `--one task lib w` in a fresh process of the Node at `node`, with
 * `env` added to this one's; returns what it printed ({mbs, msgs} or {error}).
 */
function runAlone(node, task, lib, w, env = {}) {
  const options = { encoding: "utf8", env: { ...process.env, PIPEHAT_BENCH_DATA: DATA, ...env } };
  return JSON.parse(execFileSync(node, [here, "--one", task, lib, w], options));
}

const ROUNDS = Number(opt("--rounds", 3));
const INTERLEAVED_ROUNDS = Number(opt("--interleaved-rounds", 5));
const TASK_NAMES = opt("--tasks", Object.keys(TASKS).join(",")).split(",");
const WORKLOADS = opt("--workloads", "adt,oru,mixed").split(",");
const SKIP = opt("--skip", "").split(",");

const results = {
  runtime: `Node ${process.version}`,
  date: new Date().toISOString().slice(0, 10),
  rounds: ROUNDS,
  interleavedRounds: INTERLEAVED_ROUNDS,
  tasks: Object.fromEntries(TASK_NAMES.map((t) => [t, { title: TASKS[t].title, peer: TASKS[t].peer ?? null }])),
  workloads: {},
  perProcess: {},
  interleaved: {},
};
for (const w of WORKLOADS) {
  const buf = workload(w);
  results.workloads[w] = { bytes: buf.length, messages: buf.toString("latin1").split("\n").filter(Boolean).length };
}

// 1. Each contender alone in its own process, alternated.
for (let r = 0; r < ROUNDS; r++) {
  for (const w of WORKLOADS) {
    for (const t of TASK_NAMES) {
      for (const lib of Object.keys(TASKS[t].libs)) {
        const out = runAlone(process.execPath, t, lib, w);
        const runs = (((results.perProcess[t] ??= {})[w] ??= {})[lib] ??= []);
        if (out.error) {
          if (r === 0) console.error(`${lib}: fails on ${w} (${out.error})`);
          continue;
        }
        runs.push(out.mbs);
      }
    }
  }
  console.error(`round ${r + 1} of ${ROUNDS} done`);
}

// 2. Interleaved in this process.
/**
 * Collects the garbage of the runs before, then lets the collector's
 * background work finish: without the pause, whichever library runs next
 * pays for the previous one's garbage (measured: pipehat.extract() took
 * 11.2 ms on adt right after hl7-standard, 5.8 ms after a 20 ms pause).
 */
async function settle() {
  globalThis.gc?.();
  await new Promise((resolve) => setTimeout(resolve, 25));
}

if (!SKIP.includes("interleaved")) {
  for (const t of TASK_NAMES) {
    const task = TASKS[t];
    const fns = {};
    for (const [lib, load] of Object.entries(task.libs)) fns[lib] = load();
    for (const w of WORKLOADS) {
      const input = taskInput(task, workload(w));
      const rates = (results.interleaved[t] ??= {})[w] = {};
      const broken = new Set();
      // A warm-up run each, untimed, as in the processes of part 1.
      for (const [lib, fn] of Object.entries(fns)) {
        try {
          fn(input);
        } catch {
          broken.add(lib);
        }
      }
      for (let r = 0; r < INTERLEAVED_ROUNDS; r++) {
        for (const [lib, fn] of Object.entries(fns)) {
          if (broken.has(lib)) continue;
          await settle();
          const t0 = process.hrtime.bigint();
          try {
            fn(input);
          } catch {
            broken.add(lib);
            continue;
          }
          (rates[lib] ??= []).push(input.bytes / seconds(t0) / 1e6);
        }
      }
      for (const lib of broken) delete rates[lib];
    }
  }
}

// 3. Memory kept: every message of mixed.hl7 alive, one fresh process per library.
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
if (!SKIP.includes("memory")) {
  const mixedPath = `${DATA}/mixed.hl7`;
  const memory = { inputMB: readFileSync(mixedPath).length / 1e6, growthMB: {} };
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
      memory.growthMB[name] = Number(out.trim());
    } catch {
      memory.growthMB[name] = null;
    }
  }
  results.memory = memory;
}

// 4. Node version by version, and the two ways V8 stores a string.
if (!SKIP.includes("nodes")) {
  const nodes = [[process.version, process.execPath]];
  for (const v of [22, 24]) {
    const bin = `${ROOT}npm/test-node-versions/node_modules/node${v}/bin/node`;
    if (!existsSync(bin)) continue;
    const version = execFileSync(bin, ["--version"], { encoding: "utf8" }).trim();
    if (version.split(".")[0] !== process.version.split(".")[0]) nodes.push([version, bin]);
  }
  const byNode = (results.nodes = {});
  for (let r = 0; r < ROUNDS; r++) {
    for (const w of WORKLOADS) {
      for (const [version, bin] of nodes) {
        for (const strings of ["narrow", "wide"]) {
          for (const lib of ["pipehat", "hl7parser"]) {
            const out = runAlone(bin, "five", lib, w, { PIPEHAT_BENCH_STRINGS: strings });
            if (out.error) continue;
            const runs = ((((byNode[version] ??= {})[strings] ??= {})[w] ??= {})[lib] ??= []);
            runs.push(out.mbs);
          }
        }
      }
    }
    console.error(`Node versions: round ${r + 1} of ${ROUNDS} done`);
  }
}

mkdirSync(ROOT + "target/bench-report", { recursive: true });
const file = ROOT + "target/bench-report/npm.json";
writeFileSync(file, JSON.stringify(results, null, 1));
console.log(execFileSync("python3", [ROOT + "benches/report.py", "--print", file], { encoding: "utf8" }));
