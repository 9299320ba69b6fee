// What every benchmark script here shares: command-line options, the shared
// workload (generated on first use), the five paths read, and the median.
import { readFileSync, existsSync, mkdirSync } from "node:fs";
import { execFileSync } from "node:child_process";
import { fileURLToPath } from "node:url";

const args = process.argv.slice(2);
/** The value after `--name` on the command line, or `dflt`. */
export const opt = (name, dflt) => (args.includes(name) ? args[args.indexOf(name) + 1] : dflt);
export const ROOT = fileURLToPath(new URL("../../", import.meta.url));
export const DATA = opt("--data", process.env.PIPEHAT_BENCH_DATA ?? ROOT + "target/bench-data");
/** MSH-9, MSH-10, PID-3.1, PID-5.1, PID-7: as pipehat writes them, and dotted (hl7parser). */
export const FIVE = ["MSH-9", "MSH-10", "PID-3.1", "PID-5.1", "PID-7"];
export const DOTTED = ["MSH.9", "MSH.10", "PID.3.1", "PID.5.1", "PID.7"];

/** The bytes of workload `name` (adt, oru, mixed, big), made by make_workload.py if missing. */
export function workload(name) {
  const path = `${DATA}/${name}.hl7`;
  if (!existsSync(path)) {
    mkdirSync(DATA, { recursive: true });
    execFileSync("python3", [ROOT + "../shared/bench/make_workload.py", DATA]);
  }
  return readFileSync(path);
}

export const median = (v) => [...v].sort((a, b) => a - b)[v.length >> 1];

/**
 * Runs `script --one <workload>` alone in a fresh process per workload,
 * alternated over `rounds`, and prints medians and ranges of what each run
 * printed ({mbs, msgs}), headed by `what`.
 */
export function alternate(script, what, rounds, workloads = ["adt", "oru", "mixed"]) {
  const results = {};
  for (let r = 0; r < rounds; r++) {
    for (const w of workloads) {
      const out = JSON.parse(execFileSync(process.execPath, [script, "--one", w], { encoding: "utf8" }));
      (results[w] ??= []).push(out);
    }
  }
  console.log(`| workload | ${what} MB/s median (range) | messages/s median |`);
  console.log("|---|---|---|");
  for (const [w, runs] of Object.entries(results)) {
    const mb = runs.map((x) => x.mbs);
    console.log(`| ${w} | ${median(mb).toFixed(1)} (${Math.min(...mb).toFixed(1)}–${Math.max(...mb).toFixed(1)}) | ${Math.round(median(runs.map((x) => x.msgs)))} |`);
  }
}

/**
 * What a `--one <workload>` run measures over: the workload's bytes (from
 * PIPEHAT_BENCH_DATA, else target/bench-data) and its messages, split by `api`.
 */
export function oneWorkload(api) {
  const dir = process.env.PIPEHAT_BENCH_DATA ?? ROOT + "target/bench-data";
  const bytes = readFileSync(`${dir}/${process.argv[3]}.hl7`);
  const messages = [];
  for (const c of api.split(bytes)) if (c.kind === "message") messages.push(c.bytes);
  return { bytes, messages };
}
