// `make fuzz` for the npm package: fresh broken corpus messages from
// tests/mutations.py (random seeds) through the checks of robustness.mjs,
// until the time is up. A failing input is written to fuzz/artifacts/ and
// the run fails; keep it in tests/fuzz-regressions/ once fixed.
//
//   node test/fuzz.mjs [seconds]
import { spawnSync } from "node:child_process";
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import * as api from "pipehat";
import { CORPUS, TESTS } from "./helpers.mjs";
import { applyEdits, checkInput } from "./robustness.mjs";

const seconds = Number(process.argv[2] ?? 60);
const deadline = Date.now() + seconds * 1000;
const files = new Map();
let runs = 0;
while (Date.now() < deadline) {
  const seed = Math.floor(Math.random() * 2 ** 31);
  const out = spawnSync("python3", [TESTS + "mutations.py", "--seed", String(seed), "--count", "300"], {
    encoding: "utf8",
    maxBuffer: 1 << 26,
  });
  if (out.status !== 0) throw new Error(`mutations.py failed: ${out.stderr}`);
  for (const line of out.stdout.split("\n").filter(Boolean)) {
    if (Date.now() >= deadline) break;
    const c = JSON.parse(line);
    if (!files.has(c.file)) files.set(c.file, new Uint8Array(readFileSync(CORPUS + c.file)));
    const input = applyEdits(files.get(c.file), c.edits);
    try {
      checkInput(api, input, `seed ${seed} ${c.name}`);
    } catch (e) {
      const dir = new URL("../../fuzz/artifacts/", import.meta.url);
      mkdirSync(dir, { recursive: true });
      const file = new URL(`npm-seed${seed}-${c.name}.hl7`, dir);
      writeFileSync(file, input);
      console.error(`failed on ${file.pathname}:`, e);
      process.exit(1);
    }
    runs++;
  }
}
console.log(`npm fuzz: ${runs} broken messages checked in ${seconds} s, no failure`);
