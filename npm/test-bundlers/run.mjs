// Builds src/main.mjs with Vite and with webpack, serves each build from
// 127.0.0.1 and runs it in headless Chromium (Debian's package). Prints
// "N passed, N failed" per bundler.
import { createServer } from "node:http";
import { readFile, writeFile } from "node:fs/promises";
import { extname, join, normalize } from "node:path";
import { fileURLToPath } from "node:url";
import { chromium } from "playwright-core";
import { build as viteBuild } from "vite";
import webpack from "webpack";

const HERE = fileURLToPath(new URL(".", import.meta.url));
const TYPES = { ".html": "text/html", ".js": "text/javascript", ".mjs": "text/javascript", ".wasm": "application/wasm" };
await viteBuild({ root: HERE, logLevel: "warn", build: { outDir: "dist-vite", emptyOutDir: true } });
const config = (await import("./webpack.config.cjs")).default;
const stats = await new Promise((resolve, reject) => webpack(config, (err, s) => (err ? reject(err) : resolve(s))));
if (stats.hasErrors()) throw new Error(stats.toString("errors-only"));
await writeFile(join(HERE, "dist-webpack/index.html"), '<!doctype html><meta charset="utf-8"><script src="main.js"></script>\n');

function serve(root) {
  const server = createServer(async (req, res) => {
    const path = normalize(decodeURIComponent(new URL(req.url, "http://x").pathname));
    if (path.includes("..")) return res.writeHead(403).end();
    try {
      const body = await readFile(join(root, path === "/" ? "index.html" : path));
      res.writeHead(200, { "content-type": TYPES[extname(path)] || "text/html" }).end(body);
    } catch {
      res.writeHead(404).end();
    }
  });
  return new Promise((r) => server.listen(0, "127.0.0.1", () => r(server)));
}

const EXPECTED = {
  family: "DOE",
  decoded: "a&b",
  ack: "MSH|^~\\&|EHR|CLINIC|LAB|HOSP|20240115||ACK^R01^ACK|A1|P|2.5.1\rMSA|AA|MSG42\r",
  edited: "J&B",
  lossless: true,
  mllp: true,
  nak: "AE",
  error: "missing_header",
  validated: "missing_segment",
};

const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM || "/usr/bin/chromium",
  args: ["--headless", "--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-background-networking", "--disable-component-update"],
});
let failed = 0;
try {
  for (const bundler of ["vite", "webpack"]) {
    const server = await serve(join(HERE, `dist-${bundler}`));
    const page = await browser.newPage();
    const errors = [];
    page.on("pageerror", (e) => errors.push(String(e)));
    await page.goto(`http://127.0.0.1:${server.address().port}/`);
    await page.waitForFunction(() => window.__result, null, { timeout: 60_000 }).catch(() => errors.push("timed out"));
    const got = (await page.evaluate(() => window.__result)) ?? {};
    let ok = 0;
    let bad = 0;
    for (const [k, want] of Object.entries(EXPECTED)) {
      if (JSON.stringify(got[k]) === JSON.stringify(want)) ok++;
      else bad++, console.log(`FAIL ${bundler} ${k}: got ${JSON.stringify(got[k])}`);
    }
    for (const e of [...errors, ...(got.failure ? [got.failure] : [])]) bad++, console.log(`FAIL ${bundler} ${e}`);
    console.log(`${bundler} (chromium): ${ok} passed, ${bad} failed`);
    failed += bad;
    await page.close();
    server.close();
  }
} finally {
  await browser.close();
}
process.exit(failed ? 1 : 0);
