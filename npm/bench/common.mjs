// What every benchmark script here shares: command-line options, the shared
// workload (generated on first use), the five paths read, and the median.
import { readFileSync, existsSync, mkdirSync } from "node:fs";
import { execFileSync } from "node:child_process";
import { fileURLToPath } from "node:url";

const args = process.argv.slice(2);
/** The value after `--name` on the command line, or `dflt`. */
export const opt = (name, dflt) => (args.includes(name) ? args[args.indexOf(name) + 1] : dflt);
export const ROOT = fileURLToPath(new URL("../../", import.meta.url));
export const DATA = opt("--data", ROOT + "target/bench-data");
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
