// The viewer's page weight and timings in headless Chromium (not a test):
// - the page's files gzipped: what the page needs to be interactive (the
//   core module), and with the full module it loads next;
// - interactive: from navigation start to the page being wired with the
//   core module (performance mark "pipehat-viewer-interactive"), each load
//   in a fresh browser context;
// - a 100,000-message file (the adt workload's messages, cycled) opened
//   with `pipehat view FILE`, as users do: how long until its list shows,
//   then selecting messages across it (parse, tree, text, diagnostics and
//   validation marks, details), each until layout is done.
//   node bench/viewer.mjs [--rounds 7] [--selections 60]
import { spawn } from "node:child_process";
import { readFileSync, writeFileSync, mkdtempSync, rmSync } from "node:fs";
import { gzipSync } from "node:zlib";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { chromium } from "playwright-core";
import { ROOT, opt, workload, median } from "./common.mjs";
import { split } from "../lib/node.mjs";

const NPM = join(ROOT, "npm");
const FILES = JSON.parse(readFileSync(join(NPM, "viewer/files.json"), "utf8")).files;
const LATER = new Set(["viewer/wasm/full.mjs", "pkg/web-full/pipehat_wasm.js"]);
const rounds = Number(opt("--rounds", 7));
const selections = Number(opt("--selections", 60));

const kb = (n) => `${(n / 1024).toFixed(0)} KB`;
let first = 0;
let all = 0;
let raw = 0;
for (const f of FILES) {
  const bytes = readFileSync(join(NPM, f));
  const z = gzipSync(bytes, { level: 9 }).length;
  raw += bytes.length;
  all += z;
  if (!LATER.has(f)) first += z;
}
console.log("| page weight | gzipped | as served |");
console.log("|---|---|---|");
console.log(`| interactive (page, API, core module) | ${kb(first)} | |`);
console.log(`| everything (with the full module) | ${kb(all)} | ${kb(raw)} |`);

function startCli(args) {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [join(NPM, "bin/pipehat.mjs"), "view", ...args, "--no-open"], { stdio: ["ignore", "pipe", "inherit"] });
    let out = "";
    child.stdout.on("data", (d) => {
      out += d;
      const m = /(http:\/\/\S+)/.exec(out);
      if (m) resolve({ url: m[1], child });
    });
    child.on("exit", (code) => reject(new Error(`pipehat view exited ${code}`)));
  });
}

const spread = (v) => `${median(v).toFixed(1)} (${Math.min(...v).toFixed(1)}–${Math.max(...v).toFixed(1)})`;
const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM || "/usr/bin/chromium",
  args: ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"],
});
const tmp = mkdtempSync(join(tmpdir(), "pipehat-viewer-bench-"));
try {
  const empty = await startCli([]);
  const interactive = [];
  const full = [];
  for (let r = 0; r < rounds; r++) {
    const context = await browser.newContext();
    const page = await context.newPage();
    await page.goto(empty.url);
    await page.waitForSelector('html[data-full="loaded"]');
    const t = await page.evaluate(() => ({
      interactive: performance.getEntriesByName("pipehat-viewer-interactive")[0].startTime,
      full: performance.now(),
    }));
    interactive.push(t.interactive);
    full.push(t.full);
    await context.close();
  }
  empty.child.kill("SIGINT");

  // 100,000 messages of the adt workload, cycled, a line break between them.
  const messages = split(workload("adt")).filter((c) => c.kind === "message").map((c) => c.bytes);
  const parts = [];
  for (let i = 0; i < 100_000; i++) parts.push(messages[i % messages.length]);
  const big = join(tmp, "100k.hl7");
  writeFileSync(big, Buffer.concat(parts.flatMap((m) => [m, Buffer.from("\n")])));
  const size = parts.reduce((n, m) => n + m.length + 1, 0);
  const server = await startCli([big]);
  const opens = [];
  const select = [];
  for (let r = 0; r < Math.min(rounds, 3); r++) {
    const context = await browser.newContext({ viewport: { width: 1400, height: 900 } });
    const page = await context.newPage();
    await page.goto(server.url);
    await page.waitForSelector('html[data-opened="true"]', { timeout: 300_000 });
    opens.push(await page.evaluate(() => performance.now()));
    await page.waitForSelector('html[data-full="loaded"]');
    const times = await page.evaluate((n) => {
      const { select, state } = window.pipehatViewer;
      const out = [];
      for (let k = 0; k < n; k++) {
        const i = Math.floor((k * 99_991) % state.messages.length);
        const t0 = performance.now();
        select(i);
        void document.body.offsetHeight; // layout included
        out.push(performance.now() - t0);
      }
      return { out, count: state.messages.length };
    }, selections);
    if (times.count !== 100_000) throw new Error(`the page read ${times.count} messages`);
    select.push(...times.out);
    await context.close();
  }
  server.child.kill("SIGINT");

  console.log(`\nChromium ${browser.version()}, ${rounds} loads, each in a fresh context; milliseconds, median (range)\n`);
  console.log("| measure | ms |");
  console.log("|---|---|");
  console.log(`| interactive with the core module | ${spread(interactive)} |`);
  console.log(`| full module loaded (names, validation, FHIR, de-identification) | ${spread(full)} |`);
  console.log(`| a 100,000-message file (${(size / 1e6).toFixed(0)} MB) listed, from navigation start | ${spread(opens)} |`);
  const sorted = [...select].sort((a, b) => a - b);
  console.log(`| selecting a message in it (${select.length} selections) | median ${median(select).toFixed(1)}, 95th percentile ${sorted[Math.floor(sorted.length * 0.95)].toFixed(1)}, max ${sorted.at(-1).toFixed(1)} |`);
} finally {
  await browser.close();
  rmSync(tmp, { recursive: true, force: true });
}

